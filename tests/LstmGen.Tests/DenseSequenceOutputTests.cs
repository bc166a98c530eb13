using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// ReturnSequences on dense-input models: per-step outputs, loss and every gradient against the PyTorch fixtures
/// torch_seq_lstm_dense and torch_seq_gru_dense (packed sequences: steps past a row's length hold 99s that must never be
/// read), a stacked bidirectional softmax model against <see cref="ReferenceDense"/>, class ids, padding and allocation.
/// </summary>
[Collection(AllocationCollection.Name)]
public class DenseSequenceOutputTests
{
    [Theory]
    [InlineData("seq_lstm_dense")]
    [InlineData("seq_gru_dense")]
    public void PerStepOutputsLossAndGradientsMatchPyTorch(string fixture)
    {
        TorchFixture f = TorchFixture.Load(fixture);
        IDenseTrainableModel model = fixture == "seq_lstm_dense" ? new SeqLstmDenseModel() : new SeqGruDenseModel();
        foreach (ParameterInfo p in model.ParameterLayout) model.SetParameter(p.Name, f.Floats(p.Name));
        ModelShape s = model.Shape;
        Assert.True(s.ReturnSequences && s.IsDense);
        int t = s.SequenceLength, n = s.InputSize, o = s.OutputSize;
        float[] inputs = f.Floats("inputs"), targets = f.Floats("targets"), logits = f.Floats("logits"), probabilities = f.Floats("probabilities");
        int[] lengths = f.Ints("lengths");
        // Tolerance 2e-5: float32 against float32 in other orders.
        var z = new float[logits.Length];
        model.PredictLogitsBatch(inputs, lengths, z);
        AssertClose(logits, z, 2e-5, "logits");
        var y = new float[logits.Length];
        model.PredictBatch(inputs, lengths, y);
        AssertClose(probabilities, y, 2e-5, "probabilities");
        for (int b = 0; b < lengths.Length; b++)
        {
            var row = new float[lengths[b] * o];
            model.PredictLogits(inputs.AsSpan(b * t * n, lengths[b] * n), row);
            AssertClose(logits.AsSpan(b * t * o, lengths[b] * o).ToArray(), row, 2e-5, $"row {b}");
        }
        var gradients = new float[model.ParameterCount];
        var outputs = new float[logits.Length];
        float loss = model.ComputeGradients(inputs, lengths, targets, gradients, outputs);
        Assert.Equal(f.Floats("loss")[0], loss, 1e-5);
        AssertClose(probabilities, outputs, 2e-5, "training outputs");
        foreach (ParameterInfo p in model.ParameterLayout)
            AssertClose(f.Floats("grad." + p.Name), gradients.AsSpan(p.Offset, p.Length).ToArray(), 1e-5, "grad." + p.Name, relative: 1e-4);
    }

    [Fact]
    public void StackedBidirectionalStepsMatchTheDoubleReferenceAndClassIdsEqualOneHotTargets()
    {
        var model = new SeqLstmDenseL2BiModel(3);
        var init = new Rng(8);
        using (ParameterUpdate update = model.BeginParameterUpdate()) Initializers.Uniform(update.Values, -0.6f, 0.6f, ref init);
        const int rows = 4, t = SeqLstmDenseL2BiModel.SequenceLength, n = SeqLstmDenseL2BiModel.InputSize, o = SeqLstmDenseL2BiModel.OutputSize;
        int[] lengths = [7, 3, 1, 5];
        var rng = new Rng(4);
        var inputs = new float[rows * t * n];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = rng.NextUniform(-1, 1);
        for (int b = 0; b < rows; b++) inputs.AsSpan((b * t + lengths[b]) * n, (t - lengths[b]) * n).Fill(float.NaN); // never read
        var reference = new ReferenceDense("lstm", n, SeqLstmDenseL2BiModel.HiddenSize, 2, 2, name => model.GetParameter(name).ToArray());
        var z = new float[rows * t * o];
        model.PredictLogitsBatch(inputs, lengths, z);
        float[] w = model.GetParameter("fc.weight").ToArray(), bias = model.GetParameter("fc.bias").ToArray();
        for (int b = 0; b < rows; b++)
        {
            var (steps, _, _) = reference.Run(inputs[(b * t * n)..((b * t + lengths[b]) * n)], lengths[b]);
            for (int k = 0; k < t; k++)
            {
                double[]? expected = k < lengths[b] ? ReferenceDense.Linear(w, bias, steps[k]) : null;
                for (int j = 0; j < o; j++)
                {
                    float got = z[(b * t + k) * o + j];
                    if (expected is null) Assert.Equal(0f, got);
                    else Assert.True(Math.Abs(got - expected[j]) <= 2e-5, $"row {b} step {k} output {j}: {got} vs {expected[j]}");
                }
            }
        }
        // Class ids (garbage past the lengths) against the same steps as one-hot float targets.
        var classes = new int[rows * t];
        var oneHot = new float[rows * t * o];
        for (int b = 0; b < rows; b++)
            for (int k = 0; k < t; k++)
            {
                classes[b * t + k] = k < lengths[b] ? rng.NextInt(o) : 77;
                if (k < lengths[b]) oneHot[(b * t + k) * o + classes[b * t + k]] = 1;
                else oneHot.AsSpan((b * t + k) * o, o).Fill(float.NaN);
            }
        var g1 = new float[SeqLstmDenseL2BiModel.ParameterCount];
        var g2 = new float[SeqLstmDenseL2BiModel.ParameterCount];
        float l1 = model.ComputeGradients(inputs, lengths, classes, g1, default);
        float l2 = model.ComputeGradients(inputs, lengths, oneHot, g2, default);
        Assert.True(l1 > 0 && float.IsFinite(l1));
        Assert.Equal(l2, l1, 6);
        for (int i = 0; i < g1.Length; i++) Assert.Equal(g2[i], g1[i], 6);
        Assert.All(g1, v => Assert.True(float.IsFinite(v)));

        // Bad input names row and step; outputs are B·T·O.
        classes[1 * t + 2] = 3;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.ComputeGradients(inputs, lengths, classes, g1, default));
        Assert.Contains("step 2 of row 1", e.Message);
        Assert.Throws<ArgumentException>(() => model.PredictBatch(inputs, lengths, new float[rows * o]));
        Assert.Throws<ArgumentException>(() => model.ComputeGradients(inputs, lengths, oneHot.AsSpan(0, rows * o), g2, default));
    }

    [Fact]
    public void NothingIsAllocatedAfterWarmUp()
    {
        var model = new SeqLstmDenseL2BiModel(2);
        const int rows = 5, t = SeqLstmDenseL2BiModel.SequenceLength, n = SeqLstmDenseL2BiModel.InputSize, o = SeqLstmDenseL2BiModel.OutputSize;
        int[] lengths = [7, 2, 5, 1, 7];
        var inputs = new float[rows * t * n];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = (i % 13) * 0.1f - 0.6f;
        var classes = new int[rows * t];
        for (int i = 0; i < classes.Length; i++) classes[i] = i % o;
        var gradients = new float[SeqLstmDenseL2BiModel.ParameterCount];
        var outputs = new float[rows * t * o];
        Allocations.AssertNone(() => model.ComputeGradients(inputs, lengths, classes, gradients, outputs), what: "ComputeGradients (class ids)");
        Allocations.AssertNone(() => model.PredictBatch(inputs, lengths, outputs), what: "PredictBatch");
        Allocations.AssertNone(() => model.Predict(inputs.AsSpan(0, t * n), outputs.AsSpan(0, t * o)), what: "Predict");
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance, string what, double relative = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance + relative * Math.Abs(expected[i]), $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
