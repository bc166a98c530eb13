using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace LstmGen.Generator.Tests;

/// <summary>
/// <c>ReturnSequences</c>: where it exists (the recurrent attributes only: a CNN or feed-forward model has no steps to
/// label, so their attributes have no such property and the compiler rejects it), how a non-constant value is reported,
/// and that every cell, stack and head compiles with no warning, documentation included.
/// </summary>
public sealed class SequenceGeneratorTests
{
    [Theory]
    [InlineData("TextCnnModel(VocabularySize = 50, EmbeddingSize = 8, SequenceLength = 10, KernelSizes = new[] { 3 }, Filters = 4, ReturnSequences = true)")]
    [InlineData("FeedForwardModel(VocabularySize = 50, EmbeddingSize = 8, SequenceLength = 10, ReturnSequences = true)")]
    public void ReturnSequences_DoesNotExistOnBaselineModels(string attribute)
    {
        string source = $"using LstmGen;\nnamespace Demo;\n[{attribute}]\npublic sealed partial class Model;\n";
        GeneratorRun run = GeneratorHarness.Run(source, "Model.cs", GeneratorHarness.DefaultOptions);
        Diagnostic error = Assert.Single(run.Input.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal("CS0246", error.Id);
        Assert.Contains("ReturnSequences", error.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen011_NonConstantReturnSequences_PointsAtArgument()
    {
        Diagnostic d = DiagnosticTests.AssertSingleDiagnostic("""
            using LstmGen;
            namespace Demo;
            [LstmModel(VocabularySize = 100, EmbeddingSize = 8, HiddenSize = 8, SequenceLength = 10, [|ReturnSequences = bool.Parse("true")|])]
            public sealed partial class Model;
            """, "LSTMGEN011", allowCompilerErrors: true);
        Assert.StartsWith("ReturnSequences could not be read", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LstmModel", 1, false, "Softmax", 5)]
    [InlineData("LstmModel", 2, true, "Sigmoid", 1)]
    [InlineData("GruModel", 3, false, "Linear", 2)]
    [InlineData("GruModel", 1, true, "Softmax", 3)]
    [InlineData("RnnModel", 2, true, "Sigmoid", 2)]
    [InlineData("RnnModel", 1, false, "Softmax", 4)]
    [InlineData("LstmModel", 2, true, "Softmax", 3, true)]
    [InlineData("GruModel", 1, false, "Linear", 1, true)]
    [InlineData("RnnModel", 2, false, "Sigmoid", 2, true)]
    public void ReturnSequencesModels_CompileWithoutWarnings(string attribute, int layers, bool bidirectional, string output, int outputs, bool dense = false)
    {
        string inputs = dense ? "InputSize = 3" : "VocabularySize = 13, EmbeddingSize = 3";
        string source = $$"""
            using LstmGen;
            namespace Demo;
            /// <summary>A model.</summary>
            [{{attribute}}({{inputs}}, HiddenSize = 7, SequenceLength = 9, OutputSize = {{outputs.ToString(CultureInfo.InvariantCulture)}}, Output = OutputActivation.{{output}}, Layers = {{layers.ToString(CultureInfo.InvariantCulture)}}, Bidirectional = {{(bidirectional ? "true" : "false")}}, ReturnSequences = true)]
            public sealed partial class Model;
            """;
        CSharpParseOptions parse = GeneratorHarness.ParseOptions.WithDocumentationMode(DocumentationMode.Diagnose);
        Compilation input = GeneratorHarness.CreateCompilation(source, "Model.cs", GeneratorHarness.StrictOptions, parse);
        GeneratorRun run = GeneratorHarness.Run(input, GeneratorHarness.CreateDriver(parse));
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Null(run.Result.Exception);
        Diagnostic[] problems = run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning || d.IsWarningAsError).ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems.Take(10).Select(p => p.ToString())));
        using var pe = new MemoryStream();
        EmitResult emitted = run.Output.Emit(pe);
        Assert.True(emitted.Success);

        string text = run.SingleSourceText;
        Assert.Contains(dense ? "InputSize = InputSize, ReturnSequences = true }" : "{ ReturnSequences = true }", text, StringComparison.Ordinal);
        // Class-id targets exactly for a softmax head; no final-state head in the training backward pass.
        // Unidirectional softmax token models also train with a carried state (truncated BPTT, class ids).
        Assert.Equal(output == "Softmax", text.Contains(dense ? "IDenseStepClassModel" : !bidirectional ? "ITruncatedStepClassModel" : "IStepClassModel", StringComparison.Ordinal));
        Assert.Equal(output == "Softmax", text.Contains(dense ? "public float ComputeGradients(LgReadOnlySpan inputs, LgIntSpan lengths, LgIntSpan classes" : "public float ComputeGradients(LgIntSpan tokens, LgIntSpan classes", StringComparison.Ordinal));
        Assert.DoesNotContain("dh = fc.weight[:, direction's columns]ᵀ·dz", text, StringComparison.Ordinal);
    }
}
