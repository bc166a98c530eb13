using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace LstmGen.Generator.Tests;

/// <summary>
/// Generated code compiles with no warning at the highest warning level with warnings as errors, for many sizes
/// (padded gates, remainder blocks, one hidden unit, wide layers) and every kind of declaration site.
/// </summary>
public sealed class ZeroWarningTests
{
    /// <summary>Where the model class is declared.</summary>
    public enum Site
    {
        FileScopedNamespace,
        BlockNamespace,
        GlobalNamespace,
        NestedInPartialClass,
        NestedInPartialStruct,
        NestedInPartialRecord,
        NestedInPartialRecordStruct,
        NestedInStaticPartialClass,
        NestedTwoLevels,
        NestedInPartialInterface,
        NestedInReadOnlyPartialStruct,
    }

    /// <summary>User code declaring <c>Model</c> at <paramref name="site"/>, plus code that uses it; returns the source and the model's type name.</summary>
    private static (string Source, string TypeName) Declare(Site site, string arguments, string attribute = "LstmModel")
    {
        string model = $$"""
            /// <summary>The model under test.</summary>
            [{{attribute}}({{arguments}})]
            public sealed partial class Model;
            """;
        string Indent(string text) => string.Join("\n", text.Split('\n').Select(l => "    " + l));
        (string body, string ns, string path) = site switch
        {
            Site.FileScopedNamespace => ($"namespace Demo.Models;\n\n{model}", "Demo.Models", "Model"),
            Site.BlockNamespace => ($"namespace Demo.Models\n{{\n{Indent(model)}\n}}", "Demo.Models", "Model"),
            Site.GlobalNamespace => (model, "", "Model"),
            Site.NestedInPartialClass => ($"namespace Demo;\n\n/// <summary>Container.</summary>\npublic partial class Outer\n{{\n{Indent(model)}\n}}", "Demo", "Outer.Model"),
            Site.NestedInPartialStruct => ($"namespace Demo;\n\n/// <summary>Container.</summary>\npublic partial struct Outer\n{{\n{Indent(model)}\n}}", "Demo", "Outer.Model"),
            Site.NestedInPartialRecord => ($"namespace Demo;\n\n/// <summary>Container.</summary>\npublic sealed partial record Outer(int Value)\n{{\n{Indent(model)}\n}}", "Demo", "Outer.Model"),
            Site.NestedInPartialRecordStruct => ($"namespace Demo;\n\n/// <summary>Container.</summary>\npublic readonly partial record struct Outer(int Value)\n{{\n{Indent(model)}\n}}", "Demo", "Outer.Model"),
            Site.NestedInStaticPartialClass => ($"namespace Demo;\n\n/// <summary>Container.</summary>\npublic static partial class Outer\n{{\n{Indent(model)}\n}}", "Demo", "Outer.Model"),
            Site.NestedTwoLevels => ($"namespace Demo;\n\n/// <summary>Container.</summary>\npublic partial class Outer\n{{\n    /// <summary>Container.</summary>\n    public partial record Middle\n    {{\n{Indent(Indent(model))}\n    }}\n}}", "Demo", "Outer.Middle.Model"),
            Site.NestedInPartialInterface => ($"namespace Demo;\n\n/// <summary>Container.</summary>\npublic partial interface IOuter\n{{\n{Indent(model)}\n}}", "Demo", "IOuter.Model"),
            Site.NestedInReadOnlyPartialStruct => ($"namespace Demo;\n\n/// <summary>Container.</summary>\npublic readonly partial struct Outer\n{{\n{Indent(model)}\n}}", "Demo", "Outer.Model"),
            _ => throw new ArgumentOutOfRangeException(nameof(site)),
        };
        string typeName = ns.Length == 0 ? $"global::{path}" : $"global::{ns}.{path}";
        string source = $$"""
            using LstmGen;

            {{body}}

            /// <summary>Uses the generated members, so their signatures are compiled against real call sites.</summary>
            internal static class Usage
            {
                /// <summary>Creates a model and runs it through the interface.</summary>
                public static float Run()
                {
                    var model = new {{typeName}}(seed: 1);
                    ISequenceModel contract = model;
                    int[] tokens = new int[{{typeName}}.SequenceLength];
                    float[] output = new float[{{typeName}}.OutputSize];
                    model.Predict(tokens, output);
                    model.PredictBatch(tokens, output);
                    model.UseFoldedEmbedding = false;
                    model.SetParameters(new float[{{typeName}}.ParameterCount]);
                    using (global::LstmGen.ParameterUpdate update = model.BeginParameterUpdate()) update.Tensor("fc.bias").Fill(1f);
                    model.SetParameter("fc.bias", model.GetParameter("fc.bias"));
                    global::LstmGen.Training.IRecurrentModel recurrent = model;
                    float[] norms = new float[{{typeName}}.SequenceLength];
                    float loss = recurrent.ComputeHiddenGradientNorms(tokens, output, norms) + model.ComputeHiddenGradientNorms(tokens, output, norms);
                    return output[0] + contract.ParameterCount + model.Shape.HiddenSize + {{typeName}}.Layout.Count + model.Parameters.Length
                        + loss + (int)recurrent.Cell + (int)model.Cell;
                }
            }
            """;
        return (source, typeName);
    }

