using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>StreamTrainer: truncated BPTT over one long token stream with the state carried between windows.</summary>
public class StreamTrainerTests
{
    [Fact]
    public void ANextTokenModelLearnsFromOneLongStream()
    {
        // "2 3 4 2 3 5" repeated: after 3 comes 4 or 5 by what came three tokens earlier, which at a window's start lies in
        // the previous window, reachable only through the carried state.
        int[] period = [2, 3, 4, 2, 3, 5];
        int[] text = Enumerable.Range(0, 2400).Select(i => period[i % period.Length]).ToArray();
        int[] validation = Enumerable.Range(1, 700).Select(i => period[i % period.Length]).ToArray();
        var model = new SeqCharModel(seed: 5);
        ITruncatedStepClassModel stateful = model;
        TrainingHistory history = StreamTrainer.Fit(stateful, text, streams: 8, epochs: 12, new Adam(0.02f), clipNorm: 5f, validationText: validation);
        EpochResult last = history.Epochs[^1];
        Assert.True(last.Loss < 0.5 * history.Epochs[0].Loss, $"loss {history.Epochs[0].Loss} → {last.Loss}");
        Assert.True(last.ValidationAccuracy > 0.97, $"validation accuracy {last.ValidationAccuracy}");
    }

    [Fact]
    public void TheCarriedStateIsTheStateAfterThePreviousWindow()
    {
        // Two windows with the state carried give the same outputs as one row twice as long would at those steps: compare
        // the second window's per-step outputs against the single-row Predict of the whole stream up to there.
        var model = new SeqCharModel(seed: 2);
        const int t = SeqCharModel.SequenceLength, o = SeqCharModel.OutputSize;
        var rng = new Rng(1);
        int[] text = Enumerable.Range(0, 2 * t + 1).Select(_ => 2 + rng.NextInt(10)).ToArray();
        var windows = new StreamWindows(text, streams: 1, sequenceLength: t);
        var tokens = new int[t];
        var targets = new int[t];
        var state = new float[SeqCharModel.StateSize];
        var next = new float[SeqCharModel.StateSize];
        var gradients = new float[SeqCharModel.ParameterCount];
        var outputs = new float[t * o];
        windows.Fill(0, tokens, targets);
        model.ComputeGradients(tokens, targets, state, next, gradients, outputs);
        windows.Fill(1, tokens, targets);
        model.ComputeGradients(tokens, targets, next, state, gradients, outputs);
        // The reference: the model over the first 2T tokens, in windows of T, is the same recurrence; the head at step T + j
        // equals the Step API's output after feeding tokens 0 … T + j.
        SeqCharModel.State stream = model.CreateState();
        var y = new float[o];
        for (int i = 0; i < 2 * t; i++)
        {
            model.Step(stream, text[i], y);
            if (i < t) continue;
            for (int j = 0; j < o; j++)
                Assert.True(Math.Abs(y[j] - outputs[(i - t) * o + j]) <= 1e-5, $"step {i} output {j}: Step {y[j]}, window {outputs[(i - t) * o + j]}");
        }
    }

    [Fact]
    public void BadStreamsAreRejected()
    {
        var model = new SeqCharModel(seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamTrainer.Fit(model, Enumerable.Repeat(12, 400).ToArray(), 4, 1)); // id = OutputSize
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamTrainer.Fit(model, Enumerable.Repeat(3, 40).ToArray(), 4, 1)); // too short
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamTrainer.Fit(model, Enumerable.Repeat(3, 400).ToArray(), 4, 0));
    }
}
