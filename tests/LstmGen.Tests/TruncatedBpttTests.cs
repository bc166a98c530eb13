using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// The truncated-BPTT overloads (initialState → finalState): the PyTorch window pair (tbptt_lstm: window 2 from window
/// 1's state; logits, loss, every gradient, the states; 2e-5), central differences of the double reference from the
/// carried state (as in <see cref="DenseModelTests"/>), and token models: two windows carried = one model over both.
/// </summary>
public class TruncatedBpttTests
{
    private static float Sigmoid(float z) => 1f / (1f + MathF.Exp(-z));

    [Fact]
    public void WindowTwoFromWindowOnesStateMatchesPyTorch()
    {
        TorchFixture f = TorchFixture.Load("tbptt_lstm");
        var model = new DenseTbpttModel();
        foreach (ParameterInfo p in model.ParameterLayout) model.SetParameter(p.Name, f.Floats(p.Name));
        int rows = f.Floats("labels1").Length, h = DenseTbpttModel.HiddenSize;
        int[] lengths = Enumerable.Repeat(DenseTbpttModel.SequenceLength, rows).ToArray();
        Assert.Equal(8, DenseTbpttModel.StateSize); // Layers · H · 2 (h, then c)
        var state1 = new float[rows * DenseTbpttModel.StateSize];
        var state2 = new float[rows * DenseTbpttModel.StateSize];
        var gradients = new float[DenseTbpttModel.ParameterCount];
        var outputs = new float[rows];
        float[] previous = [];
        for (int k = 1; k <= 2; k++)
        {
            float[] final = k == 1 ? state1 : state2;
            float loss = model.ComputeGradients(f.Floats($"inputs{k}"), lengths, f.Floats($"labels{k}"), previous, final, gradients, outputs);
            Assert.Equal(f.Floats($"loss{k}")[0], loss, 2e-5f);
            float[] logits = f.Floats($"logits{k}");
            for (int b = 0; b < rows; b++) Assert.Equal(Sigmoid(logits[b]), outputs[b], 2e-5f);
            // (h_n, c_n): h [1, B, H] then c [1, B, H].
            float[] hn = f.Floats($"h{k}"), cn = f.Floats($"c{k}");
            for (int i = 0; i < rows * h; i++)
            {
                Assert.Equal(hn[i], final[i], 2e-5f);
                Assert.Equal(cn[i], final[rows * h + i], 2e-5f);
            }
            foreach (ParameterInfo p in model.ParameterLayout)
            {
                float[] torch = f.Floats($"grad{k}.{p.Name}");
                for (int i = 0; i < p.Length; i++)
                    Assert.True(Math.Abs(torch[i] - gradients[p.Offset + i]) <= 2e-5f, $"window {k} {p.Name}[{i}]: PyTorch {torch[i]}, LstmGen {gradients[p.Offset + i]}");
            }
            previous = final;
        }
        // Without the carried state window 2 is a different computation.
        float fresh = model.ComputeGradients(f.Floats("inputs2"), lengths, f.Floats("labels2"), gradients, outputs);
        Assert.NotEqual(f.Floats("loss2")[0], fresh, 3);
    }

