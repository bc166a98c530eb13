using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// Lazy (sparse-row) Adam: in <c>embedding.weight</c> only the rows of the batch's ids are updated, with the global step
/// count in the bias correction (PyTorch's SparseAdam). Checked against a double-precision reference of that rule fed
/// the step's own (reduced, clipped) gradient, on one thread and several, and through every Fit path that updates.
/// </summary>
public class LazyAdamTests
{
    private const float Lr = 0.01f, B1 = 0.9f, B2 = 0.999f, Eps = 1e-7f;

    private static ITrainableModel Make(string kind, int seed) => kind switch
    {
        "lstm" => new SmallModel(seed),
        "lstm8" => new Container.NestedModel(seed),
        "gru" => new GruSmallModel(seed),
        "cnn" => new CnnSmallModel(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // Step s draws its ids from those ≡ s (mod 3), with some padding: each step leaves rows that an earlier one touched.
    private static int[] Tokens(ModelShape shape, int rows, int step, int seed)
    {
        var rng = new Random(seed + 31 * step);
        var ids = Enumerable.Range(1, shape.VocabularySize - 1).Where(id => id % 3 == step % 3).ToArray();
        var tokens = new int[rows * shape.SequenceLength];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(6) == 0 ? 0 : ids[rng.Next(ids.Length)];
        return tokens;
    }

    private static float[] Targets(int rows, int outputs)
    {
        var targets = new float[rows * outputs];
        for (int i = 0; i < targets.Length; i += 2) targets[i] = 1f;
        return targets;
    }

    // |θ − θ_ref| ≤ 1e-6 + 1e-6·|θ_ref|: float against double over one update (the moments carried in double across steps).
    // AdamW (decay λ = 0.1) multiplies θ by 1 − lr·λ first, on the touched rows only.
    [Theory]
    [InlineData("lstm", 1, null, 0f)]
    [InlineData("lstm", 2, null, 0f)]
    [InlineData("lstm", 3, 0.05f, 0f)]
    [InlineData("lstm8", 2, null, 0f)]
    [InlineData("gru", 1, 0.05f, 0f)]
    [InlineData("cnn", 2, null, 0f)]
    [InlineData("lstm", 1, null, 0.1f)]
    [InlineData("lstm8", 2, 0.05f, 0.1f)]
    public void MatchesADoublePrecisionReferenceAndLeavesUntouchedRowsAlone(string kind, int threads, float? clipNorm, float decoupled)
    {
        ITrainableModel model = Make(kind, seed: 3);
        TestModels.Randomize(model, seed: 4);
        ModelShape shape = model.Shape;
        ParameterInfo table = model.ParameterLayout.Single(p => p.Name == "embedding.weight");
        int e = shape.EmbeddingSize, n = model.ParameterCount, rows = 5;
        var m = new double[n];
        var v = new double[n];
        IOptimizer optimizer = decoupled > 0 ? new AdamW(Lr, decoupled, B1, B2, Eps, lazy: true) : new Adam(Lr, B1, B2, Eps, lazy: true);
        using var step = new TrainingStep(model, optimizer, threads, clipNorm);
        for (int s = 1; s <= 4; s++)
        {
            int[] tokens = Tokens(shape, rows, s, seed: 5);
            var live = new bool[n];
            for (int i = 0; i < n; i++) live[i] = i < table.Offset || i >= table.Offset + table.Length;
            foreach (int id in tokens) live.AsSpan(table.Offset + id * e, e).Fill(true);
            float[] before = model.Parameters.ToArray();
            step.Run(tokens, Targets(rows, shape.OutputSize));
            float[] after = model.Parameters.ToArray();
            ReadOnlySpan<float> g = step.Gradients;
            double c1 = 1 / (1 - Math.Pow(B1, s)), c2 = 1 / Math.Sqrt(1 - Math.Pow(B2, s));
            int moved = 0;
            for (int i = 0; i < n; i++)
            {
                if (!live[i])
                {
                    Assert.True(after[i] == before[i], $"{kind}: element {i} (row {(i - table.Offset) / e}, not in step {s}'s batch) moved from {before[i]} to {after[i]}");
                    continue;
                }
                m[i] = B1 * m[i] + (1 - B1) * g[i];
                v[i] = B2 * v[i] + (1 - B2) * (double)g[i] * g[i];
                double expected = before[i] * (1 - (double)Lr * decoupled) - Lr * c1 * m[i] / (Math.Sqrt(v[i]) * c2 + Eps);
                Assert.True(Math.Abs(after[i] - expected) <= 1e-6 + 1e-6 * Math.Abs(expected),
                    $"{kind}, threads {threads}, step {s}: element {i} is {after[i]}, the reference {expected}");
                if (after[i] != before[i]) moved++;
            }
            Assert.True(moved > n / 10, $"{kind}: step {s} moved only {moved} of {n} elements");
        }
        Assert.Equal(4, optimizer is AdamW w ? w.Iterations : ((Adam)optimizer).Iterations);
    }

    // On a first step the moments are zero, so a zero gradient is a zero update for dense Adam too: the two agree bit for
    // bit where every range is whole vectors (8-float rows at an 8-aligned table).
    [Fact]
    public void FirstStepEqualsDenseAdamBitForBit()
    {
        ITrainableModel lazy = Make("lstm8", seed: 3), dense = Make("lstm8", seed: 3);
        ParameterInfo table = lazy.ParameterLayout.Single(p => p.Name == "embedding.weight");
        Assert.True(table.Offset % 8 == 0 && lazy.Shape.EmbeddingSize % 8 == 0);
        int[] tokens = Tokens(lazy.Shape, 6, step: 1, seed: 9);
        float[] targets = Targets(6, lazy.Shape.OutputSize);
        using (var a = new TrainingStep(lazy, new Adam(lazy: true))) a.Run(tokens, targets);
        using (var b = new TrainingStep(dense, new Adam())) b.Run(tokens, targets);
        Assert.Equal(dense.Parameters.ToArray(), lazy.Parameters.ToArray());
    }

    // A callback sees each batch's rows: an embedding row whose id is not in the batch must not move during it (lazy), while
    // dense Adam moves rows touched earlier by their momentum (so the check can fail).
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FitUpdatesOnlyTheBatchRowsWithOrWithoutClassWeights(bool classWeights)
    {
        const int batch = 4, rows = 16;
        var shape = new SmallModel(1).Shape;
        var tokens = new int[rows * shape.SequenceLength];
        var labels = new int[rows];
        for (int b = 0; b < rows / batch; b++)
        {
            int[] part = Tokens(shape, batch, b, seed: 11);
            part.CopyTo(tokens, b * batch * shape.SequenceLength);
            for (int r = 0; r < batch; r++) labels[b * batch + r] = r % 2;
        }
        FitOptions Options(IOptimizer optimizer, RowWatch watch) => new()
        {
            Epochs = 2, BatchSize = batch, Shuffle = false, Optimizer = optimizer, Callbacks = [watch],
            ClassWeights = classWeights ? [1f, 2f] : null,
        };

        var lazyModel = new SmallModel(7);
        var lazyWatch = new RowWatch(lazyModel, tokens, batch);
        Trainer.Fit(lazyModel, tokens, labels, Options(new Adam(lazy: true), lazyWatch));
        Assert.Equal(8, lazyWatch.Batches);
        Assert.Equal(0, lazyWatch.UntouchedMoved);

        var denseModel = new SmallModel(7);
        var denseWatch = new RowWatch(denseModel, tokens, batch);
        Trainer.Fit(denseModel, tokens, labels, Options(new Adam(), denseWatch));
        Assert.True(denseWatch.UntouchedMoved > 0, "dense Adam moves rows the batch does not hold");
    }

    // The ReturnSequences path (class ids per step) and truncated BPTT over a stream update lazily too.
    [Fact]
    public void SequenceAndStreamTrainingUpdateOnlyTheBatchRows()
    {
        var model = new SeqLstmLmModel(3);
        ModelShape shape = model.Shape;
        const int batch = 3, rows = 9;
        var tokens = new int[rows * shape.SequenceLength];
        for (int b = 0; b < rows / batch; b++) Tokens(shape, batch, b, seed: 13).CopyTo(tokens, b * batch * shape.SequenceLength);
        var classes = new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++) classes[i] = (tokens[i] + 1) % shape.OutputSize;
        var watch = new RowWatch(model, tokens, batch);
        Trainer.Fit(model, tokens, classes, new FitOptions { Epochs = 2, BatchSize = batch, Shuffle = false, Optimizer = new Adam(lazy: true), Callbacks = [watch] });
        Assert.Equal(6, watch.Batches);
        Assert.Equal(0, watch.UntouchedMoved);

        // A stream whose first windows use ids ≡ 1 (mod 3), then ≡ 2: with one optimizer across both calls (so the first
        // rows' moments are not zero when the second runs), lazy Adam leaves those rows as they were; dense Adam moves them.
        int t = shape.SequenceLength;
        var text = new int[4 * t + 1];
        for (int i = 0; i < text.Length; i++) text[i] = i < 2 * t ? 1 + 3 * (i % 3) : 2 + 3 * (i % 3);
        foreach (bool lazy in new[] { true, false })
        {
            var lm = new SeqLstmLmModel(5);
            ParameterInfo table = lm.ParameterLayout.Single(p => p.Name == "embedding.weight");
            var optimizer = new Adam(lazy: lazy);
            StreamTrainer.Fit(lm, text[..(2 * t + 1)], streams: 1, epochs: 1, optimizer);
            float[] firstRows = RowsOf(lm, table, [1, 4, 7]);
            StreamTrainer.Fit(lm, text[(2 * t)..], streams: 1, epochs: 1, optimizer);
            Assert.Equal(4, optimizer.Iterations);
            Assert.Equal(lazy, firstRows.AsSpan().SequenceEqual(RowsOf(lm, table, [1, 4, 7])));
        }
    }

    private static float[] RowsOf(IGradientModel model, ParameterInfo table, int[] ids)
    {
        int e = table.Shape[1];
        return ids.SelectMany(id => model.Parameters.Slice(table.Offset + id * e, e).ToArray()).ToArray();
    }

    // Snapshots the weights at each batch's start and counts, at its end, embedding elements of ids not in the batch that moved.
    private sealed class RowWatch(IGradientModel model, int[] tokens, int batchSize) : TrainingCallback
    {
        private readonly ParameterInfo _table = model.ParameterLayout.Single(p => p.Name == "embedding.weight");
        private float[] _before = [];
        private int _batch;

        public int Batches { get; private set; }
        public int UntouchedMoved { get; private set; }

        public override void OnBatchBegin(TrainingContext context, int epoch, int batch)
        {
            _before = model.Parameters.ToArray();
            _batch = batch - 1;
        }

        public override void OnBatchEnd(TrainingContext context, TrainingProgress progress)
        {
            Batches++;
            int t = model.Shape.SequenceLength, e = model.Shape.EmbeddingSize;
            var held = new HashSet<int>();
            int start = _batch * batchSize * t, end = Math.Min(tokens.Length, start + batchSize * t);
            for (int i = start; i < end; i++) held.Add(tokens[i]);
            ReadOnlySpan<float> now = model.Parameters;
            for (int id = 0; id < model.Shape.VocabularySize; id++)
            {
                if (held.Contains(id)) continue;
                for (int j = 0; j < e; j++)
                {
                    int i = _table.Offset + id * e + j;
                    if (now[i] != _before[i]) UntouchedMoved++;
                }
            }
        }
    }
}
