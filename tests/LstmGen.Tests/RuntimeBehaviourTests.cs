using LstmGen.Tests.Models;

namespace LstmGen.Tests;

/// <summary>Allocation-free hot paths, thread safety, layout and initialisation.</summary>
[Collection(AllocationCollection.Name)]
public class RuntimeBehaviourTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PredictAllocatesNothingAfterWarmUp(bool folded)
    {
        var model = new ReferenceModel { UseFoldedEmbedding = folded };
        int[] tokens = TestModels.Tokens(model.Shape, 32, seed: 1);
        var outputs = new float[32];
        float sink = 0;
        Allocations.AssertNone(() =>
        {
            for (int i = 0; i < 10; i++) sink += model.Predict(tokens.AsSpan(0, ReferenceModel.SequenceLength));
            model.PredictBatch(tokens, outputs);
        });
        Assert.True(float.IsFinite(sink));
    }

    [Fact]
    public void ConcurrentPredictOnOneInstanceIsSafe()
    {
        var model = new ReferenceModel(seed: 8);
        int[] tokens = TestModels.Tokens(model.Shape, 16, seed: 4);
        var expected = new float[16];
        for (int r = 0; r < 16; r++) expected[r] = model.Predict(tokens.AsSpan(r * 100, 100));
        var batchExpected = new float[16];
        model.PredictBatch(tokens, batchExpected);
        var failures = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var batch = new float[16];
            for (int iter = 0; iter < 20; iter++)
            {
                int r = (worker + iter) % 16;
                if (model.Predict(tokens.AsSpan(r * 100, 100)) != expected[r]) Interlocked.Increment(ref failures);
                model.PredictBatch(tokens, batch);
                if (!batch.AsSpan().SequenceEqual(batchExpected)) Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }

    [Fact]
    public void LayoutIsContiguousAndUsesPyTorchNamesAndShapes()
    {
        var model = new ReferenceModel();
        string[] names = ["embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias"];
        Assert.Equal(names, model.ParameterLayout.Select(p => p.Name));
        Assert.Equal("[256, 128]", model.ParameterLayout[1].ShapeText);
        Assert.Equal("[256, 64]", model.ParameterLayout[2].ShapeText);
        int offset = 0;
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            Assert.Equal(offset, p.Offset);
            Assert.Equal(p.Shape.Aggregate(1, (a, b) => a * b), p.Length);
            offset += p.Length;
        }
        Assert.Equal(ReferenceModel.ParameterCount, offset);
        Assert.Equal(10_000 * 128 + 256 * 128 + 256 * 64 + 2 * 256 + 64 + 1, ReferenceModel.ParameterCount);
        Assert.Equal(ReferenceModel.LstmWeightHhOffset, model.ParameterLayout[2].Offset);
    }

    [Fact]
    public void InitialisationIsKerasLikeAndDeterministic()
    {
        var a = new ReferenceModel(seed: 42);
        var b = new ReferenceModel(seed: 42);
        var c = new ReferenceModel(seed: 43);
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        Assert.False(a.Parameters.SequenceEqual(c.Parameters));

        // Glorot-uniform limits: √(6 / (fanIn + fanOut)).
        float ihLimit = MathF.Sqrt(6f / (128 + 256));
        Assert.All(a.LstmWeightIh.ToArray(), w => Assert.InRange(w, -ihLimit, ihLimit));
        Assert.True(a.LstmWeightIh.ToArray().Max() > 0.9f * ihLimit);
        Assert.All(a.EmbeddingWeight.ToArray(), w => Assert.InRange(w, -0.05f, 0.05f));

        // Biases: zero except the forget gate's, whose b_ih + b_hh = 1.
        float[] bias = a.LstmBiasIh.ToArray().Zip(a.LstmBiasHh.ToArray(), (x, y) => x + y).ToArray();
        for (int j = 0; j < 256; j++) Assert.Equal(j is >= 64 and < 128 ? 1f : 0f, bias[j]);

        // Orthogonal recurrent kernel: W_hh [4H, H] has orthonormal columns, W_hhᵀ·W_hh = I.
        float[] w = a.LstmWeightHh.ToArray();
        for (int p = 0; p < 64; p++)
            for (int q = 0; q < 64; q++)
            {
                double dot = 0;
                for (int r = 0; r < 256; r++) dot += (double)w[r * 64 + p] * w[r * 64 + q];
                Assert.Equal(p == q ? 1.0 : 0.0, dot, 5);
            }
    }
}

/// <summary>The allocation check itself: it must catch a per-call allocation and pass code that allocates nothing.</summary>
[Collection(AllocationCollection.Name)]
public class AllocationCheckTests
{
    private static object? s_keep;

    [Fact]
    public void CatchesAPerCallAllocationAndPassesNone()
    {
        var e = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => Allocations.AssertNone(() => s_keep = new byte[100]));
        Assert.Contains("allocated in every one of 5 windows", e.Message);
        int sum = 0;
        Allocations.AssertNone(() => sum += s_keep is null ? 0 : 1);
        Assert.InRange(sum, 4, 16); // the warm-up call, then 1 to 5 windows of 3 calls
    }
}
