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

// ---- Non-recurrent models: the text CNN and the feed-forward baseline.

/// <summary>Matches the "cnn_small" PyTorch fixture: three branches, one wider than many padded rows' token counts.</summary>
[TextCnnModel(VocabularySize = 13, EmbeddingSize = 3, SequenceLength = 9, KernelSizes = new[] { 2, 3, 5 }, Filters = 4)]
public sealed partial class CnnSmallModel;

/// <summary>Matches the "cnn_medium" PyTorch fixture: widths 3, 4, 5 and 24 filters (three vectors and a padded GEMM panel).</summary>
[TextCnnModel(VocabularySize = 500, EmbeddingSize = 32, SequenceLength = 40, KernelSizes = new[] { 3, 4, 5 }, Filters = 24)]
public sealed partial class CnnMediumModel;

/// <summary>Odd sizes: 19 filters (two vectors and a scalar tail of 3), a width-1 branch, a width equal to T, softmax.</summary>
[TextCnnModel(VocabularySize = 29, EmbeddingSize = 5, SequenceLength = 7, KernelSizes = [1, 4, 7], Filters = 19, OutputSize = 3, Output = OutputActivation.Softmax)]
public sealed partial class CnnOddModel;

/// <summary>Linear outputs, one branch.</summary>
[TextCnnModel(VocabularySize = 17, EmbeddingSize = 8, SequenceLength = 12, KernelSizes = new[] { 3 }, Filters = 16, OutputSize = 2, Output = OutputActivation.Linear)]
public sealed partial class CnnLinearModel;

/// <summary>For the CNN training test: 30 tokens, a small vocabulary.</summary>
[TextCnnModel(VocabularySize = 12, EmbeddingSize = 8, SequenceLength = 30, KernelSizes = new[] { 2, 3 }, Filters = 16)]
public sealed partial class CnnTaskModel;

/// <summary>Matches the "ff_small" PyTorch fixture.</summary>
[FeedForwardModel(VocabularySize = 13, EmbeddingSize = 3, SequenceLength = 9, HiddenSizes = new[] { 5 })]
public sealed partial class FfSmallModel;

/// <summary>Matches the "ff_deep" PyTorch fixture: two hidden layers of odd widths, several sigmoid outputs.</summary>
[FeedForwardModel(VocabularySize = 40, EmbeddingSize = 20, SequenceLength = 17, HiddenSizes = new[] { 33, 7 }, OutputSize = 4)]
public sealed partial class FfDeepModel;

/// <summary>No hidden layer (the head reads the mean embedding), linear outputs.</summary>
[FeedForwardModel(VocabularySize = 11, EmbeddingSize = 5, SequenceLength = 6, HiddenSizes = new int[0], OutputSize = 2, Output = OutputActivation.Linear)]
public sealed partial class FfLinearModel;

/// <summary>Softmax over 3 classes, wide hidden layer.</summary>
[FeedForwardModel(VocabularySize = 50, EmbeddingSize = 16, SequenceLength = 10, HiddenSizes = new[] { 48 }, OutputSize = 3, Output = OutputActivation.Softmax)]
public sealed partial class FfSoftmaxModel;

/// <summary>The comparison workload for the feed-forward baseline: vocab 10,000, embedding 128, one hidden layer of 64.</summary>
[FeedForwardModel(VocabularySize = 10_000, EmbeddingSize = 128, SequenceLength = 100, HiddenSizes = new[] { 64 })]
public sealed partial class FfReferenceModel;

/// <summary>The comparison workload for the text CNN: vocab 10,000, embedding 128, widths 3, 4, 5 with 64 filters each.</summary>
[TextCnnModel(VocabularySize = 10_000, EmbeddingSize = 128, SequenceLength = 100, KernelSizes = new[] { 3, 4, 5 }, Filters = 64)]
public sealed partial class CnnReferenceModel;

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

// ---- Stacked and bidirectional recurrent models.

/// <summary>Matches the "lstm_l2" PyTorch fixture: two stacked LSTM layers.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9, Layers = 2)]
public sealed partial class LstmL2Model;

/// <summary>Matches the "lstm_bi" PyTorch fixture: one bidirectional LSTM layer.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9, Bidirectional = true)]
public sealed partial class LstmBiModel;

/// <summary>Matches the "lstm_l2_bi" PyTorch fixture: two stacked bidirectional LSTM layers.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9, Layers = 2, Bidirectional = true)]
public sealed partial class LstmL2BiModel;

/// <summary>Matches the "gru_l2_bi" PyTorch fixture: two stacked bidirectional GRU layers.</summary>
[GruModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9, Layers = 2, Bidirectional = true)]
public sealed partial class GruL2BiModel;

/// <summary>Matches the "rnn_l2_bi" PyTorch fixture: two stacked bidirectional tanh-RNN layers.</summary>
[RnnModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9, Layers = 2, Bidirectional = true)]
public sealed partial class RnnL2BiModel;

/// <summary>Matches the "rnn_l3_softmax" PyTorch fixture: three stacked RNN layers (two layer-output buffers alternate), softmax.</summary>
[RnnModel(VocabularySize = 11, EmbeddingSize = 5, HiddenSize = 9, SequenceLength = 6, OutputSize = 3, Output = OutputActivation.Softmax, Layers = 3)]
public sealed partial class RnnL3SoftmaxModel;

/// <summary>H = 33 (remainder blocks, padded lanes between the directions), three bidirectional LSTM layers, linear outputs.</summary>
[LstmModel(VocabularySize = 30, EmbeddingSize = 5, HiddenSize = 33, SequenceLength = 8, OutputSize = 2, Output = OutputActivation.Linear, Layers = 3, Bidirectional = true)]
public sealed partial class LstmL3BiH33Model;

/// <summary>Three stacked GRU layers, H = 16, several sigmoid outputs.</summary>
[GruModel(VocabularySize = 40, EmbeddingSize = 20, HiddenSize = 16, SequenceLength = 11, OutputSize = 4, Layers = 3)]
public sealed partial class GruL3H16Model;

/// <summary>One hidden unit per direction, bidirectional GRU over two layers.</summary>
[GruModel(VocabularySize = 5, EmbeddingSize = 3, HiddenSize = 1, SequenceLength = 7, Layers = 2, Bidirectional = true)]
public sealed partial class GruL2BiH1Model;

/// <summary>Bidirectional RNN with H = 9, softmax over three classes.</summary>
[RnnModel(VocabularySize = 11, EmbeddingSize = 5, HiddenSize = 9, SequenceLength = 6, OutputSize = 3, Output = OutputActivation.Softmax, Bidirectional = true)]
public sealed partial class RnnBiSoftmaxModel;
