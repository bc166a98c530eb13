namespace LstmGen.Tests;

/// <summary>
/// Plain double-precision references for the non-recurrent models, written from the formulas (PyTorch layouts), the
/// yardstick for the generated kernels.
/// Text CNN: the n non-padding tokens of a row are taken in order, x_0 … x_{n−1}; per branch i of width k (weight
/// W [F, E, k], bias b): c[s, f] = b[f] + Σ_{j&lt;k} Σ_e W[f, e, j]·x_{s+j}[e] for s = 0 … n − k;
/// feature[i·F + f] = max_s ReLU(c[s, f]), or 0 when n &lt; k; y = act(fc.weight·feature + fc.bias).
/// Feed-forward: a_0 = mean of the non-padding embeddings (0 when there are none); a_{l+1} = ReLU(W_l·a_l + b_l);
/// y = act(fc.weight·a_L + fc.bias).
/// </summary>
internal static class ReferenceBaselines
{
    public static double[] Predict(ISequenceModel model, ReadOnlySpan<int> tokens)
        => ReferenceRecurrent.Activate(model.Shape, Logits(model, model.ParameterValuesAsDouble(), tokens));

    public static double Loss(ISequenceModel model, double[] p, int[] tokens, float[] targets)
        => ReferenceRecurrent.Loss(model, p, tokens, targets, Logits);

    /// <summary>Logits of one row: the CNN when the model has <c>convs.*</c> tensors, else the feed-forward model.</summary>
    public static double[] Logits(ISequenceModel model, double[] p, ReadOnlySpan<int> tokens)
    {
        ModelShape s = model.Shape;
        int e = s.EmbeddingSize;
        int emb = Find(model, "embedding.weight").Offset;
        var kept = new List<int>();
        foreach (int token in tokens) if (token != 0) kept.Add(token);
        int n = kept.Count;

        double[] features;
        if (model.ParameterLayout.Any(x => x.Name.StartsWith("convs.", StringComparison.Ordinal)))
        {
            var all = new List<double>();
            for (int i = 0; model.ParameterLayout.Any(x => x.Name == $"convs.{i}.weight"); i++)
            {
                ParameterInfo w = Find(model, $"convs.{i}.weight");
                int bias = Find(model, $"convs.{i}.bias").Offset;
                int f = w.Shape[0], k = w.Shape[2];
                for (int filter = 0; filter < f; filter++)
                {
                    double best = 0; // ReLU, then max over windows; no window → 0
                    for (int start = 0; start + k <= n; start++)
                    {
                        double c = p[bias + filter];
                        for (int j = 0; j < k; j++)
                            for (int ch = 0; ch < e; ch++)
                                c += p[w.Offset + (filter * e + ch) * k + j] * p[emb + kept[start + j] * e + ch];
                        best = Math.Max(best, c);
                    }
                    all.Add(best);
                }
            }
            features = all.ToArray();
        }
        else
        {
            var a = new double[e];
            foreach (int token in kept)
                for (int ch = 0; ch < e; ch++) a[ch] += p[emb + token * e + ch];
            if (n > 0) for (int ch = 0; ch < e; ch++) a[ch] /= n;
            for (int l = 0; model.ParameterLayout.Any(x => x.Name == $"hidden.{l}.weight"); l++)
            {
                ParameterInfo w = Find(model, $"hidden.{l}.weight");
                int bias = Find(model, $"hidden.{l}.bias").Offset;
                int outputs = w.Shape[0], inputs = w.Shape[1];
                var next = new double[outputs];
                for (int r = 0; r < outputs; r++)
                {
                    double z = p[bias + r];
                    for (int c = 0; c < inputs; c++) z += p[w.Offset + r * inputs + c] * a[c];
                    next[r] = Math.Max(z, 0);
                }
                a = next;
            }
            features = a;
        }

        Assert.Equal(s.HiddenSize, features.Length);
        int fcw = Find(model, "fc.weight").Offset, fcb = Find(model, "fc.bias").Offset, d = features.Length;
        var y = new double[s.OutputSize];
        for (int o = 0; o < y.Length; o++)
        {
            double acc = p[fcb + o];
            for (int k = 0; k < d; k++) acc += p[fcw + o * d + k] * features[k];
            y[o] = acc;
        }
        return y;
    }

    private static ParameterInfo Find(ISequenceModel model, string name) => model.ParameterLayout.Single(x => x.Name == name);
}
