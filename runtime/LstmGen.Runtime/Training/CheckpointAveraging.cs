namespace LstmGen.Training;

/// <summary>
/// Checkpoint averaging: keeps the weights at the end of each epoch and, when training ends, replaces the model's weights
/// with the element-wise mean of those of the last <see cref="Epochs"/> epochs up to and including the epoch the model
/// holds (the best one when early stopping restored it, else the last): θ = (1/k)·Σ_{e = b−k+1}^{b} θ_e (fewer when
/// training ran fewer epochs). Put it after early stopping (Fit runs <see cref="FitOptions.EarlyStopping"/> first).
/// </summary>
public sealed class CheckpointAveraging : TrainingCallback
{
    private readonly Dictionary<int, float[]> _snapshots = [];

    /// <summary>Creates the callback.</summary>
    /// <param name="epochs">How many epochs' weights to average (≥ 1).</param>
    /// <param name="lookBack">How many epochs after the averaged ones to keep snapshots for: early stopping's patience (≥ 0).</param>
    public CheckpointAveraging(int epochs, int lookBack)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(lookBack);
        Epochs = epochs;
        LookBack = lookBack;
    }

    /// <summary>Epochs averaged.</summary>
    public int Epochs { get; }
    /// <summary>Extra epochs of snapshots kept (early stopping's patience).</summary>
    public int LookBack { get; }
    /// <summary>The epochs whose weights were averaged at the end, ascending.</summary>
    public IReadOnlyList<int> AveragedEpochs { get; private set; } = [];

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context) { _snapshots.Clear(); AveragedEpochs = []; }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochResult result)
    {
        int oldest = result.Epoch - Epochs - LookBack;
        float[] slot = _snapshots.Remove(oldest, out float[]? reused) ? reused : new float[context.TrainedModel.ParameterCount];
        context.TrainedModel.Parameters.CopyTo(slot);
        _snapshots[result.Epoch] = slot;
    }

    /// <inheritdoc />
    public override void OnTrainEnd(TrainingContext context)
    {
        if (context.History.Count == 0) return;
        int last = context.RestoredEpoch ?? context.History[^1].Epoch;
        var mean = new double[context.TrainedModel.ParameterCount];
        var used = new List<int>();
        for (int e = last - Epochs + 1; e <= last; e++)
        {
            if (!_snapshots.TryGetValue(e, out float[]? w)) continue;
            for (int i = 0; i < mean.Length; i++) mean[i] += w[i];
            used.Add(e);
        }
        if (used.Count > 1)
        {
            var result = new float[mean.Length];
            for (int i = 0; i < mean.Length; i++) result[i] = (float)(mean[i] / used.Count);
            context.TrainedModel.SetParameters(result);
        }
        AveragedEpochs = used;
        _snapshots.Clear();
    }
}
