namespace LstmGen.Training;

/// <summary>Metrics of one epoch.</summary>
public sealed record EpochResult(int Epoch, double Loss, double Accuracy, double? ValidationLoss, double? ValidationAccuracy, double SequencesPerSecond, TimeSpan Elapsed)
{
    /// <summary>The optimizer's learning rate at the end of the epoch (null when it has none).</summary>
    public double? LearningRate { get; init; }
}
