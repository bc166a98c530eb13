using LstmGen;

namespace LstmGen.Keras.Tests;

// The generated models that the Keras fixtures (tests/keras/make_keras_fixtures.py) are built for.

/// <summary>Embedding(13, 3) → LSTM(7) → Dense(1, sigmoid): lstm.keras.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9)]
public sealed partial class KerasLstm;

/// <summary>Two Bidirectional(GRU(7)) layers: gru_l2_bi.keras.</summary>
[GruModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9, Layers = 2, Bidirectional = true)]
public sealed partial class KerasGruL2Bi;

/// <summary>One GRU(7) layer: gru_legacy_weights.h5 (save_weights, no configuration) and gru_reset_before.keras (refused).</summary>
[GruModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9)]
public sealed partial class KerasGru;

/// <summary>Three SimpleRNN(9) layers, softmax over 3: rnn_l3_softmax.keras.</summary>
[RnnModel(VocabularySize = 11, EmbeddingSize = 5, HiddenSize = 9, SequenceLength = 6, OutputSize = 3, Output = OutputActivation.Softmax, Layers = 3)]
public sealed partial class KerasRnnL3Softmax;

/// <summary>Bidirectional(SimpleRNN(9)), softmax over 3: rnn_bi_softmax_legacy.h5.</summary>
[RnnModel(VocabularySize = 11, EmbeddingSize = 5, HiddenSize = 9, SequenceLength = 6, OutputSize = 3, Output = OutputActivation.Softmax, Bidirectional = true)]
public sealed partial class KerasRnnBiSoftmax;

/// <summary>Two Bidirectional(LSTM(7)) layers: lstm_l2_bi_legacy.h5 (model.save, with model_config).</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9, Layers = 2, Bidirectional = true)]
public sealed partial class KerasLstmL2Bi;

/// <summary>Conv1D k = 2, 3, 5 with 4 filters: cnn.keras (functional).</summary>
[TextCnnModel(VocabularySize = 13, EmbeddingSize = 3, SequenceLength = 9, KernelSizes = new[] { 2, 3, 5 }, Filters = 4)]
public sealed partial class KerasCnn;

/// <summary>GlobalAveragePooling1D → Dense(33, relu) → Dense(7, relu) → Dense(4, sigmoid): ff_deep.keras.</summary>
[FeedForwardModel(VocabularySize = 40, EmbeddingSize = 20, SequenceLength = 17, HiddenSizes = new[] { 33, 7 }, OutputSize = 4)]
public sealed partial class KerasFfDeep;

/// <summary>Like KerasLstm with a softmax head, for the activation check.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9, OutputSize = 1, Output = OutputActivation.Linear)]
public sealed partial class KerasLstmLinear;

/// <summary>Like KerasLstm with 8 hidden units, for the shape check.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 8, SequenceLength = 9)]
public sealed partial class KerasLstmH8;
