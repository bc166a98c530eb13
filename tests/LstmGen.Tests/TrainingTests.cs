using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>Training against PyTorch, the fit loop's failure behaviour, determinism and allocation.</summary>
[Collection(AllocationCollection.Name)]
public class TrainingTests
{
    [Theory]
    [InlineData("small")]
    [InlineData("reference")]
    [InlineData("gru_small")]
    [InlineData("rnn_small")]
    public void GradientsAndAdamStepsMatchPyTorch(string fixtureName)
    {
        TorchFixture fx = TorchFixture.Load(fixtureName);
        var model = (ITrainableModel)TorchParityTests.ForFixture(fixtureName);
        TorchParityTests.LoadWeights(model, fx);
        int[] tokens = fx.Ints("tokens");
        float[] labels = fx.Floats("labels");
        var gradients = new float[model.ParameterCount];
        float loss = model.ComputeGradients(tokens, labels, gradients, default);
        Assert.Equal(fx.Floats("loss")[0], loss, 5);
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            float[] expected = fx.Floats("grad." + p.Name);
            for (int i = 0; i < p.Length; i++)
            {
                float g = gradients[p.Offset + i];
                // BCEWithLogitsLoss gradients: |Δ| ≤ 1e-6 + 1e-4·|g|.
                Assert.True(Math.Abs(g - expected[i]) <= 1e-6 + 1e-4 * Math.Abs(expected[i]), $"grad {p.Name}[{i}]: PyTorch {expected[i]:E5}, LstmGen {g:E5}");
            }
        }

