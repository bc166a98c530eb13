namespace LstmGen;

/// <summary>
/// The streaming state of a unidirectional recurrent model (h and, for an LSTM, c of every layer), owned by the caller
/// and advanced one step at a time by the model's generated <c>Step</c>. Generated models implement it as their nested
/// <c>State</c> class (made by <c>CreateState()</c>); <see cref="Serialization.ModelFile"/> stores one beside the weights.
/// </summary>
/// <remarks>
/// A state may be stepped by one thread at a time; any number of states may step on one model from many threads at
/// once. The values are in PyTorch's layout: h [Layers, HiddenSize], then (LSTM only) c [Layers, HiddenSize], as
/// <c>nn.LSTM</c>'s (h_n, c_n) for a batch of one.
/// </remarks>
public interface IRecurrentState
{
    /// <summary>Floats in <see cref="CopyTo"/>'s layout: Layers·HiddenSize, twice for an LSTM.</summary>
    int Size { get; }

    /// <summary>
    /// Non-padding steps since the last <see cref="Reset"/>. The batch-1 kernel alternates its summation order with the
    /// parity of this count (as Predict does), so a state restored with its count continues bit for bit.
    /// </summary>
    long Steps { get; set; }

    /// <summary>Zeroes h and c and <see cref="Steps"/>: the state before the first step of a sequence.</summary>
    void Reset();

    /// <summary>Writes the state, PyTorch layout (see the remarks), into <paramref name="destination"/> of <see cref="Size"/> floats.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> does not hold <see cref="Size"/> floats.</exception>
    void CopyTo(Span<float> destination);

    /// <summary>Sets the state from <paramref name="source"/> of <see cref="Size"/> finite floats, PyTorch layout; <see cref="Steps"/> is unchanged.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> does not hold <see cref="Size"/> floats, or a value is NaN or ±∞ (the message names it).</exception>
    void CopyFrom(ReadOnlySpan<float> source);
}
