using LstmGen.Testing;
using LstmGen.Tests.Models;

namespace LstmGen.Tests;

/// <summary>
/// PredictLogits / PredictLogitsBatch: the head's raw logits for every model kind. They match the double reference's
/// logits (tolerance 2e-5 + 2e-5·|z|, the forward tests' budget), and the output activation applied to them gives exactly
/// Predict's and PredictBatch's results, since both run the same code up to the head.
/// </summary>
[Collection(AllocationCollection.Name)]
public class PredictLogitsTests
{
    public static TheoryData<string> Models => new()
    {
        nameof(SmallModel), nameof(SoftmaxModel), nameof(H33Model), nameof(GruSoftmaxModel), nameof(RnnSmallModel),
        nameof(LstmL2BiModel), nameof(GruL2BiModel), nameof(RnnBiSoftmaxModel),
        nameof(CnnSmallModel), nameof(CnnLinearModel), nameof(FfSmallModel), nameof(FfSoftmaxModel), nameof(FfLinearModel),
    };

    private static ISequenceModel Create(string name) => name switch
    {
        nameof(CnnSmallModel) => new CnnSmallModel(3),
        nameof(CnnLinearModel) => new CnnLinearModel(3),
        nameof(FfSmallModel) => new FfSmallModel(3),
        nameof(FfSoftmaxModel) => new FfSoftmaxModel(3),
        nameof(FfLinearModel) => new FfLinearModel(3),
        _ => TestModels.Create(name, 3),
    };

    private static double[] ReferenceLogits(ISequenceModel model, ReadOnlySpan<int> tokens) =>
        !model.ParameterLayout.Any(p => p.Name.Contains("weight_hh", StringComparison.Ordinal)) // CNN and feed-forward
            ? ReferenceBaselines.Logits(model, model.ParameterValuesAsDouble(), tokens)
            : ReferenceRecurrent.Logits(model, model.ParameterValuesAsDouble(), tokens);

    [Theory]
    [MemberData(nameof(Models))]
    public void LogitsMatchTheReferenceAndTheActivationOfThemIsPredict(string name)
    {
        ISequenceModel model = Create(name);
        ModelShape s = model.Shape;
        int rows = 6, t = s.SequenceLength, o = s.OutputSize;
        int[] tokens = Tokens(rows, t, s.VocabularySize);
        var logits = new float[rows * o];
        var outputs = new float[rows * o];
        var one = new float[o];
        var predicted = new float[o];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<int> row = tokens.AsSpan(r * t, t);
            model.PredictLogits(row, one);
            double[] z = ReferenceLogits(model, row);
            for (int k = 0; k < o; k++) Assert.True(Math.Abs(one[k] - z[k]) <= 2e-5 + 2e-5 * Math.Abs(z[k]), $"{name} row {r} logit {k}: {one[k]} vs {z[k]}");
            model.Predict(row, predicted);
            VectorMath.ApplyOutputActivation(s.Output, one);
            Assert.Equal(predicted, one); // bit for bit
        }
        model.PredictLogitsBatch(tokens, logits);
        model.PredictBatch(tokens, outputs);
        for (int r = 0; r < rows; r++)
        {
            double[] z = ReferenceLogits(model, tokens.AsSpan(r * t, t));
            for (int k = 0; k < o; k++) Assert.True(Math.Abs(logits[r * o + k] - z[k]) <= 2e-5 + 2e-5 * Math.Abs(z[k]), $"{name} batch row {r} logit {k}");
            VectorMath.ApplyOutputActivation(s.Output, logits.AsSpan(r * o, o));
        }
        Assert.Equal(outputs, logits);
    }

    [Fact]
    public void ASigmoidModelsLogitIsNotItsProbabilityAndSaturatedLogitsStayFinite()
    {
        var model = new SmallModel(3);
        using (ParameterUpdate u = model.BeginParameterUpdate()) u.Tensor("fc.bias")[0] = 40f; // σ(z) rounds to 1
        int[] tokens = Tokens(1, SmallModel.SequenceLength, SmallModel.VocabularySize);
        float[] z = new float[1];
        model.PredictLogits(tokens, z);
        Assert.Equal(1f, model.Predict(tokens));
        Assert.InRange(z[0], 30f, 50f); // the logit survives where ln(p / (1 − p)) would be infinite
    }

    [Fact]
    public void LogitsAllocateNothingAndCheckTheirArguments()
    {
        var model = new GruL2BiModel(3);
        int t = GruL2BiModel.SequenceLength;
        int[] tokens = Tokens(4, t, GruL2BiModel.VocabularySize);
        float[] one = new float[GruL2BiModel.OutputSize], batch = new float[4 * GruL2BiModel.OutputSize];
        Allocations.AssertNone(() => model.PredictLogits(tokens.AsSpan(0, t), one), what: "PredictLogits");
        Allocations.AssertNone(() => model.PredictLogitsBatch(tokens, batch), what: "PredictLogitsBatch");
        Assert.Throws<ArgumentException>(() => model.PredictLogits(tokens.AsSpan(0, t), new float[one.Length + 1]));
        Assert.Throws<ArgumentException>(() => model.PredictLogitsBatch(tokens.AsSpan(1), batch));
        int[] bad = (int[])tokens.Clone();
        bad[3] = GruL2BiModel.VocabularySize;
        Assert.Throws<ArgumentOutOfRangeException>(() => model.PredictLogits(bad.AsSpan(0, t), one));
    }

    // Rows of random ids with some padding: row 1 left-padded, row 2 right-padded, row 3 all padding.
    private static int[] Tokens(int rows, int t, int vocabulary)
    {
        var rng = new Rng(11);
        var tokens = new int[rows * t];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = 2 + rng.NextInt(vocabulary - 2);
        if (rows > 1) Array.Clear(tokens, t, t / 2);
        if (rows > 2) Array.Clear(tokens, 3 * t - t / 3, t / 3);
        if (rows > 3) Array.Clear(tokens, 3 * t, t);
        return tokens;
    }
}
