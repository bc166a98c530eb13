namespace LstmGen.Training;

/// <summary>
/// A softmax model with <c>ReturnSequences = true</c> that trains on one integer class id per step (sparse categorical
/// cross-entropy, as a language model's next-token targets), without one-hot rows.
/// </summary>
public interface IStepClassModel : ITrainableModel
{
    /// <summary>
    /// Forward and backward pass for B rows of SequenceLength token ids with B·SequenceLength class ids
    /// (<paramref name="classes"/>; ignored at padded steps, −1 by convention). Overwrites <paramref name="gradients"/> with
    /// ∂L/∂θ of L = (Σ over real steps of the step's softmax cross-entropy) / (number of real steps) and returns L.
    /// <paramref name="outputs"/> (empty, or B·SequenceLength·OutputSize) receives the per-step probabilities, 0 at padded steps.
    /// </summary>
    /// <exception cref="ArgumentException">Spans of the wrong length, a token id or a real step's class id out of range.</exception>
    float ComputeGradients(ReadOnlySpan<int> tokens, ReadOnlySpan<int> classes, Span<float> gradients, Span<float> outputs);
}

/// <summary>
/// A dense-input softmax model with <c>ReturnSequences = true</c> that trains on one integer class id per step (sequence
/// labelling of feature rows), without one-hot rows.
/// </summary>
public interface IDenseStepClassModel : IDenseTrainableModel
{
    /// <summary>
    /// Forward and backward pass for B rows of SequenceLength·InputSize features with their lengths and B·SequenceLength
    /// class ids (ignored at steps past a row's length). Overwrites <paramref name="gradients"/> with ∂L/∂θ of the mean over
    /// real steps of the softmax cross-entropy and returns it; <paramref name="outputs"/> (empty, or
    /// B·SequenceLength·OutputSize) receives the per-step probabilities, 0 at padded steps.
    /// </summary>
    /// <exception cref="ArgumentException">Spans of the wrong length, bad lengths or inputs, or a real step's class id out of range.</exception>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<int> classes, Span<float> gradients, Span<float> outputs);
}

/// <summary>
/// A unidirectional softmax <c>ReturnSequences</c> token model trained with truncated backpropagation through time on
/// class ids: each window starts from a carried state (a language model over one long text; see <see cref="StreamTrainer"/>).
/// </summary>
public interface ITruncatedStepClassModel : IStepClassModel, ITruncatedBpttModel
{
    /// <summary>
    /// As <see cref="IStepClassModel.ComputeGradients(ReadOnlySpan{int}, ReadOnlySpan{int}, Span{float}, Span{float})"/>, but
    /// every row starts from <paramref name="initialState"/> (B·StateSize floats, PyTorch's (h_0, c_0) layout; empty = zero)
    /// and <paramref name="finalState"/> (B·StateSize floats, or empty) receives the state after the window. Gradients stop
    /// at the window start.
    /// </summary>
    /// <exception cref="ArgumentException">As the overload without state, or a state span of the wrong length or with a non-finite value.</exception>
    float ComputeGradients(ReadOnlySpan<int> tokens, ReadOnlySpan<int> classes, ReadOnlySpan<float> initialState, Span<float> finalState, Span<float> gradients, Span<float> outputs);
}
