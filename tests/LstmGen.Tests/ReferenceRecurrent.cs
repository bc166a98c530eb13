namespace LstmGen.Tests;

/// <summary>
/// Plain double-precision recurrent models written from the formulas (PyTorch layouts), the yardstick for every generated
/// kernel. The cell is recognised from the parameter names (lstm.*, gru.*, rnn.*):
///   LSTM (gate order i, f, g, o): z = W_ih·x + b_ih + W_hh·h + b_hh; i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o);
///        c ← f·c + i·g; h ← o·tanh(c).
///   GRU (gate order r, z, n, as nn.GRU): r = σ(W_ir·x + b_ir + W_hr·h + b_hr), z = σ(W_iz·x + b_iz + W_hz·h + b_hz),
///        n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)); h ← (1 − z)·n + z·h.
///   RNN (nn.RNN, tanh): h ← tanh(W_ih·x + b_ih + W_hh·h + b_hh).
/// Padding (token 0) leaves the state unchanged; y = act(fc.weight·h + fc.bias). Stacked layers and the reverse direction
/// follow PyTorch's num_layers and bidirectional (see <see cref="Logits"/>).
/// </summary>
internal static class ReferenceRecurrent
{
    public static double[] Predict(ISequenceModel model, ReadOnlySpan<int> tokens)
    {
        double[] p = model.ParameterValuesAsDouble();
        return Activate(model.Shape, Logits(model, p, tokens));
    }

    /// <summary>"lstm", "gru" or "rnn": the module name in the model's parameter names.</summary>
    public static string Module(ISequenceModel model)
        => model.ParameterLayout.Single(p => p.Name.EndsWith(".weight_ih_l0", StringComparison.Ordinal)).Name.Split('.')[0];

    /// <summary>Stacked layers and directions of a recurrent model, read from its parameter names (…_l1, …_l0_reverse).</summary>
    public static (int Layers, int Directions) Stack(ISequenceModel model)
    {
        string m = Module(model);
        int layers = model.ParameterLayout.Count(p => p.Name.StartsWith(m + ".weight_ih_l", StringComparison.Ordinal) && !p.Name.EndsWith("_reverse", StringComparison.Ordinal));
        int directions = model.ParameterLayout.Any(p => p.Name == m + ".weight_ih_l0_reverse") ? 2 : 1;
        return (layers, directions);
    }

    /// <summary>
    /// Logits of one row from a double-precision copy of the parameters (for finite differences), as PyTorch's
    /// nn.LSTM/GRU/RNN(num_layers, bidirectional) on the row's non-padding tokens: layer ℓ &gt; 0 reads layer ℓ − 1's
    /// outputs [h_fwd; h_rev] per step; the reverse direction runs last step to first; padded steps are skipped in every
    /// layer (state unchanged); the head reads the top layer's [h_fwd after the last step; h_rev after the first]. When
    /// <paramref name="perturbStep"/> ≥ 0, <paramref name="delta"/> is added to unit <paramref name="perturbUnit"/> of the
    /// top layer's forward hidden state after step <paramref name="perturbStep"/> (padded or not), to measure ∂logits/∂h_t.
    /// </summary>
    /// <remarks>When <paramref name="steps"/> is given (tokens.Length entries) it receives the top layer's output [h_fwd_t; h_rev_t] at
    /// every real step t (null at padded steps), what a ReturnSequences head reads.</remarks>
    public static double[] Logits(ISequenceModel model, double[] p, ReadOnlySpan<int> tokens, int perturbStep = -1, int perturbUnit = 0, double delta = 0,
        double[]?[]? steps = null)
    {
        ModelShape s = model.Shape;
        string m = Module(model);
        (int layers, int directions) = Stack(model);
        int gates = m switch { "lstm" => 4, "gru" => 3, _ => 1 };
        int e = s.EmbeddingSize, h = s.HiddenSize, o = s.OutputSize, n = tokens.Length, features = directions * h;
        int emb = Offset(model, "embedding.weight"), fcw = Offset(model, "fc.weight"), fcb = Offset(model, "fc.bias");
        // The input of layer 0 at step t: the token's embedding (null at padded steps).
        var input = new double[n][];
        for (int t = 0; t < n; t++)
            if (tokens[t] != 0) input[t] = p.AsSpan(emb + tokens[t] * e, e).ToArray();
        var final = new double[features];
        for (int layer = 0; layer < layers; layer++)
        {
            int width = layer == 0 ? e : features;
            var output = new double[n][];
            for (int t = 0; t < n; t++) output[t] = new double[features];
            for (int d = 0; d < directions; d++)
            {
                string suffix = "_l" + layer + (d == 1 ? "_reverse" : "");
                int wih = Offset(model, m + ".weight_ih" + suffix), whh = Offset(model, m + ".weight_hh" + suffix);
                int bih = Offset(model, m + ".bias_ih" + suffix), bhh = Offset(model, m + ".bias_hh" + suffix);
                var hs = new double[h];
                var cs = new double[h];
                var gx = new double[gates * h]; // W_ih·x + b_ih
                var gh = new double[gates * h]; // W_hh·h + b_hh
                for (int k = 0; k < n; k++)
                {
                    int t = d == 0 ? k : n - 1 - k;
                    if (tokens[t] != 0)
                    {
                        double[] x = input[t];
                        for (int r = 0; r < gates * h; r++)
                        {
                            double ax = p[bih + r], ah = p[bhh + r];
                            for (int c = 0; c < width; c++) ax += p[wih + r * width + c] * x[c];
                            for (int c = 0; c < h; c++) ah += p[whh + r * h + c] * hs[c];
                            gx[r] = ax;
                            gh[r] = ah;
                        }
                        Step(m, h, gx, gh, hs, cs);
                    }
                    if (layer == layers - 1 && d == 0 && t == perturbStep) hs[perturbUnit] += delta;
                    Array.Copy(hs, 0, output[t], d * h, h);
                }
                Array.Copy(hs, 0, final, d * h, h);
            }
            for (int t = 0; t < n; t++)
                if (tokens[t] != 0) input[t] = output[t];
            if (steps is not null && layer == layers - 1)
                for (int t = 0; t < n; t++) steps[t] = tokens[t] != 0 ? output[t] : null;
        }
        var y = new double[o];
        for (int r = 0; r < o; r++)
        {
            double acc = p[fcb + r];
            for (int k = 0; k < features; k++) acc += p[fcw + r * features + k] * final[k];
            y[r] = acc;
        }
        return y;
    }

