using LstmGen;

namespace LstmGen.Samples.Comparison;

// The memory task: 100 steps over 16 token ids (0 = padding, 1 = unknown, 2–15 = symbols).

/// <summary>LSTM for the memory task.</summary>
[LstmModel(VocabularySize = MemoryTask.Vocabulary, EmbeddingSize = 8, HiddenSize = 16, SequenceLength = MemoryTask.Steps)]
public sealed partial class MemoryLstm;

/// <summary>GRU for the memory task.</summary>
[GruModel(VocabularySize = MemoryTask.Vocabulary, EmbeddingSize = 8, HiddenSize = 16, SequenceLength = MemoryTask.Steps)]
public sealed partial class MemoryGru;

/// <summary>Simple (tanh) RNN for the memory task.</summary>
[RnnModel(VocabularySize = MemoryTask.Vocabulary, EmbeddingSize = 8, HiddenSize = 16, SequenceLength = MemoryTask.Steps)]
public sealed partial class MemoryRnn;

// Sentiment: the same embedding and width for every kind, 50 tokens.

/// <summary>LSTM for sentiment.</summary>
[LstmModel(VocabularySize = SentimentTask.Vocabulary, EmbeddingSize = 64, HiddenSize = 64, SequenceLength = SentimentTask.Steps)]
public sealed partial class SentimentLstm;

/// <summary>GRU for sentiment.</summary>
[GruModel(VocabularySize = SentimentTask.Vocabulary, EmbeddingSize = 64, HiddenSize = 64, SequenceLength = SentimentTask.Steps)]
public sealed partial class SentimentGru;

/// <summary>Simple RNN for sentiment.</summary>
[RnnModel(VocabularySize = SentimentTask.Vocabulary, EmbeddingSize = 64, HiddenSize = 64, SequenceLength = SentimentTask.Steps)]
public sealed partial class SentimentRnn;

/// <summary>Text CNN for the memory task: widths 3 and 5, max-pooled over time.</summary>
[TextCnnModel(VocabularySize = MemoryTask.Vocabulary, EmbeddingSize = 8, SequenceLength = MemoryTask.Steps, KernelSizes = new[] { 3, 5 }, Filters = 16)]
public sealed partial class MemoryCnn;

/// <summary>Feed-forward net for the memory task: mean embedding → 32 ReLU units.</summary>
[FeedForwardModel(VocabularySize = MemoryTask.Vocabulary, EmbeddingSize = 8, SequenceLength = MemoryTask.Steps, HiddenSizes = new[] { 32 })]
public sealed partial class MemoryFeedForward;

/// <summary>Text CNN for sentiment: widths 3, 4, 5 with 64 filters each.</summary>
[TextCnnModel(VocabularySize = SentimentTask.Vocabulary, EmbeddingSize = 64, SequenceLength = SentimentTask.Steps, KernelSizes = new[] { 3, 4, 5 }, Filters = 64)]
public sealed partial class SentimentCnn;

/// <summary>Feed-forward net for sentiment: mean embedding → 64 ReLU units.</summary>
[FeedForwardModel(VocabularySize = SentimentTask.Vocabulary, EmbeddingSize = 64, SequenceLength = SentimentTask.Steps, HiddenSizes = new[] { 64 })]
public sealed partial class SentimentFeedForward;
