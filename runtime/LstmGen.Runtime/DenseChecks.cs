using System.Diagnostics.CodeAnalysis;

namespace LstmGen;

/// <summary>Argument checks of the generated dense-input models (kept out of line so the models stay small).</summary>
public static class DenseChecks
{
    /// <summary>
    /// One sequence of steps·<paramref name="inputSize"/> features: returns steps, which must be in [1,
    /// <paramref name="sequenceLength"/>]; every value must be finite (the exception names the step).
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a whole number of steps, the sequence is empty or too long, or a value is not finite.</exception>
    public static int Sequence(ReadOnlySpan<float> inputs, int inputSize, int sequenceLength, string paramName)
    {
        if (inputs.Length == 0 || inputs.Length % inputSize != 0)
            throw new ArgumentException($"The sequence has {inputs.Length} values, which is not a positive multiple of InputSize ({inputSize}).", paramName);
        int steps = inputs.Length / inputSize;
        if (steps > sequenceLength)
            throw new ArgumentException($"The sequence has {steps} steps but the model's SequenceLength is {sequenceLength}; truncate it (or declare a longer SequenceLength).", paramName);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!float.IsFinite(inputs[i])) NotFinite(paramName, inputs[i], -1, i / inputSize, i % inputSize);
        }
        return steps;
    }

    /// <summary>
    /// A batch of B = <paramref name="lengths"/>.Length rows of sequenceLength·inputSize features: each length in [1,
    /// sequenceLength], and every value inside a row's real steps finite (the exception names row and step). Returns B.
    /// </summary>
    /// <exception cref="ArgumentException">Empty lengths, inputs not B whole rows, a length out of range, or a non-finite value.</exception>
    public static int Batch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, int inputSize, int sequenceLength, string inputsName, string lengthsName)
    {
        int rows = lengths.Length, row = sequenceLength * inputSize;
        if (rows == 0) throw new ArgumentException("The batch is empty: lengths holds no row.", lengthsName);
        if (inputs.Length != (long)rows * row)
            throw new ArgumentException($"Expected {(long)rows * row} values ({rows} rows × SequenceLength {sequenceLength} × InputSize {inputSize}, one row per length) but got {inputs.Length}.", inputsName);
        for (int b = 0; b < rows; b++)
        {
            int n = lengths[b];
            if (n < 1 || n > sequenceLength)
                throw new ArgumentOutOfRangeException(lengthsName, n, $"Length {n} of row {b} is outside [1, {sequenceLength}] (a row is its first length steps; SequenceLength is {sequenceLength}).");
            ReadOnlySpan<float> x = inputs.Slice(b * row, n * inputSize);
            for (int i = 0; i < x.Length; i++)
            {
                if (!float.IsFinite(x[i])) NotFinite(inputsName, x[i], b, i / inputSize, i % inputSize);
            }
        }
        return rows;
    }

    /// <summary>
    /// A batch of whole rows of sequenceLength·inputSize features, every row full: returns B; every value must be finite
    /// (the exception names row and step).
    /// </summary>
    /// <exception cref="ArgumentException">The inputs are not a positive whole number of rows, or a value is not finite.</exception>
    public static int FullRows(ReadOnlySpan<float> inputs, int inputSize, int sequenceLength, string paramName)
    {
        int row = sequenceLength * inputSize;
        if (inputs.Length == 0 || inputs.Length % row != 0)
            throw new ArgumentException($"The batch has {inputs.Length} values, which is not a positive multiple of SequenceLength × InputSize ({sequenceLength} × {inputSize} = {row}).", paramName);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!float.IsFinite(inputs[i])) NotFinite(paramName, inputs[i], i / row, i % row / inputSize, i % inputSize);
        }
        return inputs.Length / row;
    }

    [DoesNotReturn]
    private static void NotFinite(string paramName, float value, int row, int step, int feature)
        => throw new ArgumentException(
            $"Input {value} at step {step}{(row >= 0 ? $" of row {row}" : "")} (feature {feature}) is not finite; dense inputs must be finite numbers.", paramName);
}
