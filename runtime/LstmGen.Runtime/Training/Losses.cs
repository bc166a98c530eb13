using LstmGen;

namespace LstmGen.Training;

/// <summary>
/// Losses on logits for training, each returning its value and writing ∂L/∂logit, in forms that stay finite for any logit;
/// and the same losses on activated outputs, for evaluation.
/// </summary>
public static class Losses
{
    /// <summary>
    /// Loss of one row for the given output activation and ∂(scale·L)/∂z into <paramref name="dLogits"/>.
    /// Sigmoid: BCE from logits, L = Σ_o max(z,0) − z·y + log(1 + e^{−|z|}), ∂L/∂z = σ(z) − y.
    /// Softmax: L = −Σ y·log softmax(z), ∂L/∂z = softmax(z) − y (for targets summing to 1).
    /// Linear: L = (1/O)·Σ (z − y)², ∂L/∂z = 2(z − y)/O.
    /// </summary>
    public static float RowLossAndGradient(OutputActivation activation, ReadOnlySpan<float> logits, ReadOnlySpan<float> targets, Span<float> dLogits, float scale)
    {
        double loss = 0;
        int n = logits.Length;
        switch (activation)
        {
            case OutputActivation.Sigmoid:
                for (int o = 0; o < n; o++)
                {
                    float z = logits[o], y = targets[o];
                    loss += MathF.Max(z, 0) - z * y + MathF.Log(1 + MathF.Exp(-MathF.Abs(z)));
                    dLogits[o] = scale * (VectorMath.Sigmoid(z) - y);
                }
                break;
            case OutputActivation.Softmax:
                float max = float.NegativeInfinity;
                for (int o = 0; o < n; o++) max = MathF.Max(max, logits[o]);
                double sum = 0;
                for (int o = 0; o < n; o++) sum += Math.Exp(logits[o] - max);
                double logSum = Math.Log(sum) + max;
                for (int o = 0; o < n; o++)
                {
                    double logP = logits[o] - logSum;
                    loss -= targets[o] * logP;
                    dLogits[o] = scale * (float)(Math.Exp(logP) - targets[o]);
                }
                break;
            default:
                for (int o = 0; o < n; o++)
                {
                    float d = logits[o] - targets[o];
                    loss += d * d / n;
                    dLogits[o] = scale * 2 * d / n;
                }
                break;
        }
        return (float)loss;
    }

    /// <summary>
    /// Batch-mean loss computed from activated outputs (probabilities, as <see cref="ISequenceModel.PredictBatch"/>
    /// returns them) rather than logits, for evaluation: binary or categorical cross-entropy on probabilities clamped to
    /// [1e-7, 1 − 1e-7] (categorical: only below, at 1e-7), or mean squared error for linear outputs. Summed in double,
    /// row by row in order.
    /// </summary>
    internal static double MeanLossOfOutputs(OutputActivation activation, int outputSize, ReadOnlySpan<float> outputs, ReadOnlySpan<float> targets)
    {
        int o = outputSize, rows = outputs.Length / o;
        double loss = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> p = outputs.Slice(r * o, o);
            ReadOnlySpan<float> y = targets.Slice(r * o, o);
            switch (activation)
            {
                case OutputActivation.Sigmoid:
                    for (int i = 0; i < o; i++)
                    {
                        double pi = Math.Clamp(p[i], 1e-7, 1 - 1e-7);
                        loss -= y[i] * Math.Log(pi) + (1 - y[i]) * Math.Log(1 - pi);
                    }
                    break;
                case OutputActivation.Softmax:
                    for (int i = 0; i < o; i++) loss -= y[i] * Math.Log(Math.Max(p[i], 1e-7));
                    break;
                default:
                    for (int i = 0; i < o; i++) loss += (double)(p[i] - y[i]) * (p[i] - y[i]) / o;
                    break;
            }
        }
        return loss / rows;
    }

    /// <summary>Checks targets before any weight changes: the count, and the range the loss needs.</summary>
    /// <exception cref="ArgumentException">A target count or value the loss cannot take.</exception>
    public static void ValidateTargets(OutputActivation activation, int outputSize, int rows, ReadOnlySpan<float> targets, string paramName)
    {
        if (targets.Length != rows * outputSize)
            throw new ArgumentException($"Expected {rows} × {outputSize} = {rows * outputSize} targets (one per sequence and output) but got {targets.Length}.", paramName);
        for (int i = 0; i < targets.Length; i++)
        {
            float y = targets[i];
            if (!float.IsFinite(y))
                throw new ArgumentException($"Target {i} (row {i / outputSize}) is {y}; targets must be finite.", paramName);
            if (activation != OutputActivation.Linear && (y < 0 || y > 1))
                throw new ArgumentException($"Target {i} (row {i / outputSize}) is {y}, outside [0, 1]; {activation} outputs are probabilities.", paramName);
        }
        if (activation == OutputActivation.Softmax)
        {
            for (int r = 0; r < rows; r++)
            {
                float sum = 0;
                for (int o = 0; o < outputSize; o++) sum += targets[r * outputSize + o];
                if (MathF.Abs(sum - 1) > 1e-3f)
                    throw new ArgumentException($"Targets of row {r} sum to {sum}; softmax targets must be one-hot or a distribution (use Targets.OneHot for class ids).", paramName);
            }
        }
    }
}
