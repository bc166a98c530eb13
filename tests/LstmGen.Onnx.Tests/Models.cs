using LstmGen;

namespace LstmGen.Onnx.Tests;

/// <summary>The reference workload: vocab 10,000, embedding 128, hidden 64, sequence 100, one sigmoid output.</summary>
[LstmModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 100, OutputSize = 1, Output = OutputActivation.Sigmoid)]
public sealed partial class OnnxReferenceModel;

/// <summary>Small odd sizes (padded gate blocks, remainders), three sigmoid outputs.</summary>
[LstmModel(VocabularySize = 37, EmbeddingSize = 5, HiddenSize = 7, SequenceLength = 11, OutputSize = 3)]
public sealed partial class OnnxOddModel;

/// <summary>Softmax head over four classes.</summary>
[LstmModel(VocabularySize = 23, EmbeddingSize = 6, HiddenSize = 9, SequenceLength = 8, OutputSize = 4, Output = OutputActivation.Softmax)]
public sealed partial class OnnxSoftmaxModel;

/// <summary>Linear (regression) head with two outputs; H = 33 exercises a gate remainder block.</summary>
[LstmModel(VocabularySize = 19, EmbeddingSize = 4, HiddenSize = 33, SequenceLength = 13, OutputSize = 2, Output = OutputActivation.Linear)]
public sealed partial class OnnxLinearModel;

/// <summary>A GRU (ONNX GRU with linear_before_reset = 1), two sigmoid outputs.</summary>
[GruModel(VocabularySize = 29, EmbeddingSize = 5, HiddenSize = 7, SequenceLength = 11, OutputSize = 2)]
public sealed partial class OnnxGruModel;

/// <summary>A simple tanh RNN with a softmax head.</summary>
[RnnModel(VocabularySize = 29, EmbeddingSize = 6, HiddenSize = 9, SequenceLength = 10, OutputSize = 3, Output = OutputActivation.Softmax)]
public sealed partial class OnnxRnnModel;

/// <summary>Three stacked LSTM layers, linear head.</summary>
[LstmModel(VocabularySize = 31, EmbeddingSize = 4, HiddenSize = 6, SequenceLength = 9, OutputSize = 2, Output = OutputActivation.Linear, Layers = 3)]
public sealed partial class OnnxStackedModel;

/// <summary>A bidirectional LSTM.</summary>
[LstmModel(VocabularySize = 23, EmbeddingSize = 5, HiddenSize = 7, SequenceLength = 12, Bidirectional = true)]
public sealed partial class OnnxBidirectionalModel;

/// <summary>Two stacked bidirectional LSTM layers (the second reads [h_fwd; h_rev]).</summary>
[LstmModel(VocabularySize = 17, EmbeddingSize = 3, HiddenSize = 5, SequenceLength = 10, OutputSize = 2, Layers = 2, Bidirectional = true)]
public sealed partial class OnnxLstmL2BiModel;

/// <summary>Two stacked GRU layers, one direction.</summary>
[GruModel(VocabularySize = 19, EmbeddingSize = 4, HiddenSize = 6, SequenceLength = 9, Layers = 2)]
public sealed partial class OnnxGruL2Model;

/// <summary>Two stacked bidirectional GRU layers, softmax head.</summary>
[GruModel(VocabularySize = 27, EmbeddingSize = 5, HiddenSize = 9, SequenceLength = 10, OutputSize = 3, Output = OutputActivation.Softmax,
          Layers = 2, Bidirectional = true)]
public sealed partial class OnnxGruL2BiModel;

/// <summary>A bidirectional simple RNN.</summary>
[RnnModel(VocabularySize = 21, EmbeddingSize = 4, HiddenSize = 8, SequenceLength = 9, Bidirectional = true)]
public sealed partial class OnnxRnnBiModel;

/// <summary>Three stacked bidirectional RNN layers, linear head.</summary>
[RnnModel(VocabularySize = 19, EmbeddingSize = 3, HiddenSize = 5, SequenceLength = 8, OutputSize = 2, Output = OutputActivation.Linear,
          Layers = 3, Bidirectional = true)]
public sealed partial class OnnxRnnL3BiModel;

/// <summary>A larger two-layer bidirectional GRU (longer sums, longer sequences).</summary>
[GruModel(VocabularySize = 500, EmbeddingSize = 32, HiddenSize = 48, SequenceLength = 50, Layers = 2, Bidirectional = true)]
public sealed partial class OnnxGruMediumModel;

/// <summary>A text CNN with three branches; rows shorter than a branch's width give that branch no window.</summary>
[TextCnnModel(VocabularySize = 41, EmbeddingSize = 6, SequenceLength = 13, KernelSizes = new[] { 2, 3, 5 }, Filters = 7, OutputSize = 2)]
public sealed partial class OnnxCnnModel;

/// <summary>A text CNN whose widths include 1 and the whole sequence, softmax head.</summary>
[TextCnnModel(VocabularySize = 29, EmbeddingSize = 5, SequenceLength = 7, KernelSizes = new[] { 1, 4, 7 }, Filters = 19, OutputSize = 3,
              Output = OutputActivation.Softmax)]
public sealed partial class OnnxCnnEdgeModel;

/// <summary>A text CNN of the comparison's size, linear head.</summary>
[TextCnnModel(VocabularySize = 500, EmbeddingSize = 32, SequenceLength = 40, KernelSizes = new[] { 3, 4, 5 }, Filters = 24, OutputSize = 2,
              Output = OutputActivation.Linear)]
public sealed partial class OnnxCnnMediumModel;

/// <summary>The feed-forward baseline with one hidden layer.</summary>
[FeedForwardModel(VocabularySize = 50, EmbeddingSize = 16, SequenceLength = 10, HiddenSizes = new[] { 48 })]
public sealed partial class OnnxFeedForwardModel;

/// <summary>Two hidden layers, softmax head.</summary>
[FeedForwardModel(VocabularySize = 40, EmbeddingSize = 20, SequenceLength = 17, HiddenSizes = new[] { 33, 7 }, OutputSize = 4,
                  Output = OutputActivation.Softmax)]
public sealed partial class OnnxFeedForwardDeepModel;

/// <summary>No hidden layer: the head reads the mean embedding.</summary>
[FeedForwardModel(VocabularySize = 11, EmbeddingSize = 5, SequenceLength = 6, HiddenSizes = new int[0], OutputSize = 2, Output = OutputActivation.Linear)]
public sealed partial class OnnxBagModel;

/// <summary>A dense-input model, which the exporter refuses with a clear reason.</summary>
[LstmModel(InputSize = 3, HiddenSize = 5, SequenceLength = 4)]
public sealed partial class OnnxDenseModel;
