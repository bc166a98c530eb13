namespace LstmGen.Training;

/// <summary>
/// A hook into <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>, called synchronously on the training thread in this order:
/// <see cref="OnTrainBegin"/>; per epoch <see cref="OnEpochBegin"/>, per batch <see cref="OnBatchBegin"/> and
/// <see cref="OnBatchEnd"/>, then <see cref="OnEpochEnd"/> (after validation); finally <see cref="OnTrainEnd"/> (also after
/// an early stop, not after an exception). Callbacks run in the order given; a callback may stop training
/// (<see cref="TrainingContext.StopTraining"/>) or change the learning rate (<see cref="TrainingContext.LearningRate"/>).
/// </summary>
public abstract class TrainingCallback
{
    /// <summary>Before the first epoch.</summary>
    public virtual void OnTrainBegin(TrainingContext context) { }

    /// <summary>Before the first batch of <paramref name="epoch"/> (1-based).</summary>
    public virtual void OnEpochBegin(TrainingContext context, int epoch) { }

    /// <summary>Before batch <paramref name="batch"/> (1-based) of <paramref name="epoch"/>.</summary>
    public virtual void OnBatchBegin(TrainingContext context, int epoch, int batch) { }

    /// <summary>After a batch's update, with the epoch's running metrics.</summary>
    public virtual void OnBatchEnd(TrainingContext context, TrainingProgress progress) { }

    /// <summary>After an epoch and its validation.</summary>
    public virtual void OnEpochEnd(TrainingContext context, EpochResult result) { }

    /// <summary>After the last epoch (or an early stop).</summary>
    public virtual void OnTrainEnd(TrainingContext context) { }
}

/// <summary>What a <see cref="TrainingCallback"/> sees of a running <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>.</summary>
public sealed class TrainingContext
{
    private readonly List<EpochResult> _history;

    internal TrainingContext(IGradientModel model, IOptimizer optimizer, int epochs, int batchesPerEpoch, int trainRows, bool hasValidation, List<EpochResult> history)
    {
        TrainedModel = model;
        Optimizer = optimizer;
        Epochs = epochs;
        BatchesPerEpoch = batchesPerEpoch;
        TrainRows = trainRows;
        HasValidation = hasValidation;
        _history = history;
    }

    /// <summary>The token model being trained.</summary>
    /// <exception cref="InvalidOperationException">A dense-input model is trained (see <see cref="TrainedModel"/>).</exception>
    public ITrainableModel Model => TrainedModel as ITrainableModel ?? throw new InvalidOperationException("A dense-input model is being trained; use TrainedModel.");

    /// <summary>The model being trained, token or dense.</summary>
    public IGradientModel TrainedModel { get; }

    /// <summary>The optimizer.</summary>
    public IOptimizer Optimizer { get; }

    /// <summary>Epochs asked for.</summary>
    public int Epochs { get; }

    /// <summary>Batches per epoch.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>Rows trained on per epoch.</summary>
    public int TrainRows { get; }

    /// <summary>Whether validation metrics are computed at each epoch end.</summary>
    public bool HasValidation { get; }

    /// <summary>The epochs completed so far.</summary>
    public IReadOnlyList<EpochResult> History => _history;

    /// <summary>Set to true to end training after the current epoch.</summary>
    public bool StopTraining { get; set; }

    /// <summary>The epoch whose weights a callback restored at the end of training (see <see cref="EarlyStopping"/>), or null.</summary>
    public int? RestoredEpoch { get; set; }

    /// <summary>The optimizer's learning rate (null when it has none: not an <see cref="ILearningRate"/>). Setting it needs one.</summary>
    /// <exception cref="InvalidOperationException">Set on an optimizer without a learning rate.</exception>
    public float? LearningRate
    {
        get => Optimizer is ILearningRate l ? l.LearningRate : null;
        set
        {
            if (Optimizer is not ILearningRate l) throw new InvalidOperationException($"The optimizer {Optimizer.GetType().Name} has no learning rate to set.");
            l.LearningRate = value ?? throw new ArgumentNullException(nameof(value));
        }
    }
}

/// <summary>An optimizer with a settable learning rate (for schedules).</summary>
public interface ILearningRate
{
    /// <summary>The step size; finite and ≥ 0.</summary>
    float LearningRate { get; set; }
}

/// <summary>A metric a callback watches.</summary>
public enum TrainingMetric
{
    /// <summary>Validation loss (lower is better); Keras <c>"val_loss"</c>.</summary>
    ValidationLoss,
    /// <summary>Validation accuracy (higher is better); Keras <c>"val_accuracy"</c>.</summary>
    ValidationAccuracy,
    /// <summary>Training loss (lower is better); Keras <c>"loss"</c>.</summary>
    Loss,
    /// <summary>Training accuracy (higher is better); Keras <c>"accuracy"</c>.</summary>
    Accuracy,
}

internal static class Monitors
{
    public static bool HigherIsBetter(TrainingMetric m) => m is TrainingMetric.ValidationAccuracy or TrainingMetric.Accuracy;

    public static double? Value(TrainingMetric m, EpochResult r) => m switch
    {
        TrainingMetric.ValidationLoss => r.ValidationLoss,
        TrainingMetric.ValidationAccuracy => r.ValidationAccuracy,
        TrainingMetric.Loss => r.Loss,
        _ => r.Accuracy,
    };

    // Keras' _is_improvement: monitor_op(current − min_delta·sign, best), with min_delta negated for "min" monitors.
    public static bool IsImprovement(TrainingMetric m, double current, double? best, double minDelta)
    {
        if (best is not double b) return true;
        return HigherIsBetter(m) ? current - minDelta > b : current + minDelta < b;
    }
}