    [Fact]
    public void GradientsFromACarriedStateMatchCentralDifferences()
    {
        var model = new DenseTbpttModel(seed: 3);
        int rows = 3, t = DenseTbpttModel.SequenceLength, n = DenseTbpttModel.InputSize, h = DenseTbpttModel.HiddenSize;
        var rng = new Random(4);
        float[] inputs = [.. Enumerable.Range(0, rows * t * n).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
        float[] state = [.. Enumerable.Range(0, rows * DenseTbpttModel.StateSize).Select(_ => (float)(rng.NextDouble() - 0.5))];
        int[] lengths = [t, 2, 4];
        float[] targets = [1, 0, 1];
        var gradients = new float[DenseTbpttModel.ParameterCount];
        float loss = model.ComputeGradients(inputs, lengths, targets, state, default, gradients, default);
        float[] theta = model.Parameters.ToArray();

        double Loss(float[] parameters)
        {
            var reference = new ReferenceDense("lstm", n, h, 1, 1, name =>
            {
                ParameterInfo p = model.ParameterLayout.Single(x => x.Name == name);
                return parameters[p.Offset..(p.Offset + p.Length)];
            });
            ParameterInfo w = model.ParameterLayout.Single(x => x.Name == "fc.weight"), bias = model.ParameterLayout.Single(x => x.Name == "fc.bias");
            double total = 0;
            for (int b = 0; b < rows; b++)
            {
                double[][] h0 = [Array.ConvertAll(state[(b * h)..((b + 1) * h)], v => (double)v)];
                double[][] c0 = [Array.ConvertAll(state[((rows + b) * h)..((rows + b + 1) * h)], v => (double)v)];
                var (_, hn, _) = reference.Run(inputs[(b * t * n)..((b * t + lengths[b]) * n)], lengths[b], h0, c0);
                double z = ReferenceDense.Linear(parameters[w.Offset..(w.Offset + w.Length)], parameters[bias.Offset..(bias.Offset + bias.Length)], hn[0])[0];
                total += Math.Max(z, 0) - z * targets[b] + Math.Log(1 + Math.Exp(-Math.Abs(z)));
            }
            return total / rows;
        }

        Assert.Equal(Loss(theta), loss, 1e-5);
        for (int k = 0; k < theta.Length; k++)
        {
            float[] plus = (float[])theta.Clone(), minus = (float[])theta.Clone();
            plus[k] += 1e-3f;
            minus[k] -= 1e-3f;
            double fd = (Loss(plus) - Loss(minus)) / ((double)plus[k] - minus[k]);
            Assert.True(Math.Abs(fd - gradients[k]) <= 2e-4 + 2e-3 * Math.Abs(fd), $"parameter {k}: finite difference {fd}, gradient {gradients[k]}");
        }
    }

    [Fact]
    public void TwoCarriedWindowsOfATokenModelAreOneModelOverBoth()
    {
        TwoWindows(new GruWindowModel(seed: 5), new GruTwoWindowsModel(seed: 5), GruWindowModel.SequenceLength);
        TwoWindows(new LstmWindowModel(seed: 6), new LstmTwoWindowsModel(seed: 6), LstmWindowModel.SequenceLength);
    }

    private static void TwoWindows(ITruncatedBpttModel window, ITrainableModel both, int t)
    {
        Assert.Equal(window.ParameterLayout.Select(p => p.Name), both.ParameterLayout.Select(p => p.Name));
        Assert.Equal(window.Parameters.ToArray(), both.Parameters.ToArray());
        int rows = 3, o = window.Shape.OutputSize;
        var rng = new Random(7);
        var tokens = new int[rows * 2 * t];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(0, 13); // padding (0) included: it carries the state
        var first = new int[rows * t];
        var second = new int[rows * t];
        for (int b = 0; b < rows; b++)
        {
            Array.Copy(tokens, b * 2 * t, first, b * t, t);
            Array.Copy(tokens, b * 2 * t + t, second, b * t, t);
        }
        var targets = new float[rows * o];
        for (int i = 0; i < targets.Length; i++) targets[i] = (float)rng.NextDouble();
        var gradients = new float[window.ParameterCount];
        var state = new float[rows * window.StateSize];
        var outputs = new float[rows * o];
        window.ComputeGradients(first, targets, default, state, gradients, default);
        window.ComputeGradients(second, targets, state, default, gradients, outputs);
        var expected = new float[rows * o];
        both.PredictBatch(tokens, expected);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], outputs[i], 1e-5f);

        Assert.Throws<ArgumentException>("initialState", () => window.ComputeGradients(second, targets, new float[3], default, gradients, outputs));
        Assert.Throws<ArgumentException>("finalState", () => window.ComputeGradients(second, targets, default, new float[3], gradients, outputs));
        state[1] = float.NaN;
        Assert.Contains("index 1", Assert.Throws<ArgumentException>("initialState", () => window.ComputeGradients(second, targets, state, default, gradients, outputs)).Message);
    }
}
