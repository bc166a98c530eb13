using LstmGen.Tests.Models;
using LstmGen.Testing;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// Dropout in the generated training pass: with fixed masks the gradients match finite differences of the double
/// reference that applies the same masks (<see cref="FixedMasks"/>); rate 0 is today's code bit for bit; Predict ignores
/// dropout; the seeded masks are deterministic per seed and differ per batch.
/// </summary>
public class DropoutTests
{
    private static readonly string[] Cells =
    [
        nameof(SmallModel), nameof(GruSmallModel), nameof(RnnSmallModel),
        nameof(LstmL2BiModel), nameof(GruL2BiModel), nameof(RnnL2BiModel), nameof(RnnBiSoftmaxModel),
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string model in Cells)
            foreach (string site in new[] { "embedding", "input", "recurrent", "head", "all" })
                data.Add(model, site);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchFiniteDifferencesWithFixedMasks(string name, string site)
    {
        var model = (IDropoutModel)TestModels.Create(name);
        TestModels.Randomize(model, seed: 21, scale: 0.6f);
        ModelShape s = model.Shape;
        const int rows = 5;
        const float p = 0.3f;
        int[] tokens = TestModels.Tokens(s, rows, seed: 8);
        float[] targets = GradientTests.RandomTargets(s, rows, seed: 3);
        bool all = site == "all";
        FixedMasks masks = FixedMasks.Random(model, rows, seed: 5, p,
            emb: all || site == "embedding", input: all || site == "input", rec: all || site == "recurrent", head: all || site == "head");
        masks.Install(model, rows, p);
        GradientTests.AssertMatchesFiniteDifferences(model, $"{name} ({site} dropout)", tokens, targets, q => masks.Loss(model, q, tokens, targets), eps: 1e-4);
    }

    [Theory]
    [InlineData(nameof(SmallModel))]
    [InlineData(nameof(GruL2BiModel))]
    [InlineData(nameof(RnnL2BiModel))]
    [InlineData(nameof(LstmL2BiModel))]
    public void RateZeroIsBitIdenticalToNoDropout(string name)
    {
        var plain = (IDropoutModel)TestModels.Create(name, seed: 4);
        var zeroed = (IDropoutModel)TestModels.Create(name, seed: 4);
        ModelShape s = plain.Shape;
        int[] tokens = TestModels.Tokens(s, 6, seed: 2);
        float[] targets = GradientTests.RandomTargets(s, 6, seed: 9);
        var g1 = new float[plain.ParameterCount];
        var g2 = new float[plain.ParameterCount];
        // One batch with every site on, then all rates back to 0: the next batch must be exactly the plain model's.
        zeroed.Dropout = new DropoutSettings { Embedding = 0.5f, Input = 0.5f, Recurrent = 0.5f, Head = 0.5f, Seed = 3 };
        zeroed.ComputeGradients(tokens, targets, g2, default);
        zeroed.Dropout.Embedding = zeroed.Dropout.Input = zeroed.Dropout.Recurrent = zeroed.Dropout.Head = 0f;
        float l1 = plain.ComputeGradients(tokens, targets, g1, default);
        float l2 = zeroed.ComputeGradients(tokens, targets, g2, default);
        Assert.Equal(BitConverter.SingleToInt32Bits(l1), BitConverter.SingleToInt32Bits(l2));
        Assert.True(g1.AsSpan().SequenceEqual(g2), "gradients with every rate 0 differ from the model without dropout");

        // Fit with FitOptions.Dropout all 0 = Fit without it, weight for weight.
        var a = (IDropoutModel)TestModels.Create(name, seed: 4);
        var b = (IDropoutModel)TestModels.Create(name, seed: 4);
        var options = new FitOptions { Epochs = 2, BatchSize = 4, Seed = 1 };
        Trainer.Fit(a, tokens, targets, options);
        Trainer.Fit(b, tokens, targets, new FitOptions { Epochs = 2, BatchSize = 4, Seed = 1, Dropout = new DropoutSettings() });
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
    }

