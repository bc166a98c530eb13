using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>The generated backward pass against central finite differences of the double-precision reference loss.</summary>
public class GradientTests
{
    public static TheoryData<string> Models => new()
    {
        nameof(SmallModel), nameof(SoftmaxModel), nameof(H1Model), nameof(H33Model), nameof(H16Model),
        nameof(GruSmallModel), nameof(GruSoftmaxModel), nameof(GruH1Model), nameof(GruH33Model), nameof(GruH16Model),
        nameof(RnnSmallModel), nameof(RnnSoftmaxModel), nameof(RnnH1Model), nameof(RnnH33Model), nameof(RnnH72Model),
        // Stacked and bidirectional: every unit's tensors (…_l1, …_l0_reverse, …) and fc.weight over both directions.
        nameof(LstmL2Model), nameof(LstmBiModel), nameof(LstmL2BiModel), nameof(GruL2BiModel), nameof(RnnL2BiModel), nameof(RnnL3SoftmaxModel),
        nameof(LstmL3BiH33Model), nameof(GruL3H16Model), nameof(GruL2BiH1Model), nameof(RnnBiSoftmaxModel),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void GradientsMatchFiniteDifferences(string name)
    {
        ISequenceModel model = TestModels.Create(name);
        TestModels.Randomize(model, seed: 21, scale: 0.6f);
        ModelShape s = model.Shape;
        const int rows = 5;
        int[] tokens = TestModels.Tokens(s, rows, seed: 8); // includes padded rows
        float[] targets = RandomTargets(s, rows, seed: 3);

        // Truncation error of the central difference ~eps² ≈ 1e-8.
        AssertMatchesFiniteDifferences((ITrainableModel)model, name, tokens, targets, p => ReferenceRecurrent.Loss(model, p, tokens, targets), eps: 1e-4);
    }

    /// <summary>
    /// The generated loss against the double reference <paramref name="referenceLoss"/> (|Δ| ≤ 1e-5·(1 + |L|)), then every
    /// parameter of tensors up to 60 values and a seeded sample of 60 from larger ones against central differences
    /// (|Δ| ≤ 2e-5 + 1e-3·|fd|).
    /// </summary>
    internal static void AssertMatchesFiniteDifferences(ITrainableModel model, string name, int[] tokens, float[] targets,
        Func<double[], double> referenceLoss, double eps)
    {
        var gradients = new float[model.ParameterCount];
        float loss = model.ComputeGradients(tokens, targets, gradients, default);
        double[] p = model.ParameterValuesAsDouble();
        double reference = referenceLoss(p);
        Assert.True(Math.Abs(loss - reference) <= 1e-5 * (1 + Math.Abs(reference)), $"loss {loss} vs reference {reference}");

        var rng = new Rng(17);
        foreach (ParameterInfo info in model.ParameterLayout)
        {
            int count = Math.Min(info.Length, 60);
            for (int c = 0; c < count; c++)
            {
                int i = info.Offset + (info.Length <= 60 ? c : rng.NextInt(info.Length));
                double saved = p[i];
                p[i] = saved + eps;
                double up = referenceLoss(p);
                p[i] = saved - eps;
                double down = referenceLoss(p);
                p[i] = saved;
                double fd = (up - down) / (2 * eps);
                Assert.True(Math.Abs(gradients[i] - fd) <= 2e-5 + 1e-3 * Math.Abs(fd),
                    $"{name} {info.Name}[{i - info.Offset}]: analytic {gradients[i]:E4}, finite difference {fd:E4}");
            }
        }
    }

    [Theory]
    [InlineData(nameof(SmallModel))]
    [InlineData(nameof(GruSmallModel))]
    [InlineData(nameof(RnnSmallModel))]
    [InlineData(nameof(LstmL2BiModel))]
    [InlineData(nameof(GruL2BiModel))]
    [InlineData(nameof(RnnL2BiModel))]
    public void PaddedStepsAndUnusedTokensGetNoGradient(string name)
    {
        var model = (ITrainableModel)TestModels.Create(name, seed: 2);
        ModelShape s = model.Shape;
        Assert.Equal(9, s.SequenceLength);
        int[] tokens = [0, 0, 5, 6, 0, 7, 0, 0, 0];
        var gradients = new float[model.ParameterCount];
        model.ComputeGradients(tokens, [1f], gradients, default);
        for (int v = 0; v < s.VocabularySize; v++)
        {
            bool used = v is 5 or 6 or 7;
            float norm = 0;
            for (int e = 0; e < s.EmbeddingSize; e++) norm += MathF.Abs(gradients[v * s.EmbeddingSize + e]);
            Assert.True(used ? norm > 0 : norm == 0, $"{name} token {v}: |grad| = {norm}");
        }
        // Same gradients however the padding is arranged (to 6 decimal places).
        var again = new float[model.ParameterCount];
        model.ComputeGradients([5, 6, 7, 0, 0, 0, 0, 0, 0], [1f], again, default);
        for (int i = 0; i < gradients.Length; i++) Assert.Equal(gradients[i], again[i], 6);
    }

    internal static float[] RandomTargets(ModelShape s, int rows, int seed)
    {
        var rng = new Rng(seed);
        var y = new float[rows * s.OutputSize];
        for (int r = 0; r < rows; r++)
        {
            if (s.Output == OutputActivation.Softmax) y[r * s.OutputSize + rng.NextInt(s.OutputSize)] = 1f;
            else for (int o = 0; o < s.OutputSize; o++) y[r * s.OutputSize + o] = s.Output == OutputActivation.Linear ? rng.NextUniform(-1, 1) : rng.NextInt(2);
        }
        return y;
    }
}
