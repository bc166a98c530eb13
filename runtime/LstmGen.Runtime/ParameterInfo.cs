namespace LstmGen;

/// <summary>
/// One named parameter tensor inside a model's contiguous parameter buffer, in PyTorch's name, shape and
/// row-major layout (for example <c>lstm.weight_hh_l0</c> with shape <c>[4H, H]</c>, gate order i, f, g, o).
/// </summary>
/// <param name="Name">PyTorch state-dict name.</param>
/// <param name="Shape">Tensor shape, row-major.</param>
/// <param name="Offset">Index of the first element in the parameter buffer.</param>
/// <param name="Length">Number of elements (the product of <paramref name="Shape"/>).</param>
public sealed record ParameterInfo(string Name, IReadOnlyList<int> Shape, int Offset, int Length)
{
    /// <summary>The shape formatted as <c>[a, b]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>The sizes of a generated model.</summary>
public readonly record struct ModelShape(
    int VocabularySize, int EmbeddingSize, int HiddenSize, int SequenceLength, int OutputSize, OutputActivation Output)
{
    /// <summary>
    /// True when the head runs at every step (<c>ReturnSequences = true</c>): outputs and targets are SequenceLength ×
    /// OutputSize per row (padded steps: output 0, no loss). False (the default) for one output per sequence.
    /// </summary>
    public bool ReturnSequences { get; init; }

    /// <summary>Float features per step of a dense-input model (<c>InputSize</c>); 0 for a token model.</summary>
    public int InputSize { get; init; }

    /// <summary>True for a dense-input model (float features per step, no vocabulary).</summary>
    public bool IsDense => InputSize > 0;
}

/// <summary>
/// What every generated model offers whatever its input (token ids or dense features): its sizes and its parameters.
/// Model files, safetensors, optimizers and the training step work on this.
/// </summary>
public interface IGeneratedModel
{
    /// <summary>The model's sizes.</summary>
    ModelShape Shape { get; }

    /// <summary>Number of trainable scalars.</summary>
    int ParameterCount { get; }

    /// <summary>
    /// All parameters in one contiguous buffer, read-only, in the order and layout of <see cref="ParameterLayout"/>.
    /// Reading never invalidates anything; write with <see cref="SetParameters"/>, <see cref="SetParameter"/> or
    /// <see cref="BeginParameterUpdate"/>.
    /// </summary>
    ReadOnlySpan<float> Parameters { get; }

    /// <summary>Copies all parameters in (layout order) and publishes them to inference and training.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold ParameterCount values.</exception>
    void SetParameters(ReadOnlySpan<float> values);

    /// <summary>Copies one tensor in by its PyTorch name and publishes it.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not match the tensor's element count.</exception>
    void SetParameter(string name, ReadOnlySpan<float> values);

    /// <summary>
    /// Opens a write scope over all parameters; disposing it publishes the change (see <see cref="ParameterStore.BeginUpdate"/>).
    /// Concurrent inference sees the weights from before the scope until it ends, then the new ones.
    /// </summary>
    ParameterUpdate BeginParameterUpdate();

    /// <summary>The named parameter tensors, in buffer order.</summary>
    IReadOnlyList<ParameterInfo> ParameterLayout { get; }
}

/// <summary>What every generated token-sequence model offers, for code that is not size-specific.</summary>
public interface ISequenceModel : IGeneratedModel
{
    /// <summary>
    /// Whether inference reads the folded table <c>embedding·W_ihᵀ</c> plus the input-side bias (vocabulary × gate width
    /// floats: 4H for an LSTM, 3H for a GRU, H for a simple RNN; rebuilt after parameters change) instead of projecting
    /// each embedding. Both agree to float rounding.
    /// </summary>
    bool UseFoldedEmbedding { get; set; }

    /// <summary>Runs one token sequence (at most SequenceLength ids, 0 = padding) and writes OutputSize outputs.</summary>
    void Predict(ReadOnlySpan<int> tokens, Span<float> output);

    /// <summary>Runs a batch: <paramref name="tokens"/> holds B rows of exactly SequenceLength ids, <paramref name="outputs"/> B×OutputSize values.</summary>
    void PredictBatch(ReadOnlySpan<int> tokens, Span<float> outputs);

    /// <summary>As <see cref="Predict"/>, but writes the head's raw logits (before the sigmoid or softmax).</summary>
    void PredictLogits(ReadOnlySpan<int> tokens, Span<float> output);

    /// <summary>As <see cref="PredictBatch"/>, but writes each row's raw logits (before the sigmoid or softmax).</summary>
    void PredictLogitsBatch(ReadOnlySpan<int> tokens, Span<float> outputs);
}

/// <summary>
/// A generated dense-input recurrent model (<c>InputSize</c> float features per step). Rows of a batch have a length
/// each, with PyTorch packed-sequence semantics: row b is its first <c>lengths[b]</c> steps (1 ≤ length ≤
/// SequenceLength) and the rest of the row is never read.
/// </summary>
public interface IDenseSequenceModel : IGeneratedModel
{
    /// <summary>Runs one sequence of steps·InputSize features (1 ≤ steps ≤ SequenceLength) and writes OutputSize outputs.</summary>
    void Predict(ReadOnlySpan<float> inputs, Span<float> output);

    /// <summary>As <see cref="Predict"/>, but writes the head's raw logits.</summary>
    void PredictLogits(ReadOnlySpan<float> inputs, Span<float> output);

    /// <summary>
    /// Runs a batch: <paramref name="inputs"/> holds B rows of SequenceLength·InputSize features, <paramref name="lengths"/>
    /// B lengths, <paramref name="outputs"/> B×OutputSize values.
    /// </summary>
    void PredictBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, Span<float> outputs);

    /// <summary>As <see cref="PredictBatch(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float})"/>, but writes each row's raw logits.</summary>
    void PredictLogitsBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, Span<float> outputs);

    /// <summary>As <see cref="PredictBatch(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float})"/> with every row SequenceLength steps long.</summary>
    void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>As <see cref="PredictLogitsBatch(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float})"/> with every row SequenceLength steps long.</summary>
    void PredictLogitsBatch(ReadOnlySpan<float> inputs, Span<float> outputs);
}
