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
        ModelShape s = model.Shape;
        int e = s.EmbeddingSize, h = s.HiddenSize, o = s.OutputSize;
        float[] emb = Get(model, "embedding.weight"), wih = Get(model, "lstm.weight_ih_l0"), whh = Get(model, "lstm.weight_hh_l0");
        float[] bih = Get(model, "lstm.bias_ih_l0"), bhh = Get(model, "lstm.bias_hh_l0"), fcw = Get(model, "fc.weight"), fcb = Get(model, "fc.bias");
        var hs = new double[h];
        var cs = new double[h];
        var z = new double[4 * h];
        foreach (int token in tokens)
        {
            if (token == 0) continue;
            for (int r = 0; r < 4 * h; r++)
            {
                double acc = (double)bih[r] + bhh[r];
                for (int k = 0; k < e; k++) acc += (double)wih[r * e + k] * emb[token * e + k];
                for (int k = 0; k < h; k++) acc += (double)whh[r * h + k] * hs[k];
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
            double acc = fcb[r];
            for (int k = 0; k < h; k++) acc += (double)fcw[r * h + k] * hs[k];
            y[r] = acc;
        }
        switch (s.Output)
        {
            case OutputActivation.Sigmoid:
                for (int r = 0; r < o; r++) y[r] = Sigmoid(y[r]);
                break;
            case OutputActivation.Softmax:
                double max = y.Max(), sum = 0;
                for (int r = 0; r < o; r++) sum += y[r] = Math.Exp(y[r] - max);
                for (int r = 0; r < o; r++) y[r] /= sum;
                break;
        }
        return y;
    }

    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private static float[] Get(ISequenceModel model, string name)
    {
        ParameterInfo info = model.ParameterLayout.Single(p => p.Name == name);
        return model.Parameters.Slice(info.Offset, info.Length).ToArray();
    }
}
