using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LstmGen.Generator.Tests;

/// <summary>Every LSTMGEN diagnostic: its id, severity, exact location, and that nothing is generated for the class.</summary>
public sealed class DiagnosticTests
{
    private const string Valid = "VocabularySize = 100, EmbeddingSize = 8, HiddenSize = 8, SequenceLength = 10";

    /// <summary>
    /// Runs the generator over <paramref name="markup"/> and asserts it reports exactly one diagnostic, <paramref name="id"/>,
    /// as an error at the <c>[|…|]</c> span, and generates no source. Returns the diagnostic.
    /// </summary>
    internal static Diagnostic AssertSingleDiagnostic(string markup, string id, bool allowCompilerErrors = false)
    {
        (string source, TextSpan expected) = GeneratorHarness.Markup(markup);
        GeneratorRun run = GeneratorHarness.Run(source, "Model.cs", GeneratorHarness.DefaultOptions);

        if (!allowCompilerErrors)
        {
            // The user code itself is valid C#: the error must come from the generator alone.
            Assert.Empty(run.Input.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        }

        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.DefaultSeverity);
        Assert.Equal("LstmGen", diagnostic.Descriptor.Category);
        Assert.True(diagnostic.Descriptor.IsEnabledByDefault);

        Assert.Equal(expected, diagnostic.Location.SourceSpan);
        Assert.Equal(source.Substring(expected.Start, expected.Length), source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
        FileLinePositionSpan lineSpan = diagnostic.Location.GetLineSpan();
        Assert.Equal("Model.cs", lineSpan.Path);
        Assert.Equal(run.Input.SyntaxTrees.Single().GetText().Lines.GetLinePositionSpan(expected), lineSpan.Span);

        // The message formats (no leftover {0} placeholders).
        string message = diagnostic.GetMessage(CultureInfo.InvariantCulture);
        Assert.DoesNotContain("{0}", message, StringComparison.Ordinal);
        Assert.DoesNotContain("{1}", message, StringComparison.Ordinal);

        Assert.Empty(run.GeneratedSources);
        Assert.Same(run.Input.SyntaxTrees.Single(), Assert.Single(run.Output.SyntaxTrees));
        return diagnostic;
    }

    [Fact]
    public void Lstmgen001_ClassNotPartial_PointsAtClassName()
    {
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel({{Valid}})]
            public sealed class [|Model|];
            """, "LSTMGEN001");
        Assert.Contains("'Demo.Model'", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen002_ContainingTypeNotPartial_PointsAtClassName()
    {
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            public partial class Outermost
            {
                public class Middle
                {
                    [LstmModel({{Valid}})]
                    public sealed partial class [|Model|];
                }
            }
            """, "LSTMGEN002");
        Assert.Contains("'Middle'", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen002_ContainingStructNotPartial()
        => AssertSingleDiagnostic($$"""
            using LstmGen;
            public struct Outer
            {
                [LstmModel({{Valid}})]
                public sealed partial class [|Model|];
            }
            """, "LSTMGEN002");

    [Fact]
    public void Lstmgen003_GenericClass_PointsAtClassName()
        => AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel({{Valid}})]
            public sealed partial class [|Model|]<T>;
            """, "LSTMGEN003");

    [Fact]
    public void Lstmgen003_ClassNestedInGenericType_PointsAtClassName()
        => AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            public partial class Outer<T>
            {
                public partial class Middle
                {
                    [LstmModel({{Valid}})]
                    public sealed partial class [|Model|];
                }
            }
            """, "LSTMGEN003");

    public static TheoryData<string, int> NonPositiveSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (string name in new[] { "VocabularySize", "EmbeddingSize", "HiddenSize", "SequenceLength", "OutputSize" })
        {
            data.Add(name, 0);
            data.Add(name, -5);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(NonPositiveSizes))]
    public void Lstmgen004_NonPositiveSize_PointsAtArgument(string name, int value)
    {
        var sizes = new Dictionary<string, int>
        {
            ["VocabularySize"] = 100, ["EmbeddingSize"] = 8, ["HiddenSize"] = 8, ["SequenceLength"] = 10, ["OutputSize"] = 1,
        };
        string arguments = string.Join(", ", sizes.Select(kv => kv.Key == name
            ? $"[|{kv.Key} = {value.ToString(CultureInfo.InvariantCulture)}|]"
            : $"{kv.Key} = {kv.Value.ToString(CultureInfo.InvariantCulture)}"));
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel({{arguments}})]
            public sealed partial class Model;
            """, "LSTMGEN004");
        Assert.StartsWith($"{name} is {value.ToString(CultureInfo.InvariantCulture)},", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen005_TooManyParameters_PointsAtAttribute()
    {
        Diagnostic d = AssertSingleDiagnostic("""
            using LstmGen;
            namespace Demo;
            [[|LstmModel(VocabularySize = 2_000_000, EmbeddingSize = 2_000, HiddenSize = 8, SequenceLength = 10)|]]
            public sealed partial class Model;
            """, "LSTMGEN005");
        Assert.Contains("its parameters", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LstmModel", 0)]
    [InlineData("GruModel", -1)]
    [InlineData("RnnModel", 0)]
    public void Lstmgen004_NonPositiveLayers_PointsAtArgument(string attribute, int layers)
    {
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [{{attribute}}({{Valid}}, [|Layers = {{layers.ToString(CultureInfo.InvariantCulture)}}|])]
            public sealed partial class Model;
            """, "LSTMGEN004");
        Assert.StartsWith($"Layers is {layers.ToString(CultureInfo.InvariantCulture)},", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen005_StackedLayersTooLarge()
    {
        // Each layer above the first holds 4H·(2H + H) + … floats: 200 bidirectional layers of H = 1,000 exceed an array,
        // while one layer of that size fits.
        Diagnostic d = AssertSingleDiagnostic("""
            using LstmGen;
            namespace Demo;
            [[|LstmModel(VocabularySize = 100, EmbeddingSize = 8, HiddenSize = 1_000, SequenceLength = 10, Layers = 200, Bidirectional = true)|]]
            public sealed partial class Model;
            """, "LSTMGEN005");
        Assert.Contains("its parameters", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen011_NonConstantBidirectional_PointsAtArgument()
    {
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel({{Valid}}, [|Bidirectional = bool.Parse("true")|])]
            public sealed partial class Model;
            """, "LSTMGEN011", allowCompilerErrors: true);
        Assert.StartsWith("Bidirectional could not be read", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen005_FoldedTableTooLarge()
    {
        // 60M × 4·40 = 9.6G table floats, while the parameters (60M·1 + …) still fit.
        Diagnostic d = AssertSingleDiagnostic("""
            using LstmGen;
            [[|LstmModel(VocabularySize = 60_000_000, EmbeddingSize = 1, HiddenSize = 40, SequenceLength = 10)|]]
            public sealed partial class Model;
            """, "LSTMGEN005");
        Assert.Contains("the folded embedding table", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen005_WorkspaceTooLarge()
    {
        Diagnostic d = AssertSingleDiagnostic("""
            using LstmGen;
            [[|LstmModel(VocabularySize = 3, EmbeddingSize = 1, HiddenSize = 1, SequenceLength = 100_000_000)|]]
            public sealed partial class Model;
            """, "LSTMGEN005");
        Assert.Contains("the per-thread workspace", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen005_PackedInputWeightsTooLarge_NamesTheLargestArray()
    {
        // The parameters (3·10⁸ + 4·10⁸ + …) fit, but W_ihᵀ packed to whole vectors is 10⁸ × 32 floats. Before this check
        // existed the generator emitted code that failed with CS0220 (constant overflow) and CS0248 (negative array size).
        // The workspace (a tile of 32 embeddings beside the rest, 10⁸ × 33 floats) is too large as well and larger, so it
        // is the one named (issue 11: the largest array, not the first in allocation order).
        Diagnostic d = AssertSingleDiagnostic("""
            using LstmGen;
            [[|LstmModel(VocabularySize = 3, EmbeddingSize = 100_000_000, HiddenSize = 1, SequenceLength = 1)|]]
            public sealed partial class Model;
            """, "LSTMGEN005");
        string message = d.GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("the per-thread workspace", message, StringComparison.Ordinal);
        Assert.StartsWith("The model needs 33", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen005_WorkspaceWithTileTooLarge()
    {
        // Packed input weights (66M × 32) fit, but the workspace also holds a tile of 32 embeddings: 66M × (1 + 32) floats.
        // Before this check the emitted ScratchLength constant wrapped to a negative number (CS0248 in the generated file).
        Diagnostic d = AssertSingleDiagnostic("""
            using LstmGen;
            [[|LstmModel(VocabularySize = 3, EmbeddingSize = 66_000_000, HiddenSize = 1, SequenceLength = 1)|]]
            public sealed partial class Model;
            """, "LSTMGEN005");
        Assert.Contains("the per-thread workspace", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen005_WorkspaceOverByTheBatchOneStepBuffer()
    {
        // RNN, H = 1: the workspace is 9T + 568 floats (h, gates, T embeddings and input parts, a tile, and the batch-1 step's
        // h' buffer of HP = 8). T = 238,609,225 gives 2,147,483,593 > Array.MaxLength. The parser used to size the workspace
        // without the h' buffer (9T + 560 fits), so it generated a ScratchLength that no float[] can hold.
        Diagnostic d = AssertSingleDiagnostic("""
            using LstmGen;
            [[|RnnModel(VocabularySize = 3, EmbeddingSize = 1, HiddenSize = 1, SequenceLength = 238_609_225)|]]
            public sealed partial class Model;
            """, "LSTMGEN005");
        Assert.Contains("2147483593 floats for the per-thread workspace", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void LargeButAcceptedEmbedding_Compiles()
    {
        // Just under the limits: workspace 33 × 65M + 1,584 floats and packed input weights 32 × 65M floats fit in arrays.
        GeneratorRun run = GeneratorHarness.Run("""
            [LstmGen.LstmModel(VocabularySize = 3, EmbeddingSize = 65_000_000, HiddenSize = 1, SequenceLength = 1)]
            public sealed partial class Model;
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.GeneratedSources);
        Assert.Empty(run.Output.GetDiagnostics().Where(x => x.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Lstmgen006_SoftmaxWithOneOutput_PointsAtOutputArgument()
        => AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel({{Valid}}, OutputSize = 1, [|Output = OutputActivation.Softmax|])]
            public sealed partial class Model;
            """, "LSTMGEN006");

    [Fact]
    public void Lstmgen006_SoftmaxWithOutputSizeOmitted_PointsAtOutputArgument()
        => AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel({{Valid}}, [|Output = OutputActivation.Softmax|])]
            public sealed partial class Model;
            """, "LSTMGEN006");

    [Theory]
    [InlineData("VocabularySize")]
    [InlineData("EmbeddingSize")]
    [InlineData("HiddenSize")]
    [InlineData("SequenceLength")]
    public void Lstmgen007_RequiredSizeMissing_PointsAtAttribute(string missing)
    {
        string arguments = string.Join(", ", new[] { "VocabularySize = 100", "EmbeddingSize = 8", "HiddenSize = 8", "SequenceLength = 10" }
            .Where(a => !a.StartsWith(missing, StringComparison.Ordinal)));
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [[|LstmModel({{arguments}})|]]
            public sealed partial class Model;
            """, "LSTMGEN007");
        Assert.Contains($"does not set {missing};", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen007_EmptyAttribute_ReportsEveryRequiredSize()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using LstmGen;
            [LstmModel]
            public sealed partial class Model;
            """, options: GeneratorHarness.DefaultOptions);
        // No input size of either kind (LSTMGEN016), then HiddenSize and SequenceLength.
        Assert.Equal(new[] { "LSTMGEN016", "LSTMGEN007", "LSTMGEN007" }, run.GeneratorDiagnostics.Select(d => d.Id));
        Assert.Empty(run.GeneratedSources);
    }

    [Theory]
    [InlineData("VocabularySize = 100")]
    [InlineData("EmbeddingSize = 8")]
    [InlineData("VocabularySize = 100, EmbeddingSize = 8")]
    public void Lstmgen015_InputSizeWithTokenSizes_PointsAtInputSize(string tokens)
    {
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [GruModel({{tokens}}, [|InputSize = 4|], HiddenSize = 8, SequenceLength = 10)]
            public sealed partial class Model;
            """, "LSTMGEN015");
        Assert.StartsWith("'Demo.Model' sets InputSize (dense float inputs) and " + tokens.Split(' ')[0], d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen016_NoInputSize_PointsAtAttribute()
    {
        Diagnostic d = AssertSingleDiagnostic("""
            using LstmGen;
            namespace Demo;
            [[|RnnModel(HiddenSize = 8, SequenceLength = 10)|]]
            public sealed partial class Model;
            """, "LSTMGEN016");
        Assert.Contains("sets neither InputSize nor VocabularySize and EmbeddingSize", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void DenseInputSize_MustBePositive()
        => AssertSingleDiagnostic("""
            using LstmGen;
            [LstmModel([|InputSize = 0|], HiddenSize = 8, SequenceLength = 10)]
            public sealed partial class Model;
            """, "LSTMGEN004");

    [Fact]
    public void Lstmgen008_UndefinedOutputActivation_PointsAtOutputArgument()
    {
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel({{Valid}}, [|Output = (OutputActivation)42|])]
            public sealed partial class Model;
            """, "LSTMGEN008");
        Assert.StartsWith("Output is 42,", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen009_VocabularyTooSmall_PointsAtArgument()
        => AssertSingleDiagnostic("""
            using LstmGen;
            namespace Demo;
            [LstmModel([|VocabularySize = 2|], EmbeddingSize = 8, HiddenSize = 8, SequenceLength = 10)]
            public sealed partial class Model;
            """, "LSTMGEN009");

    [Fact]
    public void Lstmgen010_StaticClass_PointsAtClassName()
        => AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel({{Valid}})]
            public static partial class [|Model|];
            """, "LSTMGEN010");

    [Fact]
    public void Lstmgen013_Record_PointsAtName()
        => AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [GruModel({{Valid}})]
            public sealed partial record [|Model|];
            """, "LSTMGEN013");

    [Fact]
    public void Lstmgen014_FileLocalClass_PointsAtName()
        => AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel({{Valid}})]
            file sealed partial class [|Model|];
            """, "LSTMGEN014");

    [Fact]
    public void Lstmgen011_NonConstantSize_PointsAtArgument()
    {
        // A non-constant argument is also compiler error CS0182; the generator must still explain which size it could not read.
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel(VocabularySize = 100, EmbeddingSize = 8, [|HiddenSize = int.Parse("8")|], SequenceLength = 10)]
            public sealed partial class Model;
            """, "LSTMGEN011", allowCompilerErrors: true);
        Assert.StartsWith("HiddenSize could not be read", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Lstmgen011_UnresolvedOutput_PointsAtArgument()
    {
        // An Output value that does not bind (CS0103) is "not a constant", not an unknown activation.
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel({{Valid}}, [|Output = NoSuchActivation|])]
            public sealed partial class Model;
            """, "LSTMGEN011", allowCompilerErrors: true);
        Assert.StartsWith("Output could not be read", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GruModel")]
    [InlineData("RnnModel")]
    public void GruAndRnnAttributes_ReportTheSameDiagnostics(string attribute)
    {
        // Not partial, a missing size (the message names the attribute used), Softmax with one output, too large.
        AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [{{attribute}}({{Valid}})]
            public sealed class [|Model|];
            """, "LSTMGEN001");
        Diagnostic missing = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [[|{{attribute}}(VocabularySize = 100, EmbeddingSize = 8, SequenceLength = 10)|]]
            public sealed partial class Model;
            """, "LSTMGEN007");
        Assert.StartsWith($"[{attribute}] on 'Demo.Model' does not set HiddenSize;", missing.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        AssertSingleDiagnostic($$"""
            using LstmGen;
            [{{attribute}}({{Valid}}, [|Output = OutputActivation.Softmax|])]
            public sealed partial class Model;
            """, "LSTMGEN006");
        AssertSingleDiagnostic($$"""
            using LstmGen;
            [{{attribute}}(VocabularySize = 100, EmbeddingSize = 8, [|HiddenSize = -3|], SequenceLength = 10)]
            public sealed partial class Model;
            """, "LSTMGEN004");
    }

    [Theory]
    [InlineData("GruModel", 3)]
    [InlineData("RnnModel", 1)]
    public void GruAndRnnFoldedTableTooLarge_CountsTheirGates(string attribute, int gates)
    {
        // V·gates·HP floats: 30M × 3 × 40 = 3.6G for the GRU (too large); for the RNN 30M × 40 = 1.2G fits.
        GeneratorRun run = GeneratorHarness.Run($$"""
            [LstmGen.{{attribute}}(VocabularySize = 30_000_000, EmbeddingSize = 1, HiddenSize = 33, SequenceLength = 2)]
            public sealed partial class Model;
            """, options: GeneratorHarness.DefaultOptions);
        if (gates == 3)
        {
            Diagnostic d = Assert.Single(run.GeneratorDiagnostics);
            Assert.Equal("LSTMGEN005", d.Id);
            Assert.Contains("the folded embedding table", d.GetMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
            Assert.Empty(run.GeneratedSources);
        }
        else
        {
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.Single(run.GeneratedSources);
        }
    }

    [Theory]
    [InlineData("LstmModel", "GruModel")]
    [InlineData("RnnModel", "LstmModel")]
    [InlineData("GruModel", "RnnModel")]
    public void Lstmgen012_TwoModelAttributes_PointsAtTheSecond(string first, string second)
    {
        Diagnostic d = AssertSingleDiagnostic($$"""
            using LstmGen;
            namespace Demo;
            [{{first}}({{Valid}})]
            [[|{{second}}({{Valid}})|]]
            public sealed partial class Model;
            """, "LSTMGEN012");
        Assert.Equal($"The model class 'Demo.Model' already has [{first}], so [{second}] cannot also apply; keep one model attribute, or declare a second class for the other model",
            d.GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void SeveralProblems_AreAllReported_AndOnlyTheBrokenClassIsSkipped()
    {
        GeneratorRun run = GeneratorHarness.Run($$"""
            using LstmGen;
            namespace Demo;
            [LstmModel(VocabularySize = 0, EmbeddingSize = 8, HiddenSize = -1, SequenceLength = 10)]
            public static class Broken;
            [LstmModel({{Valid}})]
            public sealed partial class Fine;
            """, options: GeneratorHarness.DefaultOptions);
        Assert.Equal(new[] { "LSTMGEN001", "LSTMGEN004", "LSTMGEN004", "LSTMGEN010" }, run.GeneratorDiagnostics.Select(d => d.Id).OrderBy(id => id, StringComparer.Ordinal));
        Assert.Equal("Demo.Fine.g.cs", Assert.Single(run.GeneratedSources).HintName);
    }
}
