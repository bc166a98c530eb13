using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// Fixed dropout masks (multipliers 0 or 1/(1 − p)) for a batch, in logical layout, and the double reference recurrent
/// model that applies them exactly as the generated training pass defines them:
///   x_t of layer 0 = (embedding ⊙ Emb[b][t]) ⊙ In[0][b];  x_t of layer ℓ &gt; 0 = y_t of layer ℓ − 1 ⊙ In[ℓ][b];
///   the recurrent parts W_hh·(h_{t−1} ⊙ Rec[unit][b]) + b_hh (the cell itself, e.g. the GRU's z⊙h_{t−1}, reads h_{t−1});
///   the head z = fc.weight·(features ⊙ Head[b]) + fc.bias.
/// A null site is all ones. <see cref="Install"/> makes a model draw exactly these masks.
/// </summary>
internal sealed class FixedMasks : MaskedReference
{
    public double[][][]? Emb;   // [row][step][E]
    public double[][][]? In;    // [layer][row][input width]
    public double[][][]? Rec;   // [unit = layer·D + d][row][H]
    public double[][]? Head;    // [row][D·H]

    /// <summary>Random masks of rate <paramref name="p"/> for the sites asked for (the same float multipliers the runtime uses).</summary>
    public static FixedMasks Random(ISequenceModel model, int rows, int seed, float p, bool emb, bool input, bool rec, bool head)
    {
        ModelShape s = model.Shape;
        (int layers, int directions) = ReferenceRecurrent.Stack(model);
        var rng = new Rng(seed);
        double keep = 1f / (1f - p);
        double[] Draw(int n) { var a = new double[n]; for (int i = 0; i < n; i++) a[i] = rng.NextDouble() < p ? 0 : keep; return a; }
        int f = directions * s.HiddenSize;
        return new FixedMasks
        {
            Emb = emb ? Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, s.SequenceLength).Select(_ => Draw(s.EmbeddingSize)).ToArray()).ToArray() : null,
            In = input ? Enumerable.Range(0, layers).Select(l => Enumerable.Range(0, rows).Select(_ => Draw(l == 0 ? s.EmbeddingSize : f)).ToArray()).ToArray() : null,
            Rec = rec ? Enumerable.Range(0, layers * directions).Select(_ => Enumerable.Range(0, rows).Select(_ => Draw(s.HiddenSize)).ToArray()).ToArray() : null,
            Head = head ? Enumerable.Range(0, rows).Select(_ => Draw(f)).ToArray() : null,
        };
    }

    /// <summary>Sets rate <paramref name="p"/> on the model for each present site and makes it fill these masks (batch of <paramref name="rows"/>).</summary>
    public void Install(IDropoutModel model, int rows, float p)
    {
        var d = new DropoutSettings
        {
            Embedding = Emb is null ? 0 : p, Input = In is null ? 0 : p, Recurrent = Rec is null ? 0 : p, Head = Head is null ? 0 : p,
        };
        d.MaskSource = (site, unit, rowIds, n, width, mask) =>
        {
            for (int i = 0; i < n; i++)
            {
                double[] row = site switch
                {
                    // The embedding site's rows are active pairs q = t·rows + b.
                    DropoutSite.Embedding => Emb![rowIds[i] % rows][rowIds[i] / rows],
                    DropoutSite.Input => In![unit][i],
                    DropoutSite.Recurrent => Rec![unit][i],
                    _ => Head![i],
                };
                Assert.Equal(width, row.Length);
                for (int j = 0; j < width; j++) mask[i * width + j] = (float)row[j];
            }
        };
        model.Dropout = d;
    }


    /// <summary>Row <paramref name="b"/>'s logits (ReferenceRecurrent.Logits with the masks).</summary>
    public override double[] Logits(ISequenceModel model, double[] p, ReadOnlySpan<int> tokens, int b)
    {
        ModelShape s = model.Shape;
        string m = ReferenceRecurrent.Module(model);
        (int layers, int directions) = ReferenceRecurrent.Stack(model);
        int gates = m switch { "lstm" => 4, "gru" => 3, _ => 1 };
        int e = s.EmbeddingSize, h = s.HiddenSize, o = s.OutputSize, n = tokens.Length, features = directions * h;
        int emb = Offset(model, "embedding.weight"), fcw = Offset(model, "fc.weight"), fcb = Offset(model, "fc.bias");
        var input = new double[n][];
        for (int t = 0; t < n; t++)
        {
            if (tokens[t] == 0) continue;
            input[t] = new double[e];
            for (int c = 0; c < e; c++) input[t][c] = p[emb + tokens[t] * e + c] * M(Emb?[b][t], c);
        }
        var final = new double[features];
        for (int layer = 0; layer < layers; layer++)
        {
            int width = layer == 0 ? e : features;
            double[]? inMask = In?[layer][b];
            var output = new double[n][];
            for (int t = 0; t < n; t++) output[t] = new double[features];
            for (int d = 0; d < directions; d++)
            {
                string suffix = "_l" + layer + (d == 1 ? "_reverse" : "");
                int wih = Offset(model, m + ".weight_ih" + suffix), whh = Offset(model, m + ".weight_hh" + suffix);
                int bih = Offset(model, m + ".bias_ih" + suffix), bhh = Offset(model, m + ".bias_hh" + suffix);
                double[]? recMask = Rec?[layer * directions + d][b];
                var hs = new double[h];
                var cs = new double[h];
                var gx = new double[gates * h];
                var gh = new double[gates * h];
                for (int k = 0; k < n; k++)
                {
                    int t = d == 0 ? k : n - 1 - k;
                    if (tokens[t] != 0)
                    {
                        double[] x = input[t];
                        for (int r = 0; r < gates * h; r++)
                        {
                            double ax = p[bih + r], ah = p[bhh + r];
                            for (int c = 0; c < width; c++) ax += p[wih + r * width + c] * (x[c] * M(inMask, c));
                            for (int c = 0; c < h; c++) ah += p[whh + r * h + c] * (hs[c] * M(recMask, c));
                            gx[r] = ax;
                            gh[r] = ah;
                        }
                        Step(m, h, gx, gh, hs, cs);
                    }
                    Array.Copy(hs, 0, output[t], d * h, h);
                }
                Array.Copy(hs, 0, final, d * h, h);
            }
            for (int t = 0; t < n; t++)
                if (tokens[t] != 0) input[t] = output[t];
        }
        var y = new double[o];
        for (int r = 0; r < o; r++)
        {
            double acc = p[fcb + r];
            for (int k = 0; k < features; k++) acc += p[fcw + r * features + k] * (final[k] * M(Head?[b], k));
            y[r] = acc;
        }
        return y;
    }

    private static void Step(string m, int h, double[] gx, double[] gh, double[] hs, double[] cs)
    {
        for (int j = 0; j < h; j++)
        {
            switch (m)
            {
                case "lstm":
                    double i = ReferenceRecurrent.Sigmoid(gx[j] + gh[j]), f = ReferenceRecurrent.Sigmoid(gx[h + j] + gh[h + j]);
                    double g = Math.Tanh(gx[2 * h + j] + gh[2 * h + j]), og = ReferenceRecurrent.Sigmoid(gx[3 * h + j] + gh[3 * h + j]);
                    cs[j] = f * cs[j] + i * g;
                    hs[j] = og * Math.Tanh(cs[j]);
                    break;
                case "gru":
                    double rg = ReferenceRecurrent.Sigmoid(gx[j] + gh[j]), zg = ReferenceRecurrent.Sigmoid(gx[h + j] + gh[h + j]);
                    double ng = Math.Tanh(gx[2 * h + j] + rg * gh[2 * h + j]);
                    hs[j] = (1 - zg) * ng + zg * hs[j];
                    break;
                default:
                    hs[j] = Math.Tanh(gx[j] + gh[j]);
                    break;
            }
        }
    }

    private static int Offset(ISequenceModel model, string name) => model.ParameterLayout.Single(x => x.Name == name).Offset;
}

/// <summary>A double reference with fixed dropout masks: its loss is the batch mean of the rows' losses on its logits.</summary>
internal abstract class MaskedReference
{
    /// <summary>Row <paramref name="b"/>'s logits with the masks.</summary>
    public abstract double[] Logits(ISequenceModel model, double[] p, ReadOnlySpan<int> tokens, int b);

    /// <summary>The batch-mean loss of the double reference with these masks.</summary>
    public double Loss(ISequenceModel model, double[] p, int[] tokens, float[] targets)
    {
        ModelShape s = model.Shape;
        int t = s.SequenceLength, o = s.OutputSize, rows = tokens.Length / t;
        double total = 0;
        for (int b = 0; b < rows; b++)
            total += ReferenceRecurrent.RowLoss(s, Logits(model, p, tokens.AsSpan(b * t, t), b), targets.AsSpan(b * o, o));
        return total / rows;
    }

    /// <summary>Mask element j, 1 without a mask.</summary>
    protected static double M(double[]? mask, int j) => mask is null ? 1 : mask[j];
}
