namespace LstmGen.Training;

/// <summary>Metrics of one epoch.</summary>
public sealed record EpochResult(int Epoch, double Loss, double Accuracy, double? ValidationLoss, double? ValidationAccuracy, double SequencesPerSecond, TimeSpan Elapsed);
