using LstmGen;

namespace LstmGen.Samples.NativeLibrary;

/// <summary>The model the library serves (its sizes are fixed at compile time, as every generated model's).</summary>
[LstmModel(VocabularySize = 1000, EmbeddingSize = 32, HiddenSize = 32, SequenceLength = 20)]
public sealed partial class NativeModel;
