using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// ComputeGradientsWithLogitOffsets (the wide-and-deep hook): gradients of the loss of z + offsets against central finite
/// differences of the double reference, offsets of 0 against ComputeGradients bit for bit, ∂L/∂z against the plain
/// formula, no allocation in the steady state.
/// </summary>
[Collection(AllocationCollection.Name)]
public class LogitOffsetTests
{
    public static TheoryData<string> Models => new()
    {
        nameof(SmallModel), nameof(SoftmaxModel), nameof(GruSoftmaxModel), nameof(RnnSmallModel), nameof(LstmBiModel), nameof(RnnBiSoftmaxModel), nameof(LstmL2Model),
    };

    private static float[] RandomOffsets(ModelShape s, int rows, int seed)
    {
        var rng = new Rng(seed);
        var o = new float[rows * s.OutputSize];
        for (int i = 0; i < o.Length; i++) o[i] = rng.NextUniform(-2, 2);
        return o;
    }

    // The batch-mean loss of the reference logits plus the offsets, in double.
    private static double ReferenceLoss(ISequenceModel model, double[] p, int[] tokens, float[] targets, double[] offsets)
    {
        ModelShape s = model.Shape;
        int t = s.SequenceLength, o = s.OutputSize, rows = tokens.Length / t;
        double total = 0;
        for (int b = 0; b < rows; b++)
        {
            double[] z = ReferenceRecurrent.Logits(model, p, tokens.AsSpan(b * t, t));
            for (int k = 0; k < o; k++) z[k] += offsets[b * o + k];
            total += ReferenceRecurrent.RowLoss(s, z, targets.AsSpan(b * o, o));
        }
        return total / rows;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void GradientsAndLogitGradients_MatchFiniteDifferencesOfTheLossWithOffsets(string name)
    {
        ISequenceModel model = TestModels.Create(name);
        TestModels.Randomize(model, seed: 21, scale: 0.6f);
        var m = (ILogitOffsetModel)model;
        ModelShape s = model.Shape;
        const int rows = 5;
        int[] tokens = TestModels.Tokens(s, rows, seed: 8);
        float[] targets = GradientTests.RandomTargets(s, rows, seed: 3);
        float[] offsets = RandomOffsets(s, rows, seed: 4);
        double[] off = [.. offsets.Select(x => (double)x)];
        var gradients = new float[m.ParameterCount];
        var dz = new float[rows * s.OutputSize];
        float loss = m.ComputeGradientsWithLogitOffsets(tokens, targets, offsets, dz, gradients, default);
        double[] p = model.ParameterValuesAsDouble();
        double reference = ReferenceLoss(model, p, tokens, targets, off);
        Assert.True(Math.Abs(loss - reference) <= 1e-5 * (1 + Math.Abs(reference)), $"loss {loss} vs reference {reference}");

        // ∂L/∂offsets against central differences (eps = 1e-4: truncation ~1e-8); |Δ| ≤ 2e-5 + 1e-3·|fd|.
        const double eps = 1e-4;
        for (int i = 0; i < off.Length; i++)
        {
            double saved = off[i];
            off[i] = saved + eps;
            double up = ReferenceLoss(model, p, tokens, targets, off);
            off[i] = saved - eps;
            double down = ReferenceLoss(model, p, tokens, targets, off);
            off[i] = saved;
            double fd = (up - down) / (2 * eps);
            Assert.True(Math.Abs(dz[i] - fd) <= 2e-5 + 1e-3 * Math.Abs(fd), $"{name} dz[{i}]: analytic {dz[i]:E4}, finite difference {fd:E4}");
        }
        // Every parameter of tensors up to 40 values and a seeded sample of 40 from larger ones, same tolerance.
        var rng = new Rng(17);
        foreach (ParameterInfo info in model.ParameterLayout)
        {
            for (int c = 0; c < Math.Min(info.Length, 40); c++)
            {
                int i = info.Offset + (info.Length <= 40 ? c : rng.NextInt(info.Length));
                double saved = p[i];
                p[i] = saved + eps;
                double up = ReferenceLoss(model, p, tokens, targets, off);
                p[i] = saved - eps;
                double down = ReferenceLoss(model, p, tokens, targets, off);
                p[i] = saved;
                double fd = (up - down) / (2 * eps);
                Assert.True(Math.Abs(gradients[i] - fd) <= 2e-5 + 1e-3 * Math.Abs(fd), $"{name} {info.Name}[{i - info.Offset}]: analytic {gradients[i]:E4}, finite difference {fd:E4}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ZeroOffsets_GiveTheSameGradientsAndOutputsBitForBit(string name)
    {
        ISequenceModel model = TestModels.Create(name);
        TestModels.Randomize(model, seed: 5, scale: 0.6f);
        var m = (ILogitOffsetModel)model;
        ModelShape s = model.Shape;
        const int rows = 6;
        int[] tokens = TestModels.Tokens(s, rows, seed: 2);
        float[] targets = GradientTests.RandomTargets(s, rows, seed: 9);
        var g0 = new float[m.ParameterCount];
        var g1 = new float[m.ParameterCount];
        var y0 = new float[rows * s.OutputSize];
        var y1 = new float[rows * s.OutputSize];
        float l0 = m.ComputeGradients(tokens, targets, g0, y0);
        float l1 = m.ComputeGradientsWithLogitOffsets(tokens, targets, new float[rows * s.OutputSize], default, g1, y1);
        Assert.Equal(BitConverter.SingleToInt32Bits(l0), BitConverter.SingleToInt32Bits(l1));
        Assert.Equal(g0, g1);
        Assert.Equal(y0, y1);
        // And the plain entry point after an offsets call is unaffected (the offsets are off again).
        m.ComputeGradientsWithLogitOffsets(tokens, targets, RandomOffsets(s, rows, 1), default, g1, y1);
        float l2 = m.ComputeGradients(tokens, targets, g1, y1);
        Assert.Equal(BitConverter.SingleToInt32Bits(l0), BitConverter.SingleToInt32Bits(l2));
        Assert.Equal(g0, g1);
    }

    [Theory]
    [InlineData(nameof(SmallModel))]
    [InlineData(nameof(SoftmaxModel))]
    [InlineData(nameof(RnnBiSoftmaxModel))]
    public void LogitGradients_AreActivationOfLogitsPlusOffsetsMinusTargetsOverRows(string name)
    {
        ISequenceModel model = TestModels.Create(name);
        TestModels.Randomize(model, seed: 7, scale: 0.6f);
        var m = (ILogitOffsetModel)model;
        ModelShape s = model.Shape;
        const int rows = 7;
        int o = s.OutputSize;
        int[] tokens = TestModels.Tokens(s, rows, seed: 3);
        float[] targets = GradientTests.RandomTargets(s, rows, seed: 1);
        float[] offsets = RandomOffsets(s, rows, seed: 6);
        var dz = new float[rows * o];
        var outputs = new float[rows * o];
        m.ComputeGradientsWithLogitOffsets(tokens, targets, offsets, dz, new float[m.ParameterCount], outputs);
        var z = new float[rows * o];
        m.PredictLogitsBatch(tokens, z);
        for (int b = 0; b < rows; b++)
        {
            // σ(z + o) for a sigmoid head, softmax(z + o) for a softmax head; ∂L/∂z = (p − y)/rows.
            double[] zb = [.. Enumerable.Range(0, o).Select(k => (double)z[b * o + k] + offsets[b * o + k])];
            double[] pb = s.Output == OutputActivation.Sigmoid
                ? [.. zb.Select(ReferenceRecurrent.Sigmoid)]
                : [.. zb.Select(v => Math.Exp(v - zb.Max()) / zb.Sum(u => Math.Exp(u - zb.Max())))];
            for (int k = 0; k < o; k++)
            {
                double expected = (pb[k] - targets[b * o + k]) / rows;
                Assert.True(Math.Abs(dz[b * o + k] - expected) <= 1e-6, $"dz[{b},{k}] {dz[b * o + k]} vs {expected}");
                Assert.True(Math.Abs(outputs[b * o + k] - pb[k]) <= 1e-5, $"output[{b},{k}] {outputs[b * o + k]} vs {pb[k]}");
            }
        }
    }

    [Fact]
    public void WrongOffsetOrLogitGradientLengths_Throw_NamingTheSpan()
    {
        var m = new SmallModel(1);
        int[] tokens = TestModels.Tokens(m.Shape, 3, seed: 1);
        float[] targets = [1, 0, 1];
        var g = new float[SmallModel.ParameterCount];
        Assert.Equal("logitOffsets", Assert.Throws<ArgumentException>(() => m.ComputeGradientsWithLogitOffsets(tokens, targets, new float[2], default, g, default)).ParamName);
        Assert.Equal("logitGradients", Assert.Throws<ArgumentException>(() => m.ComputeGradientsWithLogitOffsets(tokens, targets, new float[3], new float[4], g, default)).ParamName);
    }

    [Fact]
    public void SteadyStateCall_AllocatesNothing()
    {
        var m = new SmallModel(1);
        int[] tokens = TestModels.Tokens(m.Shape, 8, seed: 1);
        float[] targets = GradientTests.RandomTargets(m.Shape, 8, seed: 2);
        float[] offsets = RandomOffsets(m.Shape, 8, seed: 3);
        var g = new float[SmallModel.ParameterCount];
        var dz = new float[8];
        Allocations.AssertNone(() => m.ComputeGradientsWithLogitOffsets(tokens, targets, offsets, dz, g, default), what: "ComputeGradientsWithLogitOffsets");
    }
}
