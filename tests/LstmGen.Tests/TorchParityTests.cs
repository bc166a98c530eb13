using LstmGen.Tests.Models;

namespace LstmGen.Tests;

/// <summary>
/// Weights, inputs and outputs produced by PyTorch (tests/pytorch/make_fixtures.py, torch 1.13) for nn.LSTM, nn.GRU
/// and nn.RNN: weights load by copying spans through the named views, and Predict matches PyTorch's masked step loop
/// to 1e-5.
/// </summary>
public class TorchParityTests
{
    private const float Tolerance = 1e-5f;

    [Theory]
    [InlineData("small", true)]
    [InlineData("small", false)]
    [InlineData("reference", true)]
    [InlineData("reference", false)]
    [InlineData("softmax", true)]
    [InlineData("softmax", false)]
    [InlineData("gru_small", true)]
    [InlineData("gru_small", false)]
    [InlineData("gru_softmax", true)]
    [InlineData("gru_softmax", false)]
    [InlineData("rnn_small", true)]
    [InlineData("rnn_small", false)]
    [InlineData("rnn_softmax", true)]
    [InlineData("rnn_softmax", false)]
    public void PredictMatchesPyTorch(string fixtureName, bool folded)
    {
        TorchFixture fx = TorchFixture.Load(fixtureName);
        ISequenceModel model = ForFixture(fixtureName);
        int[] config = fx.Ints("config");
        Assert.Equal([model.Shape.VocabularySize, model.Shape.EmbeddingSize, model.Shape.HiddenSize, model.Shape.SequenceLength, model.Shape.OutputSize], config);
        LoadWeights(model, fx);
        model.UseFoldedEmbedding = folded;

        int[] tokens = fx.Ints("tokens");
        float[] expected = fx.Floats("probabilities");
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize, rows = tokens.Length / t;
        var y = new float[o];
        for (int r = 0; r < rows; r++)
        {
            model.Predict(tokens.AsSpan(r * t, t), y);
            for (int i = 0; i < o; i++)
                Assert.True(Math.Abs(y[i] - expected[r * o + i]) <= Tolerance, $"row {r} output {i}: PyTorch {expected[r * o + i]:R}, LstmGen {y[i]:R}");
        }
        var batch = new float[rows * o];
        model.PredictBatch(tokens, batch);
        for (int i = 0; i < batch.Length; i++)
            Assert.True(Math.Abs(batch[i] - expected[i]) <= Tolerance, $"batch element {i}: PyTorch {expected[i]:R}, LstmGen {batch[i]:R}");
    }

    /// <summary>The generated model whose sizes and cell match the fixture.</summary>
    internal static ISequenceModel ForFixture(string fixtureName) => fixtureName switch
    {
        "small" => new SmallModel(),
        "reference" => new ReferenceModel(),
        "softmax" => new SoftmaxModel(),
        "gru_small" => new GruSmallModel(),
        "gru_softmax" => new GruSoftmaxModel(),
        "rnn_small" => new RnnSmallModel(),
        "rnn_softmax" => new RnnSoftmaxModel(),
        _ => throw new ArgumentException(fixtureName),
    };

    internal static void LoadWeights(ISequenceModel model, TorchFixture fx)
    {
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            Assert.Equal(p.Shape, fx.Shape(p.Name));
            model.SetParameter(p.Name, fx.Floats(p.Name));
        }
    }
}
