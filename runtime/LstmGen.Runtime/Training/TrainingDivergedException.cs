namespace LstmGen.Training;

/// <summary>
/// Training stopped because the loss or a gradient was not finite. The failing step did not change the weights; when
/// <see cref="TrainingStep"/> or <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/> throws this, the message also says whether the weights it
/// left are all finite (an earlier update can have overflowed them, for example with a far too large learning rate).
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    private const string Advice = "Lower the learning rate or set ClipNorm.";

    /// <summary>A failure in <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/> at a known epoch and batch; <paramref name="what"/> says what was not finite.</summary>
    public TrainingDivergedException(int epoch, int batch, string what)
        : base($"Training diverged at epoch {epoch}, batch {batch}: {what}. {Advice}")
    {
        Epoch = epoch;
        Batch = batch;
    }

    /// <summary>A failure of a single <see cref="TrainingStep.Run(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float})"/>; <paramref name="what"/> says what was not finite.</summary>
    public TrainingDivergedException(string what) : base($"Training diverged: {what}. {Advice}") { }

    /// <summary>1-based epoch of the failing step (0 outside <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>).</summary>
    public int Epoch { get; }
    /// <summary>1-based batch of the failing step (0 outside <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>).</summary>
    public int Batch { get; }
}
