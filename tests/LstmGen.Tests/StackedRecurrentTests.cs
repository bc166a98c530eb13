using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// Stacked (<c>Layers</c> &gt; 1) and bidirectional recurrent models: PyTorch names and shapes, Keras-like initialisation
/// per unit, masking, and parity with PyTorch fixtures (tests/pytorch/make_fixtures.py, STACKED_CASES: each row's
/// non-padding tokens run compacted through nn.LSTM/GRU/RNN(num_layers, bidirectional), head on h_n of the last layer).
/// Forward, gradient and masking checks against the double reference run for every stacked model in ForwardTests and
/// GradientTests.
/// </summary>
public class StackedRecurrentTests
{
    /// <summary>Outputs: float against PyTorch's float, as for the one-layer fixtures.</summary>
    private const float OutputTolerance = 1e-5f;

    public static TheoryData<string> Stacked => TestModels.Stacked;

    [Theory]
    [InlineData("lstm_l2", true)]
    [InlineData("lstm_l2", false)]
    [InlineData("lstm_bi", true)]
    [InlineData("lstm_bi", false)]
    [InlineData("lstm_l2_bi", true)]
    [InlineData("lstm_l2_bi", false)]
    [InlineData("gru_l2_bi", true)]
    [InlineData("gru_l2_bi", false)]
    [InlineData("rnn_l2_bi", true)]
    [InlineData("rnn_l2_bi", false)]
    [InlineData("rnn_l3_softmax", true)]
    [InlineData("rnn_l3_softmax", false)]
    public void PredictMatchesPyTorch(string fixtureName, bool folded)
    {
        TorchFixture fx = TorchFixture.Load(fixtureName);
        ISequenceModel model = ForFixture(fixtureName);
        (int layers, int directions) = ReferenceRecurrent.Stack(model);
        ModelShape s = model.Shape;
        Assert.Equal([s.VocabularySize, s.EmbeddingSize, s.HiddenSize, s.SequenceLength, s.OutputSize, layers, directions], fx.Ints("config"));
        TorchParityTests.LoadWeights(model, fx);
        model.UseFoldedEmbedding = folded;

        int[] tokens = fx.Ints("tokens");
        float[] expected = fx.Floats("probabilities");
        int t = s.SequenceLength, o = s.OutputSize, rows = tokens.Length / t;
        var y = new float[o];
        for (int r = 0; r < rows; r++)
        {
            model.Predict(tokens.AsSpan(r * t, t), y);
            for (int i = 0; i < o; i++)
                Assert.True(Math.Abs(y[i] - expected[r * o + i]) <= OutputTolerance, $"row {r} output {i}: PyTorch {expected[r * o + i]:R}, LstmGen {y[i]:R}");
        }
        var batch = new float[rows * o];
        model.PredictBatch(tokens, batch);
        for (int i = 0; i < batch.Length; i++)
            Assert.True(Math.Abs(batch[i] - expected[i]) <= OutputTolerance, $"batch element {i}: PyTorch {expected[i]:R}, LstmGen {batch[i]:R}");
    }

