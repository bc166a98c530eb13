using System.Runtime.CompilerServices;

namespace LstmGen.Generator.Tests;

/// <summary>
/// Generated sources of one model of each kind, compared with checked-in baselines: the safety net for refactoring the
/// generator (a change to the emitted code shows as a reviewed baseline diff). Run with <c>LSTMGEN_UPDATE_BASELINES=1</c>
/// to rewrite the baselines in the source tree instead of comparing.
/// </summary>
public sealed class BaselineTests
{
    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static string Source(string attribute, string typeName) => $$"""
        using LstmGen;

        namespace Demo;

        [{{attribute}}]
        public sealed partial class {{typeName}};
        """;

    /// <summary>Baseline name and model declaration: the reference LSTM, then one model per other kind.</summary>
    public static TheoryData<string, string> Models => new()
    {
        { "Demo.SentimentModel.g.cs", GeneratorHarness.ReferenceSource },
        // H = 24: one 16-unit AVX-512 block and an 8-unit AVX2 tail in every cell kernel.
        { "Demo.GruL2BiModel.g.cs", Source("GruModel(VocabularySize = 40, EmbeddingSize = 20, HiddenSize = 24, SequenceLength = 11, OutputSize = 4, Layers = 2, Bidirectional = true)", "GruL2BiModel") },
        // Dense inputs (InputSize): 2-layer bidirectional GRU with odd H.
        { "Demo.DenseGruL2BiModel.g.cs", Source("GruModel(InputSize = 3, HiddenSize = 5, SequenceLength = 6, Layers = 2, Bidirectional = true)", "DenseGruL2BiModel") },
        { "Demo.RnnModel.g.cs", Source("RnnModel(VocabularySize = 50, EmbeddingSize = 16, HiddenSize = 40, SequenceLength = 12, OutputSize = 3, Output = OutputActivation.Softmax)", "RnnModel") },
        { "Demo.TextCnnModel.g.cs", Source("TextCnnModel(VocabularySize = 500, EmbeddingSize = 32, SequenceLength = 40, KernelSizes = new[] { 3, 4, 5 }, Filters = 24)", "TextCnnModel") },
        // ReturnSequences: the head at every step of the top layer, class-id targets (softmax).
        { "Demo.CharLmModel.g.cs", Source("LstmModel(VocabularySize = 100, EmbeddingSize = 16, HiddenSize = 32, SequenceLength = 64, OutputSize = 100, Output = OutputActivation.Softmax, Layers = 2, ReturnSequences = true)", "CharLmModel") },
        { "Demo.FeedForwardModel.g.cs", Source("FeedForwardModel(VocabularySize = 40, EmbeddingSize = 20, SequenceLength = 17, HiddenSizes = new[] { 33, 7 }, OutputSize = 4)", "FeedForwardModel") },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Model_MatchesBaseline(string baselineName, string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity >= Microsoft.CodeAnalysis.DiagnosticSeverity.Warning));
        Assert.Equal(baselineName, Assert.Single(run.GeneratedSources).HintName);
        string actual = run.SingleSourceText;

        if (Environment.GetEnvironmentVariable("LSTMGEN_UPDATE_BASELINES") == "1")
        {
            string target = Path.Combine(SourceDirectory(), "Baselines", baselineName);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, actual, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            return;
        }

        string path = Path.Combine(AppContext.BaseDirectory, "Baselines", baselineName);
        Assert.True(File.Exists(path), $"Baseline {path} is missing; run the tests with LSTMGEN_UPDATE_BASELINES=1 to create it.");
        string expected = GeneratorHarness.Normalize(File.ReadAllText(path));
        Assert.Equal(expected, actual);
    }
}