        // Three steps of torch.optim.Adam(lr=1e-3, eps=1e-7) on the same batch.
        var adam = new Adam(learningRate: 1e-3f, epsilon: 1e-7f);
        for (int step = 0; step < 3; step++)
        {
            model.ComputeGradients(tokens, labels, gradients, default);
            using (ParameterUpdate update = model.BeginParameterUpdate()) adam.Step(update.Values, gradients);
        }
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            float[] expected = fx.Floats("adam3." + p.Name);
            ReadOnlySpan<float> actual = model.Parameters.Slice(p.Offset, p.Length);
            for (int i = 0; i < p.Length; i++)
                // Three steps move a weight by at most 3·lr = 3e-3; Adam divides by √v̂, so rounding differences in tiny
                // gradients (e.g. the scalar path's exact tanh vs the vector one) become relative. Allow 1% of that movement.
                Assert.True(Math.Abs(actual[i] - expected[i]) <= 3e-5, $"adam3 {p.Name}[{i}]: PyTorch {expected[i]:R}, LstmGen {actual[i]:R}");
        }
    }

    [Fact]
    public void FitIsDeterministicForASeed()
    {
        (int[] tokens, float[] targets) = FirstTokenTask(new SmallModel().Shape, 200, seed: 1);
        var a = new SmallModel(seed: 5);
        var b = new SmallModel(seed: 5);
        var options = new FitOptions { Epochs = 2, BatchSize = 16, Seed = 9 };
        Trainer.Fit(a, tokens, targets, options);
        Trainer.Fit(b, tokens, targets, options);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        var c = new SmallModel(seed: 5);
        Trainer.Fit(c, tokens, targets, new FitOptions { Epochs = 2, BatchSize = 16, Seed = 10 });
        Assert.False(a.Parameters.SequenceEqual(c.Parameters));
    }

    [Fact]
    public void BadTargetsAreRejectedBeforeAnyWeightChanges()
    {
        var model = new SmallModel(seed: 1);
        float[] before = model.Parameters.ToArray();
        var tokens = new int[3 * SmallModel.SequenceLength];
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, tokens, new float[2]));
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, tokens, [0f, 1f, 2f]));
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, tokens, [0f, float.NaN, 1f]));
        tokens[4] = 99;
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, tokens, [0f, 1f, 1f]));
        Assert.True(before.AsSpan().SequenceEqual(model.Parameters));

        var softmax = new SoftmaxModel();
        Assert.Throws<ArgumentException>(() => Trainer.Fit(softmax, new int[SoftmaxModel.SequenceLength], [0.5f, 0.2f, 0.1f]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Targets.OneHot([0, 3], 3));
    }

    [Fact]
    public void NonFiniteLossStopsTrainingNamingEpochAndBatchAndKeepsWeights()
    {
        var model = new SmallModel(seed: 3);
        const int t = SmallModel.SequenceLength;
        // 4 batches of 2 rows; token 12 appears only in the third batch and its embedding is NaN.
        var tokens = new int[8 * t];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = 2 + i % 9;
        tokens[4 * t + 3] = 12;
        using (ParameterUpdate update = model.BeginParameterUpdate()) update.Tensor("embedding.weight")[12 * SmallModel.EmbeddingSize] = float.NaN;
        float[] snapshot = [];
        var progress = new SynchronousProgress<TrainingProgress>(p => snapshot = model.Parameters.ToArray());
        var ex = Assert.Throws<TrainingDivergedException>(() =>
            Trainer.Fit(model, tokens, new float[8], new FitOptions { Epochs = 1, BatchSize = 2, Shuffle = false }, progress));
        Assert.Equal(1, ex.Epoch);
        Assert.Equal(3, ex.Batch);
        Assert.Contains("epoch 1, batch 3", ex.Message);
        // The weights are exactly those after batch 2.
        Assert.True(snapshot.AsSpan().SequenceEqual(model.Parameters));
    }

    [Fact]
    public void TrainingStepAllocatesNothingAfterWarmUp()
    {
        var model = new ReferenceModel(seed: 1);
        int[] tokens = TestModels.Tokens(model.Shape, 32, seed: 2);
        var targets = new float[32];
        for (int i = 0; i < 32; i += 2) targets[i] = 1;
        var gradients = new float[ReferenceModel.ParameterCount];
        var outputs = new float[32];
        var adam = new Adam();
        Allocations.AssertNone(() =>
        {
            model.ComputeGradients(tokens, targets, gradients, outputs);
            using (ParameterUpdate update = model.BeginParameterUpdate()) adam.Step(update.Values, gradients);
        });
    }

    [Fact]
    public void LearnsATaskThatNeedsMemoryOfTheFirstToken()
    {
        // Label = whether the FIRST of 50 tokens is in a fixed set; the 49 steps after it are random distractors that
        // carry no signal, so a model without memory over 50 steps scores about 50%.
        var model = new MemoryTaskModel(seed: 1);
        (int[] train, float[] trainY) = FirstTokenTask(model.Shape, 4000, seed: 1);
        (int[] test, float[] testY) = FirstTokenTask(model.Shape, 500, seed: 2);
        TrainingHistory h = Trainer.Fit(model, train, trainY, new FitOptions { Epochs = 30, BatchSize = 32, Seed = 1, Optimizer = new Adam(learningRate: 0.003f), ClipNorm = 1f });
        Evaluation result = Trainer.Evaluate(model, test, testY);
        Assert.True(result.Accuracy >= 0.95, $"held-out accuracy {result.Accuracy:P1} " + string.Join(" ", h.Epochs.Select(e => $"{e.Loss:F3}/{e.Accuracy:F2}")));
    }

    internal static (int[] Tokens, float[] Targets) FirstTokenTask(ModelShape s, int rows, int seed)
    {
        var rng = new Rng(seed);
        var tokens = new int[rows * s.SequenceLength];
        var targets = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            // First token from {2, 3, 4, 5} (label 1 for 2 and 3), then 49 distractors from {6, …, V−1}.
            int first = 2 + rng.NextInt(4);
            tokens[r * s.SequenceLength] = first;
            for (int t = 1; t < s.SequenceLength; t++) tokens[r * s.SequenceLength + t] = 6 + rng.NextInt(s.VocabularySize - 6);
            targets[r] = first < 4 ? 1f : 0f;
        }
        return (tokens, targets);
    }

    private sealed class SynchronousProgress<T>(Action<T> handler) : IProgress<T>
    {
        public void Report(T value) => handler(value);
    }
}
