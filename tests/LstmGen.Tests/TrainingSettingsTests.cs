using System.Runtime.InteropServices;
using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>Optimizer and Fit settings are checked when set; divergence messages say what happened to the weights.</summary>
public class TrainingSettingsTests
{
    public static TheoryData<float> BadRates => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1e-3f, -float.Epsilon };
    public static TheoryData<float> BadUnitFactors => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.1f, 1f, 1.5f };
    public static TheoryData<float> BadEpsilons => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -1e-7f, 0f };
    public static TheoryData<float> BadDecays => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.01f };

    [Theory]
    [MemberData(nameof(BadRates))]
    public void BadLearningRateIsRefusedByConstructorsAndSetters(float rate)
    {
        AssertRefused(() => new Adam(learningRate: rate), "learningRate", rate);
        AssertRefused(() => new Sgd(learningRate: rate), "learningRate", rate);
        var adam = new Adam(0.01f);
        AssertRefused(() => adam.LearningRate = rate, "LearningRate", rate);
        Assert.Equal(0.01f, adam.LearningRate);
        var sgd = new Sgd(0.02f);
        AssertRefused(() => sgd.LearningRate = rate, "LearningRate", rate);
        Assert.Equal(0.02f, sgd.LearningRate);
    }

    [Theory]
    [MemberData(nameof(BadUnitFactors))]
    public void BadBetaOrMomentumIsRefused(float value)
    {
        AssertRefused(() => new Adam(beta1: value), "beta1", value);
        AssertRefused(() => new Adam(beta2: value), "beta2", value);
        AssertRefused(() => new Sgd(momentum: value), "momentum", value);
    }

    [Theory]
    [MemberData(nameof(BadEpsilons))]
    public void BadEpsilonIsRefused(float value) => AssertRefused(() => new Adam(epsilon: value), "epsilon", value);

    [Theory]
    [MemberData(nameof(BadDecays))]
    public void BadWeightDecayIsRefused(float value)
    {
        AssertRefused(() => new Adam(weightDecay: value), "weightDecay", value);
        AssertRefused(() => new Sgd(weightDecay: value), "weightDecay", value);
    }

    [Fact]
    public void EdgeValuesInsideTheRangesAreAccepted()
    {
        var adam = new Adam(learningRate: 0f, beta1: 0f, beta2: 0f, epsilon: float.Epsilon, weightDecay: 0f);
        Assert.Equal(0f, adam.LearningRate);
        adam.LearningRate = float.MaxValue;
        Assert.Equal(float.MaxValue, adam.LearningRate);
        var sgd = new Sgd(learningRate: 0f, momentum: 0.999f, weightDecay: 1e6f);
        sgd.LearningRate = 0f;
        Assert.Equal(0.999f, sgd.Momentum);
    }

    [Fact]
    public void ZeroLearningRateLeavesTheWeightsBitForBit()
    {
        float[] p = [0.5f, -0.25f, 3f, -0f, 1e-30f, -7f, 0.1f, 2f, 9f];
        float[] g = [1f, -2f, 0.5f, 3f, -1e-3f, 1e3f, 0f, -0.5f, 4f];
        foreach (IOptimizer optimizer in new IOptimizer[] { new Adam(0f, weightDecay: 0.1f), new Sgd(0f, momentum: 0.9f, weightDecay: 0.1f) })
        {
            float[] q = (float[])p.Clone();
            for (int i = 0; i < 3; i++) optimizer.Step(q, g);
            Assert.True(MemoryMarshal.Cast<float, int>(q).SequenceEqual(MemoryMarshal.Cast<float, int>(p)), optimizer.GetType().Name);
        }
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(-0.1)]
    [InlineData(1.0)]
    public void BadValidationSplitIsRefusedBeforeTraining(double split)
    {
        var model = new SmallModel(seed: 1);
        float[] before = model.Parameters.ToArray();
        int[] tokens = TestModels.Tokens(model.Shape, 20, seed: 2);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Trainer.Fit(model, tokens, new float[20], new FitOptions { Epochs = 1, ValidationSplit = split }));
        Assert.Contains("ValidationSplit must be in [0, 1)", ex.Message);
        Assert.Equal(split, ex.ActualValue);
        Assert.True(before.AsSpan().SequenceEqual(model.Parameters));
    }

    [Fact]
    public void NegativePatienceIsRefused()
    {
        var model = new SmallModel(seed: 1);
        int[] tokens = TestModels.Tokens(model.Shape, 20, seed: 2);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Trainer.Fit(model, tokens, new float[20], new FitOptions { Epochs = 2, ValidationSplit = 0.2, EarlyStoppingPatience = -1 }));
        Assert.Contains("EarlyStoppingPatience must be at least 0", ex.Message);
        Assert.Equal(-1, ex.ActualValue);
        // Patience 0 stays valid: stop at the first epoch without improvement.
        Trainer.Fit(model, tokens, new float[20], new FitOptions { Epochs = 2, ValidationSplit = 0.2, EarlyStoppingPatience = 0 });
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void DivergenceAfterAnOverflowingUpdateSaysTheWeightsWereAlreadyNotFinite(int threads)
    {
        // SGD at the largest float rate with weight decay overflows the weights in its first update, which sees finite
        // values only; the next step's loss is not finite, and its message must not claim the weights are as before.
        var model = new SmallModel(seed: 1);
        int[] tokens = TestModels.Tokens(model.Shape, 8, seed: 2);
        var targets = new float[8];
        for (int i = 0; i < 8; i++) targets[i] = i % 2;
        using var step = new TrainingStep(model, new Sgd(float.MaxValue, weightDecay: 1e6f), threads);
        TrainingDivergedException? diverged = null;
        for (int i = 0; i < 20 && diverged is null; i++)
        {
            try { step.Run(tokens, targets); }
            catch (TrainingDivergedException e) { diverged = e; }
        }
        Assert.NotNull(diverged);
        int bad = 0;
        foreach (float w in model.Parameters) if (!float.IsFinite(w)) bad++;
        Assert.True(bad > 0, "the scenario needs overflowed weights");
        Assert.DoesNotContain("left as they were", diverged.Message);
        Assert.Contains($"this step did not change the weights, but {bad} of the {SmallModel.ParameterCount} were already not finite", diverged.Message);
    }

    [Fact]
    public void DivergenceWithFiniteWeightsSaysTheStepDidNotChangeThem()
    {
        // A linear output's squared error overflows for a huge (finite) target: the loss is +∞ with every weight finite.
        var model = new H33Model(seed: 3);
        int[] tokens = TestModels.Tokens(model.Shape, 2, seed: 4);
        float[] targets = [3e38f, 0f, 0f, 0f];
        float[] before = model.Parameters.ToArray();
        var ex = Assert.Throws<TrainingDivergedException>(() =>
            Trainer.Fit(model, tokens, targets, new FitOptions { Epochs = 1, BatchSize = 2, Shuffle = false }));
        Assert.Contains("epoch 1, batch 1", ex.Message);
        Assert.Contains("; this step did not change the weights. Lower the learning rate or set ClipNorm.", ex.Message);
        Assert.True(before.AsSpan().SequenceEqual(model.Parameters));
    }

    [Fact]
    public void ASecondConcurrentRunOfOneTrainingStepIsRefused()
    {
        var model = new SmallModel(seed: 1);
        int[] tokens = TestModels.Tokens(model.Shape, 4, seed: 2);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var step = new TrainingStep(model, new BlockingOptimizer(inside, release));
        var first = new Thread(() => step.Run(tokens, new float[4]));
        first.Start();
        Assert.True(inside.Wait(TimeSpan.FromSeconds(10)));
        var ex = Assert.Throws<InvalidOperationException>(() => step.Run(tokens, new float[4]));
        Assert.Contains("one step at a time", ex.Message);
        release.Set();
        first.Join();
        step.Run(tokens, new float[4]); // free again
    }

    private static void AssertRefused(Action set, string paramName, float value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(set);
        Assert.Equal(paramName, ex.ParamName);
        Assert.Equal(value, ex.ActualValue);
        Assert.Contains($"but is {value}", ex.Message);
    }

    // An optimizer whose first whole step waits until released, so a step can be held in progress; later steps do nothing.
    private sealed class BlockingOptimizer(ManualResetEventSlim inside, ManualResetEventSlim release) : IOptimizer
    {
        private int _steps;

        public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
        {
            if (Interlocked.Increment(ref _steps) > 1) return;
            inside.Set();
            release.Wait();
        }

        public void BeginStep(int parameterCount) { }
        public void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset) { }
        public void Reset() { }
    }
}