    /// <summary>One cell update of h (and c) from the input part gx and the recurrent part gh.</summary>
    private static void Step(string m, int h, double[] gx, double[] gh, double[] hs, double[] cs)
    {
        for (int j = 0; j < h; j++)
        {
            switch (m)
            {
                case "lstm":
                    double i = Sigmoid(gx[j] + gh[j]), f = Sigmoid(gx[h + j] + gh[h + j]);
                    double g = Math.Tanh(gx[2 * h + j] + gh[2 * h + j]), og = Sigmoid(gx[3 * h + j] + gh[3 * h + j]);
                    cs[j] = f * cs[j] + i * g;
                    hs[j] = og * Math.Tanh(cs[j]);
                    break;
                case "gru":
                    double rg = Sigmoid(gx[j] + gh[j]), zg = Sigmoid(gx[h + j] + gh[h + j]);
                    double ng = Math.Tanh(gx[2 * h + j] + rg * gh[2 * h + j]);
                    hs[j] = (1 - zg) * ng + zg * hs[j];
                    break;
                default:
                    hs[j] = Math.Tanh(gx[j] + gh[j]);
                    break;
            }
        }
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
        => Loss(model, p, tokens, targets, static (m, q, row) => Logits(m, q, row));

    /// <summary>Logits of one row from a double-precision copy of the parameters.</summary>
    public delegate double[] RowLogits(ISequenceModel model, double[] p, ReadOnlySpan<int> tokens);

    /// <summary>The batch-mean loss for any model kind, given its reference logits.</summary>
    public static double Loss(ISequenceModel model, double[] p, int[] tokens, float[] targets, RowLogits logits)
    {
        ModelShape s = model.Shape;
        int t = s.SequenceLength, o = s.OutputSize, rows = tokens.Length / t;
        double total = 0;
        for (int b = 0; b < rows; b++)
            total += RowLoss(s, logits(model, p, tokens.AsSpan(b * t, t)), targets.AsSpan(b * o, o));
        return total / rows;
    }

    /// <summary>One row's loss ℓ from its logits: BCE from logits, softmax cross-entropy, or MSE averaged over outputs.</summary>
    public static double RowLoss(ModelShape s, double[] z, ReadOnlySpan<float> targets)
    {
        int o = s.OutputSize;
        double total = 0;
        for (int k = 0; k < o; k++)
        {
            double y = targets[k];
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
        return total;
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
