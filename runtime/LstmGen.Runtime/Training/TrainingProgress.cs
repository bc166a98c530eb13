namespace LstmGen.Training;

/// <summary>Progress of training, reported after every batch and at the end of every epoch.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="Batch">1-based batch within the epoch.</param>
/// <param name="Batches">Batches per epoch.</param>
/// <param name="Loss">Mean training loss so far in this epoch.</param>
/// <param name="Accuracy">Training accuracy so far in this epoch (NaN for linear outputs).</param>
/// <param name="SequencesPerSecond">Training throughput so far in this epoch.</param>
/// <param name="EpochEnd">The epoch's summary, on the last report of an epoch; otherwise null.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Batch, int Batches, double Loss, double Accuracy, double SequencesPerSecond, EpochResult? EpochEnd)
{
    /// <summary>Rows trained on so far in this epoch.</summary>
    public int RowsSeen { get; init; }
}
