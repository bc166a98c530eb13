using LstmGen;

namespace LstmGen.Samples.Sentiment;

/// <summary>
/// The article's model: token ids → Embedding(10,000, 128) → LSTM(64) → Dense(1, sigmoid), over at most 50 tokens.
/// The LstmGen source generator writes its forward and backward code at build time.
/// </summary>
[LstmModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 50, OutputSize = 1, Output = OutputActivation.Sigmoid)]
public sealed partial class SentimentModel;
