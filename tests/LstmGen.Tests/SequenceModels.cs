using LstmGen;

namespace LstmGen.Tests.Models;

// ReturnSequences models: the head at every step.

/// <summary>Matches the torch_seq_lstm_lm fixture: a token language model, softmax over 11 classes per step.</summary>
[LstmModel(VocabularySize = 11, EmbeddingSize = 4, HiddenSize = 6, SequenceLength = 7, OutputSize = 11, Output = OutputActivation.Softmax, ReturnSequences = true)]
public sealed partial class SeqLstmLmModel;

/// <summary>Stacked bidirectional GRU, two sigmoid outputs per step (H = 9: a padded gate layout).</summary>
[GruModel(VocabularySize = 13, EmbeddingSize = 5, HiddenSize = 9, SequenceLength = 6, OutputSize = 2, Layers = 2, Bidirectional = true, ReturnSequences = true)]
public sealed partial class SeqGruL2BiModel;

/// <summary>Three stacked RNN layers, a linear output per step.</summary>
[RnnModel(VocabularySize = 9, EmbeddingSize = 3, HiddenSize = 5, SequenceLength = 8, OutputSize = 1, Output = OutputActivation.Linear, Layers = 3, ReturnSequences = true)]
public sealed partial class SeqRnnL3Model;

/// <summary>Bidirectional LSTM with a softmax per step (H = 17: two padded gate blocks).</summary>
[LstmModel(VocabularySize = 15, EmbeddingSize = 6, HiddenSize = 17, SequenceLength = 9, OutputSize = 4, Output = OutputActivation.Softmax, Bidirectional = true, ReturnSequences = true)]
public sealed partial class SeqLstmBiSoftmaxModel;

/// <summary>A small character language model for the learning test: 12 symbols, next-symbol targets.</summary>
[LstmModel(VocabularySize = 12, EmbeddingSize = 8, HiddenSize = 24, SequenceLength = 16, OutputSize = 12, Output = OutputActivation.Softmax, ReturnSequences = true)]
public sealed partial class SeqCharModel;

/// <summary>For the sequence-labelling test: one sigmoid output per step.</summary>
[GruModel(VocabularySize = 8, EmbeddingSize = 4, HiddenSize = 12, SequenceLength = 12, OutputSize = 1, ReturnSequences = true)]
public sealed partial class SeqLabelModel;

/// <summary>Matches the torch_seq_lstm_dense fixture: 3 features per step, a sigmoid output per step.</summary>
[LstmModel(InputSize = 3, HiddenSize = 5, SequenceLength = 6, OutputSize = 1, ReturnSequences = true)]
public sealed partial class SeqLstmDenseModel;

/// <summary>Matches the torch_seq_gru_dense fixture: 2 features per step, a sigmoid output per step.</summary>
[GruModel(InputSize = 2, HiddenSize = 4, SequenceLength = 5, OutputSize = 1, ReturnSequences = true)]
public sealed partial class SeqGruDenseModel;

/// <summary>Dense inputs, two bidirectional LSTM layers, a softmax over 3 classes per step.</summary>
[LstmModel(InputSize = 4, HiddenSize = 6, SequenceLength = 7, OutputSize = 3, Output = OutputActivation.Softmax, Layers = 2, Bidirectional = true, ReturnSequences = true)]
public sealed partial class SeqLstmDenseL2BiModel;

/// <summary>Dense sequence labelling for the training test: one feature, a sigmoid output per step.</summary>
[GruModel(InputSize = 1, HiddenSize = 10, SequenceLength = 10, OutputSize = 1, ReturnSequences = true)]
public sealed partial class SeqDenseLabelModel;
