namespace LstmGen;

/// <summary>
/// Declares a text CNN on a <c>partial</c> class (Kim, 2014): <c>Embedding(VocabularySize, EmbeddingSize)</c> → for each
/// width k in <see cref="KernelSizes"/>: <c>Conv1d(EmbeddingSize → Filters, kernel k, stride 1, no padding)</c> → ReLU →
/// global max-pool over time → concatenate → <c>Dense(OutputSize, Output)</c>. The generator emits fixed-size forward
/// and backward code for it, trained by the same runtime as the recurrent models.
/// </summary>
/// <remarks>
/// Token 0 is padding and 1 is out-of-vocabulary. Masking: the non-padding tokens of a sequence are taken in order
/// (padding removed, as the recurrent models skip padded steps) and the windows slide over those n tokens only, so
/// padding anywhere never changes the result. A branch whose width k exceeds n has no window and contributes zeros.
/// Parameters use PyTorch names: <c>embedding.weight</c>, <c>convs.i.weight</c> [Filters, EmbeddingSize, k],
/// <c>convs.i.bias</c>, <c>fc.weight</c> [OutputSize, Filters·KernelSizes.Length], <c>fc.bias</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class TextCnnModelAttribute : Attribute
{
    /// <summary>Number of token ids, including 0 (padding) and 1 (out-of-vocabulary). Required.</summary>
    public int VocabularySize { get; set; }

    /// <summary>Width of each embedding vector (the convolutions' input channels). Required.</summary>
    public int EmbeddingSize { get; set; }

    /// <summary>Maximum (and batch) sequence length in tokens. Required; every kernel width must be at most this.</summary>
    public int SequenceLength { get; set; }

    /// <summary>Kernel widths of the parallel convolution branches, for example <c>new[] { 3, 4, 5 }</c>. Required, not empty.</summary>
    public int[] KernelSizes { get; set; } = [];

    /// <summary>Output channels (filters) of every convolution branch. Required.</summary>
    public int Filters { get; set; }

    /// <summary>Number of outputs of the dense head. Defaults to 1.</summary>
    public int OutputSize { get; set; } = 1;

    /// <summary>Activation of the dense head. Defaults to <see cref="OutputActivation.Sigmoid"/>.</summary>
    public OutputActivation Output { get; set; } = OutputActivation.Sigmoid;
}

/// <summary>
/// Declares the "traditional" feed-forward baseline on a <c>partial</c> class: <c>Embedding(VocabularySize,
/// EmbeddingSize)</c> → mean of the non-padding embeddings → <c>Linear + ReLU</c> per entry of <see cref="HiddenSizes"/>
/// → <c>Dense(OutputSize, Output)</c>. The generator emits fixed-size forward and backward code for it.
/// </summary>
/// <remarks>
/// Token 0 is padding and is left out of the mean (a row of padding only averages to zeros), so padding anywhere never
/// changes the result; 1 is out-of-vocabulary. Word order is ignored: this is a bag of embeddings. Parameters use PyTorch
/// names: <c>embedding.weight</c>, <c>hidden.i.weight</c> [HiddenSizes[i], input], <c>hidden.i.bias</c>,
/// <c>fc.weight</c>, <c>fc.bias</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class FeedForwardModelAttribute : Attribute
{
    /// <summary>Number of token ids, including 0 (padding) and 1 (out-of-vocabulary). Required.</summary>
    public int VocabularySize { get; set; }

    /// <summary>Width of each embedding vector. Required.</summary>
    public int EmbeddingSize { get; set; }

    /// <summary>Maximum (and batch) sequence length in tokens. Required.</summary>
    public int SequenceLength { get; set; }

    /// <summary>
    /// Widths of the hidden ReLU layers, input side first, for example <c>new[] { 64 }</c>. Required; an empty array
    /// means no hidden layer (the head reads the mean embedding: a linear bag-of-embeddings model).
    /// </summary>
    public int[] HiddenSizes { get; set; } = [];

    /// <summary>Number of outputs of the dense head. Defaults to 1.</summary>
    public int OutputSize { get; set; } = 1;

    /// <summary>Activation of the dense head. Defaults to <see cref="OutputActivation.Sigmoid"/>.</summary>
    public OutputActivation Output { get; set; } = OutputActivation.Sigmoid;
}
