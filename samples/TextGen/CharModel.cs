using LstmGen;

namespace LstmGen.Samples.TextGen;

/// <summary>
/// The character language model: 96 symbols (padding, out-of-vocabulary and the training text's 94 most frequent
/// characters) → Embedding(96, 32) → 2-layer LSTM(256) → Dense(96, softmax) at every step, trained on windows of 64
/// characters with truncated backpropagation through time.
/// </summary>
[LstmModel(VocabularySize = Symbols, EmbeddingSize = 32, HiddenSize = 256, Layers = 2, SequenceLength = 64, OutputSize = Symbols,
    Output = OutputActivation.Softmax, ReturnSequences = true)]
public sealed partial class CharModel
{
    /// <summary>Token ids: 0 padding, 1 out-of-vocabulary, 2 … 95 characters.</summary>
    public const int Symbols = 96;
}
