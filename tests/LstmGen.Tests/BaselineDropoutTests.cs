using LstmGen.Tests.Models;
using LstmGen.Testing;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// Fixed dropout masks for the text CNN and the feed-forward model, in logical layout, and the double reference
/// (<see cref="ReferenceBaselines"/>' formulas) with them applied as the generated training pass defines them:
///   the embedding site: token t of row b's embedding ⊙ Emb[b][t] (before the CNN's compaction / the mean);
///   the head site: unit u of row b ⊙ Head[u][b]: the CNN's pooled features (u = 0); the feed-forward model's hidden
///   layer u's ReLU output, or with no hidden layer the mean embedding (u = 0).
/// A null site is all ones. <see cref="Install"/> makes a model draw exactly these masks.
/// </summary>
internal sealed class BaselineMasks : MaskedReference
{
    public double[][][]? Emb;   // [row][step][E]
    public double[][][]? Head;  // [unit][row][width]

    /// <summary>The head site's unit widths of <paramref name="model"/>.</summary>
    public static int[] HeadWidths(ISequenceModel model)
    {
        if (model.ParameterLayout.Any(x => x.Name.StartsWith("convs.", StringComparison.Ordinal))) return [model.Shape.HiddenSize];
        int[] hidden = [.. model.ParameterLayout.Where(x => x.Name.StartsWith("hidden.", StringComparison.Ordinal) && x.Name.EndsWith(".bias", StringComparison.Ordinal)).Select(x => x.Length)];
        return hidden.Length == 0 ? [model.Shape.EmbeddingSize] : hidden;
    }

