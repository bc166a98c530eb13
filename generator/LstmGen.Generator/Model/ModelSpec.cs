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
