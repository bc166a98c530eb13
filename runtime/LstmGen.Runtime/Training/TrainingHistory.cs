namespace LstmGen.Training;

/// <summary>What <see cref="Trainer.Fit"/> returns: one entry per completed epoch.</summary>
public sealed record TrainingHistory(IReadOnlyList<EpochResult> Epochs, bool StoppedEarly, int? BestEpoch);