    /// <summary>Random masks of rate <paramref name="p"/> (multipliers 0 or 1/(1 − p) as floats) for the sites asked for.</summary>
    public static BaselineMasks Random(ISequenceModel model, int rows, int seed, float p, bool emb, bool head, float? keep = null)
    {
        ModelShape s = model.Shape;
        var rng = new Rng(seed);
        double k = keep ?? 1f / (1f - p);
        double[] Draw(int n) { var a = new double[n]; for (int i = 0; i < n; i++) a[i] = rng.NextDouble() < p ? 0 : k; return a; }
        return new BaselineMasks
        {
            Emb = emb ? [.. Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, s.SequenceLength).Select(_ => Draw(s.EmbeddingSize)).ToArray())] : null,
            Head = head ? [.. HeadWidths(model).Select(w => Enumerable.Range(0, rows).Select(_ => Draw(w)).ToArray())] : null,
        };
    }

    /// <summary>Sets rate <paramref name="p"/> for each present site and makes the model fill these masks (batch of <paramref name="rows"/>).</summary>
    public void Install(IDropoutModel model, int rows, float p)
    {
        var d = new DropoutSettings { Embedding = Emb is null ? 0 : p, Head = Head is null ? 0 : p };
        d.MaskSource = (site, unit, rowIds, n, width, mask) =>
        {
            Assert.Equal(site == DropoutSite.Embedding, !rowIds.IsEmpty);
            for (int i = 0; i < n; i++)
            {
                // The embedding site's mask rows are the non-padding pairs q = t·rows + b.
                double[] row = site == DropoutSite.Embedding ? Emb![rowIds[i] % rows][rowIds[i] / rows] : Head![unit][i];
                Assert.Equal(width, row.Length);
                for (int j = 0; j < width; j++) mask[i * width + j] = (float)row[j];
            }
        };
        model.Dropout = d;
    }


    /// <summary>Row <paramref name="b"/>'s logits (ReferenceBaselines.Logits with the masks).</summary>
    public override double[] Logits(ISequenceModel model, double[] p, ReadOnlySpan<int> tokens, int b)
    {
        ModelShape s = model.Shape;
        int e = s.EmbeddingSize;
        int emb = Find(model, "embedding.weight").Offset;
        var kept = new List<double[]>();
        for (int t = 0; t < tokens.Length; t++)
        {
            if (tokens[t] == 0) continue;
            var x = new double[e];
            for (int c = 0; c < e; c++) x[c] = p[emb + tokens[t] * e + c] * M(Emb?[b][t], c);
            kept.Add(x);
        }
        int n = kept.Count;
        double[] features;
        if (model.ParameterLayout.Any(x => x.Name.StartsWith("convs.", StringComparison.Ordinal)))
        {
            var all = new List<double>();
            for (int i = 0; model.ParameterLayout.Any(x => x.Name == $"convs.{i}.weight"); i++)
            {
                ParameterInfo w = Find(model, $"convs.{i}.weight");
                int bias = Find(model, $"convs.{i}.bias").Offset;
                int f = w.Shape[0], k = w.Shape[2];
                for (int filter = 0; filter < f; filter++)
                {
                    double best = 0;
                    for (int start = 0; start + k <= n; start++)
                    {
                        double c = p[bias + filter];
                        for (int j = 0; j < k; j++)
                            for (int ch = 0; ch < e; ch++) c += p[w.Offset + (filter * e + ch) * k + j] * kept[start + j][ch];
                        best = Math.Max(best, c);
                    }
                    all.Add(best);
                }
            }
            features = [.. all.Select((v, j) => v * M(Head?[0][b], j))];
        }
        else
        {
            var a = new double[e];
            foreach (double[] x in kept)
                for (int ch = 0; ch < e; ch++) a[ch] += x[ch];
            if (n > 0) for (int ch = 0; ch < e; ch++) a[ch] /= n;
            int l = 0;
            for (; model.ParameterLayout.Any(x => x.Name == $"hidden.{l}.weight"); l++)
            {
                ParameterInfo w = Find(model, $"hidden.{l}.weight");
                int bias = Find(model, $"hidden.{l}.bias").Offset;
                int outputs = w.Shape[0], inputs = w.Shape[1];
                var next = new double[outputs];
                for (int r = 0; r < outputs; r++)
                {
                    double z = p[bias + r];
                    for (int c = 0; c < inputs; c++) z += p[w.Offset + r * inputs + c] * a[c];
                    next[r] = Math.Max(z, 0) * M(Head?[l][b], r);
                }
                a = next;
            }
            if (l == 0) for (int ch = 0; ch < e; ch++) a[ch] *= M(Head?[0][b], ch);
            features = a;
        }
        int fcw = Find(model, "fc.weight").Offset, fcb = Find(model, "fc.bias").Offset, d = features.Length;
        var y = new double[s.OutputSize];
        for (int o = 0; o < y.Length; o++)
        {
            double acc = p[fcb + o];
            for (int k = 0; k < d; k++) acc += p[fcw + o * d + k] * features[k];
            y[o] = acc;
        }
        return y;
    }

    private static ParameterInfo Find(ISequenceModel model, string name) => model.ParameterLayout.Single(x => x.Name == name);
}

/// <summary>
/// Dropout in the text CNN's and the feed-forward model's training pass: gradients against finite differences of the
/// masked double reference; training with masks of factors 0 and 2 equals training without dropout on the masked inputs,
/// bit for bit; rate 0 is today's code bit for bit; Predict ignores dropout; the recurrent-only sites are refused.
/// </summary>
public class BaselineDropoutTests
{
    private static readonly string[] Models =
    [
        nameof(CnnSmallModel), nameof(CnnOddModel), nameof(CnnLinearModel),
        nameof(FfSmallModel), nameof(FfDeepModel), nameof(FfLinearModel), nameof(FfSoftmaxModel),
    ];