    [Theory]
    [InlineData(nameof(LstmL2BiModel))]
    [InlineData(nameof(GruSmallModel))]
    public void PredictIgnoresDropout(string name)
    {
        var trained = (IDropoutModel)TestModels.Create(name, seed: 6);
        var twin = (IDropoutModel)TestModels.Create(name, seed: 6);
        ModelShape s = trained.Shape;
        int[] tokens = TestModels.Tokens(s, 8, seed: 3);
        float[] targets = GradientTests.RandomTargets(s, 8, seed: 1);
        Trainer.Fit(trained, tokens, targets, new FitOptions
        {
            Epochs = 1, BatchSize = 4, Dropout = new DropoutSettings { Embedding = 0.4f, Input = 0.2f, Recurrent = 0.3f, Head = 0.5f },
        });
        twin.SetParameters(trained.Parameters);
        Assert.True(trained.Dropout.IsActive);
        var y1 = new float[8 * s.OutputSize];
        var y2 = new float[8 * s.OutputSize];
        trained.PredictBatch(tokens, y1);
        twin.PredictBatch(tokens, y2);
        Assert.True(y1.AsSpan().SequenceEqual(y2), "Predict with dropout settings differs from the same weights without");
        var one = new float[s.OutputSize];
        trained.Predict(tokens.AsSpan(0, s.SequenceLength), one);
        Assert.True(one.AsSpan().SequenceEqual(y2.AsSpan(0, s.OutputSize)));
    }

    [Fact]
    public void MasksAreDeterministicPerSeedAndDifferPerBatch()
    {
        var model = new LstmL2BiModel(seed: 2);
        ModelShape s = model.Shape;
        int[] tokens = TestModels.Tokens(s, 6, seed: 4);
        float[] targets = GradientTests.RandomTargets(s, 6, seed: 5);
        model.Dropout = new DropoutSettings { Embedding = 0.3f, Input = 0.2f, Recurrent = 0.25f, Head = 0.4f, Seed = 7 };
        float[] first = Gradients(model, tokens, targets), second = Gradients(model, tokens, targets);
        Assert.False(first.AsSpan().SequenceEqual(second), "two batches drew the same masks");
        model.Dropout.Seed = 7; // restarts the stream
        Assert.True(first.AsSpan().SequenceEqual(Gradients(model, tokens, targets)), "the same seed did not repeat the first batch's masks");

        var other = new LstmL2BiModel(seed: 2) { Dropout = new DropoutSettings { Embedding = 0.3f, Input = 0.2f, Recurrent = 0.25f, Head = 0.4f, Seed = 7 } };
        Assert.True(first.AsSpan().SequenceEqual(Gradients(other, tokens, targets)));
        other.Dropout.Seed = 8;
        Assert.False(first.AsSpan().SequenceEqual(Gradients(other, tokens, targets)), "another seed drew the same masks");
    }

    [Fact]
    public void FitWithDropoutIsDeterministicAndChangesTraining()
    {
        float[] Train(int threads, DropoutSettings? dropout, int seed = 1)
        {
            var model = new GruL2BiModel(seed: 3);
            int[] tokens = TestModels.Tokens(model.Shape, 24, seed: 6);
            float[] targets = GradientTests.RandomTargets(model.Shape, 24, seed: 7);
            Trainer.Fit(model, tokens, targets, new FitOptions { Epochs = 2, BatchSize = 8, Seed = seed, Threads = threads, Dropout = dropout });
            return model.Parameters.ToArray();
        }
        DropoutSettings D() => new() { Embedding = 0.2f, Input = 0.2f, Recurrent = 0.2f, Head = 0.3f, Seed = 11 };
        float[] single = Train(1, D());
        Assert.True(single.AsSpan().SequenceEqual(Train(1, D())), "Fit with dropout is not deterministic");
        Assert.False(single.AsSpan().SequenceEqual(Train(1, null)), "dropout did not change training");
        Assert.False(single.AsSpan().SequenceEqual(Train(1, D(), seed: 2)), "another fit seed drew the same masks");
        float[] two = Train(2, D());
        Assert.True(two.AsSpan().SequenceEqual(Train(2, D())), "Fit with dropout on 2 threads is not deterministic");
    }

