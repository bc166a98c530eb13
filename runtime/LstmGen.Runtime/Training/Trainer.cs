using System.Diagnostics;

namespace LstmGen.Training;

/// <summary>A Keras-style training loop for generated models.</summary>
public static class Trainer
{
    /// <summary>
    /// Trains <paramref name="model"/> on rows of <paramref name="tokens"/> (each exactly SequenceLength ids) and
    /// <paramref name="targets"/> (OutputSize per row). Everything is checked before the first weight changes.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or target values do not fit the model.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">Cancellation was requested (weights are left after the last whole step).</exception>
    public static TrainingHistory Fit(ITrainableModel model, int[] tokens, float[] targets, FitOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(targets);
        options ??= new FitOptions();
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength, o = shape.OutputSize;
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Epochs must be at least 1.");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be at least 1.");
        // Written so that NaN fails too (every comparison with NaN is false).
        if (!(options.ValidationSplit >= 0 && options.ValidationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationSplit, $"ValidationSplit must be in [0, 1) but is {options.ValidationSplit}.");
        if (options.EarlyStoppingPatience is < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.EarlyStoppingPatience, $"EarlyStoppingPatience must be at least 0 (or null for off) but is {options.EarlyStoppingPatience}.");
        int rows = CheckRows(tokens, t, shape.VocabularySize, nameof(tokens));
        Losses.ValidateTargets(shape.Output, o, rows, targets, nameof(targets));

        // Validation set: explicit, or the last fraction of the rows (before shuffling, like Keras).
        int[]? valTokens = options.ValidationTokens;
        float[]? valTargets = options.ValidationTargets;
        int trainRows = rows;
        if (valTokens is not null)
        {
            if (valTargets is null) throw new ArgumentException("ValidationTokens needs ValidationTargets.", nameof(options));
            int valRows = CheckRows(valTokens, t, shape.VocabularySize, "options.ValidationTokens");
            Losses.ValidateTargets(shape.Output, o, valRows, valTargets, "options.ValidationTargets");
        }
        else if (options.ValidationSplit > 0)
        {
            int valRows = (int)(rows * options.ValidationSplit);
            if (valRows == 0 || valRows == rows) throw new ArgumentException($"ValidationSplit {options.ValidationSplit} of {rows} rows leaves no training or no validation data.", nameof(options));
            trainRows = rows - valRows;
            valTokens = tokens[(trainRows * t)..];
            valTargets = targets[(trainRows * o)..];
        }

        if (options.Threads < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "Threads must be at least 1.");
        using var step = new TrainingStep(model, options.Optimizer, options.Threads, options.ClipNorm);
        int batchSize = Math.Min(options.BatchSize, trainRows);
        int batches = (trainRows + batchSize - 1) / batchSize;
        var order = new int[trainRows];
        for (int i = 0; i < trainRows; i++) order[i] = i;
        var rng = new Rng(options.Seed);
        var batchTokens = new int[batchSize * t];
        var batchTargets = new float[batchSize * o];
        var predictions = new float[batchSize * o];
        float[]? best = null;
        double bestLoss = double.PositiveInfinity;
        int? bestEpoch = null;
        int sinceBest = 0;
        bool stoppedEarly = false;
        var history = new List<EpochResult>();

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            if (options.Shuffle) rng.Shuffle<int>(order);
            var clock = Stopwatch.StartNew();
            double lossSum = 0, correct = 0;
            int seen = 0;
            for (int b = 0; b < batches; b++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int start = b * batchSize, n = Math.Min(batchSize, trainRows - start);
                for (int r = 0; r < n; r++)
                {
                    int src = order[start + r];
                    Array.Copy(tokens, src * t, batchTokens, r * t, t);
                    Array.Copy(targets, src * o, batchTargets, r * o, o);
                }
                ReadOnlySpan<int> bt = batchTokens.AsSpan(0, n * t);
                ReadOnlySpan<float> by = batchTargets.AsSpan(0, n * o);
                // Forward, backward, clipping and update; a non-finite loss or gradient leaves the weights unchanged.
                string? failure = step.TryRun(bt, by, predictions.AsSpan(0, n * o), out float loss);
                if (failure is not null) throw new TrainingDivergedException(epoch, b + 1, failure);
                // Accuracy of this batch comes from the training forward pass, before the update, as Keras reports it.
                correct += CountCorrect(shape.Output, o, predictions.AsSpan(0, n * o), by);
                lossSum += loss * n;
                seen += n;
                double rate = seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                bool last = b == batches - 1;
                if (!last) progress?.Report(new TrainingProgress(epoch, options.Epochs, b + 1, batches, lossSum / seen, Accuracy(shape.Output, correct, seen * o, seen), rate, null));
            }
            clock.Stop();
            double? valLoss = null, valAcc = null;
            if (valTokens is not null)
            {
                Evaluation ev = Evaluate(model, valTokens, valTargets!);
                valLoss = ev.Loss; valAcc = ev.Accuracy;
            }
            var result = new EpochResult(epoch, lossSum / seen, Accuracy(shape.Output, correct, seen * o, seen), valLoss, valAcc, seen / clock.Elapsed.TotalSeconds, clock.Elapsed);
            history.Add(result);
            progress?.Report(new TrainingProgress(epoch, options.Epochs, batches, batches, result.Loss, result.Accuracy, result.SequencesPerSecond, result));

            if (options.EarlyStoppingPatience is int patience && valLoss is double vl)
            {
                if (vl < bestLoss)
                {
                    bestLoss = vl; bestEpoch = epoch; sinceBest = 0;
                    best = CopyParameters(model, best);
                }
                else if (++sinceBest > patience)
                {
                    stoppedEarly = true;
                    break;
                }
            }
        }
        if (best is not null && bestEpoch != history[^1].Epoch)
        {
            model.SetParameters(best);
        }
        return new TrainingHistory(history, stoppedEarly, bestEpoch);
    }

    /// <summary>Mean loss and accuracy of <paramref name="model"/> on a data set (no weights change).</summary>
    public static Evaluation Evaluate(ISequenceModel model, int[] tokens, float[] targets)
    {
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength, o = shape.OutputSize;
        int rows = CheckRows(tokens, t, shape.VocabularySize, nameof(tokens));
        Losses.ValidateTargets(shape.Output, o, rows, targets, nameof(targets));
        var outputs = new float[rows * o];
        model.PredictBatch(tokens, outputs);
        double loss = Losses.MeanLossOfOutputs(shape.Output, o, outputs, targets);
        double correct = CountCorrect(shape.Output, o, outputs, targets);
        return new Evaluation(loss, Accuracy(shape.Output, correct, rows * o, rows));
    }

    // A copy of the weights into `into` (made on first use), for restoring the best epoch.
    private static float[] CopyParameters(ISequenceModel model, float[]? into)
    {
        into ??= new float[model.ParameterCount];
        model.Parameters.CopyTo(into);
        return into;
    }

    private static int CheckRows(int[] tokens, int t, int vocabulary, string paramName)
    {
        if (tokens.Length == 0 || tokens.Length % t != 0)
            throw new ArgumentException($"Expected whole rows of {t} token ids but got {tokens.Length} ids.", paramName);
        TokenChecks.InRange(tokens, t, vocabulary, paramName);
        return tokens.Length / t;
    }

    // Sigmoid: per output, (p ≥ 0.5) agrees with (y ≥ 0.5). Softmax: argmax agrees, once per row. Linear: no accuracy.
    private static double CountCorrect(OutputActivation activation, int o, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets)
    {
        double correct = 0;
        int rows = predictions.Length / o;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> p = predictions.Slice(r * o, o), y = targets.Slice(r * o, o);
            if (activation == OutputActivation.Sigmoid)
            {
                for (int i = 0; i < o; i++) if ((p[i] >= 0.5f) == (y[i] >= 0.5f)) correct++;
            }
            else if (activation == OutputActivation.Softmax)
            {
                if (ArgMax(p) == ArgMax(y)) correct++;
            }
        }
        return correct;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private static double Accuracy(OutputActivation activation, double correct, int outputs, int rows) => activation switch
    {
        OutputActivation.Sigmoid => correct / outputs,
        OutputActivation.Softmax => correct / rows,
        _ => double.NaN,
    };
}
