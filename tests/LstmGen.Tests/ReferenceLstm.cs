namespace LstmGen.Tests;

/// <summary>
/// A plain double-precision LSTM written from the formulas (PyTorch layout, gate order i, f, g, o), the yardstick for
/// every generated kernel:
///   z = W_ih·x_t + b_ih + W_hh·h + b_hh;  i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o);
///   c ← f·c + i·g;  h ← o·tanh(c);  padding (token 0) leaves h and c unchanged;  y = act(fc.weight·h + fc.bias).
/// </summary>
internal static class ReferenceLstm
{
    public static double[] Predict(ISequenceModel model, ReadOnlySpan<int> tokens)
    {
        double[] p = model.ParameterValuesAsDouble();
        return Activate(model.Shape, Logits(model, p, tokens));
    }

    /// <summary>Logits of one row from a double-precision copy of the parameters (for finite differences).</summary>
    public static double[] Logits(ISequenceModel model, double[] p, ReadOnlySpan<int> tokens)
    {
        ModelShape s = model.Shape;
        int e = s.EmbeddingSize, h = s.HiddenSize, o = s.OutputSize;
        int emb = Offset(model, "embedding.weight"), wih = Offset(model, "lstm.weight_ih_l0"), whh = Offset(model, "lstm.weight_hh_l0");
        int bih = Offset(model, "lstm.bias_ih_l0"), bhh = Offset(model, "lstm.bias_hh_l0"), fcw = Offset(model, "fc.weight"), fcb = Offset(model, "fc.bias");
        var hs = new double[h];
        var cs = new double[h];
        var z = new double[4 * h];
        foreach (int token in tokens)
        {
            if (token == 0) continue;
            for (int r = 0; r < 4 * h; r++)
            {
                double acc = p[bih + r] + p[bhh + r];
                for (int k = 0; k < e; k++) acc += p[wih + r * e + k] * p[emb + token * e + k];
                for (int k = 0; k < h; k++) acc += p[whh + r * h + k] * hs[k];
                z[r] = acc;
            }
            for (int j = 0; j < h; j++)
            {
                double i = Sigmoid(z[j]), f = Sigmoid(z[h + j]), g = Math.Tanh(z[2 * h + j]), og = Sigmoid(z[3 * h + j]);
                cs[j] = f * cs[j] + i * g;
                hs[j] = og * Math.Tanh(cs[j]);
            }
        }
        var y = new double[o];
        for (int r = 0; r < o; r++)
        {
            double acc = p[fcb + r];
            for (int k = 0; k < h; k++) acc += p[fcw + r * h + k] * hs[k];
            y[r] = acc;
        }
        return y;
    }

    /// <summary>The output activation applied to logits.</summary>
    public static double[] Activate(ModelShape s, double[] logits)
    {
        var y = (double[])logits.Clone();
        switch (s.Output)
        {
            case OutputActivation.Sigmoid:
                for (int r = 0; r < y.Length; r++) y[r] = Sigmoid(y[r]);
                break;
            case OutputActivation.Softmax:
                double max = y.Max(), sum = 0;
                for (int r = 0; r < y.Length; r++) sum += y[r] = Math.Exp(y[r] - max);
                for (int r = 0; r < y.Length; r++) y[r] /= sum;
                break;
        }
        return y;
    }

    /// <summary>
    /// Batch-mean loss in double: BCE from logits (sigmoid), softmax cross-entropy, or MSE averaged over outputs.
    /// </summary>
    public static double Loss(ISequenceModel model, double[] p, int[] tokens, float[] targets)
        => Loss(model, p, tokens, targets, Logits);

    /// <summary>Logits of one row from a double-precision copy of the parameters.</summary>
    public delegate double[] RowLogits(ISequenceModel model, double[] p, ReadOnlySpan<int> tokens);

    /// <summary>The batch-mean loss for any model kind, given its reference logits.</summary>
    public static double Loss(ISequenceModel model, double[] p, int[] tokens, float[] targets, RowLogits logits)
    {
        ModelShape s = model.Shape;
        int t = s.SequenceLength, o = s.OutputSize, rows = tokens.Length / t;
        double total = 0;
        for (int b = 0; b < rows; b++)
        {
            double[] z = logits(model, p, tokens.AsSpan(b * t, t));
            for (int k = 0; k < o; k++)
            {
                double y = targets[b * o + k];
                switch (s.Output)
                {
                    case OutputActivation.Sigmoid:
                        total += Math.Max(z[k], 0) - z[k] * y + Math.Log(1 + Math.Exp(-Math.Abs(z[k])));
                        break;
                    case OutputActivation.Softmax:
                        double max = z.Max(), sum = z.Sum(v => Math.Exp(v - max));
                        total -= y * (z[k] - max - Math.Log(sum));
                        break;
                    default:
                        total += (z[k] - y) * (z[k] - y) / o;
                        break;
                }
            }
        }
        return total / rows;
    }

    public static double[] ParameterValuesAsDouble(this ISequenceModel model)
    {
        ReadOnlySpan<float> all = model.Parameters;
        var p = new double[all.Length];
        for (int i = 0; i < p.Length; i++) p[i] = all[i];
        return p;
    }

    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private static int Offset(ISequenceModel model, string name) => model.ParameterLayout.Single(p => p.Name == name).Offset;
}
