using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>Data-parallel steps, slice-wise optimizer updates and early stopping.</summary>
[Collection(AllocationCollection.Name)]
public class ParallelTrainingTests
{
    [Fact]
    public void OneThreadStepIsExactlyComputeGradientsThenAdam()
    {
        var a = new H16Model(seed: 4);
        var b = new H16Model(seed: 4);
        int[] tokens = TestModels.Tokens(a.Shape, 5, seed: 1);
        float[] targets = Targets(5 * H16Model.OutputSize, seed: 2);
        var gradients = new float[H16Model.ParameterCount];
        var adam = new Adam();
        using var step = new TrainingStep(b, new Adam(), threads: 1);
        for (int i = 0; i < 3; i++)
        {
            float la = a.ComputeGradients(tokens, targets, gradients, default);
            using (ParameterUpdate update = a.BeginParameterUpdate()) adam.Step(update.Values, gradients);
            float lb = step.Run(tokens, targets);
            Assert.Equal(la, lb);
        }
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
    }

    [Theory]
    [InlineData(2, 7)]
    [InlineData(3, 7)]
    [InlineData(2, 1)] // one shard is empty
    public void ShardedGradientEqualsTheWholeBatchGradient(int threads, int rows)
    {
        var whole = new H33Model(seed: 2);
        TestModels.Randomize(whole, seed: 3);
        var sharded = new H33Model(seed: 2);
        TestModels.Randomize(sharded, seed: 3);
        int[] tokens = TestModels.Tokens(whole.Shape, rows, seed: 4);
        float[] targets = Targets(rows * H33Model.OutputSize, seed: 5);
        var expected = new float[H33Model.ParameterCount];
        var expectedOutputs = new float[rows * H33Model.OutputSize];
        float expectedLoss = whole.ComputeGradients(tokens, targets, expected, expectedOutputs);

        using var step = new TrainingStep(sharded, new Sgd(1e-9f), threads);
        var outputs = new float[rows * H33Model.OutputSize];
        float loss = step.Run(tokens, targets, outputs);
        // The shards' means are weighted by rows/B and summed: equal to float rounding (|Δ| ≤ 1e-6 + 1e-5·|g|).
        Assert.Equal(expectedLoss, loss, 1e-5f);
        ReadOnlySpan<float> g = step.Gradients;
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(g[i] - expected[i]) <= 1e-6 + 1e-5 * Math.Abs(expected[i]), $"gradient {i}: {g[i]} vs {expected[i]}");
        Assert.True(outputs.AsSpan().SequenceEqual(expectedOutputs), "each shard's outputs are the whole batch's rows");
    }

    [Fact]
    public void TwoThreadFitIsDeterministicAndAgreesWithOneThread()
    {
        const int rows = 96;
        var shape = new SmallModel().Shape;
        int[] tokens = TestModels.Tokens(shape, rows, seed: 7);
        float[] targets = Targets(rows, seed: 8);
        var options = new FitOptions { Epochs = 2, BatchSize = 16, Seed = 3, Threads = 2, ClipNorm = 1f };
        var a = new SmallModel(seed: 1);
        var b = new SmallModel(seed: 1);
        var c = new SmallModel(seed: 1);
        Trainer.Fit(a, tokens, targets, options);
        Trainer.Fit(b, tokens, targets, options);
        Trainer.Fit(c, tokens, targets, new FitOptions { Epochs = 2, BatchSize = 16, Seed = 3, Threads = 1, ClipNorm = 1f });
        Assert.True(a.Parameters.SequenceEqual(b.Parameters), "same thread count → bit-identical weights");
        float maxDiff = 0;
        for (int i = 0; i < SmallModel.ParameterCount; i++) maxDiff = Math.Max(maxDiff, Math.Abs(a.Parameters[i] - c.Parameters[i]));
        // 12 Adam steps move a weight by at most 12·lr = 1.2e-2; one and two threads differ only by rounding in the sum.
        Assert.True(maxDiff < 1e-4f, $"max |Δθ| between 1 and 2 threads = {maxDiff}");
    }

    [Fact]
    public void TwoThreadStepAllocatesNothingOnTheCallingThreadAfterWarmUp()
    {
        var model = new ReferenceModel(seed: 1);
        int[] tokens = TestModels.Tokens(model.Shape, 8, seed: 2);
        float[] targets = Targets(8, seed: 3);
        var outputs = new float[8];
        using var step = new TrainingStep(model, new Adam(), threads: 2, clipNorm: 5f);
        for (int i = 0; i < 3; i++) step.Run(tokens, targets, outputs);
        Allocations.AssertNone(() => step.Run(tokens, targets, outputs));
    }

    [Fact]
    public void NonFiniteGradientOnAWorkerLeavesWeightsUnchanged()
    {
        var model = new SmallModel(seed: 3);
        const int t = SmallModel.SequenceLength;
        var tokens = new int[4 * t];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = 2 + i % 9;
        tokens[3 * t + 2] = 12; // only in the last row, which is the second shard's
        using (ParameterUpdate update = model.BeginParameterUpdate()) update.Tensor("embedding.weight")[12 * SmallModel.EmbeddingSize] = float.NaN;
        float[] before = model.Parameters.ToArray();
        using var step = new TrainingStep(model, new Adam(), threads: 2);
        var ex = Assert.Throws<TrainingDivergedException>(() => step.Run(tokens, new float[4]));
        Assert.Contains("Training diverged: the loss is NaN", ex.Message);
        Assert.True(before.AsSpan().SequenceEqual(model.Parameters));
        // Bad input on the worker's shard surfaces on the caller as the same exception a single thread gives.
        tokens[3 * t] = 99;
        Assert.Throws<ArgumentOutOfRangeException>(() => step.Run(tokens, new float[4]));
    }

    [Fact]
    public void OptimizersUpdatedBySlicesEqualOneWholeStep()
    {
        const int n = 1000;
        float[] p0 = Targets(n, seed: 1), g = Targets(n, seed: 2);
        foreach (Func<IOptimizer> make in new Func<IOptimizer>[] { () => new Adam(0.01f, weightDecay: 0.1f), () => new Sgd(0.1f, momentum: 0.9f, weightDecay: 0.01f) })
        {
            IOptimizer whole = make(), sliced = make();
            float[] pw = (float[])p0.Clone(), ps = (float[])p0.Clone();
            for (int step = 0; step < 3; step++)
            {
                whole.Step(pw, g);
                sliced.BeginStep(n);
                // Slices on 8-float boundaries take the same vector/tail path per element as the whole span.
                sliced.Update(ps.AsSpan(512, n - 512), g.AsSpan(512), 512);
                sliced.Update(ps.AsSpan(0, 512), g.AsSpan(0, 512), 0);
            }
            Assert.True(pw.AsSpan().SequenceEqual(ps), whole.GetType().Name);
        }
        Assert.Throws<InvalidOperationException>(() => new Adam().Update(new float[8], new float[8], 0));
        var adam = new Adam();
        adam.BeginStep(8);
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.Update(new float[8], new float[8], 4));
    }

    [Fact]
    public void SgdWithMomentumMatchesItsFormula()
    {
        // u ← μ·u + g + λ·θ;  θ ← θ − lr·u, against a double-precision loop; tolerance 1e-6 relative.
        const int n = 37;
        float[] p = Targets(n, seed: 3), g = Targets(n, seed: 4);
        double[] pr = p.Select(x => (double)x).ToArray(), u = new double[n];
        var sgd = new Sgd(0.05f, momentum: 0.8f, weightDecay: 0.02f);
        for (int step = 0; step < 4; step++)
        {
            sgd.Step(p, g);
            for (int i = 0; i < n; i++)
            {
                u[i] = 0.8 * u[i] + g[i] + 0.02 * pr[i];
                pr[i] -= 0.05 * u[i];
            }
        }
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(p[i] - pr[i]) <= 1e-6 * (1 + Math.Abs(pr[i])), $"θ[{i}] = {p[i]}, expected {pr[i]}");
    }

    [Fact]
    public void EarlyStoppingStopsOnRisingValidationLossAndRestoresTheBestWeights()
    {
        // Random labels: the model can only memorise the training rows, so validation loss bottoms out early and rises.
        var shape = new H16Model().Shape;
        int[] train = TestModels.Tokens(shape, 64, seed: 1), val = TestModels.Tokens(shape, 64, seed: 2);
        float[] trainY = Labels(64 * shape.OutputSize, seed: 3), valY = Labels(64 * shape.OutputSize, seed: 4);
        FitOptions Options(int epochs, int? patience) => new()
        {
            Epochs = epochs, BatchSize = 16, Seed = 5, Optimizer = new Adam(0.02f),
            ValidationTokens = val, ValidationTargets = valY, EarlyStoppingPatience = patience, AutoEarlyStopping = patience is not null,
        };
        var model = new H16Model(seed: 1);
        TrainingHistory h = Trainer.Fit(model, train, trainY, Options(40, 3));

        Assert.True(h.StoppedEarly, "validation loss never rose for 3 epochs: " + string.Join(" ", h.Epochs.Select(e => $"{e.ValidationLoss:F3}")));
        int best = h.Epochs.MinBy(e => e.ValidationLoss!.Value)!.Epoch;
        Assert.Equal(best, h.BestEpoch);
        Assert.Equal(best + 3, h.Epochs.Count); // Keras: stops once patience (3) epochs in a row have not improved
        // The restored weights are exactly those at the end of the best epoch (training is deterministic) ...
        var bestOnly = new H16Model(seed: 1);
        Trainer.Fit(bestOnly, train, trainY, Options(best, null));
        Assert.True(bestOnly.Parameters.SequenceEqual(model.Parameters));
        Assert.Equal(h.Epochs[best - 1].ValidationLoss!.Value, Trainer.Evaluate(model, val, valY).Loss, 12);
        // ... and not those of the last epoch.
        var last = new H16Model(seed: 1);
        Trainer.Fit(last, train, trainY, Options(h.Epochs.Count, null));
        Assert.False(last.Parameters.SequenceEqual(model.Parameters));
    }

    private static float[] Targets(int n, int seed)
    {
        var rng = new Rng(seed);
        var values = new float[n];
        Initializers.Uniform(values, -1f, 1f, ref rng);
        for (int i = 0; i < n; i++) values[i] = MathF.Abs(values[i]);
        return values;
    }

    private static float[] Labels(int n, int seed)
    {
        var rng = new Rng(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = rng.NextInt(2);
        return values;
    }
}

