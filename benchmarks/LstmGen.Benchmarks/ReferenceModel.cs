using LstmGen;

namespace LstmGen.Benchmarks;

/// <summary>The reference workload: vocab 10,000, embedding 128, hidden 64, sequence 100, one sigmoid output.</summary>
[LstmModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 100, OutputSize = 1)]
public sealed partial class ReferenceModel;

/// <summary>The reference workload with a GRU cell (nn.GRU math): gate width 3H.</summary>
[GruModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 100, OutputSize = 1)]
public sealed partial class ReferenceGruModel;

/// <summary>The reference workload with a simple tanh RNN cell (nn.RNN math): gate width H.</summary>
[RnnModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 100, OutputSize = 1)]
public sealed partial class ReferenceRnnModel;

/// <summary>The reference model at the UCI sentences' length: sequences of 60 ids (the real-text epoch row of the peer comparison).</summary>
[LstmModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 60, OutputSize = 1)]
public sealed partial class UciModel;
