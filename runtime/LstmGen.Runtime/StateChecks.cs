namespace LstmGen;

/// <summary>Argument checks of the generated truncated-BPTT overloads (the recurrent state carried between windows).</summary>
public static class StateChecks
{
    /// <summary>
    /// <paramref name="initialState"/> and <paramref name="finalState"/> are each empty or <paramref name="rows"/>·<paramref name="stateSize"/>
    /// floats, and the initial state is finite.
    /// </summary>
    /// <exception cref="ArgumentException">A state span of the wrong length, or a non-finite initial state (its index is named).</exception>
    public static void Validate(ReadOnlySpan<float> initialState, Span<float> finalState, int rows, int stateSize)
    {
        long expected = (long)rows * stateSize;
        if (!initialState.IsEmpty && initialState.Length != expected)
            ThrowHelper.WrongLength(nameof(initialState), initialState.Length, (int)expected, "batch × StateSize, or empty");
        if (!finalState.IsEmpty && finalState.Length != expected)
            ThrowHelper.WrongLength(nameof(finalState), finalState.Length, (int)expected, "batch × StateSize, or empty");
        for (int i = 0; i < initialState.Length; i++)
        {
            if (!float.IsFinite(initialState[i]))
                throw new ArgumentException($"Initial state value {initialState[i]} at index {i} is not finite; a carried state must be finite (did the previous window diverge?).", nameof(initialState));
        }
    }
}
