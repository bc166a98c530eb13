namespace LstmGen.Tests;

/// <summary>
/// The dense-input, per-step-output and truncated-BPTT fixtures (tests/pytorch/make_sequence_fixtures.py, PyTorch 2.6)
/// against the double reference <see cref="ReferenceDense"/>: the semantics the new model shapes must meet, pinned
/// before the generated code for them exists. Tolerance: 2e-6 absolute on logits and losses (float32 PyTorch against
/// double, sizes ≤ 7).
/// </summary>
public class SequenceFixtureTests
{
    private const double Tolerance = 2e-6;

    [Theory]
    [InlineData("dense_lstm", "lstm")]
    [InlineData("dense_gru_l2_bi", "gru")]
    [InlineData("dense_rnn", "rnn")]
    [InlineData("dense_lstm_l2_bi_softmax", "lstm")]
    public void DenseInputsWithLengthsMatchPyTorchPackedSequences(string name, string cell)
    {
        TorchFixture f = TorchFixture.Load(name);
        int[] config = f.Ints("config"); // N, H, T, O, L, D
        int n = config[0], t = config[2], o = config[3];
        var reference = new ReferenceDense(cell, n, config[1], config[4], config[5], f.Floats);
        float[] inputs = f.Floats("inputs"), logits = f.Floats("logits");
        int[] lengths = f.Ints("lengths");
        for (int b = 0; b < lengths.Length; b++)
        {
            // Only the first `length` steps are read: the rest of the row holds 99s that would change any result.
            float[] row = inputs[(b * t * n)..((b * t + lengths[b]) * n)];
            var (_, h, _) = reference.Run(row, lengths[b]);
            double[] z = ReferenceDense.Linear(f.Floats("fc.weight"), f.Floats("fc.bias"), reference.Features(h));
            for (int k = 0; k < o; k++) Assert.Equal(logits[b * o + k], z[k], Tolerance);
        }
    }

    [Theory]
    [InlineData("seq_lstm_dense", "lstm")]
    [InlineData("seq_gru_dense", "gru")]
    [InlineData("seq_lstm_lm", "lstm")]
    public void PerStepOutputsAndTheirMeanLossOverRealStepsMatchPyTorch(string name, string cell)
    {
        TorchFixture f = TorchFixture.Load(name);
        int[] config = f.Ints("config"); // N, H, T, O, V, E
        int h = config[1], t = config[2], o = config[3], vocabulary = config[4], e = config[5];
        int n = vocabulary > 0 ? e : config[0];
        var reference = new ReferenceDense(cell, n, h, 1, 1, f.Floats);
        int[] lengths = f.Ints("lengths");
        float[] logits = f.Floats("logits");
        double loss = 0;
        int real = 0;
        for (int b = 0; b < lengths.Length; b++)
        {
            float[] row = vocabulary > 0 ? Embed(f, f.Ints("tokens")[(b * t)..(b * t + lengths[b])], e) : f.Floats("inputs")[(b * t * n)..((b * t + lengths[b]) * n)];
            var (outputs, _, _) = reference.Run(row, lengths[b]);
            for (int s = 0; s < t; s++)
            {
                if (s >= lengths[b])
                {
                    for (int k = 0; k < o; k++) Assert.Equal(0f, logits[(b * t + s) * o + k]); // padded steps: no output
                    continue;
                }
                double[] z = ReferenceDense.Linear(f.Floats("fc.weight"), f.Floats("fc.bias"), outputs[s]);
                for (int k = 0; k < o; k++) Assert.Equal(logits[(b * t + s) * o + k], z[k], Tolerance);
                loss += o == 1 ? Bce(z[0], f.Floats("targets")[b * t + s]) : CrossEntropy(z, f.Ints("targets")[b * t + s]);
                real++;
            }
        }
        Assert.Equal(f.Floats("loss")[0], loss / real, Tolerance);
    }

    [Fact]
    public void TruncatedBpttCarriesTheStateIntoTheNextWindow()
    {
        TorchFixture f = TorchFixture.Load("tbptt_lstm");
        int[] config = f.Ints("config");
        int n = config[0], h = config[1], t = config[2];
        var reference = new ReferenceDense("lstm", n, h, 1, 1, f.Floats);
        int rows = f.Floats("labels1").Length;
        for (int b = 0; b < rows; b++)
        {
            var (_, h1, c1) = reference.Run(f.Floats("inputs1")[(b * t * n)..((b + 1) * t * n)], t);
            for (int j = 0; j < h; j++) Assert.Equal(f.Floats("h1")[b * h + j], h1[0][j], Tolerance);
            var (_, h2, _) = reference.Run(f.Floats("inputs2")[(b * t * n)..((b + 1) * t * n)], t, h1, c1);
            double z = ReferenceDense.Linear(f.Floats("fc.weight"), f.Floats("fc.bias"), h2[0])[0];
            Assert.Equal(f.Floats("logits2")[b], z, Tolerance);
            var (_, fresh, _) = reference.Run(f.Floats("inputs2")[(b * t * n)..((b + 1) * t * n)], t);
            Assert.NotEqual(z, ReferenceDense.Linear(f.Floats("fc.weight"), f.Floats("fc.bias"), fresh[0])[0], 4);
        }
        // Gradients are truncated at the boundary, so window 2's gradient is not window 1's plus anything: both exist.
        Assert.NotEqual(f.Floats("grad1.lstm.weight_hh_l0"), f.Floats("grad2.lstm.weight_hh_l0"));
    }

    private static float[] Embed(TorchFixture f, int[] tokens, int e)
    {
        float[] table = f.Floats("embedding.weight");
        return [.. tokens.SelectMany(id => table[(id * e)..((id + 1) * e)])];
    }

    private static double Bce(double z, double y) => Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));

    private static double CrossEntropy(double[] z, int target)
    {
        double max = z.Max();
        return Math.Log(z.Sum(v => Math.Exp(v - max))) + max - z[target];
    }
}
