namespace LstmGen.Training;

/// <summary>What <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/> returns: one entry per completed epoch.</summary>
/// <param name="Epochs">The completed epochs.</param>
/// <param name="StoppedEarly">Whether a callback (early stopping) ended training before the last epoch.</param>
/// <param name="BestEpoch">The epoch whose weights the model holds after early stopping restored them (null = the last).</param>
public sealed record TrainingHistory(IReadOnlyList<EpochResult> Epochs, bool StoppedEarly, int? BestEpoch);
