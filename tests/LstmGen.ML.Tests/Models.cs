using LstmGen;

namespace LstmGen.ML.Tests;

/// <summary>The pipeline tests' LSTM: the UCI sentences have about 5,000 distinct words and at most about 70 tokens.</summary>
[LstmModel(VocabularySize = 6_000, EmbeddingSize = 32, HiddenSize = 32, SequenceLength = 40)]
public sealed partial class MlSentimentModel;

/// <summary>A small GRU for the synthetic tasks.</summary>
[GruModel(VocabularySize = 64, EmbeddingSize = 8, HiddenSize = 16, SequenceLength = 8)]
public sealed partial class MlMemoryGru;

/// <summary>A text CNN: every model kind with one sigmoid output is an ML.NET classifier.</summary>
[TextCnnModel(VocabularySize = 64, EmbeddingSize = 8, SequenceLength = 8, KernelSizes = new[] { 1, 2 }, Filters = 8)]
public sealed partial class MlMemoryCnn;

/// <summary>Two outputs: not a binary classifier.</summary>
[LstmModel(VocabularySize = 16, EmbeddingSize = 4, HiddenSize = 4, SequenceLength = 4, OutputSize = 2)]
public sealed partial class MlTwoOutputModel;
