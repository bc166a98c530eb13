namespace LstmGen.Training;

/// <summary>
/// Multiplies the learning rate by <see cref="Factor"/> when the monitored metric has not improved for
/// <see cref="Patience"/> epochs, as Keras' <c>ReduceLROnPlateau</c>: an improvement is a value better than the best by more
/// than <see cref="MinDelta"/>; after a reduction, <see cref="Cooldown"/> epochs pass before waiting starts again; the rate
/// never goes below <see cref="MinLearningRate"/>. Needs an optimizer with a learning rate (<see cref="ILearningRate"/>).
/// </summary>
public sealed class ReduceLearningRateOnPlateau : TrainingCallback
{
    private double? _best;
    private int _wait, _cooldownCounter;

    /// <summary>Creates the callback (Keras defaults except patience, 10 there).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Factor outside (0, 1), negative patience, cooldown, min_delta or minimum rate.</exception>
    public ReduceLearningRateOnPlateau(TrainingMetric monitor = TrainingMetric.ValidationLoss, double factor = 0.1, int patience = 2, double minDelta = 1e-4, int cooldown = 0, float minLearningRate = 0)
    {
        if (!(factor > 0 && factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be in (0, 1).");
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        if (!(minDelta >= 0)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, "MinDelta must be ≥ 0.");
        if (!(minLearningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "The minimum learning rate must be ≥ 0.");
        Monitor = monitor; Factor = factor; Patience = patience; MinDelta = minDelta; Cooldown = cooldown; MinLearningRate = minLearningRate;
    }

    /// <summary>The watched metric.</summary>
    public TrainingMetric Monitor { get; }
    /// <summary>The multiplier applied on a plateau.</summary>
    public double Factor { get; }
    /// <summary>Epochs without improvement before a reduction.</summary>
    public int Patience { get; }
    /// <summary>Smallest change that counts as an improvement.</summary>
    public double MinDelta { get; }
    /// <summary>Epochs after a reduction during which no waiting is counted.</summary>
    public int Cooldown { get; }
    /// <summary>Lower bound of the learning rate.</summary>
    public float MinLearningRate { get; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        _best = null; _wait = 0; _cooldownCounter = 0;
        if (context.Optimizer is not ILearningRate)
            throw new ArgumentException($"ReduceLearningRateOnPlateau needs an optimizer with a learning rate; {context.Optimizer.GetType().Name} has none.");
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochResult result)
    {
        if (Monitors.Value(Monitor, result) is not double current || double.IsNaN(current)) return;
        if (_cooldownCounter > 0) { _cooldownCounter--; _wait = 0; }
        if (Monitors.IsImprovement(Monitor, current, _best, MinDelta))
        {
            _best = current;
            _wait = 0;
        }
        else if (_cooldownCounter <= 0 && ++_wait >= Patience)
        {
            float old = context.LearningRate!.Value;
            if (old > MinLearningRate)
            {
                context.LearningRate = Math.Max((float)(old * Factor), MinLearningRate);
                _cooldownCounter = Cooldown;
                _wait = 0;
            }
        }
    }
}

/// <summary>
/// Cosine decay of the learning rate per batch, as Keras' <c>CosineDecay</c> with optional linear warm-up: over the
/// first W steps lr rises linearly from 0 to the initial rate; then at step s of the remaining D = total − W,
/// lr = min + (initial − min)·½(1 + cos(π·s/D)). Total steps = epochs × batches per epoch of the Fit.
/// </summary>
public sealed class CosineSchedule : TrainingCallback
{
    private float _initial;

    /// <summary>Creates the schedule.</summary>
    /// <param name="initialLearningRate">The peak rate (null = the optimizer's rate when training starts).</param>
    /// <param name="minLearningRate">The rate at the last step.</param>
    /// <param name="warmupEpochs">Epochs of linear warm-up.</param>
    /// <exception cref="ArgumentOutOfRangeException">A negative rate or warm-up.</exception>
    public CosineSchedule(float? initialLearningRate = null, float minLearningRate = 0, double warmupEpochs = 0)
    {
        if (initialLearningRate is float i && !(i >= 0 && float.IsFinite(i))) throw new ArgumentOutOfRangeException(nameof(initialLearningRate), i, "The rate must be finite and ≥ 0.");
        if (!(minLearningRate >= 0 && float.IsFinite(minLearningRate))) throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate, "The rate must be finite and ≥ 0.");
        if (!(warmupEpochs >= 0)) throw new ArgumentOutOfRangeException(nameof(warmupEpochs), warmupEpochs, "Warm-up must be ≥ 0 epochs.");
        InitialLearningRate = initialLearningRate; MinLearningRate = minLearningRate; WarmupEpochs = warmupEpochs;
    }

    /// <summary>The peak rate (null = the optimizer's at the start).</summary>
    public float? InitialLearningRate { get; }
    /// <summary>The final rate.</summary>
    public float MinLearningRate { get; }
    /// <summary>Epochs of linear warm-up.</summary>
    public double WarmupEpochs { get; }

    /// <summary>The rate at 0-based <paramref name="step"/> of <paramref name="total"/>, with <paramref name="warmup"/> warm-up steps.</summary>
    public static float RateAt(long step, long total, long warmup, float initial, float min)
    {
        if (step < warmup) return initial * (step + 1) / warmup;
        long decay = Math.Max(1, total - warmup);
        double s = Math.Min(step - warmup, decay);
        return (float)(min + (initial - min) * 0.5 * (1 + Math.Cos(Math.PI * s / decay)));
    }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context)
    {
        if (context.LearningRate is not float current)
            throw new ArgumentException($"CosineSchedule needs an optimizer with a learning rate; {context.Optimizer.GetType().Name} has none.");
        _initial = InitialLearningRate ?? current;
    }

    /// <inheritdoc />
    public override void OnBatchBegin(TrainingContext context, int epoch, int batch)
    {
        long total = (long)context.Epochs * context.BatchesPerEpoch;
        long warmup = (long)Math.Round(WarmupEpochs * context.BatchesPerEpoch);
        long step = (long)(epoch - 1) * context.BatchesPerEpoch + batch - 1;
        context.LearningRate = RateAt(step, total, warmup, _initial, MinLearningRate);
    }
}
