using LstmGen;

namespace LstmGen.Tests.Models;

// Models at many sizes, generated at build time. Odd sizes exercise the padded gate layout and remainder blocks.

/// <summary>The reference workload: vocab 10,000, embedding 128, hidden 64, sequence 100, one sigmoid output.</summary>
[LstmModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 100, OutputSize = 1, Output = OutputActivation.Sigmoid)]
public sealed partial class ReferenceModel;

/// <summary>Matches the "small" PyTorch fixture.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9)]
public sealed partial class SmallModel;

/// <summary>Matches the "softmax" PyTorch fixture.</summary>
[LstmModel(VocabularySize = 11, EmbeddingSize = 5, HiddenSize = 9, SequenceLength = 6, OutputSize = 3, Output = OutputActivation.Softmax)]
public sealed partial class SoftmaxModel;

/// <summary>One hidden unit, E = 3.</summary>
[LstmModel(VocabularySize = 5, EmbeddingSize = 3, HiddenSize = 1, SequenceLength = 7)]
public sealed partial class H1Model;

/// <summary>H = 33: five vectors per gate, a 20-vector gate block (two full register blocks and a remainder of 4).</summary>
[LstmModel(VocabularySize = 50, EmbeddingSize = 3, HiddenSize = 33, SequenceLength = 12, OutputSize = 2, Output = OutputActivation.Linear)]
public sealed partial class H33Model;

/// <summary>H = 16, E = 20, several sigmoid outputs.</summary>
[LstmModel(VocabularySize = 40, EmbeddingSize = 20, HiddenSize = 16, SequenceLength = 17, OutputSize = 4)]
public sealed partial class H16Model;

public static partial class Container
{
    /// <summary>A model nested in a partial static class.</summary>
    [LstmModel(VocabularySize = 30, EmbeddingSize = 8, HiddenSize = 24, SequenceLength = 10)]
    public sealed partial class NestedModel;
}

/// <summary>For the long-memory task: 50 steps, a small vocabulary.</summary>
[LstmModel(VocabularySize = 12, EmbeddingSize = 8, HiddenSize = 16, SequenceLength = 50)]
public sealed partial class MemoryTaskModel;

// GRU and simple-RNN models at the same sizes as the LSTM ones above (H = 1, 7, 9, 16, 33 exercise the padded gates and
// every remainder block: the GRU's fused width is 3·HP, the RNN's HP).

/// <summary>GRU matching the "gru_small" PyTorch fixture.</summary>
[GruModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9)]
public sealed partial class GruSmallModel;

/// <summary>GRU matching the "gru_softmax" PyTorch fixture.</summary>
[GruModel(VocabularySize = 11, EmbeddingSize = 5, HiddenSize = 9, SequenceLength = 6, OutputSize = 3, Output = OutputActivation.Softmax)]
public sealed partial class GruSoftmaxModel;

/// <summary>GRU with one hidden unit.</summary>
[GruModel(VocabularySize = 5, EmbeddingSize = 3, HiddenSize = 1, SequenceLength = 7)]
public sealed partial class GruH1Model;

/// <summary>GRU with H = 33: 15 vectors of gates, one full register block and a remainder of 7.</summary>
[GruModel(VocabularySize = 50, EmbeddingSize = 3, HiddenSize = 33, SequenceLength = 12, OutputSize = 2, Output = OutputActivation.Linear)]
public sealed partial class GruH33Model;

/// <summary>GRU with H = 16, E = 20, several sigmoid outputs.</summary>
[GruModel(VocabularySize = 40, EmbeddingSize = 20, HiddenSize = 16, SequenceLength = 17, OutputSize = 4)]
public sealed partial class GruH16Model;

/// <summary>Simple RNN matching the "rnn_small" PyTorch fixture.</summary>
[RnnModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9)]
public sealed partial class RnnSmallModel;

/// <summary>Simple RNN matching the "rnn_softmax" PyTorch fixture.</summary>
[RnnModel(VocabularySize = 11, EmbeddingSize = 5, HiddenSize = 9, SequenceLength = 6, OutputSize = 3, Output = OutputActivation.Softmax)]
public sealed partial class RnnSoftmaxModel;

/// <summary>Simple RNN with one hidden unit.</summary>
[RnnModel(VocabularySize = 5, EmbeddingSize = 3, HiddenSize = 1, SequenceLength = 7)]
public sealed partial class RnnH1Model;

/// <summary>Simple RNN with H = 33: five vectors, a single remainder block.</summary>
[RnnModel(VocabularySize = 50, EmbeddingSize = 3, HiddenSize = 33, SequenceLength = 12, OutputSize = 2, Output = OutputActivation.Linear)]
public sealed partial class RnnH33Model;

/// <summary>Simple RNN with H = 72: nine vectors, one full register block of 8 and a remainder of 1.</summary>
[RnnModel(VocabularySize = 40, EmbeddingSize = 20, HiddenSize = 72, SequenceLength = 17, OutputSize = 4)]
public sealed partial class RnnH72Model;

/// <summary>The reference workload as a GRU.</summary>
[GruModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 100)]
public sealed partial class GruReferenceModel;

/// <summary>The reference workload as a simple RNN.</summary>
[RnnModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 100)]
public sealed partial class RnnReferenceModel;

/// <summary>The memory task for the GRU over 20 steps (with zero biases z starts at ½, so memory must be learnt).</summary>
[GruModel(VocabularySize = 12, EmbeddingSize = 8, HiddenSize = 16, SequenceLength = 20)]
public sealed partial class GruMemoryTaskModel;

/// <summary>The memory task for the simple RNN, over a short distance (12 steps).</summary>
[RnnModel(VocabularySize = 12, EmbeddingSize = 8, HiddenSize = 16, SequenceLength = 12)]
public sealed partial class RnnMemoryTaskModel;
