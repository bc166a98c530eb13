namespace LstmGen.Training;

/// <summary>
/// Stops training when a monitored metric has stopped improving, with the semantics of Keras 3's
/// <c>keras.callbacks.EarlyStopping</c> (baseline and start_from_epoch aside). At each epoch end (0-based epoch e):
/// <c>wait += 1</c>; if the value improves on the best by more than <see cref="MinDelta"/> (lower loss / higher accuracy),
/// it becomes the best, its weights are kept (with <see cref="RestoreBestWeights"/>) and <c>wait = 0</c>; otherwise, if
/// <c>wait ≥ patience</c> and e &gt; 0, training stops. At the end of training the best epoch's weights are restored (with
/// <see cref="RestoreBestWeights"/>), whether or not it stopped early.
/// </summary>
public sealed class EarlyStopping : TrainingCallback
{
    private float[]? _bestWeights;
    private double? _best;
    private int _wait;

    /// <summary>Creates the callback.</summary>
    /// <param name="patience">Epochs without improvement after which training stops (≥ 0).</param>
    /// <param name="monitor">What to watch (default validation loss).</param>
    /// <param name="minDelta">Smallest change that counts as an improvement (≥ 0).</param>
    /// <param name="restoreBestWeights">Restore the best epoch's weights at the end.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative patience or min_delta, or NaN.</exception>
    public EarlyStopping(int patience = 3, TrainingMetric monitor = TrainingMetric.ValidationLoss, double minDelta = 0, bool restoreBestWeights = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        if (!(minDelta >= 0)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "MinDelta must be ≥ 0.");
        Patience = patience;
        Monitor = monitor;
        MinDelta = minDelta;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>The patience Fit uses by default when validation data is given and no early stopping is configured.</summary>
    public const int DefaultPatience = 3;

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; }
    /// <summary>The watched metric.</summary>
    public TrainingMetric Monitor { get; }
    /// <summary>Smallest change that counts as an improvement.</summary>
    public double MinDelta { get; }
    /// <summary>Whether the best epoch's weights are restored at the end.</summary>
    public bool RestoreBestWeights { get; }
    /// <summary>The best epoch so far (1-based), or null.</summary>
    public int? BestEpoch { get; private set; }
    /// <summary>The epoch training stopped after (1-based), or null when it ran to the end.</summary>
    public int? StoppedEpoch { get; private set; }
    /// <summary>The best value of the monitored metric.</summary>
    public double? BestValue => _best;

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        _best = null; _wait = 0; BestEpoch = null; StoppedEpoch = null;
        if (Monitor is TrainingMetric.ValidationLoss or TrainingMetric.ValidationAccuracy && !context.HasValidation)
            throw new ArgumentException($"Early stopping monitors {Monitor}, but Fit has no validation data (set ValidationSplit or ValidationTokens).");
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochResult result)
    {
        if (Monitors.Value(Monitor, result) is not double current || double.IsNaN(current)) return;
        int epoch = result.Epoch - 1; // Keras counts from 0
        if (RestoreBestWeights && _bestWeights is null) _bestWeights = context.TrainedModel.Parameters.ToArray();
        _wait++;
        if (Monitors.IsImprovement(Monitor, current, _best, MinDelta))
        {
            _best = current;
            BestEpoch = result.Epoch;
            if (RestoreBestWeights)
            {
                _bestWeights = _bestWeights is { } w && w.Length == context.TrainedModel.ParameterCount ? w : new float[context.TrainedModel.ParameterCount];
                context.TrainedModel.Parameters.CopyTo(_bestWeights);
            }
            _wait = 0;
            return;
        }
        if (_wait >= Patience && epoch > 0)
        {
            StoppedEpoch = result.Epoch;
            context.StopTraining = true;
        }
    }

    /// <inheritdoc />
    public override void OnTrainEnd(TrainingContext context)
    {
        if (RestoreBestWeights && _bestWeights is not null && BestEpoch is int best)
        {
            if (best != context.History[^1].Epoch) context.TrainedModel.SetParameters(_bestWeights);
            context.RestoredEpoch = best;
        }
        _bestWeights = null;
    }
}
