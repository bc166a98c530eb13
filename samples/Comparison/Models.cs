using LstmGen;

namespace LstmGen.Samples.Comparison;

// The memory task: 100 steps over 16 token ids (0 = padding, 1 = unknown, 2–15 = symbols).

/// <summary>LSTM for the memory task.</summary>
[LstmModel(VocabularySize = MemoryTask.Vocabulary, EmbeddingSize = 8, HiddenSize = 16, SequenceLength = MemoryTask.Steps)]
public sealed partial class MemoryLstm;

// Sentiment: the same embedding and width for every kind, 50 tokens.

/// <summary>LSTM for sentiment.</summary>
[LstmModel(VocabularySize = SentimentTask.Vocabulary, EmbeddingSize = 64, HiddenSize = 64, SequenceLength = SentimentTask.Steps)]
public sealed partial class SentimentLstm;
