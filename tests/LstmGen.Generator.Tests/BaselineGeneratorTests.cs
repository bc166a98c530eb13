using System.Globalization;
using Microsoft.CodeAnalysis;

namespace LstmGen.Generator.Tests;

/// <summary>
/// [TextCnnModel] and [FeedForwardModel]: every diagnostic at its exact location (array elements included), and generated
/// code that compiles with no warning at the highest warning level, XML documentation checked, for many sizes.
/// </summary>
public sealed class BaselineGeneratorTests
{
    private const string Cnn = "VocabularySize = 100, EmbeddingSize = 8, SequenceLength = 10, KernelSizes = new[] { 3, 4, 5 }, Filters = 16";
    private const string Ff = "VocabularySize = 100, EmbeddingSize = 8, SequenceLength = 10, HiddenSizes = new[] { 16 }";

    private static string Source(string attribute, string arguments) => $$"""
        using LstmGen;
        namespace Demo;
        [{{attribute}}({{arguments}})]
        public sealed partial class Model;
        """;

    [Theory]
    [InlineData("TextCnnModel", "VocabularySize")]
    [InlineData("TextCnnModel", "EmbeddingSize")]
    [InlineData("TextCnnModel", "SequenceLength")]
    [InlineData("TextCnnModel", "KernelSizes")]
    [InlineData("TextCnnModel", "Filters")]
    [InlineData("FeedForwardModel", "VocabularySize")]
    [InlineData("FeedForwardModel", "EmbeddingSize")]
    [InlineData("FeedForwardModel", "SequenceLength")]
    [InlineData("FeedForwardModel", "HiddenSizes")]
    public void Lstmgen020_RequiredSettingMissing_PointsAtAttribute(string attribute, string missing)
    {
        string[] all = attribute == "TextCnnModel"
            ? ["VocabularySize = 100", "EmbeddingSize = 8", "SequenceLength = 10", "KernelSizes = new[] { 3, 4, 5 }", "Filters = 16"]
            : ["VocabularySize = 100", "EmbeddingSize = 8", "SequenceLength = 10", "HiddenSizes = new[] { 16 }"];
        string arguments = string.Join(", ", all.Where(a => !a.StartsWith(missing + " ", StringComparison.Ordinal)));
        Diagnostic d = DiagnosticTests.AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [[|{{attribute}}({{arguments}})|]]
            public sealed partial class Model;
            """, "LSTMGEN020");
        string message = d.GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains($"[{attribute}]", message, StringComparison.Ordinal);
        Assert.Contains($"'{missing} = …'", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("KernelSizes = new int[0]")]
    [InlineData("KernelSizes = []")]
    [InlineData("KernelSizes = null")]
    public void Lstmgen021_NoKernelSizes_PointsAtArgument(string kernels)
    {
        DiagnosticTests.AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [TextCnnModel(VocabularySize = 100, EmbeddingSize = 8, SequenceLength = 10, [|{{kernels}}|], Filters = 4)]
            public sealed partial class Model;
            """, "LSTMGEN021");
    }

    [Theory]
    [InlineData("new[] { 3, [|11|] }", "KernelSizes[1] is 11")]
    [InlineData("new int[] { [|12|] }", "KernelSizes[0] is 12")]
    [InlineData("[2, [|20|], 4]", "KernelSizes[1] is 20")]
    public void Lstmgen022_KernelWiderThanSequence_PointsAtElement(string kernels, string expected)
    {
        Diagnostic d = DiagnosticTests.AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [TextCnnModel(VocabularySize = 100, EmbeddingSize = 8, SequenceLength = 10, KernelSizes = {{kernels}}, Filters = 4)]
            public sealed partial class Model;
            """, "LSTMGEN022");
        Assert.Contains(expected, d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TextCnnModel", "KernelSizes = new[] { 3, [|0|] }, Filters = 4", "KernelSizes[1]")]
    [InlineData("TextCnnModel", "KernelSizes = [[|-2|]], Filters = 4", "KernelSizes[0]")]
    [InlineData("TextCnnModel", "KernelSizes = new[] { 3 }, [|Filters = 0|]", "Filters")]
    [InlineData("FeedForwardModel", "HiddenSizes = new[] { 8, [|-1|] }", "HiddenSizes[1]")]
    [InlineData("FeedForwardModel", "HiddenSizes = new[] { 8 }, [|OutputSize = 0|]", "OutputSize")]
    public void Lstmgen004_NonPositiveSize_PointsAtArgumentOrElement(string attribute, string rest, string name)
    {
        Diagnostic d = DiagnosticTests.AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [{{attribute}}(VocabularySize = 100, EmbeddingSize = 8, SequenceLength = 10, {{rest}})]
            public sealed partial class Model;
            """, "LSTMGEN004");
        Assert.StartsWith(name + " is ", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LstmModel(VocabularySize = 100, EmbeddingSize = 8, HiddenSize = 8, SequenceLength = 10)", "LstmModel")]
    [InlineData("FeedForwardModel(" + Ff + ")", "FeedForwardModel")]
    public void Lstmgen012_TwoModelAttributes_PointsAtTheSecondOne(string other, string otherName)
    {
        (string source, Microsoft.CodeAnalysis.Text.TextSpan span) = GeneratorHarness.Markup($$"""
            using LstmGen;
            namespace Demo;
            [{{other}}]
            [[|TextCnnModel({{Cnn}})|]]
            public sealed partial class Model;
            """);
        GeneratorRun run = GeneratorHarness.Run(source, "Model.cs", GeneratorHarness.DefaultOptions);
        Diagnostic d = Assert.Single(run.GeneratorDiagnostics.Where(x => x.Location.SourceSpan == span), x => true);
        Assert.Equal("LSTMGEN012", d.Id);
        Assert.Contains($"already has [{otherName}], so [TextCnnModel] cannot also apply", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        // One diagnostic in all (none on the first attribute), and no model is generated for the class.
        Assert.Single(run.GeneratorDiagnostics);
        Assert.Empty(run.GeneratedSources);
    }

    [Fact]
    public void SharedDiagnostics_ApplyToTheNewAttributes()
    {
        DiagnosticTests.AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [FeedForwardModel({{Ff}})]
            public sealed class [|Model|];
            """, "LSTMGEN001");
        DiagnosticTests.AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [TextCnnModel({{Cnn}}, [|Output = OutputActivation.Softmax|])]
            public sealed partial class Model;
            """, "LSTMGEN006");
        DiagnosticTests.AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [TextCnnModel([|VocabularySize = 2|], EmbeddingSize = 8, SequenceLength = 10, KernelSizes = new[] { 3 }, Filters = 4)]
            public sealed partial class Model;
            """, "LSTMGEN009");
        DiagnosticTests.AssertSingleDiagnostic("""
            using LstmGen;
            namespace Demo;
            [[|TextCnnModel(VocabularySize = 1000000, EmbeddingSize = 4096, SequenceLength = 10, KernelSizes = new[] { 3 }, Filters = 4)|]]
            public sealed partial class Model;
            """, "LSTMGEN005");
    }

    public static TheoryData<string, string> Sizes() => new()
    {
        { "TextCnnModel", "VocabularySize = 3, EmbeddingSize = 1, SequenceLength = 1, KernelSizes = new[] { 1 }, Filters = 1" },
        { "TextCnnModel", "VocabularySize = 13, EmbeddingSize = 3, SequenceLength = 9, KernelSizes = new[] { 2, 3, 5 }, Filters = 4" },
        { "TextCnnModel", "VocabularySize = 29, EmbeddingSize = 5, SequenceLength = 7, KernelSizes = [1, 4, 7], Filters = 19, OutputSize = 3, Output = OutputActivation.Softmax" },
        { "TextCnnModel", "VocabularySize = 10000, EmbeddingSize = 128, SequenceLength = 100, KernelSizes = new[] { 3, 4, 5 }, Filters = 64" },
        { "TextCnnModel", "VocabularySize = 50, EmbeddingSize = 300, SequenceLength = 4, KernelSizes = new[] { 4, 4 }, Filters = 33, OutputSize = 2, Output = OutputActivation.Linear" },
        { "FeedForwardModel", "VocabularySize = 3, EmbeddingSize = 1, SequenceLength = 1, HiddenSizes = new[] { 1 }" },
        { "FeedForwardModel", "VocabularySize = 11, EmbeddingSize = 5, SequenceLength = 6, HiddenSizes = new int[0], OutputSize = 2, Output = OutputActivation.Linear" },
        { "FeedForwardModel", "VocabularySize = 40, EmbeddingSize = 20, SequenceLength = 17, HiddenSizes = [33, 7], OutputSize = 4" },
        { "FeedForwardModel", "VocabularySize = 10000, EmbeddingSize = 128, SequenceLength = 100, HiddenSizes = new[] { 64 }" },
        { "FeedForwardModel", "VocabularySize = 7, EmbeddingSize = 17, SequenceLength = 3, HiddenSizes = new[] { 16, 32, 5 }, OutputSize = 10, Output = OutputActivation.Softmax" },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void GeneratedCode_HasNoWarnings_WithDocumentationDiagnostics(string attribute, string arguments)
    {
        string source = $$"""
            using LstmGen;
            using LstmGen.Training;

            namespace Demo.Models;

            /// <summary>Container.</summary>
            public static partial class Outer
            {
                /// <summary>The model under test.</summary>
                [{{attribute}}({{arguments}})]
                public sealed partial class Model;
            }

            /// <summary>Uses the generated members, so their signatures are compiled against real call sites.</summary>
            internal static class Usage
            {
                /// <summary>Creates a model and runs it through the interfaces.</summary>
                public static float Run()
                {
                    var model = new Outer.Model(seed: 1);
                    ITrainableModel contract = model;
                    int[] tokens = new int[Outer.Model.SequenceLength];
                    float[] output = new float[Outer.Model.OutputSize];
                    model.Predict(tokens, output);
                    model.PredictBatch(tokens, output);
                    model.UseFoldedEmbedding = false;
                    model.SetParameter("fc.bias", new float[Outer.Model.OutputSize]);
                    float[] gradients = new float[Outer.Model.ParameterCount];
                    float loss = contract.ComputeGradients(tokens, new float[Outer.Model.OutputSize], gradients, default);
                    return loss + output[0] + contract.CreateReplica().ParameterCount + model.Shape.HiddenSize + Outer.Model.Layout.Count + model.Parameters.Length;
                }
            }
            """;
        var parseOptions = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        Compilation input = GeneratorHarness.CreateCompilation(source, "Model.cs", GeneratorHarness.StrictOptions, parseOptions);
        GeneratorRun run = GeneratorHarness.Run(input, GeneratorHarness.CreateDriver(parseOptions));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Null(run.Result.Exception);
        Assert.Equal("Demo.Models.Outer.Model.g.cs", Assert.Single(run.GeneratedSources).HintName);
        Diagnostic[] problems = run.Output.GetDiagnostics().Where(d => d.Severity is DiagnosticSeverity.Warning or DiagnosticSeverity.Error || d.IsWarningAsError).ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems.Take(10).Select(p => p.ToString())));
        using var pe = new MemoryStream();
        Assert.True(run.Output.Emit(pe).Success);
    }

    [Fact]
    public void GeneratedCode_IsDeterministicAndCultureIndependent()
    {
        string source = Source("TextCnnModel", Cnn + ", OutputSize = 3, Output = OutputActivation.Softmax");
        string first = GeneratorHarness.Generate(source);
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            // A culture whose minus sign is U+2212 and whose decimal separator is a comma.
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("sv-SE");
            Assert.Equal(first, GeneratorHarness.Generate(source));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
        Assert.Contains("-0.05f, 0.05f", first, StringComparison.Ordinal);
        // U+2212 appears only in comments and docs written as text (e.g. "[−0.05, 0.05]"), never in code.
        Assert.DoesNotContain(first.Split('\n'), line => !line.TrimStart().StartsWith("//", StringComparison.Ordinal) && line.Contains('\u2212', StringComparison.Ordinal));
    }
}
