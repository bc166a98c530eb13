using System.Collections.Immutable;
using Basic.Reference.Assemblies;
using LstmGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace LstmGen.Generator.Tests;

/// <summary>The outcome of running the generator once over a compilation.</summary>
internal sealed record GeneratorRun(
    GeneratorDriver Driver,
    Compilation Input,
    Compilation Output,
    ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    public GeneratorDriverRunResult RunResult => Driver.GetRunResult();

    public GeneratorRunResult Result => Assert.Single(RunResult.Results);

    public ImmutableArray<GeneratedSourceResult> GeneratedSources => Result.GeneratedSources;

    /// <summary>The single generated file's text with '\n' line endings.</summary>
    public string SingleSourceText => GeneratorHarness.Normalize(Assert.Single(GeneratedSources).SourceText.ToString());
}

/// <summary>Builds compilations against the .NET 10 reference assemblies plus LstmGen.Runtime and runs the generator.</summary>
internal static class GeneratorHarness
{
    /// <summary>The highest warning level: every warning wave the compiler knows.</summary>
    public const int HighestWarningLevel = 9999;

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> s_references = Net100.References.All
        .Cast<MetadataReference>()
        .Append(MetadataReference.CreateFromFile(typeof(LstmModelAttribute).Assembly.Location))
        .ToImmutableArray();

    /// <summary>Options that turn every warning into an error at the highest warning level.</summary>
    public static CSharpCompilationOptions StrictOptions { get; } = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        warningLevel: HighestWarningLevel,
        generalDiagnosticOption: ReportDiagnostic.Error);

    /// <summary>Options that leave severities alone (for tests that expect compiler errors in user code).</summary>
    public static CSharpCompilationOptions DefaultOptions { get; } = new(
        OutputKind.DynamicallyLinkedLibrary,
        nullableContextOptions: NullableContextOptions.Enable,
        warningLevel: HighestWarningLevel);

    public static CSharpCompilation CreateCompilation(string source, string path = "Model.cs", CSharpCompilationOptions? options = null, CSharpParseOptions? parseOptions = null)
        => CSharpCompilation.Create(
            "LstmGenTestAssembly",
            new[] { Parse(source, path, parseOptions) },
            s_references,
            options ?? StrictOptions);

    public static SyntaxTree Parse(string source, string path, CSharpParseOptions? parseOptions = null)
        => CSharpSyntaxTree.ParseText(SourceText.From(source, System.Text.Encoding.UTF8), parseOptions ?? ParseOptions, path);

    public static GeneratorDriver CreateDriver(CSharpParseOptions? parseOptions = null)
        => CSharpGeneratorDriver.Create(
            new[] { new LstmModelGenerator().AsSourceGenerator() },
            parseOptions: parseOptions ?? ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(Compilation compilation, GeneratorDriver? driver = null)
    {
        GeneratorDriver next = (driver ?? CreateDriver())
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new GeneratorRun(next, compilation, output, diagnostics);
    }

    public static GeneratorRun Run(string source, string path = "Model.cs", CSharpCompilationOptions? options = null)
        => Run(CreateCompilation(source, path, options));

    /// <summary>Generates the source for one model declaration and returns its text (asserting there is exactly one file).</summary>
    public static string Generate(string source) => Run(source).SingleSourceText;

    public static string Normalize(string text) => text.Replace("\r\n", "\n");

    /// <summary>A single [LstmModel] class in namespace <c>Demo</c>, built from an attribute argument list.</summary>
    public static string ModelSource(string arguments, string typeName = "SentimentModel", string modifiers = "public sealed partial")
        => $$"""
            using LstmGen;

            namespace Demo;

            [LstmModel({{arguments}})]
            {{modifiers}} class {{typeName}};
            """;

    public static string Arguments(int v, int e, int h, int t, int o, OutputActivation output)
        => $"VocabularySize = {v}, EmbeddingSize = {e}, HiddenSize = {h}, SequenceLength = {t}, OutputSize = {o}, Output = OutputActivation.{output}";

    /// <summary>The reference model: V = 10,000, E = 128, H = 64, T = 100, one sigmoid output, <c>Demo.SentimentModel</c>.</summary>
    public static string ReferenceSource { get; } = ModelSource(Arguments(10_000, 128, 64, 100, 1, OutputActivation.Sigmoid));

    /// <summary>
    /// Strips one <c>[|…|]</c> marker from <paramref name="markup"/> and returns the plain source and the marked span.
    /// </summary>
    public static (string Source, TextSpan Span) Markup(string markup)
    {
        int start = markup.IndexOf("[|", StringComparison.Ordinal);
        int end = markup.IndexOf("|]", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "markup needs one [| … |] span");
        Assert.Equal(-1, markup.IndexOf("[|", start + 2, StringComparison.Ordinal));
        string source = markup.Remove(end, 2).Remove(start, 2);
        return (source, TextSpan.FromBounds(start, end - 2));
    }
}
