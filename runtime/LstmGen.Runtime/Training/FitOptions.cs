namespace LstmGen.Training;

/// <summary>Settings for <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>, with Keras-like defaults.</summary>
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
    /// Fraction of rows held out for validation when no validation set is given; in [0, 1) (NaN is refused), 0 = none.
    /// Unlike Keras (which takes the last rows, one class of a label-sorted file), the rows are drawn at random with
    /// <see cref="Seed"/> and stratified by class (a single sigmoid output: y ≥ 0.5; softmax: the arg-max), so validation has
    /// the class proportions of the data (<see cref="DataSplit.Stratified"/>).
    /// </summary>
    public double ValidationSplit { get; init; }
    /// <summary>Explicit validation tokens (rows of SequenceLength ids); overrides <see cref="ValidationSplit"/>.</summary>
    public int[]? ValidationTokens { get; init; }
    /// <summary>Targets for <see cref="ValidationTokens"/> (or, for a dense-input model, <see cref="ValidationInputs"/>).</summary>
    public float[]? ValidationTargets { get; init; }
    /// <summary>Explicit validation rows of a dense-input model (SequenceLength·InputSize features each); needs <see cref="ValidationLengths"/> and <see cref="ValidationTargets"/>.</summary>
    public float[]? ValidationInputs { get; init; }
    /// <summary>The lengths of the <see cref="ValidationInputs"/> rows.</summary>
    public int[]? ValidationLengths { get; init; }
    /// <summary>The optimizer; default <see cref="Adam"/> with Keras defaults (dense; <c>new Adam(lazy: true)</c> updates only the batch's embedding rows).</summary>
    public IOptimizer? Optimizer { get; init; }
    /// <summary>Clip gradients to this global L2 norm (null = no clipping).</summary>
    public float? ClipNorm { get; init; }
    /// <summary>
    /// Shorthand for <c>new EarlyStopping(patience)</c> (Keras semantics: stop once this many epochs (≥ 0) in a row have not
    /// lowered the validation loss; restore the best epoch's weights). Null = see <see cref="EarlyStopping"/>.
    /// </summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary>
    /// Early stopping to use. When null, and neither <see cref="EarlyStoppingPatience"/> is set nor
    /// <see cref="AutoEarlyStopping"/> is false, Fit with validation data uses <c>new EarlyStopping()</c>
    /// (patience <see cref="Training.EarlyStopping.DefaultPatience"/> on validation loss, best weights restored), as the
    /// model usually overfits within a few epochs.
    /// </summary>
    public EarlyStopping? EarlyStopping { get; init; }
    /// <summary>Whether Fit with validation data stops early by default (see <see cref="EarlyStopping"/>). Default true.</summary>
    public bool AutoEarlyStopping { get; init; } = true;
    /// <summary>Further callbacks (progress, schedules, checkpoints, logs), called in order after early stopping's checks.</summary>
    public IReadOnlyList<TrainingCallback>? Callbacks { get; init; }
    /// <summary>
    /// Batch rows of similar length together (seeded): each epoch the shuffled rows are cut into pools of 16 batches,
    /// each pool is sorted by the number of non-padding tokens, cut into batches, and the batch order is shuffled. Padded
    /// steps then cost almost nothing, since training skips a step that is padding in every row of the batch.
    /// </summary>
    public bool LengthBucketing { get; init; }
    /// <summary>
    /// Keras' <c>class_weight</c>: row i's loss counts w[class of i] times (the class of a target as in
    /// <see cref="DataSplit.ClassesOfTargets"/>); the batch loss is (1/B)·Σᵢ w_{cᵢ}·ℓᵢ. Computed exactly from the runtime
    /// side: each batch's rows are grouped by class, each group's mean gradient g_c is computed, and the step uses
    /// Σ_c (n_c·w_c/B)·g_c. Needs <see cref="Threads"/> = 1 and a one-output sigmoid or a softmax model. Null = all 1.
    /// </summary>
    public IReadOnlyList<float>? ClassWeights { get; init; }
    /// <summary>Validation class ids (for the int-label <see cref="Trainer.Fit(ITrainableModel, int[], int[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>); an alternative to <see cref="ValidationTargets"/>.</summary>
    public int[]? ValidationLabels { get; init; }
    /// <summary>
    /// Threads for data-parallel steps (default 1). Each batch is split into this many shards whose gradients are summed in
    /// a fixed order, so results are bit-identical for a given value; different values agree to float rounding.
    /// </summary>
    public int Threads { get; init; } = 1;
    /// <summary>
    /// Dropout for this fit (a generated model, <see cref="IDropoutModel"/>): Fit assigns it to the model's
    /// <see cref="IDropoutModel.Dropout"/>, where it stays (Predict never reads it). Null = the model's own settings
    /// (off unless set). Either way Fit restarts the mask stream, salted with <see cref="Seed"/>, so a fit is deterministic.
    /// </summary>
    public DropoutSettings? Dropout { get; init; }
}
