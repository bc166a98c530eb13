namespace LstmGen.Training;

/// <summary>Settings for <see cref="Trainer.Fit"/>, with Keras-like defaults.</summary>
public sealed class FitOptions
{
    /// <summary>Passes over the training data. Default 10.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Sequences per gradient step. Default 32.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Seed for shuffling and the validation split. Same seed and data → bit-identical weights.</summary>
    public int Seed { get; init; }
    /// <summary>Shuffle the training rows each epoch. Default true.</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>
    /// Fraction of rows (taken from the end, as Keras does) held out for validation when no validation set is given; in
    /// [0, 1) (NaN is refused), 0 = none.
    /// </summary>
    public double ValidationSplit { get; init; }
    /// <summary>Explicit validation tokens (rows of SequenceLength ids); overrides <see cref="ValidationSplit"/>.</summary>
    public int[]? ValidationTokens { get; init; }
    /// <summary>Targets for <see cref="ValidationTokens"/>.</summary>
    public float[]? ValidationTargets { get; init; }
    /// <summary>The optimizer; default <see cref="Adam"/> with Keras defaults.</summary>
    public IOptimizer? Optimizer { get; init; }
    /// <summary>Clip gradients to this global L2 norm (null = no clipping).</summary>
    public float? ClipNorm { get; init; }
    /// <summary>Stop after this many epochs (≥ 0) without a lower validation loss and restore the best weights (null = off).</summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary>
    /// Threads for data-parallel steps (default 1). Each batch is split into this many shards whose gradients are summed in
    /// a fixed order, so results are bit-identical for a given value; different values agree to float rounding.
    /// </summary>
    public int Threads { get; init; } = 1;
}
