namespace LstmGen;

/// <summary>How the dense head turns its logits into outputs.</summary>
public enum OutputActivation
{
    /// <summary>Independent logistic sigmoid per output: probabilities for binary or multi-label tasks.</summary>
    Sigmoid = 0,
    /// <summary>Softmax over all outputs: a probability distribution over classes (needs two or more outputs).</summary>
    Softmax = 1,
    /// <summary>No activation: raw values, for regression such as time-series forecasting.</summary>
    Linear = 2,
}

/// <summary>
/// The settings shared by every recurrent model attribute (<see cref="LstmModelAttribute"/>,
/// <see cref="GruModelAttribute"/>, <see cref="RnnModelAttribute"/>): <c>Embedding(VocabularySize, EmbeddingSize) →
/// cell(HiddenSize) → Dense(OutputSize, Output)</c> over sequences of at most <see cref="SequenceLength"/> tokens.
/// </summary>
/// <remarks>
/// Every setting is a named property with a default, so options are added without breaking existing declarations.
/// Token id 0 is padding (masked), 1 is out-of-vocabulary. With <see cref="Layers"/> &gt; 1 the cells are stacked as
/// PyTorch's <c>num_layers</c>; with <see cref="Bidirectional"/> each layer also runs a reverse direction, as PyTorch's
/// <c>bidirectional=True</c>, and the head reads both directions' final states.
/// </remarks>
public abstract class RecurrentModelAttribute : Attribute
{
    /// <summary>Number of token ids, including 0 (padding) and 1 (out-of-vocabulary). Required.</summary>
    public int VocabularySize { get; set; }

    /// <summary>Width of each embedding vector (the recurrent layer's input size). Required.</summary>
    public int EmbeddingSize { get; set; }

    /// <summary>Number of hidden units of the recurrent layer. Required.</summary>
    public int HiddenSize { get; set; }

    /// <summary>Maximum (and batch) sequence length in tokens. Required.</summary>
    public int SequenceLength { get; set; }

    /// <summary>Number of outputs of the dense head. Defaults to 1.</summary>
    public int OutputSize { get; set; } = 1;

    /// <summary>Activation of the dense head. Defaults to <see cref="OutputActivation.Sigmoid"/>.</summary>
    public OutputActivation Output { get; set; } = OutputActivation.Sigmoid;

    /// <summary>
    /// Number of stacked recurrent layers (PyTorch <c>num_layers</c>). Defaults to 1. Layer ℓ &gt; 0 reads layer ℓ − 1's
    /// hidden-state sequence (both directions concatenated when <see cref="Bidirectional"/>); the head reads the top layer.
    /// </summary>
    public int Layers { get; set; } = 1;

    /// <summary>
    /// Adds a reverse direction to every layer (PyTorch <c>bidirectional=True</c>, parameters <c>…_l0_reverse</c>): it runs
    /// from the last non-padding step to the first, and the head reads [h_forward_final; h_reverse_final]
    /// (<c>fc.weight [OutputSize, 2·HiddenSize]</c>). Defaults to false.
    /// </summary>
    public bool Bidirectional { get; set; }

    /// <summary>
    /// Applies the head at every step (Keras <c>return_sequences=True</c> + <c>TimeDistributed(Dense)</c>, a PyTorch
    /// <c>Linear</c> on the LSTM's output): step t's output reads the top layer's h after step t ([h_fwd_t; h_rev_t] when
    /// bidirectional). Outputs and targets are SequenceLength × OutputSize per row; padded steps (token 0) output 0 and
    /// carry no loss; the loss is the mean over the batch's real steps. Softmax models also take one integer class id per
    /// step. Defaults to false (one output after the last step).
    /// </summary>
    public bool ReturnSequences { get; set; }

    /// <summary>
    /// Dense inputs: <see cref="InputSize"/> float features per step instead of token ids, with no embedding (PyTorch
    /// <c>input_size</c>; <c>weight_ih_l0 [GateSize, InputSize]</c>). Exclusive with <see cref="VocabularySize"/> and
    /// <see cref="EmbeddingSize"/>. A dense model takes a length per row, with PyTorch packed-sequence semantics: row b is
    /// its first <c>lengths[b]</c> steps and the rest of the row is never read. 0 (the default) = a token model.
    /// </summary>
    public int InputSize { get; set; }
}

/// <summary>
/// Declares an LSTM model on a <c>partial</c> class. At build time the LstmGen source generator emits fixed-size,
/// SIMD-vectorised forward and backward code for <c>Embedding(VocabularySize, EmbeddingSize) → LSTM(HiddenSize) →
/// Dense(OutputSize, Output)</c>, with PyTorch's <c>nn.LSTM</c> math and parameter names (gate order i, f, g, o).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class LstmModelAttribute : RecurrentModelAttribute;

/// <summary>
/// Declares a GRU model on a <c>partial</c> class: <c>Embedding → GRU(HiddenSize) → Dense</c> with PyTorch's
/// <c>nn.GRU</c> math (gate order r, z, n; the reset gate applied after the recurrent product, equal to Keras
/// <c>reset_after=True</c>) and parameter names <c>gru.weight_ih_l0 [3H, E]</c>, <c>gru.weight_hh_l0 [3H, H]</c>,
/// <c>gru.bias_ih_l0</c>, <c>gru.bias_hh_l0</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class GruModelAttribute : RecurrentModelAttribute;

/// <summary>
/// Declares a simple (Elman) RNN model on a <c>partial</c> class: <c>Embedding → RNN(HiddenSize, tanh) → Dense</c> with
/// PyTorch's <c>nn.RNN</c> math <c>h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh)</c> and parameter names
/// <c>rnn.weight_ih_l0 [H, E]</c>, <c>rnn.weight_hh_l0 [H, H]</c>, <c>rnn.bias_ih_l0</c>, <c>rnn.bias_hh_l0</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class RnnModelAttribute : RecurrentModelAttribute;

/// <summary>The recurrent cell of a generated model.</summary>
public enum RecurrentCell
{
    /// <summary>Long short-term memory (PyTorch <c>nn.LSTM</c>).</summary>
    Lstm = 0,
    /// <summary>Gated recurrent unit (PyTorch <c>nn.GRU</c>).</summary>
    Gru = 1,
    /// <summary>Simple tanh RNN (PyTorch <c>nn.RNN</c>).</summary>
    Rnn = 2,
}
