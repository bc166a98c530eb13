using LstmGen;

namespace LstmGen.Fuzz;

// Small generated models, so a valid model file is a few hundred bytes (AFL works best on small inputs).

/// <summary>The model the modelfile target loads into: 63 parameters in 7 tensors.</summary>
[LstmModel(VocabularySize = 6, EmbeddingSize = 2, HiddenSize = 2, SequenceLength = 3)]
public sealed partial class FuzzModel;

/// <summary>Same architecture, other sizes: its files give <c>ShapeMismatch</c> (seed corpus only).</summary>
[LstmModel(VocabularySize = 5, EmbeddingSize = 3, HiddenSize = 1, SequenceLength = 4, OutputSize = 2, Output = OutputActivation.Softmax)]
public sealed partial class FuzzOtherShapeModel;

/// <summary>Another architecture (embedding+gru+fc): its files give <c>LayoutMismatch</c> (seed corpus only).</summary>
[GruModel(VocabularySize = 6, EmbeddingSize = 2, HiddenSize = 2, SequenceLength = 3)]
public sealed partial class FuzzGruModel;
