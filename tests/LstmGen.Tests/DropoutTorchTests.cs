using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// Against PyTorch 2.6 (tests/pytorch/make_dropout_fixtures.py): the training loss and every gradient of a 2-layer
/// bidirectional LSTM/GRU/RNN with the fixture's fixed dropout masks on all four sites, and torch.optim.AdamW's weights
/// after 5 steps on fixed gradients.
/// </summary>
public class DropoutTorchTests
{
    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    [InlineData("rnn")]
    public void LossAndGradientsMatchPyTorchWithFixedMasks(string kind)
    {
        TorchFixture fx = TorchFixture.LoadFile($"dropout_{kind}_l2_bi.bin");
        IDropoutModel model = kind switch { "lstm" => new LstmL2BiModel(), "gru" => new GruL2BiModel(), _ => new RnnL2BiModel() };
        foreach (ParameterInfo info in model.ParameterLayout) model.SetParameter(info.Name, fx.Floats(info.Name));
        int[] tokens = fx.Ints("tokens");
        float[] targets = fx.Floats("targets");
        ModelShape s = model.Shape;
        int rows = tokens.Length / s.SequenceLength, t = s.SequenceLength, e = s.EmbeddingSize;
        float[] emb = fx.Floats("mask_emb");
        var d = new DropoutSettings { Embedding = 0.3f, Input = 0.3f, Recurrent = 0.3f, Head = 0.3f };
        d.MaskSource = (site, unit, rowIds, n, width, mask) =>
        {
            if (site == DropoutSite.Embedding)
            {
                // Row i is the active pair q = step·B + row.
                for (int i = 0; i < n; i++)
                    emb.AsSpan(((rowIds[i] % rows) * t + rowIds[i] / rows) * e, e).CopyTo(mask.Slice(i * width, width));
                return;
            }
            string name = site switch { DropoutSite.Input => $"mask_in_l{unit}", DropoutSite.Recurrent => $"mask_rec_u{unit}", _ => "mask_head" };
            float[] m = fx.Floats(name);
            Assert.Equal(n * width, m.Length);
            m.CopyTo(mask);
        };
        model.Dropout = d;
        var gradients = new float[model.ParameterCount];
        float loss = model.ComputeGradients(tokens, targets, gradients, default);
        AssertMatches(fx, model, loss, gradients, kind);
    }

    /// <summary>The loss within 1e-5 and every gradient within 1e-5 + 1e-4·|g| of the fixture's ("loss", "grad.NAME").</summary>
    internal static void AssertMatches(TorchFixture fx, ITrainableModel model, float loss, float[] gradients, string what)
    {
        float expected = fx.Floats("loss")[0];
        Assert.True(Math.Abs(loss - expected) <= 1e-5f, $"{what}: loss {loss:R}, PyTorch {expected:R}");
        foreach (ParameterInfo info in model.ParameterLayout)
        {
            float[] g = fx.Floats("grad." + info.Name);
            for (int i = 0; i < info.Length; i++)
            {
                float a = gradients[info.Offset + i];
                Assert.True(Math.Abs(a - g[i]) <= 1e-5f + 1e-4f * Math.Abs(g[i]), $"{what} {info.Name}[{i}]: LstmGen {a:E6}, PyTorch {g[i]:E6}");
            }
        }
    }

    /// <summary>Tolerance: |Δ| ≤ 1e-6 + 1e-5·|θ| per weight after each of the 5 steps (float rounding of the same formula).</summary>
    [Fact]
    public void AdamWMatchesTorchOptimAdamW()
    {
        TorchFixture fx = TorchFixture.LoadFile("adamw.bin");
        float[] w = fx.Floats("params0");
        var optimizer = new AdamW(learningRate: 0.01f, weightDecay: 0.1f, beta1: 0.8f, beta2: 0.95f, epsilon: 1e-6f);
        for (int k = 0; k < 5; k++)
        {
            optimizer.Step(w, fx.Floats($"grad{k}"));
            float[] expected = fx.Floats($"params{k + 1}");
            for (int i = 0; i < w.Length; i++)
                Assert.True(Math.Abs(w[i] - expected[i]) <= 1e-6f + 1e-5f * Math.Abs(expected[i]), $"step {k + 1}, weight {i}: LstmGen {w[i]:R}, PyTorch {expected[i]:R}");
        }
    }
}