    [Fact]
    public void SeededMasksHaveTheRateAndTheInvertedScale()
    {
        var d = new DropoutSettings { Embedding = 0.25f, Seed = 3 };
        const int rows = 400, width = 64;
        var a = new float[rows * width];
        var b = new float[rows * width];
        d.FillMask(DropoutSite.Embedding, 0, 0, 0, default, rows, width, a);
        int dropped = a.Count(v => v == 0f);
        Assert.InRange(dropped / (double)a.Length, 0.24, 0.26);
        Assert.All(a.Where(v => v != 0f), v => Assert.Equal(1f / 0.75f, v));
        d.FillMask(DropoutSite.Embedding, 0, 0, 0, default, rows, width, b);
        Assert.True(a.AsSpan().SequenceEqual(b));
        d.FillMask(DropoutSite.Embedding, 0, 0, 1, default, rows, width, b);   // next batch
        Assert.False(a.AsSpan().SequenceEqual(b));
        d.FillMask(DropoutSite.Embedding, 0, 1, 0, default, rows, width, b);   // another replica's stream
        Assert.False(a.AsSpan().SequenceEqual(b));
        d.FillMask(DropoutSite.Head, 0, 0, 0, default, rows, width, b);        // another site (rate 0: all kept)
        Assert.All(b, v => Assert.Equal(1f, v));
        // Even and odd elements (two per hash) each have the rate; an odd width fills every element.
        Assert.InRange(a.Where((_, i) => i % 2 == 1).Count(v => v == 0f) / (a.Length / 2.0), 0.235, 0.265);
        var odd = new float[rows * 7];
        odd.AsSpan().Fill(-1f);
        d.FillMask(DropoutSite.Embedding, 0, 0, 0, default, rows, 7, odd);
        Assert.All(odd, v => Assert.True(v == 0f || v == 1f / 0.75f));
        Assert.InRange(odd.Count(v => v == 0f) / (double)odd.Length, 0.22, 0.28);
    }

    [Fact]
    public void RatesOutsideTheRangeAreRefused()
    {
        var d = new DropoutSettings();
        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(() => d.Recurrent = 1f);
        Assert.Contains("Recurrent is 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Embedding = -0.1f);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Head = float.NaN);
        Assert.Throws<ArgumentNullException>(() => new SmallModel().Dropout = null!);
    }

    private static float[] Gradients(ITrainableModel model, int[] tokens, float[] targets)
    {
        var g = new float[model.ParameterCount];
        model.ComputeGradients(tokens, targets, g, default);
        return g;
    }
}

/// <summary>Steady-state allocation of a training step with every dropout site on.</summary>
[Collection(AllocationCollection.Name)]
public class DropoutAllocationTests
{
    [Theory]
    [InlineData(nameof(LstmL2BiModel))]
    [InlineData(nameof(GruSmallModel))]
    public void TrainingStepWithDropoutAllocatesNothing(string name)
    {
        var model = (IDropoutModel)TestModels.Create(name, seed: 1);
        model.Dropout = new DropoutSettings { Embedding = 0.2f, Input = 0.2f, Recurrent = 0.2f, Head = 0.5f, Seed = 1 };
        int[] tokens = TestModels.Tokens(model.Shape, 8, seed: 1);
        float[] targets = GradientTests.RandomTargets(model.Shape, 8, seed: 2);
        using var step = new TrainingStep(model, new Adam());
        Allocations.AssertNone(() => step.Run(tokens, targets), what: $"{name}: a training step with dropout");
    }
}
