namespace LstmGen.Tests;

/// <summary>
/// A plain double-precision reference for recurrent stacks over dense inputs with a length per row (PyTorch packed
/// semantics: a row is its first n steps; the reverse direction runs n−1 … 0), written from PyTorch's cell formulas
/// with PyTorch's parameter names. It is the oracle for the dense-input and per-step-output models (issue 12), and is
/// checked against PyTorch's own results in <see cref="SequenceFixtureTests"/>.
/// </summary>
internal sealed class ReferenceDense(string cell, int inputSize, int hidden, int layers, int directions, Func<string, float[]> weights)
{
    private int Gates => cell switch { "lstm" => 4, "gru" => 3, _ => 1 };

    /// <summary>The top layer's outputs per step, [n, D·H], and each (layer, direction)'s final (h, c).</summary>
    public (double[][] Outputs, double[][] FinalH, double[][] FinalC) Run(float[] x, int n, double[][]? h0 = null, double[][]? c0 = null)
    {
        double[][] input = new double[n][];
        for (int t = 0; t < n; t++) input[t] = Array.ConvertAll(x[(t * inputSize)..((t + 1) * inputSize)], v => (double)v);
        var finalH = new double[layers * directions][];
        var finalC = new double[layers * directions][];
        for (int l = 0; l < layers; l++)
        {
            var output = new double[n][];
            for (int t = 0; t < n; t++) output[t] = new double[directions * hidden];
            for (int d = 0; d < directions; d++)
            {
                string suffix = $"_l{l}" + (d == 1 ? "_reverse" : "");
                float[] wih = weights($"{cell}.weight_ih{suffix}"), whh = weights($"{cell}.weight_hh{suffix}");
                float[] bih = weights($"{cell}.bias_ih{suffix}"), bhh = weights($"{cell}.bias_hh{suffix}");
                double[] h = h0?[l * directions + d] ?? new double[hidden], c = c0?[l * directions + d] ?? new double[hidden];
                for (int k = 0; k < n; k++)
                {
                    int t = d == 0 ? k : n - 1 - k;
                    (h, c) = Step(input[t], h, c, wih, whh, bih, bhh);
                    Array.Copy(h, 0, output[t], d * hidden, hidden);
                }
                finalH[l * directions + d] = h;
                finalC[l * directions + d] = c;
            }
            input = output;
        }
        return (input, finalH, finalC);
    }

    /// <summary>Head input from the final states: the last layer's [forward; reverse].</summary>
    public double[] Features(double[][] finalH) =>
        [.. Enumerable.Range(0, directions).SelectMany(d => finalH[(layers - 1) * directions + d])];

    /// <summary>z = W·v + b for a Linear stored as fc.weight [O, in], fc.bias [O].</summary>
    public static double[] Linear(float[] w, float[] b, double[] v)
    {
        var z = new double[b.Length];
        for (int o = 0; o < b.Length; o++)
        {
            double s = b[o];
            for (int k = 0; k < v.Length; k++) s += w[o * v.Length + k] * v[k];
            z[o] = s;
        }
        return z;
    }

    private (double[] H, double[] C) Step(double[] x, double[] h, double[] c, float[] wih, float[] whh, float[] bih, float[] bhh)
    {
        int rows = Gates * hidden;
        var gx = new double[rows];
        var gh = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sx = bih[r], sh = bhh[r];
            for (int k = 0; k < x.Length; k++) sx += wih[r * x.Length + k] * x[k];
            for (int k = 0; k < hidden; k++) sh += whh[r * hidden + k] * h[k];
            gx[r] = sx;
            gh[r] = sh;
        }
        var hn = new double[hidden];
        var cn = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            switch (cell)
            {
                case "lstm": // gate order i, f, g, o
                    double i = S(gx[j] + gh[j]), f = S(gx[hidden + j] + gh[hidden + j]);
                    double g = Math.Tanh(gx[2 * hidden + j] + gh[2 * hidden + j]), o = S(gx[3 * hidden + j] + gh[3 * hidden + j]);
                    cn[j] = f * c[j] + i * g;
                    hn[j] = o * Math.Tanh(cn[j]);
                    break;
                case "gru": // gate order r, z, n; r multiplies W_hn h + b_hn
                    double rr = S(gx[j] + gh[j]), z = S(gx[hidden + j] + gh[hidden + j]);
                    double nn = Math.Tanh(gx[2 * hidden + j] + rr * gh[2 * hidden + j]);
                    hn[j] = (1 - z) * nn + z * h[j];
                    break;
                default:
                    hn[j] = Math.Tanh(gx[j] + gh[j]);
                    break;
            }
        }
        return (hn, cn);
    }

    private static double S(double v) => 1 / (1 + Math.Exp(-v));
}