    [Theory]
    [InlineData("lstm_l2")]
    [InlineData("lstm_bi")]
    [InlineData("lstm_l2_bi")]
    [InlineData("gru_l2_bi")]
    [InlineData("rnn_l2_bi")]
    public void GradientsMatchPyTorch(string fixtureName)
    {
        TorchFixture fx = TorchFixture.Load(fixtureName);
        ISequenceModel model = ForFixture(fixtureName);
        TorchParityTests.LoadWeights(model, fx);
        int[] tokens = fx.Ints("tokens");
        float[] labels = fx.Floats("labels");
        var gradients = new float[model.ParameterCount];
        float loss = ((ITrainableModel)model).ComputeGradients(tokens, labels, gradients, default);
        float expectedLoss = fx.Floats("loss")[0];
        Assert.True(Math.Abs(loss - expectedLoss) <= 1e-6f, $"loss: PyTorch {expectedLoss:R}, LstmGen {loss:R}");
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            float[] expected = fx.Floats("grad." + p.Name);
            for (int i = 0; i < p.Length; i++)
            {
                // Float against float, different summation orders: 1e-6 absolute plus 1e-4 relative.
                float actual = gradients[p.Offset + i];
                Assert.True(Math.Abs(actual - expected[i]) <= 1e-6f + 1e-4f * Math.Abs(expected[i]),
                    $"{p.Name}[{i}]: PyTorch {expected[i]:E6}, LstmGen {actual:E6}");
            }
        }
    }

    [Fact]
    public void ParametersUsePyTorchNamesShapesAndOrder()
    {
        var model = new LstmL2BiModel();
        string[] expected =
        [
            "embedding.weight [13, 3]",
            "lstm.weight_ih_l0 [28, 3]", "lstm.weight_hh_l0 [28, 7]", "lstm.bias_ih_l0 [28]", "lstm.bias_hh_l0 [28]",
            "lstm.weight_ih_l0_reverse [28, 3]", "lstm.weight_hh_l0_reverse [28, 7]", "lstm.bias_ih_l0_reverse [28]", "lstm.bias_hh_l0_reverse [28]",
            "lstm.weight_ih_l1 [28, 14]", "lstm.weight_hh_l1 [28, 7]", "lstm.bias_ih_l1 [28]", "lstm.bias_hh_l1 [28]",
            "lstm.weight_ih_l1_reverse [28, 14]", "lstm.weight_hh_l1_reverse [28, 7]", "lstm.bias_ih_l1_reverse [28]", "lstm.bias_hh_l1_reverse [28]",
            "fc.weight [1, 14]", "fc.bias [1]",
        ];
        Assert.Equal(expected, model.ParameterLayout.Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]"));
        int offset = 0;
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            Assert.Equal(offset, p.Offset);
            offset += p.Length;
        }
        Assert.Equal(LstmL2BiModel.ParameterCount, offset);
        Assert.Equal((2, 2, 14), (LstmL2BiModel.Layers, LstmL2BiModel.Directions, LstmL2BiModel.FeatureSize));
        Assert.Equal(LstmL2BiModel.LstmWeightIhL1ReverseOffset, model.ParameterLayout.Single(p => p.Name == "lstm.weight_ih_l1_reverse").Offset);
        Assert.Equal(LstmL2BiModel.LstmBiasHhL0ReverseOffset, model.ParameterLayout.Single(p => p.Name == "lstm.bias_hh_l0_reverse").Offset);
        Assert.Equal(["gru.weight_ih_l2 [48, 16]"], new GruL3H16Model().ParameterLayout.Where(p => p.Name.EndsWith("weight_ih_l2", StringComparison.Ordinal)).Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]"));
    }

    [Fact]
    public void EveryUnitIsInitialisedLikeKeras()
    {
        var model = new LstmL3BiH33Model(seed: 4);
        int h = LstmL3BiH33Model.HiddenSize, g = LstmL3BiH33Model.GateSize;
        foreach (ParameterInfo p in model.ParameterLayout.Where(p => p.Name.StartsWith("lstm.", StringComparison.Ordinal)))
        {
            ReadOnlySpan<float> v = model.Parameters.Slice(p.Offset, p.Length);
            if (p.Name.Contains("weight_ih", StringComparison.Ordinal))
            {
                // Glorot-uniform with fan-in = the layer's input width (E for l0, 2H above).
                float limit = MathF.Sqrt(6f / (p.Shape[1] + g));
                Assert.True(v.ToArray().All(x => Math.Abs(x) <= limit), p.Name);
                Assert.True(v.ToArray().Max() > 0.8f * limit, p.Name);
            }
            else if (p.Name.Contains("weight_hh", StringComparison.Ordinal))
            {
                // Orthogonal [4H, H]: the columns are orthonormal.
                for (int a = 0; a < h; a++)
                {
                    double dot = 0;
                    for (int r = 0; r < g; r++) dot += (double)v[r * h + a] * v[r * h + a];
                    Assert.Equal(1.0, dot, 4);
                }
            }
            else if (p.Name.Contains("bias_ih", StringComparison.Ordinal))
            {
                for (int i = 0; i < g; i++) Assert.Equal(i >= h && i < 2 * h ? 1f : 0f, v[i]); // forget-gate bias 1
            }
            else
            {
                Assert.True(v.ToArray().All(x => x == 0f), p.Name);
            }
        }
        // Different units draw different weights.
        Assert.False(model.GetParameter("lstm.weight_hh_l1").SequenceEqual(model.GetParameter("lstm.weight_hh_l1_reverse")));
    }

    [Theory]
    [MemberData(nameof(Stacked))]
    public void PaddingAnywhereGivesBitIdenticalScores(string name)
    {
        ISequenceModel model = TestModels.Create(name, seed: 5);
        TestModels.Randomize(model, seed: 13);
        int v = model.Shape.VocabularySize, o = model.Shape.OutputSize, t = model.Shape.SequenceLength;
        int[] words = [2, v - 1, 3, v / 2];
        int[][] variants =
        [
            [0, 0, .. words],
            [.. words, 0, 0],
            [words[0], 0, words[1], 0, words[2], words[3]],
            [0, words[0], words[1], 0, words[2], words[3]],
        ];
        foreach (bool folded in new[] { true, false })
        {
            model.UseFoldedEmbedding = folded;
            var expected = new float[o];
            model.Predict(words, expected);
            var y = new float[o];
            foreach (int[] variant in variants)
            {
                model.Predict(variant, y);
                Assert.Equal(expected, y);
            }
            // Batched: every variant as a row; the tiled kernels agree with Predict to float rounding.
            var rows = new int[variants.Length * t];
            for (int r = 0; r < variants.Length; r++) variants[r].CopyTo(rows, r * t);
            var batch = new float[variants.Length * o];
            model.PredictBatch(rows, batch);
            for (int i = 0; i < batch.Length; i++) Assert.Equal(expected[i % o], batch[i], 5);
        }
        // Training sees the same: identical loss and outputs whatever the padding.
        var targets = new float[variants.Length * o];
        var outputs = new float[variants.Length * o];
        var gradients = new float[model.ParameterCount];
        var rowsTokens = new int[variants.Length * t];
        for (int r = 0; r < variants.Length; r++) variants[r].CopyTo(rowsTokens, r * t);
        if (model.Shape.Output == OutputActivation.Softmax) for (int r = 0; r < variants.Length; r++) targets[r * o] = 1;
        ((ITrainableModel)model).ComputeGradients(rowsTokens, targets, gradients, outputs);
        for (int i = o; i < outputs.Length; i++) Assert.Equal(outputs[i % o], outputs[i], 5);
    }

    /// <summary>The generated model whose sizes, cell, layers and directions match the fixture.</summary>
    private static ISequenceModel ForFixture(string fixtureName) => fixtureName switch
    {
        "lstm_l2" => new LstmL2Model(),
        "lstm_bi" => new LstmBiModel(),
        "lstm_l2_bi" => new LstmL2BiModel(),
        "gru_l2_bi" => new GruL2BiModel(),
        "rnn_l2_bi" => new RnnL2BiModel(),
        "rnn_l3_softmax" => new RnnL3SoftmaxModel(),
        _ => throw new ArgumentException(fixtureName),
    };
}