    internal static IDropoutModel Create(string name, int seed = 1) => name switch
    {
        nameof(CnnSmallModel) => new CnnSmallModel(seed),
        nameof(CnnOddModel) => new CnnOddModel(seed),
        nameof(CnnLinearModel) => new CnnLinearModel(seed),
        nameof(CnnMediumModel) => new CnnMediumModel(seed),
        nameof(FfSmallModel) => new FfSmallModel(seed),
        nameof(FfDeepModel) => new FfDeepModel(seed),
        nameof(FfLinearModel) => new FfLinearModel(seed),
        nameof(FfSoftmaxModel) => new FfSoftmaxModel(seed),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (string model in Models)
            foreach (string site in new[] { "embedding", "head", "all" })
                data.Add(model, site);
        return data;
    }

    /// <summary>
    /// Tolerances as GradientTests: loss |Δ| ≤ 1e-5·(1 + |L|), each gradient |Δ| ≤ 2e-5 + 1e-3·|fd|. The step is 1e-6 (the
    /// reference is double, so rounding stays near 1e-10): ReLU and max-pool have kinks, and with a 1e-4 step a pre-activation
    /// or a max-pool tie within 1e-4 of switching (FfSoftmaxModel's row 0 has one at 9.6e-5 here) makes the difference straddle it.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientsMatchFiniteDifferencesWithFixedMasks(string name, string site)
    {
        IDropoutModel model = Create(name);
        TestModels.Randomize(model, seed: 21, scale: 0.6f);
        ModelShape s = model.Shape;
        const int rows = 5;
        const float p = 0.3f;
        int[] tokens = TestModels.Tokens(s, rows, seed: 8);
        float[] targets = GradientTests.RandomTargets(s, rows, seed: 3);
        BaselineMasks masks = BaselineMasks.Random(model, rows, seed: 5, p, emb: site != "head", head: site != "embedding");
        masks.Install(model, rows, p);
        GradientTests.AssertMatchesFiniteDifferences(model, $"{name} ({site} dropout)", tokens, targets, q => masks.Loss(model, q, tokens, targets), eps: 1e-6);
    }

    /// <summary>
    /// Embedding dropout = training without dropout on a model whose every (row, step) position has its own token, whose
    /// embedding is the masked embedding (factors 0 or 2, so every product is exact): the loss and every non-embedding
    /// gradient bit for bit, and each token's embedding gradient = Σ over its positions of mask ⊙ that position's (compared
    /// with ==, since a dropped element's product may be −0 on one side and +0 on the other).
    /// </summary>
    [Theory]
    [InlineData(nameof(CnnMediumModel), 4)]
    [InlineData(nameof(FfSoftmaxModel), 4)]
    [InlineData(nameof(FfDeepModel), 2)]
    public void EmbeddingDropoutIsTrainingOnTheMaskedEmbeddings(string name, int rows)
    {
        IDropoutModel model = Create(name, seed: 3), plain = Create(name, seed: 3);
        TestModels.Randomize(model, seed: 4, scale: 0.5f);
        plain.SetParameters(model.Parameters);
        ModelShape s = model.Shape;
        int t = s.SequenceLength, e = s.EmbeddingSize;
        Assert.True(rows * t + 2 <= s.VocabularySize);
        int[] tokens = TestModels.Tokens(s, rows, seed: 6);
        float[] targets = GradientTests.RandomTargets(s, rows, seed: 2);
        BaselineMasks masks = BaselineMasks.Random(model, rows, seed: 9, 0.5f, emb: true, head: false);
        masks.Install(model, rows, 0.5f);

        ParameterInfo info = model.ParameterLayout.Single(x => x.Name == "embedding.weight");
        float[] table = model.Parameters.Slice(info.Offset, info.Length).ToArray();
        float[] own = (float[])table.Clone();
        var ownTokens = new int[tokens.Length];
        for (int b = 0; b < rows; b++)
        {
            for (int k = 0; k < t; k++)
            {
                int token = tokens[b * t + k];
                if (token == 0) continue;
                int id = 2 + b * t + k;
                ownTokens[b * t + k] = id;
                for (int c = 0; c < e; c++) own[id * e + c] = table[token * e + c] * (float)masks.Emb![b][k][c];
            }
        }
        plain.SetParameter("embedding.weight", own);
        var g = new float[model.ParameterCount];
        var expected = new float[model.ParameterCount];
        float loss = model.ComputeGradients(tokens, targets, g, default);
        float plainLoss = plain.ComputeGradients(ownTokens, targets, expected, default);
        Assert.Equal(BitConverter.SingleToInt32Bits(plainLoss), BitConverter.SingleToInt32Bits(loss));

        var embedding = new float[table.Length];
        for (int b = 0; b < rows; b++)
        {
            for (int k = 0; k < t; k++)
            {
                int token = tokens[b * t + k];
                if (token == 0) continue;
                int id = ownTokens[b * t + k];
                for (int c = 0; c < e; c++) embedding[token * e + c] += expected[info.Offset + id * e + c] * (float)masks.Emb![b][k][c];
            }
        }
        embedding.CopyTo(expected, info.Offset);
        for (int i = 0; i < g.Length; i++)
            Assert.True(g[i] == expected[i], $"{name} gradient {i}: {g[i]:R} vs {expected[i]:R}");
    }

