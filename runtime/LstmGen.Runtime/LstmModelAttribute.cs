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
/// Declares a recurrent model on a <c>partial</c> class. At build time the LstmGen source generator emits
/// fixed-size, SIMD-vectorised code for it: <c>Embedding(VocabularySize, EmbeddingSize) → LSTM(HiddenSize) →
/// Dense(OutputSize, Output)</c> over sequences of at most <see cref="SequenceLength"/> tokens.
/// </summary>
/// <remarks>
/// Every setting is a named property with a default, so later options (cell kinds, stacked layers, dense inputs)
/// are added without breaking existing declarations. Token id 0 is padding (masked), 1 is out-of-vocabulary.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class LstmModelAttribute : Attribute
{
    /// <summary>Number of token ids, including 0 (padding) and 1 (out-of-vocabulary). Required.</summary>
    public int VocabularySize { get; set; }

    /// <summary>Width of each embedding vector (the LSTM input size). Required.</summary>
    public int EmbeddingSize { get; set; }

    /// <summary>Number of LSTM hidden units. Required.</summary>
    public int HiddenSize { get; set; }

    /// <summary>Maximum (and batch) sequence length in tokens. Required.</summary>
    public int SequenceLength { get; set; }

    /// <summary>Number of outputs of the dense head. Defaults to 1.</summary>
    public int OutputSize { get; set; } = 1;

    /// <summary>Activation of the dense head. Defaults to <see cref="OutputActivation.Sigmoid"/>.</summary>
    public OutputActivation Output { get; set; } = OutputActivation.Sigmoid;
}
