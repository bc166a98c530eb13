using LstmGen;

namespace LstmGen.Tests.Models;

// Dense-input recurrent models (InputSize float features per step, a length per row).

/// <summary>Matches the "dense_lstm" PyTorch fixture.</summary>
[LstmModel(InputSize = 4, HiddenSize = 6, SequenceLength = 7)]
public sealed partial class DenseLstmModel;

/// <summary>Matches the "dense_gru_l2_bi" PyTorch fixture.</summary>
[GruModel(InputSize = 3, HiddenSize = 5, SequenceLength = 6, Layers = 2, Bidirectional = true)]
public sealed partial class DenseGruL2BiModel;

/// <summary>Matches the "dense_rnn" PyTorch fixture.</summary>
[RnnModel(InputSize = 2, HiddenSize = 4, SequenceLength = 5)]
public sealed partial class DenseRnnModel;

/// <summary>Matches the "dense_lstm_l2_bi_softmax" PyTorch fixture.</summary>
[LstmModel(InputSize = 3, HiddenSize = 4, SequenceLength = 5, OutputSize = 3, Output = OutputActivation.Softmax, Layers = 2, Bidirectional = true)]
public sealed partial class DenseLstmL2BiSoftmaxModel;

/// <summary>Matches the "tbptt_lstm" PyTorch fixture (window length 5).</summary>
[LstmModel(InputSize = 2, HiddenSize = 4, SequenceLength = 5)]
public sealed partial class DenseTbpttModel;

/// <summary>Odd sizes, stacked and bidirectional, linear outputs.</summary>
[LstmModel(InputSize = 5, HiddenSize = 7, SequenceLength = 9, OutputSize = 2, Output = OutputActivation.Linear, Layers = 2, Bidirectional = true)]
public sealed partial class DenseLstmOddModel;

/// <summary>One feature, H = 17 (a 16-unit block and a tail), one GRU layer.</summary>
[GruModel(InputSize = 1, HiddenSize = 17, SequenceLength = 8)]
public sealed partial class DenseGruH17Model;

/// <summary>Three bidirectional RNN layers, softmax.</summary>
[RnnModel(InputSize = 6, HiddenSize = 9, SequenceLength = 7, OutputSize = 3, Output = OutputActivation.Softmax, Layers = 3, Bidirectional = true)]
public sealed partial class DenseRnnL3BiModel;

/// <summary>For the end-to-end training test: the sign of a sum over 12 steps.</summary>
[LstmModel(InputSize = 1, HiddenSize = 16, SequenceLength = 12)]
public sealed partial class DenseSignModel;

// Token twins for truncated BPTT: the same weights with one window (T) and two windows (2T) of steps.

/// <summary>Two stacked GRU layers, windows of 4 tokens.</summary>
[GruModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 5, SequenceLength = 4, Layers = 2)]
public sealed partial class GruWindowModel;

/// <summary><see cref="GruWindowModel"/> over two windows at once.</summary>
[GruModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 5, SequenceLength = 8, Layers = 2)]
public sealed partial class GruTwoWindowsModel;

/// <summary>Two stacked LSTM layers, windows of 5 tokens.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 5, Layers = 2, OutputSize = 2, Output = OutputActivation.Linear)]
public sealed partial class LstmWindowModel;

/// <summary><see cref="LstmWindowModel"/> over two windows at once.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 10, Layers = 2, OutputSize = 2, Output = OutputActivation.Linear)]
public sealed partial class LstmTwoWindowsModel;
