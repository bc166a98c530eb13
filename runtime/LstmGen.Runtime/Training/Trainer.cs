using System.Diagnostics;

namespace LstmGen.Training;

/// <summary>Settings for <see cref="Trainer.Fit"/>, with Keras-like defaults.</summary>
public sealed class FitOptions
{
    /// <summary>Passes over the training data. Default 10.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Sequences per gradient step. Default 32.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Seed for shuffling and the validation split. Same seed and data → bit-identical weights.</summary>
    public int Seed { get; init; }
    /// <summary>Shuffle the training rows each epoch. Default true.</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Fraction of rows (taken from the end, as Keras does) held out for validation when no validation set is given.</summary>
    public double ValidationSplit { get; init; }
    /// <summary>Explicit validation tokens (rows of SequenceLength ids); overrides <see cref="ValidationSplit"/>.</summary>
    public int[]? ValidationTokens { get; init; }
    /// <summary>Targets for <see cref="ValidationTokens"/>.</summary>
    public float[]? ValidationTargets { get; init; }
    /// <summary>The optimizer; default <see cref="Adam"/> with Keras defaults.</summary>
    public IOptimizer? Optimizer { get; init; }
    /// <summary>Clip gradients to this global L2 norm (null = no clipping).</summary>
    public float? ClipNorm { get; init; }
    /// <summary>Stop after this many epochs without a lower validation loss and restore the best weights (null = off).</summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary>
    /// Threads for data-parallel steps (default 1). Each batch is split into this many shards whose gradients are summed in
    /// a fixed order, so results are bit-identical for a given value; different values agree to float rounding.
    /// </summary>
    public int Threads { get; init; } = 1;
}

/// <summary>Progress of training, reported after every batch and at the end of every epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">Mean training loss so far in this epoch.</param>
/// <param name="Accuracy">Training accuracy so far in this epoch (NaN for linear outputs).</param>
/// <param name="SequencesPerSecond">Training throughput so far in this epoch.</param>
/// <param name="EpochEnd">The epoch's summary, on the last report of an epoch; otherwise null.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double SequencesPerSecond, EpochResult? EpochEnd);

/// <summary>Metrics of one epoch.</summary>
public sealed record EpochResult(int Epoch, double Loss, double Accuracy, double? ValidationLoss, double? ValidationAccuracy, double SequencesPerSecond, TimeSpan Elapsed);

/// <summary>What <see cref="Trainer.Fit"/> returns: one entry per completed epoch.</summary>
public sealed record TrainingHistory(IReadOnlyList<EpochResult> Epochs, bool StoppedEarly, int? BestEpoch);

/// <summary>Loss and accuracy on a data set.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy);

/// <summary>Training stopped because the loss or a gradient was not finite; the weights are those before the failing step.</summary>
public sealed class TrainingDivergedException : Exception
{
    private const string Advice = "The weights were left as they were before this step; lower the learning rate or set ClipNorm.";

    /// <summary>A failure in <see cref="Trainer.Fit"/> at a known epoch and batch.</summary>
    public TrainingDivergedException(int epoch, int batch, string what)
        : base($"Training diverged at epoch {epoch}, batch {batch}: {what}. {Advice}")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>A failure of a single <see cref="TrainingStep.Run"/>.</summary>
    public TrainingDivergedException(string what) : base($"Training diverged: {what}. {Advice}") { }

    /// <summary>1-based epoch of the failing step (0 outside <see cref="Trainer.Fit"/>).</summary>
    public int Epoch { get; }
    /// <summary>1-based batch of the failing step (0 outside <see cref="Trainer.Fit"/>).</summary>
    public int Batch { get; }
}

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
        if (options.ValidationSplit is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(options), options.ValidationSplit, "ValidationSplit must be in [0, 1).");
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
                    best = model.ParameterValues(best);
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
        // Loss from the outputs: binary or categorical cross-entropy on probabilities clamped to [1e-7, 1 − 1e-7], or MSE.
        double loss = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> p = outputs.AsSpan(r * o, o);
            ReadOnlySpan<float> y = targets.AsSpan(r * o, o);
            switch (shape.Output)
            {
                case OutputActivation.Sigmoid:
                    for (int i = 0; i < o; i++)
                    {
                        double pi = Math.Clamp(p[i], 1e-7, 1 - 1e-7);
                        loss -= y[i] * Math.Log(pi) + (1 - y[i]) * Math.Log(1 - pi);
                    }
                    break;
                case OutputActivation.Softmax:
                    for (int i = 0; i < o; i++) loss -= y[i] * Math.Log(Math.Max(p[i], 1e-7));
                    break;
                default:
                    for (int i = 0; i < o; i++) loss += (double)(p[i] - y[i]) * (p[i] - y[i]) / o;
                    break;
            }
        }
        double correct = CountCorrect(shape.Output, o, outputs, targets);
        return new Evaluation(loss / rows, Accuracy(shape.Output, correct, rows * o, rows));
    }

    private static float[] ParameterValues(this ISequenceModel model, float[]? into)
    {
        into ??= new float[model.ParameterCount];
        model.Parameters.CopyTo(into);
        return into;
    }

    private static int CheckRows(int[] tokens, int t, int vocabulary, string paramName)
    {
        if (tokens.Length == 0 || tokens.Length % t != 0)
            throw new ArgumentException($"Expected whole rows of {t} token ids but got {tokens.Length} ids.", paramName);
        for (int i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)vocabulary)
                ThrowHelper.TokenOutOfRangeInBatch(paramName, tokens[i], i / t, i % t, vocabulary);
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
