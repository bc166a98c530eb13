using LstmGen;

namespace LstmGen.Training;

/// <summary>
/// Per-step targets of <c>ReturnSequences</c> models: their checks (which skip padded steps, whose targets are ignored)
/// and the softmax cross-entropy of one integer class id. A step is real when its token is not 0.
/// </summary>
public static class StepLosses
{
    /// <summary>
    /// Softmax cross-entropy of one step with class <paramref name="target"/>: L = log Σ_o e^{z_o} − z_target, and
    /// ∂(scale·L)/∂z = scale·(softmax(z) − onehot(target)) into <paramref name="dLogits"/> (the one-hot loss, without
    /// forming the one-hot row). Summed in double.
    /// </summary>
    public static float ClassLossAndGradient(ReadOnlySpan<float> logits, int target, Span<float> dLogits, float scale)
    {
        float max = float.NegativeInfinity;
        for (int o = 0; o < logits.Length; o++) max = MathF.Max(max, logits[o]);
        double sum = 0;
        for (int o = 0; o < logits.Length; o++) sum += Math.Exp(logits[o] - max);
        double logSum = Math.Log(sum) + max;
        for (int o = 0; o < logits.Length; o++)
            dLogits[o] = scale * (float)(Math.Exp(logits[o] - logSum) - (o == target ? 1 : 0));
        return (float)(logSum - logits[target]);
    }

    /// <summary>
    /// Checks per-step float targets of a token model: B·SequenceLength·OutputSize values (B = tokens / SequenceLength),
    /// and at every real step (token ≠ 0) the values the loss needs (finite; in [0, 1] unless linear; summing to 1 for
    /// softmax). Padded steps are not read.
    /// </summary>
    /// <exception cref="ArgumentException">The count, or a value at a real step (naming row and step).</exception>
    public static void ValidateStepTargets(OutputActivation activation, int outputSize, int sequenceLength, ReadOnlySpan<int> tokens,
        ReadOnlySpan<float> targets, string paramName)
    {
        int rows = tokens.Length / sequenceLength, expected = rows * sequenceLength * outputSize;
        if (targets.Length != expected)
            throw new ArgumentException($"Expected {rows} × {sequenceLength} × {outputSize} = {expected} targets (one per row, step and output) but got {targets.Length}.", paramName);
        for (int q = 0; q < rows * sequenceLength; q++)
        {
            if (tokens[q] != 0) ValidateStep(activation, targets.Slice(q * outputSize, outputSize), q / sequenceLength, q % sequenceLength, paramName);
        }
    }

    /// <summary>
    /// Checks per-step class ids of a token model: B·SequenceLength ids, each real step's in [0, <paramref name="classes"/>);
    /// padded steps (token 0) may hold anything (−1 by convention).
    /// </summary>
    /// <exception cref="ArgumentException">The count is wrong.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A real step's id is out of range (the message names row and step).</exception>
    public static void ValidateStepClasses(int classes, int sequenceLength, ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets, string paramName)
    {
        int rows = tokens.Length / sequenceLength, expected = rows * sequenceLength;
        if (targets.Length != expected)
            throw new ArgumentException($"Expected {rows} × {sequenceLength} = {expected} class ids (one per row and step) but got {targets.Length}.", paramName);
        for (int q = 0; q < expected; q++)
        {
            if (tokens[q] != 0 && (uint)targets[q] >= (uint)classes)
                throw new ArgumentOutOfRangeException(paramName, targets[q], $"Class id {targets[q]} at step {q % sequenceLength} of row {q / sequenceLength} is outside [0, {classes}).");
        }
    }

    /// <summary>
    /// Checks per-step float targets of a dense model: B·SequenceLength·OutputSize values (B = lengths.Length), checked at
    /// the real steps t &lt; lengths[b] as <see cref="ValidateStepTargets"/> does (the lengths are already checked).
    /// </summary>
    /// <exception cref="ArgumentException">The count, or a value at a real step (naming row and step).</exception>
    public static void ValidateDenseStepTargets(OutputActivation activation, int outputSize, int sequenceLength, ReadOnlySpan<int> lengths,
        ReadOnlySpan<float> targets, string paramName)
    {
        int rows = lengths.Length, expected = rows * sequenceLength * outputSize;
        if (targets.Length != expected)
            throw new ArgumentException($"Expected {rows} × {sequenceLength} × {outputSize} = {expected} targets (one per row, step and output) but got {targets.Length}.", paramName);
        for (int b = 0; b < rows; b++)
            for (int t = 0; t < lengths[b]; t++)
                ValidateStep(activation, targets.Slice((b * sequenceLength + t) * outputSize, outputSize), b, t, paramName);
    }

    /// <summary>Checks per-step class ids of a dense model: B·SequenceLength ids, each real step's (t &lt; lengths[b]) in [0, <paramref name="classes"/>).</summary>
    /// <exception cref="ArgumentException">The count is wrong.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A real step's id is out of range (the message names row and step).</exception>
    public static void ValidateDenseStepClasses(int classes, int sequenceLength, ReadOnlySpan<int> lengths, ReadOnlySpan<int> targets, string paramName)
    {
        int rows = lengths.Length, expected = rows * sequenceLength;
        if (targets.Length != expected)
            throw new ArgumentException($"Expected {rows} × {sequenceLength} = {expected} class ids (one per row and step) but got {targets.Length}.", paramName);
        for (int b = 0; b < rows; b++)
            for (int t = 0; t < lengths[b]; t++)
                if ((uint)targets[b * sequenceLength + t] >= (uint)classes)
                    throw new ArgumentOutOfRangeException(paramName, targets[b * sequenceLength + t], $"Class id {targets[b * sequenceLength + t]} at step {t} of row {b} is outside [0, {classes}).");
    }

    // One real step's targets, as Losses.ValidateTargets checks a row.
    internal static void ValidateStep(OutputActivation activation, ReadOnlySpan<float> y, int row, int step, string paramName)
    {
        float sum = 0;
        for (int o = 0; o < y.Length; o++)
        {
            if (!float.IsFinite(y[o]))
                throw new ArgumentException($"Target {o} at step {step} of row {row} is {y[o]}; targets must be finite.", paramName);
            if (activation != OutputActivation.Linear && (y[o] < 0 || y[o] > 1))
                throw new ArgumentException($"Target {o} at step {step} of row {row} is {y[o]}, outside [0, 1]; {activation} outputs are probabilities.", paramName);
            sum += y[o];
        }
        if (activation == OutputActivation.Softmax && MathF.Abs(sum - 1) > 1e-3f)
            throw new ArgumentException($"Targets at step {step} of row {row} sum to {sum}; softmax targets must be one-hot or a distribution (or use class ids).", paramName);
    }
}
