using System.Diagnostics;

namespace LstmGen.Training;

/// <summary>
/// Truncated backpropagation through time on one long token stream (Keras <c>stateful=True</c>): the text is cut into B
/// parallel streams read in consecutive windows of SequenceLength tokens with next-token class targets
/// (<see cref="StreamWindows"/>: stream b is tokens [b·L, (b + 1)·L), L = ⌊N / B⌋; row b of every window is stream b).
/// Each window starts from the state the previous window ended in, gradients stop at the window start, and each epoch
/// starts from a zero state and walks the windows in order (shuffling would break the carried state).
/// </summary>
public static class StreamTrainer
{
    /// <summary>
    /// Trains <paramref name="model"/> for <paramref name="epochs"/> epochs on <paramref name="text"/> (ids ≥ 1, each a class
    /// of the softmax head, so below OutputSize) with <paramref name="streams"/> rows per window. Loss per epoch = the mean
    /// over its windows of the window's mean per-step cross-entropy (nats; divide by ln 2 for bits per token); accuracy =
    /// next-token arg-max accuracy. With <paramref name="validationText"/>, each epoch ends with the same measure on it
    /// (its own streams, state carried, no update).
    /// </summary>
    /// <exception cref="ArgumentException">A text too short for one window per stream, an id below 1 or not below OutputSize, or bad settings.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite (that step did not change the weights).</exception>
    public static TrainingHistory Fit(ITruncatedStepClassModel model, int[] text, int streams, int epochs, IOptimizer? optimizer = null,
        float? clipNorm = null, int[]? validationText = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(text);
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Epochs must be at least 1.");
        if (clipNorm is float c && !(c > 0)) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "ClipNorm must be positive.");
        ModelShape shape = model.Shape;
        var windows = new StreamWindows(text, streams, shape.SequenceLength);
        CheckIds(text, shape, nameof(text));
        StreamWindows? validation = null;
        if (validationText is not null)
        {
            validation = new StreamWindows(validationText, streams, shape.SequenceLength);
            CheckIds(validationText, shape, nameof(validationText));
        }
        optimizer ??= new Adam();
        var run = new Run(model, streams);
        var history = new List<EpochResult>();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            (double loss, double accuracy) = run.Epoch(windows, optimizer, clipNorm, epoch, progress, epochs, cancellationToken);
            clock.Stop();
            double? valLoss = null, valAccuracy = null;
            if (validation is not null) (valLoss, valAccuracy) = run.Epoch(validation, null, null, epoch, null, epochs, cancellationToken);
            double rows = (double)windows.Windows * streams;
            var result = new EpochResult(epoch, loss, accuracy, valLoss, valAccuracy, rows / clock.Elapsed.TotalSeconds, clock.Elapsed);
            history.Add(result);
            progress?.Report(new TrainingProgress(epoch, epochs, windows.Windows, windows.Windows, loss, accuracy, result.SequencesPerSecond, result) { RowsSeen = (int)rows });
        }
        return new TrainingHistory(history, false, null);
    }

    private static void CheckIds(int[] text, ModelShape shape, string paramName)
    {
        for (int i = 0; i < text.Length; i++)
            if (text[i] >= shape.OutputSize || text[i] >= shape.VocabularySize)
                throw new ArgumentOutOfRangeException(paramName, text[i], $"Token id {text[i]} at position {i} is not below OutputSize {shape.OutputSize} and VocabularySize {shape.VocabularySize} (the next token is the class).");
    }

    // The buffers of one training run: a window's tokens and targets, the state in and out, gradients and outputs.
    private sealed class Run(ITruncatedStepClassModel model, int streams)
    {
        private readonly int[] _tokens = new int[streams * model.Shape.SequenceLength];
        private readonly int[] _targets = new int[streams * model.Shape.SequenceLength];
        private float[] _state = new float[streams * model.StateSize];
        private float[] _next = new float[streams * model.StateSize];
        private readonly float[] _gradients = new float[model.ParameterCount];
        private readonly TableRows _table = TableRows.For(model);
        private readonly float[] _outputs = new float[streams * model.Shape.SequenceLength * model.Shape.OutputSize];

        // One pass over the windows in order from a zero state; with an optimizer, an update per window.
        public (double Loss, double Accuracy) Epoch(StreamWindows windows, IOptimizer? optimizer, float? clipNorm, int epoch,
            IProgress<TrainingProgress>? progress, int epochs, CancellationToken cancellationToken)
        {
            Array.Clear(_state);
            double lossSum = 0, correct = 0;
            int o = model.Shape.OutputSize;
            for (int k = 0; k < windows.Windows; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                windows.Fill(k, _tokens, _targets);
                float loss = model.ComputeGradients(_tokens, _targets, _state, _next, _gradients, _outputs);
                if (optimizer is not null)
                {
                    string? failure = !float.IsFinite(loss) ? $"the loss is {loss}" : !Gradients.AllFinite(_gradients) ? "a gradient is not finite" : null;
                    if (failure is not null) throw new TrainingDivergedException(epoch, k + 1, failure + "; this step did not change the weights");
                    if (clipNorm is float clip) Gradients.ClipByGlobalNorm(_gradients, clip);
                    using (ParameterUpdate update = model.BeginParameterUpdate()) _table.Step(optimizer, update.Values, _gradients, _tokens);
                }
                (_state, _next) = (_next, _state);
                lossSum += loss;
                for (int q = 0; q < _targets.Length; q++)
                {
                    ReadOnlySpan<float> p = _outputs.AsSpan(q * o, o);
                    int best = 0;
                    for (int j = 1; j < o; j++) if (p[j] > p[best]) best = j;
                    if (best == _targets[q]) correct++;
                }
                if (progress is not null && k < windows.Windows - 1)
                    progress.Report(new TrainingProgress(epoch, epochs, k + 1, windows.Windows, lossSum / (k + 1), correct / ((k + 1.0) * _targets.Length), 0, null) { RowsSeen = (k + 1) * streams });
            }
            return (lossSum / windows.Windows, correct / ((double)windows.Windows * _targets.Length));
        }
    }
}
