using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>Trainer.Fit / Evaluate and TrainingStep on dense-input models.</summary>
public class DenseTrainingTests
{
    // Rows of 12 values in [−1, 1] with lengths 4 … 12; the label is 1 when the sum over the row's real steps is positive.
    private static (float[] Inputs, int[] Lengths, float[] Targets) SignOfSum(int rows, int seed)
    {
        var rng = new Random(seed);
        int t = DenseSignModel.SequenceLength;
        var inputs = new float[rows * t];
        var lengths = new int[rows];
        var targets = new float[rows];
        for (int b = 0; b < rows; b++)
        {
            lengths[b] = rng.Next(4, t + 1);
            double sum = 0;
            for (int s = 0; s < t; s++)
            {
                float x = (float)(rng.NextDouble() * 2 - 1);
                inputs[b * t + s] = s < lengths[b] ? x : 50f; // past the length: ignored, so it must not matter
                if (s < lengths[b]) sum += x;
            }
            targets[b] = sum > 0 ? 1 : 0;
        }
        return (inputs, lengths, targets);
    }

    [Fact]
    public void FitLearnsTheSignOfASumOverEachRowsRealSteps()
    {
        var model = new DenseSignModel(seed: 1);
        var (inputs, lengths, targets) = SignOfSum(1200, 2);
        var (testInputs, testLengths, testTargets) = SignOfSum(400, 3);
        double before = Trainer.Evaluate(model, testInputs, testLengths, testTargets).Accuracy;
        TrainingHistory history = Trainer.Fit(model, inputs, lengths, targets, new FitOptions
        {
            Epochs = 8, BatchSize = 32, Seed = 4, Optimizer = new Adam(learningRate: 0.01f), ValidationSplit = 0.1, AutoEarlyStopping = false,
        });
        Evaluation after = Trainer.Evaluate(model, testInputs, testLengths, testTargets);
        Assert.Equal(8, history.Epochs.Count);
        Assert.True(history.Epochs[^1].Loss < history.Epochs[0].Loss, $"loss {history.Epochs[0].Loss} → {history.Epochs[^1].Loss}");
        Assert.NotNull(history.Epochs[^1].ValidationLoss);
        Assert.True(after.Accuracy >= 0.9, $"test accuracy {before:F3} before, {after.Accuracy:F3} after");
    }

    [Fact]
    public void TwoThreadsAgreeWithOneAndExplicitValidationIsUsed()
    {
        var (inputs, lengths, targets) = SignOfSum(64, 5);
        var one = new DenseSignModel(seed: 6);
        var two = new DenseSignModel(seed: 6);
        using (var step1 = new TrainingStep(one))
        using (var step2 = new TrainingStep(two, threads: 2))
        {
            float a = step1.Run(inputs, lengths, targets);
            float b = step2.Run(inputs, lengths, targets);
            Assert.Equal(a, b, 1e-5f);
            Assert.Throws<InvalidOperationException>(() => step1.Run(new int[DenseSignModel.SequenceLength], new float[1]));
            Assert.Throws<ArgumentOutOfRangeException>("lengths", () => step2.Run(inputs, new int[64], targets));
        }
        float[] p1 = one.Parameters.ToArray(), p2 = two.Parameters.ToArray();
        for (int i = 0; i < p1.Length; i++) Assert.Equal(p1[i], p2[i], 1e-5f);

        var (valInputs, valLengths, valTargets) = SignOfSum(50, 7);
        TrainingHistory history = Trainer.Fit(one, inputs, lengths, targets, new FitOptions
        {
            Epochs = 2, ValidationInputs = valInputs, ValidationLengths = valLengths, ValidationTargets = valTargets, LengthBucketing = true, Threads = 2,
        });
        Assert.Equal(Trainer.Evaluate(one, valInputs, valLengths, valTargets).Loss, history.Epochs[^1].ValidationLoss!.Value, 1e-6);
        Assert.Throws<ArgumentException>("options", () => Trainer.Fit(one, inputs, lengths, targets, new FitOptions { ValidationInputs = valInputs }));
        Assert.Throws<ArgumentException>("options", () => Trainer.Fit(one, inputs, lengths, targets, new FitOptions { ClassWeights = [1f, 2f] }));
    }
}