/// <summary>Batched inference split over threads.</summary>
[Collection(AllocationCollection.Name)]
public class ParallelPredictorTests
{
    [Theory]
    [InlineData(2, 37)]
    [InlineData(3, 5)]
    [InlineData(2, 1)]
    public void ShardedPredictionsEqualOneThread(int threads, int rows)
    {
        var model = new H33Model(seed: 1);
        TestModels.Randomize(model, seed: 2);
        int[] tokens = TestModels.Tokens(model.Shape, rows, seed: 3);
        var expected = new float[rows * H33Model.OutputSize];
        model.PredictBatch(tokens, expected);
        var actual = new float[expected.Length];
        using var predictor = new ParallelPredictor(model, threads);
        predictor.PredictBatch(tokens, actual);
        // Rows are independent; only the batch kernel's blocking can differ (|Δ| ≤ 1e-6 + 1e-6·|y|).
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-6 + 1e-6 * Math.Abs(expected[i]), $"output {i}: {actual[i]} vs {expected[i]}");
        for (int i = 0; i < 5; i++) predictor.PredictBatch(tokens, actual);
        Allocations.AssertNone(() => predictor.PredictBatch(tokens, actual));
        Assert.Throws<ArgumentException>(() => predictor.PredictBatch(tokens, new float[1 + expected.Length]));
        tokens[^1] = 99;
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.PredictBatch(tokens, actual));
    }
}
