using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>Trainer.Fit and Trainer.Evaluate for ReturnSequences models: per-step class ids and float targets.</summary>
public class SequenceTrainingTests
{
    // A periodic text "2 3 4 2 3 5 …" (period 6): after 3 the next symbol is 4 or 5 depending on what came three steps
    // earlier, so the model must remember; windows start at random phases.
    private static (int[] Tokens, int[] Next) Windows(int rows, int t, int seed)
    {
        int[] period = [2, 3, 4, 2, 3, 5];
        var rng = new Rng(seed);
        var tokens = new int[rows * t];
        var next = new int[rows * t];
        for (int r = 0; r < rows; r++)
        {
            int phase = rng.NextInt(period.Length);
            // Some rows end early (right padding, class −1).
            int length = r % 5 == 4 ? t - 1 - rng.NextInt(t / 2) : t;
            for (int k = 0; k < t; k++)
            {
                tokens[r * t + k] = k < length ? period[(phase + k) % period.Length] : 0;
                next[r * t + k] = k < length ? period[(phase + k + 1) % period.Length] : -1;
            }
        }
        return (tokens, next);
    }

    [Fact]
    public void ANextSymbolModelLearnsWithClassIds()
    {
        var model = new SeqCharModel(seed: 3);
        (int[] tokens, int[] next) = Windows(160, SeqCharModel.SequenceLength, seed: 1);
        (int[] valTokens, int[] valNext) = Windows(40, SeqCharModel.SequenceLength, seed: 2);
        Evaluation before = Trainer.Evaluate(model, valTokens, valNext);
        TrainingHistory history = Trainer.Fit(model, tokens, next, new FitOptions
        {
            Epochs = 30, BatchSize = 16, Seed = 4, Optimizer = new Adam(0.02f),
            ValidationTokens = valTokens, ValidationLabels = valNext, AutoEarlyStopping = false,
        });
        Evaluation after = Trainer.Evaluate(model, valTokens, valNext);
        // Chance is 1/4 of the symbols in use; only the first step of a window starting on 3 is ambiguous (≈ 1/48 of steps).
        Assert.True(before.Accuracy < 0.6, $"accuracy before {before.Accuracy}");
        Assert.True(after.Accuracy > 0.9, $"accuracy after {after.Accuracy}, loss {after.Loss}");
        Assert.True(after.Loss < 0.5 * before.Loss, $"loss {before.Loss} → {after.Loss}");
        Assert.Equal(after.Loss, history.Epochs[^1].ValidationLoss!.Value, 6);
        Assert.True(history.Epochs[^1].Loss < history.Epochs[0].Loss);

        // Evaluate's loss is the mean over real steps of −log p(next), from PredictBatch.
        var outputs = new float[valTokens.Length * SeqCharModel.OutputSize];
        model.PredictBatch(valTokens, outputs);
        double sum = 0;
        int real = 0;
        for (int q = 0; q < valTokens.Length; q++)
        {
            if (valTokens[q] == 0) continue;
            sum -= Math.Log(Math.Max(outputs[q * SeqCharModel.OutputSize + valNext[q]], 1e-7));
            real++;
        }
        Assert.Equal(sum / real, after.Loss, 9);
    }

    [Fact]
    public void ASequenceLabellerLearnsWithFloatTargets()
    {
        // Label step t with 1 when token 5 has appeared at or before t: the answer is in the state, not the current token.
        const int t = SeqLabelModel.SequenceLength;
        var rng = new Rng(7);
        int rows = 200;
        var tokens = new int[rows * t];
        var labels = new float[rows * t];
        for (int r = 0; r < rows; r++)
        {
            bool seen = false;
            for (int k = 0; k < t; k++)
            {
                int token = 2 + rng.NextInt(6);
                tokens[r * t + k] = token;
                seen |= token == 5;
                labels[r * t + k] = seen ? 1 : 0;
            }
        }
        var model = new SeqLabelModel(seed: 2);
        TrainingHistory history = Trainer.Fit(model, tokens, labels, new FitOptions
        {
            Epochs = 25, BatchSize = 20, Seed = 1, Optimizer = new Adam(0.02f), ValidationSplit = 0.2, AutoEarlyStopping = false,
        });
        EpochResult last = history.Epochs[^1];
        Assert.True(last.ValidationAccuracy > 0.95, $"validation accuracy {last.ValidationAccuracy}");
        Assert.True(last.Loss < 0.5 * history.Epochs[0].Loss, $"loss {history.Epochs[0].Loss} → {last.Loss}");
    }