    /// <summary>
    /// Head dropout on one row = training without dropout with the masked columns folded into the weights that read the
    /// masked features (fc.weight, factors 0 or 2): the loss bit for bit, every gradient equal (==, as above), the folded
    /// weights' gradient times the mask.
    /// </summary>
    [Theory]
    [InlineData(nameof(CnnSmallModel), "fc.weight")]
    [InlineData(nameof(CnnOddModel), "fc.weight")]
    [InlineData(nameof(FfSmallModel), "fc.weight")]
    [InlineData(nameof(FfLinearModel), "fc.weight")]
    public void HeadDropoutIsTrainingWithTheMaskFoldedIntoTheHead(string name, string reader)
    {
        IDropoutModel model = Create(name, seed: 5), plain = Create(name, seed: 5);
        TestModels.Randomize(model, seed: 7, scale: 0.6f);
        ModelShape s = model.Shape;
        int[] tokens = TestModels.Tokens(s, 1, seed: 3);
        float[] targets = GradientTests.RandomTargets(s, 1, seed: 4);
        BaselineMasks masks = BaselineMasks.Random(model, 1, seed: 2, 0.5f, emb: false, head: true);
        masks.Install(model, 1, 0.5f);
        double[] m = masks.Head![0][0];
        ParameterInfo w = model.ParameterLayout.Single(x => x.Name == reader);
        float[] folded = model.Parameters.Slice(w.Offset, w.Length).ToArray();
        int columns = w.Shape[1];
        Assert.Equal(m.Length, columns);
        for (int i = 0; i < folded.Length; i++) folded[i] *= (float)m[i % columns];
        plain.SetParameters(model.Parameters);
        plain.SetParameter(reader, folded);
        var g = new float[model.ParameterCount];
        var expected = new float[model.ParameterCount];
        float loss = model.ComputeGradients(tokens, targets, g, default);
        float plainLoss = plain.ComputeGradients(tokens, targets, expected, default);
        Assert.Equal(BitConverter.SingleToInt32Bits(plainLoss), BitConverter.SingleToInt32Bits(loss));
        for (int i = 0; i < w.Length; i++) expected[w.Offset + i] *= (float)m[i % columns];
        for (int i = 0; i < g.Length; i++)
            Assert.True(g[i] == expected[i], $"{name} gradient {i}: {g[i]:R} vs {expected[i]:R}");
    }

