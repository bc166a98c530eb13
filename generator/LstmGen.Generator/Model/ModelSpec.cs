namespace LstmGen.Generator.Model;

/// <summary>Output activations, mirroring <c>LstmGen.OutputActivation</c> by value.</summary>
internal enum HeadActivation
{
    Sigmoid = 0,
    Softmax = 1,
    Linear = 2,
}

/// <summary>Recurrent cells, mirroring <c>LstmGen.RecurrentCell</c> by value.</summary>
internal enum CellKind
{
    Lstm = 0,
    Gru = 1,
    Rnn = 2,
}

/// <summary>A type that contains the model class: its keyword (class, struct, record, …) and name (escaped with '@' if it is a keyword).</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);

/// <summary>
/// A recurrent model, as plain values: no symbols, syntax or locations, so equal specs compare equal across
/// compilations and the pipeline caches.
/// </summary>
internal sealed record ModelSpec(
    DeclarationSpec Declaration,
    CellKind Cell,
    int VocabularySize,
    int EmbeddingSize,
    int HiddenSize,
    int SequenceLength,
    int OutputSize,
    HeadActivation Output,
    int Layers = 1,
    bool Bidirectional = false) : IModelSpec
{
    /// <summary>1, or 2 when <see cref="Bidirectional"/>.</summary>
    public int Directions => Bidirectional ? 2 : 1;

    public string HintName => Declaration.HintName;
}

/// <summary>What the pipeline needs of every model kind's spec.</summary>
internal interface IModelSpec
{
    /// <summary>Stable hint name of the generated file: <c>Namespace.Outer.Type.g.cs</c>.</summary>
    string HintName { get; }
}
