using System.Diagnostics.CodeAnalysis;

namespace LstmGen;

/// <summary>Throw helpers for generated code: kept out of line so hot loops stay small.</summary>
public static class ThrowHelper
{
    /// <summary>A token id outside [0, vocabularySize).</summary>
    [DoesNotReturn]
    public static void TokenOutOfRange(string paramName, int token, int position, int vocabularySize)
        => throw new ArgumentOutOfRangeException(paramName, token,
            $"Token id {token} at position {position} is outside [0, {vocabularySize}). Use 0 for padding and 1 for out-of-vocabulary words.");

    /// <summary>A streamed token id outside [0, vocabularySize) (Step takes one token, so there is no position).</summary>
    [DoesNotReturn]
    public static void StepTokenOutOfRange(string paramName, int token, int vocabularySize)
        => throw new ArgumentOutOfRangeException(paramName, token,
            $"Token id {token} is outside [0, {vocabularySize}). Use 0 for padding and 1 for out-of-vocabulary words.");

    /// <summary>A streamed feature that is NaN or ±∞ (a dense model's Step).</summary>
    [DoesNotReturn]
    public static void StepFeatureNotFinite(string paramName, int index, float value)
        => throw new ArgumentException($"Feature {index} of the step is {value}; inputs must be finite.", paramName);

    /// <summary>The bias or B of a one-row product is shorter than the row's n (or k·n) floats.</summary>
    [DoesNotReturn]
    public static void RowProductTooShort(int biasLength, int bLength, int k, int n)
        => throw new ArgumentException($"A one-row product of k = {k} by n = {n} needs {n} bias floats and {(long)k * n} of B; got {biasLength} and {bLength}.");

    /// <summary>A token id outside [0, vocabularySize) in row <paramref name="row"/> of a batch.</summary>
    [DoesNotReturn]
    public static void TokenOutOfRangeInBatch(string paramName, int token, int row, int position, int vocabularySize)
        => throw new ArgumentOutOfRangeException(paramName, token,
            $"Token id {token} at position {position} of row {row} is outside [0, {vocabularySize}). Use 0 for padding and 1 for out-of-vocabulary words.");

    /// <summary>A sequence longer than the model's fixed length.</summary>
    [DoesNotReturn]
    public static void SequenceTooLong(string paramName, int length, int sequenceLength)
        => throw new ArgumentException(
            $"The sequence has {length} tokens but the model's SequenceLength is {sequenceLength}; truncate it (or declare a longer SequenceLength).", paramName);

    /// <summary>A span of the wrong length.</summary>
    [DoesNotReturn]
    public static void WrongLength(string paramName, int actual, int expected, string what)
        => throw new ArgumentException($"Expected {expected} elements ({what}) but got {actual}.", paramName);

    /// <summary>An empty batch or a token span that is not a whole number of rows.</summary>
    [DoesNotReturn]
    public static void NotWholeRows(string paramName, int length, int rowLength)
        => throw new ArgumentException(
            $"The batch has {length} token ids, which is not a positive multiple of SequenceLength ({rowLength}); pad every row to exactly {rowLength} ids with 0.", paramName);

    /// <summary>A parameter name that is not part of the model.</summary>
    [DoesNotReturn]
    public static void UnknownParameter(string name, IReadOnlyList<ParameterInfo> layout)
        => throw new KeyNotFoundException(
            $"The model has no parameter '{name}'. Its parameters are: {string.Join(", ", layout.Select(p => p.Name))}.");

    /// <summary>An index or range end past the end of a buffer.</summary>
    [DoesNotReturn]
    public static void IndexOutOfRange(int index, int length)
        => throw new IndexOutOfRangeException($"Index {index} is outside the buffer of {length} elements.");
}