    [Theory]
    [InlineData(nameof(CnnSmallModel))]
    [InlineData(nameof(FfDeepModel))]
    [InlineData(nameof(FfLinearModel))]
    public void RateZeroIsBitIdenticalToNoDropout(string name)
    {
        IDropoutModel plain = Create(name, seed: 4), zeroed = Create(name, seed: 4);
        ModelShape s = plain.Shape;
        int[] tokens = TestModels.Tokens(s, 6, seed: 2);
        float[] targets = GradientTests.RandomTargets(s, 6, seed: 9);
        var g1 = new float[plain.ParameterCount];
        var g2 = new float[plain.ParameterCount];
        // One batch with both sites on, then the rates back to 0: the next batch must be exactly the plain model's.
        zeroed.Dropout = new DropoutSettings { Embedding = 0.5f, Head = 0.5f, Seed = 3 };
        zeroed.ComputeGradients(tokens, targets, g2, default);
        zeroed.Dropout.Embedding = zeroed.Dropout.Head = 0f;
        float l1 = plain.ComputeGradients(tokens, targets, g1, default);
        float l2 = zeroed.ComputeGradients(tokens, targets, g2, default);
        Assert.Equal(BitConverter.SingleToInt32Bits(l1), BitConverter.SingleToInt32Bits(l2));
        Assert.True(g1.AsSpan().SequenceEqual(g2), "gradients with every rate 0 differ from the model without dropout");

        IDropoutModel a = Create(name, seed: 4), b = Create(name, seed: 4);
        Trainer.Fit(a, tokens, targets, new FitOptions { Epochs = 2, BatchSize = 4, Seed = 1 });
        Trainer.Fit(b, tokens, targets, new FitOptions { Epochs = 2, BatchSize = 4, Seed = 1, Dropout = new DropoutSettings() });
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
    }

    [Theory]
    [InlineData(nameof(CnnSmallModel))]
    [InlineData(nameof(FfDeepModel))]
    public void PredictIgnoresDropoutAndFitWithItIsDeterministic(string name)
    {
        float[] Train(DropoutSettings? dropout, out IDropoutModel model, int threads = 1)
        {
            model = Create(name, seed: 6);
            int[] tokens = TestModels.Tokens(model.Shape, 16, seed: 3);
            float[] targets = GradientTests.RandomTargets(model.Shape, 16, seed: 1);
            Trainer.Fit(model, tokens, targets, new FitOptions { Epochs = 2, BatchSize = 8, Seed = 2, Threads = threads, Dropout = dropout });
            return model.Parameters.ToArray();
        }
        DropoutSettings D() => new() { Embedding = 0.3f, Head = 0.5f, Seed = 5 };
        float[] with = Train(D(), out IDropoutModel trained);
        Assert.True(with.AsSpan().SequenceEqual(Train(D(), out _)), "Fit with dropout is not deterministic");
        Assert.False(with.AsSpan().SequenceEqual(Train(null, out _)), "dropout did not change training");
        // Two shards: each replica draws its own stream (DropoutStream 0 and 1), deterministically.
        float[] two = Train(D(), out _, threads: 2);
        Assert.True(two.AsSpan().SequenceEqual(Train(D(), out _, threads: 2)), "Fit with dropout on 2 threads is not deterministic");
        Assert.False(two.AsSpan().SequenceEqual(Train(null, out _, threads: 2)), "dropout did not change training on 2 threads");

        IDropoutModel twin = Create(name, seed: 6);
        twin.SetParameters(trained.Parameters);
        Assert.True(trained.Dropout.IsActive);
        ModelShape s = trained.Shape;
        int[] probe = TestModels.Tokens(s, 8, seed: 11);
        var y1 = new float[8 * s.OutputSize];
        var y2 = new float[8 * s.OutputSize];
        trained.PredictBatch(probe, y1);
        twin.PredictBatch(probe, y2);
        Assert.True(y1.AsSpan().SequenceEqual(y2), "Predict with dropout settings differs from the same weights without");
        var one = new float[s.OutputSize];
        trained.Predict(probe.AsSpan(0, s.SequenceLength), one);
        Assert.True(one.AsSpan().SequenceEqual(y2.AsSpan(0, s.OutputSize)));
    }