    public static TheoryData<int, int, int, int, int, OutputActivation, Site> Cases()
    {
        var sizes = new (int V, int E, int H, int T, int O, OutputActivation Output)[]
        {
            (3, 1, 1, 1, 1, OutputActivation.Sigmoid),
            (5, 3, 1, 7, 1, OutputActivation.Sigmoid),
            (13, 3, 7, 9, 1, OutputActivation.Sigmoid),
            (50, 3, 33, 12, 2, OutputActivation.Linear),
            (11, 5, 9, 6, 3, OutputActivation.Softmax),
            (100, 16, 8, 20, 1, OutputActivation.Sigmoid),
            (1000, 64, 64, 50, 1, OutputActivation.Sigmoid),
            (10000, 128, 64, 100, 1, OutputActivation.Sigmoid),
            (40, 20, 17, 5, 4, OutputActivation.Sigmoid),
            (7, 9, 100, 3, 10, OutputActivation.Softmax),
            (20, 4, 15, 1, 1, OutputActivation.Linear),
            (3, 1, 16, 1, 1, OutputActivation.Linear),        // exactly two vectors per gate: 8 accumulators, one full block, no remainder
            (3, 2, 24, 2, 2, OutputActivation.Softmax),       // 12 vectors: one full block + remainder 4
            (4, 300, 2, 2, 1, OutputActivation.Sigmoid),      // embedding much wider than the hidden state
            (17, 2, 130, 4, 1, OutputActivation.Linear),      // 68 vectors: eight full blocks + remainder 4
        };
        Site[] sites = Enum.GetValues<Site>();
        var data = new TheoryData<int, int, int, int, int, OutputActivation, Site>();
        for (int i = 0; i < sizes.Length; i++)
        {
            var s = sizes[i];
            data.Add(s.V, s.E, s.H, s.T, s.O, s.Output, sites[i % sites.Length]);
        }
        // Every site with one size too.
        foreach (Site site in sites)
        {
            if (site != sites[2 % sites.Length]) data.Add(13, 3, 7, 9, 1, OutputActivation.Sigmoid, site); // row 2 above already covers one site
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GeneratedCode_HasNoWarnings_AndEmits(int v, int e, int h, int t, int o, OutputActivation output, Site site)
    {
        (string source, _) = Declare(site, GeneratorHarness.Arguments(v, e, h, t, o, output));
        AssertCleanBuild(source, GeneratorHarness.ParseOptions);
    }

    [Theory]
    [InlineData(13, 3, 7, 9, 1, OutputActivation.Sigmoid)]
    [InlineData(11, 5, 9, 6, 3, OutputActivation.Softmax)]
    [InlineData(10000, 128, 64, 100, 1, OutputActivation.Sigmoid)]
    public void GeneratedCode_HasNoWarnings_WithDocumentationDiagnostics(int v, int e, int h, int t, int o, OutputActivation output)
    {
        // As a project with <GenerateDocumentationFile> sees it: missing or broken XML docs are warnings (CS1591, CS1574, …).
        (string source, _) = Declare(Site.FileScopedNamespace, GeneratorHarness.Arguments(v, e, h, t, o, output));
        AssertCleanBuild(source, GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose));
    }

    public static TheoryData<string, int, int, int, int, int, OutputActivation, Site> CellCases()
    {
        var sizes = new (int V, int E, int H, int T, int O, OutputActivation Output)[]
        {
            (3, 1, 1, 1, 1, OutputActivation.Sigmoid),
            (13, 3, 7, 9, 1, OutputActivation.Sigmoid),
            (50, 3, 33, 12, 2, OutputActivation.Linear),
            (11, 5, 9, 6, 3, OutputActivation.Softmax),
            (10000, 128, 64, 100, 1, OutputActivation.Sigmoid),
            (3, 1, 16, 1, 1, OutputActivation.Linear),        // GRU: 6 vectors, one remainder block; RNN: 2 vectors
            (3, 2, 24, 2, 2, OutputActivation.Softmax),       // GRU: 9 vectors, one full block + remainder 1
            (17, 2, 130, 4, 1, OutputActivation.Linear),      // GRU: 51 vectors, six full blocks + remainder 3; RNN: 17
        };
        Site[] sites = Enum.GetValues<Site>();
        var data = new TheoryData<string, int, int, int, int, int, OutputActivation, Site>();
        foreach (string attribute in new[] { "GruModel", "RnnModel" })
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                var s = sizes[i];
                data.Add(attribute, s.V, s.E, s.H, s.T, s.O, s.Output, sites[(i + attribute.Length) % sites.Length]);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CellCases))]
    public void GeneratedGruAndRnnCode_HasNoWarnings_AndEmits(string attribute, int v, int e, int h, int t, int o, OutputActivation output, Site site)
    {
        (string source, _) = Declare(site, GeneratorHarness.Arguments(v, e, h, t, o, output), attribute);
        AssertCleanBuild(source, GeneratorHarness.ParseOptions);
    }

    [Theory]
    [InlineData("GruModel")]
    [InlineData("RnnModel")]
    public void GeneratedGruAndRnnCode_HasNoWarnings_WithDocumentationDiagnostics(string attribute)
    {
        (string source, _) = Declare(Site.FileScopedNamespace, GeneratorHarness.Arguments(13, 3, 7, 9, 1, OutputActivation.Sigmoid), attribute);
        AssertCleanBuild(source, GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose));
    }

    [Theory]
    [InlineData("LstmModel", 2, false, Site.FileScopedNamespace)]
    [InlineData("LstmModel", 1, true, Site.NestedInPartialStruct)]
    [InlineData("LstmModel", 3, true, Site.BlockNamespace)]
    [InlineData("GruModel", 2, true, Site.NestedTwoLevels)]
    [InlineData("GruModel", 3, false, Site.GlobalNamespace)]
    [InlineData("RnnModel", 2, true, Site.NestedInStaticPartialClass)]
    [InlineData("RnnModel", 1, true, Site.FileScopedNamespace)]
    public void GeneratedStackedAndBidirectionalCode_HasNoWarnings_WithDocumentationDiagnostics(string attribute, int layers, bool bidirectional, Site site)
    {
        string arguments = GeneratorHarness.Arguments(13, 3, 7, 9, 2, OutputActivation.Softmax)
            + $", Layers = {layers.ToString(CultureInfo.InvariantCulture)}, Bidirectional = {(bidirectional ? "true" : "false")}";
        (string source, _) = Declare(site, arguments, attribute);
        AssertCleanBuild(source, GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose));
    }

    private static void AssertCleanBuild(string source, CSharpParseOptions parseOptions)
    {
        Compilation input = GeneratorHarness.CreateCompilation(source, "Model.cs", GeneratorHarness.StrictOptions, parseOptions);
        // (The input alone does not compile: the usage code needs the generated members.)

        GeneratorRun run = GeneratorHarness.Run(input, GeneratorHarness.CreateDriver(parseOptions));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Null(run.Result.Exception);
        Assert.Single(run.GeneratedSources);

        Diagnostic[] problems = run.Output.GetDiagnostics()
            .Where(d => d.Severity is DiagnosticSeverity.Warning or DiagnosticSeverity.Error || d.IsWarningAsError)
            .ToArray();
        Assert.True(problems.Length == 0, Describe(problems, run));

        using var pe = new MemoryStream();
        EmitResult emitted = run.Output.Emit(pe);
        Assert.True(emitted.Success, Describe(emitted.Diagnostics.ToArray(), run));
        Assert.True(pe.Length > 0);
    }

    private static string Describe(IEnumerable<Diagnostic> diagnostics, GeneratorRun run)
    {
        var lines = new List<string>();
        foreach (Diagnostic d in diagnostics.Take(20))
        {
            string where = "";
            if (d.Location.SourceTree is { } tree)
            {
                int line = d.Location.GetLineSpan().StartLinePosition.Line;
                where = $" [{tree.FilePath}:{(line + 1).ToString(CultureInfo.InvariantCulture)}] {tree.GetText().Lines[line].ToString().Trim()}";
            }
            lines.Add(d.ToString() + where);
        }
        return string.Join("\n", lines) + "\n(" + string.Join(", ", run.GeneratedSources.Select(s => s.HintName)) + ")";
    }
}
