using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// Dropout on a dense-input model: the input site's mask is one per (row, feature), the same at every step, so training
/// with it equals training without dropout on the masked inputs x_t ⊙ m_b (bit for bit: the same products in the same
/// order); the embedding site does not exist and is refused.
/// </summary>
public class DenseDropoutTests
{
    [Fact]
    public void InputDropoutOnDenseInputsIsTrainingOnTheMaskedInputs()
    {
        const int rows = 5;
        const int n = DenseLstmModel.InputSize, t = DenseLstmModel.SequenceLength;
        var rng = new Rng(17);
        var inputs = new float[rows * t * n];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (float)rng.NextGaussian();
        int[] lengths = [7, 3, 1, 5, 7];
        float[] targets = [1, 0, 1, 1, 0];
        // Factors 0 or 2 (p = 0.5): x·2 is exact, so the masked inputs are exactly what the dropout pass multiplies in.
        var mask = new float[rows * n];
        for (int i = 0; i < mask.Length; i++) mask[i] = rng.NextDouble() < 0.5 ? 0f : 2f;
        var masked = (float[])inputs.Clone();
        for (int b = 0; b < rows; b++)
            for (int s = 0; s < t; s++)
                for (int k = 0; k < n; k++) masked[(b * t + s) * n + k] *= mask[b * n + k];

        var model = new DenseLstmModel(seed: 3);
        var plain = new DenseLstmModel(seed: 3);
        var settings = new DropoutSettings { Input = 0.5f };
        settings.MaskSource = (site, unit, _, count, width, m) =>
        {
            Assert.Equal(DropoutSite.Input, site);
            Assert.Equal(0, unit);
            Assert.Equal(n, width);
            mask.AsSpan(0, count * width).CopyTo(m);
        };
        model.Dropout = settings;
        var g = new float[DenseLstmModel.ParameterCount];
        var expected = new float[DenseLstmModel.ParameterCount];
        float loss = model.ComputeGradients(inputs, lengths, targets, g, default);
        float expectedLoss = plain.ComputeGradients(masked, lengths, targets, expected, default);
        Assert.Equal(expectedLoss, loss);
        Assert.Equal(expected, g);
    }

    [Fact]
    public void EmbeddingDropoutIsRefusedOnADenseModel()
    {
        var model = new DenseLstmModel { Dropout = new DropoutSettings { Embedding = 0.2f } };
        var e = Assert.Throws<InvalidOperationException>(() => model.ComputeGradients(new float[DenseLstmModel.SequenceLength * DenseLstmModel.InputSize], [DenseLstmModel.SequenceLength], [1f], new float[DenseLstmModel.ParameterCount], default));
        Assert.Contains("no embedding", e.Message);
    }
}

/// <summary>Head dropout masks the final features; a ReturnSequences model's head runs at every step and refuses it.</summary>
public class SequenceDropoutTests
{
    [Fact]
    public void HeadDropoutIsRefusedOnAPerStepHead()
    {
        var model = new SeqLstmLmModel { Dropout = new DropoutSettings { Head = 0.5f } };
        int[] tokens = new int[SeqLstmLmModel.SequenceLength];
        tokens.AsSpan().Fill(2);
        int[] classes = new int[SeqLstmLmModel.SequenceLength];
        var e = Assert.Throws<InvalidOperationException>(() => model.ComputeGradients(tokens, classes, new float[SeqLstmLmModel.ParameterCount], default));
        Assert.Contains("every step", e.Message);
        // Input and recurrent dropout are masks of the cell inputs and state, which a per-step head leaves as they are.
        model.Dropout = new DropoutSettings { Input = 0.3f, Recurrent = 0.3f };
        float loss = model.ComputeGradients(tokens, classes, new float[SeqLstmLmModel.ParameterCount], default);
        Assert.True(float.IsFinite(loss));
    }
}
