namespace LstmGen.Training;

/// <summary>A generated recurrent model (LSTM, GRU or simple RNN) whose backward pass can report per-step hidden-state gradients.</summary>
public interface IRecurrentModel : IDropoutModel
{
    /// <summary>The model's recurrent cell.</summary>
    RecurrentCell Cell { get; }

    /// <summary>
    /// Runs the training forward and backward pass on a batch (as <see cref="ITrainableModel.ComputeGradients"/>, without
    /// the weight gradients) and writes, for every step t = 0 … SequenceLength − 1, the batch mean of ‖∂ℓ_b/∂h_t‖₂ into
    /// <paramref name="norms"/>, where ℓ_b is row b's loss and h_t the hidden state after step t (a padded step carries
    /// h, so its gradient equals the next one's). This is the vanishing gradient made visible: how strongly the loss at
    /// the end still depends on the state t steps back. Returns the batch-mean loss.
    /// </summary>
    /// <exception cref="ArgumentException">Spans of the wrong length, token ids out of range, or targets the loss cannot take.</exception>
    float ComputeHiddenGradientNorms(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, Span<float> norms);
}

/// <summary>A generated dense-input recurrent model whose backward pass can report per-step hidden-state gradients.</summary>
public interface IDenseRecurrentModel : IDenseTrainableModel
{
    /// <summary>The model's recurrent cell.</summary>
    RecurrentCell Cell { get; }

    /// <summary>
    /// As <see cref="IRecurrentModel.ComputeHiddenGradientNorms"/> for a batch of dense rows with their lengths: the batch
    /// mean of ‖∂ℓ_b/∂h_t‖₂ per step t into <paramref name="norms"/> (SequenceLength values); returns the batch-mean loss.
    /// </summary>
    /// <exception cref="ArgumentException">Spans of the wrong length, lengths out of range, non-finite inputs, or targets the loss cannot take.</exception>
    float ComputeHiddenGradientNorms(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<float> targets, Span<float> norms);
}
