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

/// <summary>Two stacked layers: not exportable (yet); the exporter must refuse rather than drop a layer.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9, Layers = 2)]
public sealed partial class OnnxStackedModel;

/// <summary>Bidirectional: not exportable (yet).</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9, Bidirectional = true)]
public sealed partial class OnnxBidirectionalModel;

/// <summary>A GRU: not exportable (yet).</summary>
[GruModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9)]
public sealed partial class OnnxGruModel;

/// <summary>A simple RNN: not exportable (yet).</summary>
[RnnModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9)]
public sealed partial class OnnxRnnModel;
