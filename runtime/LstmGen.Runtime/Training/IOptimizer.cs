namespace LstmGen.Training;

/// <summary>
/// An element-wise optimizer over a flat parameter span, with state sized on first use. A step is
/// <see cref="BeginStep"/> followed by <see cref="Update"/> on disjoint slices, which may run concurrently
/// (data-parallel training updates one slice per thread); <see cref="Step"/> does both for the whole span.
/// </summary>
public interface IOptimizer
{
    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/>: one whole step.</summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>Starts a step over <paramref name="parameterCount"/> parameters: sizes the state and advances the step count.</summary>
    void BeginStep(int parameterCount);

    /// <summary>
    /// Applies the current step to the slice <paramref name="parameters"/> that starts at <paramref name="offset"/> in the
    /// full parameter buffer. Slices of one step must not overlap; they may be updated concurrently.
    /// </summary>
    void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset);

    /// <summary>Forgets all state (moments, step count).</summary>
    void Reset();
}