    [Fact]
    public void SeededMasksRepeatPerSeedAndDifferPerBatch()
    {
        var model = new FfDeepModel(seed: 2) { Dropout = new DropoutSettings { Embedding = 0.3f, Head = 0.4f, Seed = 7 } };
        int[] tokens = TestModels.Tokens(model.Shape, 6, seed: 4);
        float[] targets = GradientTests.RandomTargets(model.Shape, 6, seed: 5);
        float[] first = Gradients(model, tokens, targets), second = Gradients(model, tokens, targets);
        Assert.False(first.AsSpan().SequenceEqual(second), "two batches drew the same masks");
        model.Dropout.Seed = 7;
        Assert.True(first.AsSpan().SequenceEqual(Gradients(model, tokens, targets)), "the same seed did not repeat the first batch's masks");
    }

    [Theory]
    [InlineData(nameof(CnnSmallModel), "a text CNN")]
    [InlineData(nameof(FfSmallModel), "a feed-forward model")]
    public void RecurrentSitesAreRefused(string name, string kind)
    {
        IDropoutModel model = Create(name);
        ModelShape s = model.Shape;
        int[] tokens = TestModels.Tokens(s, 2, seed: 1);
        float[] targets = GradientTests.RandomTargets(s, 2, seed: 1);
        var g = new float[model.ParameterCount];
        model.Dropout = new DropoutSettings { Input = 0.2f };
        var e = Assert.Throws<InvalidOperationException>(() => model.ComputeGradients(tokens, targets, g, default));
        Assert.Contains($"Dropout.Input is {0.2f}", e.Message);
        Assert.Contains($"{name} is {kind}", e.Message);
        model.Dropout = new DropoutSettings { Recurrent = 0.1f, Embedding = 0.2f };
        e = Assert.Throws<InvalidOperationException>(() => model.ComputeGradients(tokens, targets, g, default));
        Assert.Contains($"Dropout.Recurrent is {0.1f}", e.Message);
        Assert.Throws<InvalidOperationException>(() => Trainer.Fit(model, tokens, targets, new FitOptions { Epochs = 1, Dropout = new DropoutSettings { Input = 0.5f } }));
        model.Dropout = new DropoutSettings { Embedding = 0.2f, Head = 0.2f };
        Assert.True(float.IsFinite(model.ComputeGradients(tokens, targets, g, default)));
    }

    private static float[] Gradients(ITrainableModel model, int[] tokens, float[] targets)
    {
        var g = new float[model.ParameterCount];
        model.ComputeGradients(tokens, targets, g, default);
        return g;
    }
}

/// <summary>
/// Against PyTorch 2.6 (tests/pytorch/make_baseline_dropout_fixtures.py): the training loss and every gradient of a text
/// CNN and a two-hidden-layer feed-forward model with the fixture's fixed masks on the embedding and head sites.
/// Tolerances: loss |Δ| ≤ 1e-5, each gradient |Δ| ≤ 1e-5 + 1e-4·|g|.
/// </summary>
public class BaselineDropoutTorchTests
{
    [Theory]
    [InlineData("cnn_small")]
    [InlineData("ff_deep")]
    public void LossAndGradientsMatchPyTorchWithFixedMasks(string fixture)
    {
        TorchFixture fx = TorchFixture.LoadFile($"dropout_{fixture}.bin");
        IDropoutModel model = fixture == "cnn_small" ? new CnnSmallModel() : new FfDeepModel();
        foreach (ParameterInfo info in model.ParameterLayout) model.SetParameter(info.Name, fx.Floats(info.Name));
        int[] tokens = fx.Ints("tokens");
        float[] targets = fx.Floats("targets");
        ModelShape s = model.Shape;
        int rows = tokens.Length / s.SequenceLength, t = s.SequenceLength, e = s.EmbeddingSize;
        float[] emb = fx.Floats("mask_emb");
        var d = new DropoutSettings { Embedding = 0.3f, Head = 0.3f };
        d.MaskSource = (site, unit, rowIds, n, width, mask) =>
        {
            if (site == DropoutSite.Embedding)
            {
                // Row i is the non-padding pair q = step·B + row.
                Assert.Equal(tokens.Count(x => x != 0), n);
                for (int i = 0; i < n; i++) emb.AsSpan(((rowIds[i] % rows) * t + rowIds[i] / rows) * e, e).CopyTo(mask.Slice(i * width, width));
                return;
            }
            Assert.Equal(DropoutSite.Head, site);
            float[] m = fx.Floats($"mask_head_u{unit}");
            Assert.Equal(n * width, m.Length);
            m.CopyTo(mask);
        };
        model.Dropout = d;
        var gradients = new float[model.ParameterCount];
        float loss = model.ComputeGradients(tokens, targets, gradients, default);
        DropoutTorchTests.AssertMatches(fx, model, loss, gradients, fixture);
    }
}