    [Fact]
    public void DenseModelsLearnPerStepLabelsAndClassIds()
    {
        // Float targets: step t is 1 when the running sum of the row's inputs up to t is positive (a state, not the input).
        const int t = SeqDenseLabelModel.SequenceLength, rows = 240;
        var rng = new Rng(3);
        var inputs = new float[rows * t];
        var lengths = new int[rows];
        var labels = new float[rows * t];
        for (int r = 0; r < rows; r++)
        {
            lengths[r] = 4 + rng.NextInt(t - 3);
            float sum = 0;
            for (int k = 0; k < lengths[r]; k++)
            {
                sum += inputs[r * t + k] = rng.NextUniform(-1, 1);
                labels[r * t + k] = sum > 0 ? 1 : 0;
            }
            for (int k = lengths[r]; k < t; k++) labels[r * t + k] = float.NaN; // past the length: never read
        }
        var model = new SeqDenseLabelModel(seed: 1);
        Evaluation before = Trainer.Evaluate(model, inputs, lengths, labels);
        TrainingHistory history = Trainer.Fit(model, inputs, lengths, labels, new FitOptions
        {
            Epochs = 30, BatchSize = 24, Seed = 2, Optimizer = new Adam(0.02f), ValidationSplit = 0.25, AutoEarlyStopping = false,
        });
        Evaluation after = Trainer.Evaluate(model, inputs, lengths, labels);
        Assert.True(after.Accuracy > 0.9 && after.Accuracy > before.Accuracy + 0.2, $"accuracy {before.Accuracy} → {after.Accuracy}");
        Assert.True(history.Epochs[^1].ValidationAccuracy > 0.85, $"validation accuracy {history.Epochs[^1].ValidationAccuracy}");

        // Class ids: step t's class is the index of its largest feature (of 4, classes 0..2 from the first three).
        var classifier = new SeqLstmDenseL2BiModel(seed: 2);
        const int tc = SeqLstmDenseL2BiModel.SequenceLength, n = SeqLstmDenseL2BiModel.InputSize, crows = 120;
        var features = new float[crows * tc * n];
        var lens = new int[crows];
        var classes = new int[crows * tc];
        for (int r = 0; r < crows; r++)
        {
            lens[r] = 1 + rng.NextInt(tc);
            for (int k = 0; k < tc; k++)
            {
                int best = 0;
                for (int j = 0; j < n; j++)
                {
                    float v = features[(r * tc + k) * n + j] = rng.NextUniform(-1, 1);
                    if (j < 3 && v > features[(r * tc + k) * n + best]) best = j;
                }
                classes[r * tc + k] = k < lens[r] ? best : -1;
            }
        }
        Trainer.Fit(classifier, features, lens, classes, new FitOptions { Epochs = 25, BatchSize = 20, Seed = 1, Optimizer = new Adam(0.02f) });
        Evaluation evaluation = Trainer.Evaluate(classifier, features, lens, classes);
        Assert.True(evaluation.Accuracy > 0.9, $"class accuracy {evaluation.Accuracy}");
    }

    [Fact]
    public void PerStepFitRefusesWhatItCannotDo()
    {
        var model = new SeqCharModel(seed: 1);
        (int[] tokens, int[] next) = Windows(8, SeqCharModel.SequenceLength, seed: 1);
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, tokens, next, new FitOptions { Threads = 2 }));
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, tokens, next, new FitOptions { ClassWeights = new float[12] }));
        // Per-row class ids are not per-step ids.
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, tokens, new int[8], new FitOptions { Epochs = 1 }));
        next[3] = 12;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, tokens, next, new FitOptions { Epochs = 1 }));
        Assert.Contains("step 3 of row 0", e.Message);
        // A parallel step splits rows' targets; per-step ones are refused there too (one thread is fine).
        Assert.Throws<ArgumentException>(() => new TrainingStep(model, threads: 2));
        using (var step = new TrainingStep(model)) Assert.True(step.Run(tokens, new float[tokens.Length * 12].Select((_, i) => i % 12 == 2 ? 1f : 0f).ToArray()) > 0);
        // Class ids need a softmax head.
        var labeller = new SeqLabelModel();
        Assert.Throws<ArgumentException>(() => Trainer.Fit(labeller, new int[12], new int[12], new FitOptions { Epochs = 1 }));
    }
}
