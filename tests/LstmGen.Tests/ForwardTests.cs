using LstmGen.Tests.Models;

namespace LstmGen.Tests;

/// <summary>Generated Predict against the double-precision reference at many sizes, on every code path.</summary>
public class ForwardTests
{
    // Float kernels (approximate vector exp) against double: |y − y_ref| ≤ 1e-5 + 1e-5·|y_ref|.
    private const double Tolerance = 1e-5;

    public static TheoryData<string> Models => TestModels.All;

    [Theory]
    [MemberData(nameof(Models))]
    public void PredictMatchesReference_FoldedAndUnfolded(string name)
    {
        ISequenceModel model = TestModels.Create(name);
        TestModels.Randomize(model, seed: 7);
        int[] tokens = TestModels.Tokens(model.Shape, rows: 8, seed: 11);
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize;
        var output = new float[o];
        foreach (bool folded in new[] { true, false })
        {
            model.UseFoldedEmbedding = folded;
            for (int r = 0; r < 8; r++)
            {
                ReadOnlySpan<int> row = tokens.AsSpan(r * t, t);
                model.Predict(row, output);
                AssertClose(ReferenceRecurrent.Predict(model, row), output, $"{name} row {r} folded={folded}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PredictBatchMatchesReference(string name)
    {
        ISequenceModel model = TestModels.Create(name);
        TestModels.Randomize(model, seed: 3);
        // 37 rows: one full tile of 32 plus a partial tile of 5; row blocks of 6 plus remainders inside the GEMM.
        const int rows = 37;
        int[] tokens = TestModels.Tokens(model.Shape, rows, seed: 5);
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize;
        var outputs = new float[rows * o];
        foreach (bool folded in new[] { true, false })
        {
            model.UseFoldedEmbedding = folded;
            model.PredictBatch(tokens, outputs);
            for (int r = 0; r < rows; r++)
                AssertClose(ReferenceRecurrent.Predict(model, tokens.AsSpan(r * t, t)), outputs.AsSpan(r * o, o), $"{name} row {r} folded={folded}");
        }
    }

    [Fact]
    public void SaturatedGatesStayAccurate()
    {
        // Large weights drive pre-activations to ±20 and beyond: tests the clamped exp and the tanh tails.
        var model = new SmallModel();
        TestModels.Randomize(model, seed: 9, scale: 4f);
        int[] tokens = TestModels.Tokens(model.Shape, 6, seed: 2);
        for (int r = 0; r < 6; r++)
        {
            ReadOnlySpan<int> row = tokens.AsSpan(r * SmallModel.SequenceLength, SmallModel.SequenceLength);
            var y = new float[1];
            model.Predict(row, y);
            AssertClose(ReferenceRecurrent.Predict(model, row), y, $"row {r}");
        }
    }

    [Fact]
    public void ChangingAWeightThroughAViewInvalidatesCaches()
    {
        var model = new SmallModel(seed: 4);
        int[] tokens = [3, 4, 5, 6];
        float before = model.Predict(tokens);
        using (ParameterUpdate update = model.BeginParameterUpdate())
        {
            update.Tensor("lstm.weight_hh_l0")[5] += 0.7f;
            update.Tensor("embedding.weight")[4 * SmallModel.EmbeddingSize] -= 0.9f;
        }
        float after = model.Predict(tokens);
        Assert.NotEqual(before, after);
        AssertClose(ReferenceRecurrent.Predict(model, tokens), [after], "after edit");
    }

    [Fact]
    public void AllPaddingGivesTheHeadOfAZeroState()
    {
        var model = new H16Model(seed: 2);
        TestModels.Randomize(model, 1);
        var y = new float[H16Model.OutputSize];
        model.Predict(new int[H16Model.SequenceLength], y);
        for (int o = 0; o < H16Model.OutputSize; o++)
            Assert.Equal(ReferenceRecurrent.Sigmoid(model.FcBias[o]), y[o], 6);
        model.Predict([], y);
        Assert.Equal(ReferenceRecurrent.Sigmoid(model.FcBias[0]), y[0], 6);
    }

    [Fact]
    public void VectorPathIsActiveUnlessAvx2IsDisabled()
    {
        // CI runs the suite normally, with DOTNET_EnableAVX2=0 (the 128-bit path) and with DOTNET_EnableHWIntrinsic=0 (the
        // scalar fallback); KernelInfoTests check which path each run takes.
        bool disabled = Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0" || Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0";
        Assert.Equal(!disabled, VectorMath.IsAccelerated);
    }

    internal static void AssertClose(double[] expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            Assert.True(err <= Tolerance + Tolerance * Math.Abs(expected[i]),
                $"{what}, output {i}: expected {expected[i]:R}, got {actual[i]:R} (error {err:E2})");
        }
    }
}
