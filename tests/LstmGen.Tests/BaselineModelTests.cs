using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// The text CNN and the feed-forward baseline: forward against the double reference, masking, gradients against finite
/// differences, PyTorch parity, bad input, replicas, allocation and learning.
/// </summary>
[Collection(AllocationCollection.Name)]
public class BaselineModelTests
{
    // Float kernels against double: |y − y_ref| ≤ 2e-5 + 2e-5·|y_ref| (sums of up to k·E = 640 products).
    private const double Tolerance = 2e-5;

    private static ITrainableModel Create(string name, int seed = 1) => name switch
    {
        nameof(CnnSmallModel) => new CnnSmallModel(seed),
        nameof(CnnMediumModel) => new CnnMediumModel(seed),
        nameof(CnnOddModel) => new CnnOddModel(seed),
        nameof(CnnLinearModel) => new CnnLinearModel(seed),
        nameof(CnnReferenceModel) => new CnnReferenceModel(seed),
        nameof(FfSmallModel) => new FfSmallModel(seed),
        nameof(FfDeepModel) => new FfDeepModel(seed),
        nameof(FfLinearModel) => new FfLinearModel(seed),
        nameof(FfSoftmaxModel) => new FfSoftmaxModel(seed),
        nameof(FfReferenceModel) => new FfReferenceModel(seed),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> Small => new()
    {
        nameof(CnnSmallModel), nameof(CnnMediumModel), nameof(CnnOddModel), nameof(CnnLinearModel),
        nameof(FfSmallModel), nameof(FfDeepModel), nameof(FfLinearModel), nameof(FfSoftmaxModel),
    };

    public static TheoryData<string> All
    {
        get
        {
            var data = Small;
            data.Add(nameof(CnnReferenceModel));
            data.Add(nameof(FfReferenceModel));
            return data;
        }
    }

    private static void Prepare(ISequenceModel model)
    {
        // Small models get large random weights (features far from their init range); the reference-size ones keep the
        // Keras initialisation, where their logits stay in a realistic range.
        if (model.ParameterCount < 1_000_000) TestModels.Randomize(model, seed: 7);
    }

    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= Tolerance * (1 + Math.Abs(expected[i])), $"{what} output {i}: reference {expected[i]:R}, generated {actual[i]:R}");
    }

    [Theory]
    [MemberData(nameof(All))]
    public void PredictAndPredictBatchMatchReference(string name)
    {
        ITrainableModel model = Create(name);
        Prepare(model);
        // 19 rows: two full tiles of 8 and a partial tile of 3; padded at the front, back, in the middle, or not at all.
        const int rows = 19;
        int[] tokens = TestModels.Tokens(model.Shape, rows, seed: 11);
        tokens.AsSpan(3 * model.Shape.SequenceLength, model.Shape.SequenceLength).Clear(); // one row of padding only
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize;
        var output = new float[o];
        var batch = new float[rows * o];
        foreach (bool folded in new[] { true, false })
        {
            model.UseFoldedEmbedding = folded;
            model.PredictBatch(tokens, batch);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<int> row = tokens.AsSpan(r * t, t);
                double[] expected = ReferenceBaselines.Predict(model, row);
                model.Predict(row, output);
                AssertClose(expected, output, $"{name} row {r} folded={folded} Predict");
                AssertClose(expected, batch.AsSpan(r * o, o), $"{name} row {r} folded={folded} PredictBatch");
            }
        }
    }

    [Theory]
    [InlineData(nameof(CnnOddModel))]
    [InlineData(nameof(CnnMediumModel))]
    [InlineData(nameof(FfDeepModel))]
    [InlineData(nameof(FfSoftmaxModel))]
    public void PaddingAnywhereGivesBitIdenticalOutputs(string name)
    {
        // The masking rule: padding is removed (CNN: windows slide over the kept tokens in order; feed-forward: padding is
        // left out of the mean), so the same words with any padding around or between them score exactly the same.
        ITrainableModel model = Create(name);
        Prepare(model);
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize;
        int[] words = [7, 3, 12, 2, 9];
        var expected = new float[o];
        model.Predict(words, expected);
        var rng = new Rng(4);
        var y = new float[o];
        for (int trial = 0; trial < 20; trial++)
        {
            // Scatter the words, in order, over a row of t ids at random positions.
            var row = new int[t];
            int[] positions = Enumerable.Range(0, t).ToArray();
            rng.Shuffle(positions.AsSpan());
            int[] chosen = positions.Take(words.Length).Order().ToArray();
            for (int i = 0; i < words.Length; i++) row[chosen[i]] = words[i];
            model.Predict(row, y);
            Assert.Equal(expected, y);
            model.Predict(row.AsSpan(0, chosen[^1] + 1), y); // a shorter, unpadded-at-the-end sequence
            Assert.Equal(expected, y);
        }
    }

    [Fact]
    public void FeedForwardIgnoresWordOrderAndCnnDoesNot()
    {
        var ff = new FfDeepModel(seed: 3);
        var cnn = new CnnOddModel(seed: 3);
        TestModels.Randomize(ff, 5);
        TestModels.Randomize(cnn, 5);
        float[] a = new float[FfDeepModel.OutputSize], b = new float[FfDeepModel.OutputSize];
        ff.Predict([5, 6, 7, 8], a);
        ff.Predict([8, 6, 5, 7], b);
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 5); // a bag of embeddings (sums in another order)
        float[] c = new float[CnnOddModel.OutputSize], d = new float[CnnOddModel.OutputSize];
        cnn.Predict([5, 6, 7, 8], c);
        cnn.Predict([8, 6, 5, 7], d);
        Assert.NotEqual(c, d);
    }

    [Theory]
    [MemberData(nameof(Small))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        ITrainableModel model = Create(name);
        TestModels.Randomize(model, seed: 21, scale: 0.6f);
        ModelShape s = model.Shape;
        const int rows = 6;
        int[] tokens = TestModels.Tokens(s, rows, seed: 8); // rows padded at the front, back and in the middle
        tokens.AsSpan(4 * s.SequenceLength, s.SequenceLength - 1).Clear(); // a row with a single token: CNN branches k > 1 see no window
        float[] targets = GradientTests.RandomTargets(s, rows, seed: 3);

        // A small step: ReLU and max-pool are piecewise linear, and with eps = 1e-4 one seeded hidden unit's pre-activation
        // lies within a step of its kink. Double round-off at 1e-6 is ~1e-10.
        GradientTests.AssertMatchesFiniteDifferences(model, name, tokens, targets, p => ReferenceBaselines.Loss(model, p, tokens, targets), eps: 1e-6);
    }

    [Theory]
    [InlineData(nameof(CnnSmallModel))]
    [InlineData(nameof(FfSmallModel))]
    public void PaddingAndUnusedTokensGetNoGradient(string name)
    {
        ITrainableModel model = Create(name, seed: 2);
        int t = model.Shape.SequenceLength, e = model.Shape.EmbeddingSize;
        var tokens = new int[t];
        tokens[2] = 5; tokens[3] = 6; tokens[5] = 7; tokens[6] = 8;
        var gradients = new float[model.ParameterCount];
        model.ComputeGradients(tokens, [1f], gradients, default);
        for (int v = 0; v < model.Shape.VocabularySize; v++)
        {
            bool used = v is 5 or 6 or 7 or 8;
            float norm = 0;
            for (int i = 0; i < e; i++) norm += MathF.Abs(gradients[v * e + i]);
            Assert.True(used ? norm > 0 : norm == 0, $"token {v}: |grad| = {norm}");
        }
        // The same gradients however the padding is arranged.
        var again = new float[model.ParameterCount];
        var moved = new int[t];
        moved[0] = 5; moved[1] = 6; moved[2] = 7; moved[t - 1] = 8;
        model.ComputeGradients(moved, [1f], again, default);
        Assert.Equal(gradients, again);
    }

    [Theory]
    [InlineData("cnn_small")]
    [InlineData("cnn_medium")]
    [InlineData("ff_small")]
    [InlineData("ff_deep")]
    public void OutputsAndGradientsMatchPyTorch(string fixtureName)
    {
        TorchFixture fx = TorchFixture.Load(fixtureName);
        ITrainableModel model = fixtureName switch
        {
            "cnn_small" => new CnnSmallModel(),
            "cnn_medium" => new CnnMediumModel(),
            "ff_small" => new FfSmallModel(),
            _ => new FfDeepModel(),
        };
        int[] config = fx.Ints("config");
        Assert.Equal([model.Shape.VocabularySize, model.Shape.EmbeddingSize, model.Shape.SequenceLength, model.Shape.OutputSize], config[..4]);
        Assert.Equal(fx.Names.Where(n => !n.Contains('.') || n.StartsWith("grad.", StringComparison.Ordinal)).Count(n => n.StartsWith("grad.", StringComparison.Ordinal)), model.ParameterLayout.Count);
        TorchParityTests.LoadWeights(model, fx);

        int[] tokens = fx.Ints("tokens");
        float[] expected = fx.Floats("probabilities");
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize, rows = tokens.Length / t;
        var y = new float[o];
        var batch = new float[rows * o];
        model.PredictBatch(tokens, batch);
        for (int r = 0; r < rows; r++)
        {
            model.Predict(tokens.AsSpan(r * t, t), y);
            for (int i = 0; i < o; i++)
            {
                Assert.True(Math.Abs(y[i] - expected[r * o + i]) <= 1e-5, $"row {r} output {i}: PyTorch {expected[r * o + i]:R}, LstmGen {y[i]:R}");
                Assert.True(Math.Abs(batch[r * o + i] - expected[r * o + i]) <= 1e-5, $"batch row {r} output {i}: PyTorch {expected[r * o + i]:R}, LstmGen {batch[r * o + i]:R}");
            }
        }

        // BCE with logits, summed over outputs and averaged over rows (the fixture computes the same).
        var gradients = new float[model.ParameterCount];
        var outputs = new float[rows * o];
        float loss = model.ComputeGradients(tokens, fx.Floats("labels"), gradients, outputs);
        Assert.True(Math.Abs(loss - fx.Floats("loss")[0]) <= 1e-5 * (1 + Math.Abs(loss)), $"loss: PyTorch {fx.Floats("loss")[0]:R}, LstmGen {loss:R}");
        for (int i = 0; i < outputs.Length; i++) Assert.True(Math.Abs(outputs[i] - expected[i]) <= 1e-5, $"training output {i}");
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            float[] g = fx.Floats("grad." + p.Name);
            for (int i = 0; i < p.Length; i++)
            {
                float actual = gradients[p.Offset + i];
                Assert.True(Math.Abs(actual - g[i]) <= 1e-6 + 1e-4 * Math.Abs(g[i]), $"grad {p.Name}[{i}]: PyTorch {g[i]:E5}, LstmGen {actual:E5}");
            }
        }
    }

    [Fact]
    public void ParameterNamesShapesAndInitialisationAreLikePyTorchAndKeras()
    {
        Assert.Equal(
            ["embedding.weight", "convs.0.weight", "convs.0.bias", "convs.1.weight", "convs.1.bias", "convs.2.weight", "convs.2.bias", "fc.weight", "fc.bias"],
            CnnReferenceModel.Layout.Select(p => p.Name));
        Assert.Equal([64, 128, 4], CnnReferenceModel.Layout[3].Shape);
        Assert.Equal([1, 192], CnnReferenceModel.Layout[7].Shape);
        Assert.Equal(192, new CnnReferenceModel().Shape.HiddenSize);
        Assert.Equal(["embedding.weight", "hidden.0.weight", "hidden.0.bias", "hidden.1.weight", "hidden.1.bias", "fc.weight", "fc.bias"], FfDeepModel.Layout.Select(p => p.Name));
        Assert.Equal([33, 20], FfDeepModel.Layout[1].Shape);
        Assert.Equal(7, new FfDeepModel().Shape.HiddenSize);
        Assert.Equal(5, new FfLinearModel().Shape.HiddenSize); // no hidden layer: the head reads the mean embedding

        var cnn = new CnnReferenceModel(seed: 3);
        Assert.True(cnn.Parameters.SequenceEqual(new CnnReferenceModel(seed: 3).Parameters));
        Assert.False(cnn.Parameters.SequenceEqual(new CnnReferenceModel(seed: 4).Parameters));
        AssertUniform(cnn.EmbeddingWeight, 0.05f);
        AssertUniform(cnn.Conv1Weight, MathF.Sqrt(6f / (4 * 128 + 4 * 64))); // Keras Conv1D fans: k·E and k·F
        AssertUniform(cnn.FcWeight, MathF.Sqrt(6f / (192 + 1)));
        Assert.All(cnn.Conv2Bias.ToArray(), b => Assert.Equal(0f, b));
        var ff = new FfDeepModel(seed: 3);
        AssertUniform(ff.Hidden0Weight, MathF.Sqrt(6f / (20 + 33)));
        Assert.All(ff.Hidden1Bias.ToArray(), b => Assert.Equal(0f, b));

        static void AssertUniform(ReadOnlySpan<float> values, float limit)
        {
            float max = 0;
            foreach (float v in values) max = MathF.Max(max, MathF.Abs(v));
            Assert.True(max <= limit && max > 0.9f * limit, $"max |w| = {max}, limit {limit}");
        }
    }

    [Theory]
    [InlineData(nameof(CnnSmallModel))]
    [InlineData(nameof(FfSmallModel))]
    public void BadInputIsRejected(string name)
    {
        ITrainableModel model = Create(name);
        int t = model.Shape.SequenceLength, v = model.Shape.VocabularySize;
        var output = new float[1];
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict([2, v], output));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Predict([-1], output));
        Assert.Throws<ArgumentException>(() => model.Predict(new int[t + 1], output));
        Assert.Throws<ArgumentException>(() => model.Predict([2], new float[2]));
        Assert.Throws<ArgumentException>(() => model.PredictBatch(new int[t + 1], new float[1]));
        Assert.Throws<ArgumentException>(() => model.PredictBatch(new int[2 * t], new float[1]));
        var gradients = new float[model.ParameterCount];
        Assert.Throws<ArgumentException>(() => model.ComputeGradients(new int[t], [1f], new float[3], default));
        Assert.Throws<ArgumentException>(() => model.ComputeGradients(new int[t], [2f], gradients, default));
        Assert.Throws<ArgumentException>(() => model.ComputeGradients(new int[t], [1f, 0f], gradients, default));
        int[] bad = new int[2 * t];
        bad[t + 1] = v;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => model.ComputeGradients(bad, [1f, 0f], gradients, default));
        Assert.Contains("row 1", ex.Message);
    }

    [Theory]
    [InlineData(nameof(CnnMediumModel))]
    [InlineData(nameof(FfDeepModel))]
    public void ReplicaSharesParametersAndComputesTheSameGradients(string name)
    {
        ITrainableModel model = Create(name);
        ITrainableModel replica = model.CreateReplica();
        int[] tokens = TestModels.Tokens(model.Shape, 4, seed: 1);
        float[] targets = GradientTests.RandomTargets(model.Shape, 4, seed: 2);
        var a = new float[model.ParameterCount];
        var b = new float[model.ParameterCount];
        model.ComputeGradients(tokens, targets, a, default);
        replica.ComputeGradients(tokens, targets, b, default);
        Assert.Equal(a, b);
        // Writing through the model is seen by the replica (they share the parameter store).
        using (ParameterUpdate update = model.BeginParameterUpdate()) update.Values[model.ParameterCount - 1] += 1f;
        Assert.Equal(model.Parameters[model.ParameterCount - 1], replica.Parameters[model.ParameterCount - 1]);
        float la = model.ComputeGradients(tokens, targets, a, default);
        float lb = replica.ComputeGradients(tokens, targets, b, default);
        Assert.Equal(la, lb);
    }

    [Theory]
    [InlineData(nameof(CnnReferenceModel))]
    [InlineData(nameof(FfReferenceModel))]
    public void PredictAndTrainingStepAllocateNothingAfterWarmUp(string name)
    {
        ITrainableModel model = Create(name);
        int[] tokens = TestModels.Tokens(model.Shape, 32, seed: 2);
        var targets = new float[32];
        for (int i = 0; i < 32; i += 2) targets[i] = 1;
        var gradients = new float[model.ParameterCount];
        var outputs = new float[32];
        var output = new float[1];
        var adam = new Adam();
        ReadOnlySpan<int> row = tokens.AsSpan(0, model.Shape.SequenceLength);
        foreach (bool folded in new[] { true, false })
        {
            model.UseFoldedEmbedding = folded;
            model.Predict(row, output);
            model.PredictBatch(tokens, outputs);
        }
        model.ComputeGradients(tokens, targets, gradients, outputs);
        using (ParameterUpdate update = model.BeginParameterUpdate()) adam.Step(update.Values, gradients);
        model.Predict(row, output); // rebuild the packed weights after the step

        Allocations.AssertNone(() =>
        {
            model.Predict(tokens.AsSpan(0, model.Shape.SequenceLength), output);
            model.PredictBatch(tokens, outputs);
        }, what: "Inference");
        Allocations.AssertNone(() =>
        {
            model.ComputeGradients(tokens, targets, gradients, outputs);
            using (ParameterUpdate update = model.BeginParameterUpdate()) adam.Step(update.Values, gradients);
        }, what: "Training");
    }

    [Fact]
    public void CnnLearnsWordOrderThatTheFeedForwardModelCannotSee()
    {
        // Label 1 when the bigram "2 3" occurs, 0 when "3 2" occurs, at a random place among 4–11 distractors (with
        // random trailing padding). Both classes hold the same bag of words, so only a model that sees order can tell.
        var cnn = new CnnTaskModel(seed: 1);
        (int[] train, float[] trainY) = BigramTask(CnnTaskModel.SequenceLength, 2000, seed: 1);
        (int[] test, float[] testY) = BigramTask(CnnTaskModel.SequenceLength, 400, seed: 2);
        TrainingHistory h = Trainer.Fit(cnn, train, trainY, new FitOptions { Epochs = 8, BatchSize = 32, Seed = 1, Optimizer = new Adam(learningRate: 0.005f) });
        Evaluation result = Trainer.Evaluate(cnn, test, testY);
        Assert.True(result.Accuracy >= 0.95, $"CNN held-out accuracy {result.Accuracy:P1} " + string.Join(" ", h.Epochs.Select(e => $"{e.Loss:F3}/{e.Accuracy:F2}")));
    }

    [Fact]
    public void FeedForwardLearnsABagOfWordsTask()
    {
        // Label 1 when more of the row's polar words come from {2, 3, 4} than from {5, 6, 7}; neutral words 8–12.
        var model = new FfSmallModel(seed: 1);
        (int[] train, float[] trainY) = MajorityTask(FfSmallModel.SequenceLength, 2000, seed: 1);
        (int[] test, float[] testY) = MajorityTask(FfSmallModel.SequenceLength, 400, seed: 2);
        TrainingHistory h = Trainer.Fit(model, train, trainY, new FitOptions { Epochs = 15, BatchSize = 32, Seed = 1, Optimizer = new Adam(learningRate: 0.01f) });
        Evaluation result = Trainer.Evaluate(model, test, testY);
        Assert.True(result.Accuracy >= 0.9, $"feed-forward held-out accuracy {result.Accuracy:P1} " + string.Join(" ", h.Epochs.Select(e => $"{e.Loss:F3}/{e.Accuracy:F2}")));
    }

    private static (int[] Tokens, float[] Targets) BigramTask(int t, int rows, int seed)
    {
        var rng = new Rng(seed);
        var tokens = new int[rows * t];
        var targets = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            int length = t / 2 + rng.NextInt(t / 2 + 1);
            Span<int> row = tokens.AsSpan(r * t, length);
            for (int i = 0; i < length; i++) row[i] = 4 + rng.NextInt(8);
            int at = rng.NextInt(length - 1);
            bool positive = rng.NextInt(2) == 1;
            row[at] = positive ? 2 : 3;
            row[at + 1] = positive ? 3 : 2;
            targets[r] = positive ? 1f : 0f;
        }
        return (tokens, targets);
    }

    private static (int[] Tokens, float[] Targets) MajorityTask(int t, int rows, int seed)
    {
        var rng = new Rng(seed);
        var tokens = new int[rows * t];
        var targets = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            int length = 3 + rng.NextInt(t - 3); // at most t − 1, leaving room for a tie-breaker
            int balance = 0;
            for (int i = 0; i < length; i++)
            {
                int kind = rng.NextInt(3);
                int token = kind == 0 ? 2 + rng.NextInt(3) : kind == 1 ? 5 + rng.NextInt(3) : 8 + rng.NextInt(5);
                balance += kind == 0 ? 1 : kind == 1 ? -1 : 0;
                tokens[r * t + i] = token;
            }
            if (balance == 0)
            {
                tokens[r * t + length] = 2; // break a tie with one more positive word
                balance = 1;
            }
            targets[r] = balance > 0 ? 1f : 0f;
        }
        return (tokens, targets);
    }
}
