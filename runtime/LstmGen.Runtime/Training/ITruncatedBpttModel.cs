namespace LstmGen.Training;

/// <summary>
/// A unidirectional token model that trains with truncated backpropagation through time: each batch row starts from a
/// carried state and the state after the window is returned, in PyTorch's (h_n, c_n) layout for the batch — h [Layers,
/// B, HiddenSize], then (LSTM only) c [Layers, B, HiddenSize]. Gradients stop at the window start.
/// </summary>
public interface ITruncatedBpttModel : ITrainableModel
{
    /// <summary>Floats of one row's state: Layers·HiddenSize, twice that for an LSTM (h, then c).</summary>
    int StateSize { get; }

    /// <summary>
    /// As <see cref="ITrainableModel.ComputeGradients"/>, every row starting from <paramref name="initialState"/>
    /// (B·StateSize floats; empty = zero); <paramref name="finalState"/> (B·StateSize floats, or empty) receives the state
    /// after the window.
    /// </summary>
    float ComputeGradients(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, ReadOnlySpan<float> initialState, Span<float> finalState, Span<float> gradients, Span<float> outputs);
}

/// <summary>A unidirectional dense-input model that trains with truncated BPTT (see <see cref="ITruncatedBpttModel"/>).</summary>
public interface IDenseTruncatedBpttModel : IDenseTrainableModel
{
    /// <summary>Floats of one row's state: Layers·HiddenSize, twice that for an LSTM (h, then c).</summary>
    int StateSize { get; }

    /// <summary>
    /// As <see cref="IDenseTrainableModel.ComputeGradients"/>, every row starting from <paramref name="initialState"/>
    /// (B·StateSize floats; empty = zero); <paramref name="finalState"/> (B·StateSize floats, or empty) receives the state
    /// after the window.
    /// </summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<float> targets, ReadOnlySpan<float> initialState, Span<float> finalState, Span<float> gradients, Span<float> outputs);
}
