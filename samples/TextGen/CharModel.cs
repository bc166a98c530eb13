using LstmGen;

namespace LstmGen.Samples.TextGen;

/// <summary>
/// The character language model: 96 symbols (padding, out-of-vocabulary and the training text's 94 most frequent
/// characters) → Embedding(96, 32) → LSTM(128) → Dense(96, softmax) at every step, trained on windows of 64 characters
/// with truncated backpropagation through time. Sized for the built-in corpus (about 150,000 characters): 20 epochs take
/// about 40 s and the held-out loss is lowest near epoch 20 (it rises after). Two layers of 256 trained at about 1,700
/// characters/s here (once, beside a CI run), far too slow for a few minutes of training.
/// </summary>
[LstmModel(VocabularySize = Symbols, EmbeddingSize = 32, HiddenSize = 128, Layers = 1, SequenceLength = 64, OutputSize = Symbols,
    Output = OutputActivation.Softmax, ReturnSequences = true)]
public sealed partial class CharModel
{
    /// <summary>Token ids: 0 padding, 1 out-of-vocabulary, 2 … 95 characters.</summary>
    public const int Symbols = 96;
}
