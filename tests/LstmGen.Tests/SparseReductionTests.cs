using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// The sharded step reduces and checks only the embedding rows of the batch's ids: the contract it relies on (every
/// generated token model leaves the other rows' gradient exactly zero), bit-equality with the dense reduction, and the
/// finiteness check on the rows it does read.
/// </summary>
public class SparseReductionTests
{
    public static TheoryData<string> TokenModels => new() { "lstm", "lstm-l2-bi", "gru", "rnn", "cnn", "ff" };

    private static ITrainableModel Make(string kind, int seed) => kind switch
    {
        "lstm" => new SmallModel(seed),
        "lstm-l2-bi" => new LstmL2BiModel(seed),
        "gru" => new GruSmallModel(seed),
        "rnn" => new RnnSmallModel(seed),
        "cnn" => new CnnSmallModel(seed),
        "ff" => new FfSmallModel(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // Rows of ids drawn from the odd ids only, with some padding (0): the even ids ≥ 2 never occur.
    private static int[] OddTokens(ModelShape shape, int rows, int seed)
    {
        var rng = new Random(seed);
        var tokens = new int[rows * shape.SequenceLength];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(5) == 0 ? 0 : 1 + 2 * rng.Next((shape.VocabularySize - 1) / 2);
        return tokens;
    }

    [Theory]
    [MemberData(nameof(TokenModels))]
    public void EmbeddingGradientIsZeroInTheRowsOfIdsNotInTheBatch(string kind)
    {
        ITrainableModel model = Make(kind, seed: 3);
        ModelShape shape = model.Shape;
        int[] tokens = OddTokens(shape, rows: 6, seed: 4);
        var targets = new float[6 * shape.OutputSize];
        for (int i = 0; i < targets.Length; i += 2) targets[i] = 1f;
        var gradients = new float[model.ParameterCount];
        gradients.AsSpan().Fill(float.NaN); // overwritten everywhere
        model.ComputeGradients(tokens, targets, gradients, default);
        ParameterInfo table = model.ParameterLayout.Single(p => p.Name == "embedding.weight");
        int e = shape.EmbeddingSize;
        bool anyNonZero = false;
        for (int id = 0; id < shape.VocabularySize; id++)
        {
            ReadOnlySpan<float> row = gradients.AsSpan(table.Offset + id * e, e);
            if (id % 2 == 1) { foreach (float x in row) anyNonZero |= x != 0; continue; }
            foreach (float x in row) Assert.True(x == 0, $"{kind}: row {id} (not in the batch) has gradient {x}");
        }
        Assert.True(anyNonZero, $"{kind}: the batch's rows have a gradient");
    }

    // oddIds: only odd ids occur, so every live row stands alone; otherwise every id may, and runs of consecutive ids'
    // rows are reduced as one range, some crossing the threads' slice boundaries.
    [Theory]
    [InlineData("lstm", 2, 7, true)]
    [InlineData("lstm", 3, 7, true)]
    [InlineData("lstm", 2, 1, true)] // shard 0 has no rows
    [InlineData("gru", 2, 9, true)]
    [InlineData("cnn", 3, 8, true)]
    [InlineData("ff", 2, 5, true)]
    [InlineData("lstm", 2, 7, false)]
    [InlineData("lstm", 3, 7, false)]
    [InlineData("cnn", 3, 8, false)]
    public void ShardedGradientEqualsTheDenseReductionOfTheShardsBitForBit(string kind, int threads, int rows, bool oddIds)
    {
        ITrainableModel model = Make(kind, seed: 5);
        TestModels.Randomize(model, seed: 6);
        ModelShape shape = model.Shape;
        int[] tokens = oddIds ? OddTokens(shape, rows, seed: 7) : TestModels.Tokens(shape, rows, seed: 7);
        var targets = new float[rows * shape.OutputSize];
        for (int i = 0; i < targets.Length; i += 3) targets[i] = 1f;

        float[] expected = DenseReduction(model, tokens, targets, threads, rows);

        using var step = new TrainingStep(model, new Sgd(0f), threads);
        step.Run(tokens, targets);
        ReadOnlySpan<float> g = step.Gradients;
        for (int i = 0; i < expected.Length; i++) Assert.True(g[i] == expected[i], $"{kind}: gradient {i}: {g[i]} vs {expected[i]}");
    }

    // The reduction the step did before it went sparse: g = Σₖ (nₖ/B)·gₖ over every element, shard by shard.
    private static float[] DenseReduction(ITrainableModel model, int[] tokens, float[] targets, int threads, int rows)
    {
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize;
        var expected = new float[model.ParameterCount];
        var shard = new float[model.ParameterCount];
        ITrainableModel worker = model.CreateReplica();
        for (int k = 0; k < threads; k++)
        {
            int start = rows * k / threads, n = rows * (k + 1) / threads - start;
            if (n == 0) continue;
            worker.ComputeGradients(tokens.AsSpan(start * t, n * t), targets.AsSpan(start * o, n * o), shard, default);
            Gemm.Axpy(n / (float)rows, shard, expected);
        }
        return expected;
    }

    // Clipping reads and scales only the live ranges too: the step's gradient after clipping is ClipByGlobalNorm of the
    // dense reduction. Tolerance: the norm is summed in double over ranges instead of in one pass, so the scale can differ
    // in its last float bit (relative 2⁻²³); 1e-6 relative leaves room for that and nothing else.
    [Theory]
    [InlineData("lstm", 1, 7)]
    [InlineData("lstm", 2, 7)]
    [InlineData("cnn", 3, 8)]
    public void ClippingOnTheLiveRangesEqualsClipByGlobalNormOfTheDenseGradient(string kind, int threads, int rows)
    {
        ITrainableModel model = Make(kind, seed: 5);
        TestModels.Randomize(model, seed: 6);
        ModelShape shape = model.Shape;
        int[] tokens = OddTokens(shape, rows, seed: 7);
        var targets = new float[rows * shape.OutputSize];
        for (int i = 0; i < targets.Length; i += 3) targets[i] = 1f;
        float[] expected = DenseReduction(model, tokens, targets, threads, rows);
        const float clip = 1e-3f;
        double norm = Gradients.ClipByGlobalNorm(expected, clip);
        Assert.True(norm > 10 * clip, $"{kind}: the gradient norm {norm} is clipped");

        using var step = new TrainingStep(model, new Sgd(0f), threads, clipNorm: clip);
        step.Run(tokens, targets);
        ReadOnlySpan<float> g = step.Gradients;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(g[i] - expected[i]) <= 1e-6f * Math.Abs(expected[i]), $"{kind}, {threads} thread(s): gradient {i}: {g[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ANonFiniteGradientInAnEmbeddingRowOfTheBatchIsCaught(int threads)
    {
        var inner = new SmallModel(seed: 2);
        const int t = SmallModel.SequenceLength;
        var tokens = new int[4 * t];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = 1 + i % 5;
        tokens[3 * t + 4] = 11; // only in the last row: the second shard's with two threads
        var model = new PoisonedModel(inner, poisonedId: 11);
        float[] before = inner.Parameters.ToArray();
        using var step = new TrainingStep(model, new Adam(), threads);
        var ex = Assert.Throws<TrainingDivergedException>(() => step.Run(tokens, new float[4]));
        Assert.Contains("a gradient is not finite", ex.Message);
        Assert.True(before.AsSpan().SequenceEqual(inner.Parameters), "the weights are unchanged");
        // Without id 11 the poisoned row is not computed and the step goes through.
        tokens[3 * t + 4] = 3;
        step.Run(tokens, new float[4]);
        Assert.False(before.AsSpan().SequenceEqual(inner.Parameters));
    }

    // A token model whose gradient has a NaN in the embedding row of one id whenever the batch holds that id (and a
    // finite loss), standing in for an overflow the loss does not show.
    private sealed class PoisonedModel(ITrainableModel inner, int poisonedId) : ITrainableModel
    {
        public ModelShape Shape => inner.Shape;
        public int ParameterCount => inner.ParameterCount;
        public ReadOnlySpan<float> Parameters => inner.Parameters;
        public IReadOnlyList<ParameterInfo> ParameterLayout => inner.ParameterLayout;
        public bool UseFoldedEmbedding { get => inner.UseFoldedEmbedding; set => inner.UseFoldedEmbedding = value; }
        public void SetParameters(ReadOnlySpan<float> values) => inner.SetParameters(values);
        public void SetParameter(string name, ReadOnlySpan<float> values) => inner.SetParameter(name, values);
        public ParameterUpdate BeginParameterUpdate() => inner.BeginParameterUpdate();
        public void Predict(ReadOnlySpan<int> tokens, Span<float> output) => inner.Predict(tokens, output);
        public void PredictBatch(ReadOnlySpan<int> tokens, Span<float> outputs) => inner.PredictBatch(tokens, outputs);
        public void PredictLogits(ReadOnlySpan<int> tokens, Span<float> output) => inner.PredictLogits(tokens, output);
        public void PredictLogitsBatch(ReadOnlySpan<int> tokens, Span<float> outputs) => inner.PredictLogitsBatch(tokens, outputs);

        public float ComputeGradients(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, Span<float> gradients, Span<float> outputs)
        {
            float loss = inner.ComputeGradients(tokens, targets, gradients, outputs);
            if (tokens.Contains(poisonedId)) gradients[inner.ParameterLayout.Single(p => p.Name == "embedding.weight").Offset + poisonedId * Shape.EmbeddingSize + 1] = float.NaN;
            return loss;
        }

        public ITrainableModel CreateReplica() => new PoisonedModel(inner.CreateReplica(), poisonedId);
        IGradientModel IGradientModel.CreateReplica() => CreateReplica();
    }
}