/// <summary>Steady-state allocation of a text CNN / feed-forward training step with both dropout sites on.</summary>
[Collection(AllocationCollection.Name)]
public class BaselineDropoutAllocationTests
{
    [Theory]
    [InlineData(nameof(CnnSmallModel))]
    [InlineData(nameof(FfDeepModel))]
    public void TrainingStepWithDropoutAllocatesNothing(string name)
    {
        IDropoutModel model = BaselineDropoutTests.Create(name, seed: 1);
        model.Dropout = new DropoutSettings { Embedding = 0.2f, Head = 0.5f, Seed = 1 };
        int[] tokens = TestModels.Tokens(model.Shape, 8, seed: 1);
        float[] targets = GradientTests.RandomTargets(model.Shape, 8, seed: 2);
        using var step = new TrainingStep(model, new Adam());
        Allocations.AssertNone(() => step.Run(tokens, targets), what: $"{name}: a training step with dropout");
    }
}

/// <summary>
/// <see cref="DropoutSettings.FillMask"/> against its documented formula, element for element: element j of mask row r
/// (width W) is kept when its 24 bits of u = SplitMix64's finaliser of (key + (r·⌈W/2⌉ + ⌊j/2⌋ + 1)·φ) are ≥ ⌊p·2²⁴⌋
/// (bits 40–63 for an even j, 8–31 for an odd j), and a kept element is exactly 1/(1 − p).
/// </summary>
public class DropoutMaskFormulaTests
{
    private static ulong Finalise(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    [Theory]
    [InlineData(0.2f, 128, 7)]
    [InlineData(0.5f, 7, 5)]
    [InlineData(0.3f, 1, 9)]
    [InlineData(0.05f, 33, 3)]
    public void FillMaskIsTheDocumentedFormula(float p, int width, int rows)
    {
        var d = new DropoutSettings { Head = p, Embedding = p, Seed = 13 };
        int[] ids = [.. Enumerable.Range(0, rows).Select(i => 3 * i + 1)];
        foreach ((DropoutSite site, int[] rowIds) in new[] { (DropoutSite.Head, Array.Empty<int>()), (DropoutSite.Embedding, ids) })
        {
            var mask = new float[rows * width];
            d.FillMask(site, 2, 1, 4, rowIds, rows, width, mask);
            ulong key = DropoutSettings.StreamKey(13, 1, 4, site, 2);
            ulong threshold = (ulong)(p * 16777216.0);
            float scale = 1f / (1f - p);
            ulong half = (ulong)(width + 1) / 2;
            for (int i = 0; i < rows; i++)
            {
                ulong r = (ulong)(rowIds.Length == 0 ? i : rowIds[i]);
                for (int j = 0; j < width; j++)
                {
                    ulong u = Finalise(unchecked(key + (r * half + (ulong)(j / 2) + 1) * 0x9E3779B97F4A7C15UL));
                    ulong bits = j % 2 == 0 ? u >> 40 : (u >> 8) & 0xFFFFFF;
                    float expected = bits >= threshold ? scale : 0f;
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(mask[i * width + j]),
                        $"{site} p {p} W {width}: row {i}, element {j} is {mask[i * width + j]:R}, the formula gives {expected:R}");
                }
            }
        }
    }
}
