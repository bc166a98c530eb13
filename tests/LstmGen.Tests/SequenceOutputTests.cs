using LstmGen.Serialization;
using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// <c>ReturnSequences = true</c>: the head at every step. Per-step outputs and the mean loss over real steps against the
/// PyTorch fixture torch_seq_lstm_lm (tests/pytorch/make_sequence_fixtures.py) and the double reference
/// (<see cref="ReferenceRecurrent.Logits"/> with its per-step outputs), gradients against finite differences, padding,
/// bad input, allocation and the model file.
/// </summary>
[Collection(AllocationCollection.Name)]
public class SequenceOutputTests
{
    public static TheoryData<string> Models => new()
    {
        nameof(SeqLstmLmModel), nameof(SeqGruL2BiModel), nameof(SeqRnnL3Model), nameof(SeqLstmBiSoftmaxModel),
    };

    internal static ITrainableModel Create(string name, int seed = 1) => name switch
    {
        nameof(SeqLstmLmModel) => new SeqLstmLmModel(seed),
        nameof(SeqGruL2BiModel) => new SeqGruL2BiModel(seed),
        nameof(SeqRnnL3Model) => new SeqRnnL3Model(seed),
        nameof(SeqLstmBiSoftmaxModel) => new SeqLstmBiSoftmaxModel(seed),
        nameof(SeqCharModel) => new SeqCharModel(seed),
        _ => throw new ArgumentException(name),
    };

    [Fact]
    public void LanguageModelMatchesPyTorchLogitsLossAndEveryGradient()
    {
        TorchFixture f = TorchFixture.Load("seq_lstm_lm");
        var model = new SeqLstmLmModel();
        foreach (ParameterInfo p in model.ParameterLayout) model.SetParameter(p.Name, f.Floats(p.Name));
        int t = SeqLstmLmModel.SequenceLength, o = SeqLstmLmModel.OutputSize;
        int[] tokens = f.Ints("tokens"), classes = f.Ints("targets"), lengths = f.Ints("lengths");
        float[] expectedLogits = f.Floats("logits"), expectedProbabilities = f.Floats("probabilities");

        // Tolerance 2e-5: float32 against float32 summed in other orders, logits of magnitude ≤ 3.
        var logits = new float[tokens.Length * o];
        model.PredictLogitsBatch(tokens, logits);
        AssertClose(expectedLogits, logits, 2e-5, "logits");
        var probabilities = new float[tokens.Length * o];
        model.PredictBatch(tokens, probabilities);
        AssertClose(expectedProbabilities, probabilities, 2e-5, "probabilities");
        for (int b = 0; b < lengths.Length; b++)
        {
            // One row cut to its length: steps·O outputs.
            var row = new float[lengths[b] * o];
            model.PredictLogits(tokens.AsSpan(b * t, lengths[b]), row);
            AssertClose(expectedLogits.AsSpan(b * t * o, lengths[b] * o).ToArray(), row, 2e-5, $"row {b}");
        }

        var gradients = new float[SeqLstmLmModel.ParameterCount];
        var outputs = new float[tokens.Length * o];
        float loss = model.ComputeGradients(tokens, classes, gradients, outputs);
        Assert.Equal(f.Floats("loss")[0], loss, 1e-5);
        AssertClose(expectedProbabilities, outputs, 2e-5, "training outputs");
        foreach (ParameterInfo p in model.ParameterLayout)
            AssertClose(f.Floats("grad." + p.Name), gradients.AsSpan(p.Offset, p.Length).ToArray(), 1e-5, "grad." + p.Name, relative: 1e-4);

        // One-hot float targets: the same loss and gradients as the class ids (padded steps' targets may be anything).
        var oneHot = new float[tokens.Length * o];
        for (int q = 0; q < tokens.Length; q++) if (tokens[q] != 0) oneHot[q * o + classes[q]] = 1;
        var again = new float[SeqLstmLmModel.ParameterCount];
        Assert.Equal(loss, model.ComputeGradients(tokens, oneHot, again, default), 6);
        for (int i = 0; i < gradients.Length; i++) Assert.Equal(gradients[i], again[i], 6);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PerStepOutputsMatchTheDoubleReference(string name)
    {
        ITrainableModel model = Create(name);
        TestModels.Randomize(model, seed: 5, scale: 0.6f);
        ModelShape s = model.Shape;
        Assert.True(s.ReturnSequences);
        int t = s.SequenceLength, o = s.OutputSize, rows = 7;
        int[] tokens = TestModels.Tokens(s, rows, seed: 4);
        double[] p = model.ParameterValuesAsDouble();
        var batch = new float[rows * t * o];
        var activated = new float[rows * t * o];
        foreach (bool folded in new[] { true, false })
        {
            ((IRecurrentModel)model).GetType().GetProperty("UseFoldedEmbedding")!.SetValue(model, folded);
            model.PredictLogitsBatch(tokens, batch);
            model.PredictBatch(tokens, activated);
            for (int b = 0; b < rows; b++)
            {
                int[] row = tokens[(b * t)..((b + 1) * t)];
                double[]?[] expected = StepLogits(model, p, row);
                // One row through the single-row path too, full length and cut after its last real step.
                var single = new float[t * o];
                model.PredictLogits(row, single);
                int cut = Array.FindLastIndex(row, x => x != 0) + 1;
                var shorter = new float[cut * o];
                model.PredictLogits(row.AsSpan(0, cut), shorter);
                for (int k = 0; k < t; k++)
                {
                    for (int j = 0; j < o; j++)
                    {
                        float got = batch[(b * t + k) * o + j];
                        if (expected[k] is null)
                        {
                            // Padded steps: exactly 0, before and after the activation.
                            Assert.Equal(0f, got);
                            Assert.Equal(0f, single[k * o + j]);
                            Assert.Equal(0f, activated[(b * t + k) * o + j]);
                            continue;
                        }
                        Assert.True(Math.Abs(got - expected[k]![j]) <= 2e-5, $"{name} folded={folded} row {b} step {k} output {j}: {got} vs {expected[k]![j]}");
                        // The single-row path sums in another order: 1e-5 of the batch path.
                        Assert.True(Math.Abs(got - single[k * o + j]) <= 1e-5, $"{name} single row {b} step {k}: {single[k * o + j]} vs {got}");
                        if (k < cut) Assert.True(Math.Abs(got - shorter[k * o + j]) <= 1e-5, $"{name} cut row {b} step {k}: {shorter[k * o + j]} vs {got}");
                    }
                    if (expected[k] is double[] z)
                    {
                        double[] y = ReferenceRecurrent.Activate(s, z);
                        for (int j = 0; j < o; j++) Assert.True(Math.Abs(y[j] - activated[(b * t + k) * o + j]) <= 2e-5, $"{name} activated row {b} step {k}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void GradientsMatchFiniteDifferencesOfTheReferenceLoss(string name)
    {
        ITrainableModel model = Create(name);
        TestModels.Randomize(model, seed: 21, scale: 0.6f);
        ModelShape s = model.Shape;
        const int rows = 5;
        int[] tokens = TestModels.Tokens(s, rows, seed: 8); // padded at the front, back and middle
        bool useClasses = s.Output == OutputActivation.Softmax;
        int[] classes = RandomClasses(s, tokens, seed: 3);
        float[] targets = RandomStepTargets(s, tokens, seed: 3);
        var gradients = new float[model.ParameterCount];
        float loss = useClasses
            ? ((IStepClassModel)model).ComputeGradients(tokens, classes, gradients, default)
            : model.ComputeGradients(tokens, targets, gradients, default);
        double[] p = model.ParameterValuesAsDouble();
        double Reference(double[] q) => ReferenceLoss(model, q, tokens, useClasses ? null : targets, useClasses ? classes : null);
        double reference = Reference(p);
        Assert.True(Math.Abs(loss - reference) <= 1e-5 * (1 + Math.Abs(reference)), $"loss {loss} vs reference {reference}");

        // Central differences, eps = 1e-4 (truncation ~1e-8); every value of tensors up to 60, a seeded 60 of larger ones.
        const double eps = 1e-4;
        var rng = new Rng(17);
        foreach (ParameterInfo info in model.ParameterLayout)
        {
            int count = Math.Min(info.Length, 60);
            for (int c = 0; c < count; c++)
            {
                int i = info.Offset + (info.Length <= 60 ? c : rng.NextInt(info.Length));
                double saved = p[i];
                p[i] = saved + eps;
                double up = Reference(p);
                p[i] = saved - eps;
                double down = Reference(p);
                p[i] = saved;
                double fd = (up - down) / (2 * eps);
                Assert.True(Math.Abs(gradients[i] - fd) <= 2e-5 + 1e-3 * Math.Abs(fd),
                    $"{name} {info.Name}[{i - info.Offset}]: analytic {gradients[i]:E4}, finite difference {fd:E4}");
            }
        }
    }

    [Theory]
    [InlineData(nameof(SeqLstmLmModel))]
    [InlineData(nameof(SeqGruL2BiModel))]
    [InlineData(nameof(SeqRnnL3Model))]
    public void PaddedStepsCarryNoLossAndNoGradient(string name)
    {
        ITrainableModel model = Create(name, seed: 2);
        TestModels.Randomize(model, seed: 6, scale: 0.5f);
        ModelShape s = model.Shape;
        int t = s.SequenceLength, o = s.OutputSize;
        // The same three tokens, padded in the middle and at the end; targets at padded steps are garbage.
        var spread = new int[t];
        var packed = new int[t];
        spread[0] = 5; spread[2] = 6; spread[3] = 7;
        packed[0] = 5; packed[1] = 6; packed[2] = 7;
        var g1 = new float[model.ParameterCount];
        var g2 = new float[model.ParameterCount];
        float l1, l2;
        if (model is IStepClassModel classModel)
        {
            int[] c1 = Enumerable.Repeat(o + 50, t).ToArray(), c2 = Enumerable.Repeat(-1, t).ToArray();
            c1[0] = c2[0] = 1; c1[2] = c2[1] = 2; c1[3] = c2[2] = 3;
            l1 = classModel.ComputeGradients(spread, c1, g1, default);
            l2 = classModel.ComputeGradients(packed, c2, g2, default);
        }
        else
        {
            float[] y1 = Enumerable.Repeat(float.NaN, t * o).ToArray(), y2 = new float[t * o];
            for (int k = 0; k < 3; k++)
                for (int j = 0; j < o; j++) y1[new[] { 0, 2, 3 }[k] * o + j] = y2[k * o + j] = 0.25f * (k + 1);
            l1 = model.ComputeGradients(spread, y1, g1, default);
            l2 = model.ComputeGradients(packed, y2, g2, default);
        }
        Assert.True(float.IsFinite(l1) && l1 > 0);
        Assert.Equal(l2, l1, 6);
        for (int i = 0; i < g1.Length; i++) Assert.Equal(g2[i], g1[i], 6);
        // Only the used tokens' embedding rows get a gradient.
        for (int v = 0; v < s.VocabularySize; v++)
        {
            float norm = 0;
            for (int e = 0; e < s.EmbeddingSize; e++) norm += MathF.Abs(g1[v * s.EmbeddingSize + e]);
            Assert.True(v is 5 or 6 or 7 ? norm > 0 : norm == 0, $"{name} token {v}: |grad| = {norm}");
        }
    }

    [Theory]
    [InlineData(nameof(SeqGruL2BiModel))]
    [InlineData(nameof(SeqLstmLmModel))]
    public void HiddenGradientNormsMatchFiniteDifferences(string name)
    {
        // norms[t] = Σ_b ‖∂L/∂h_{b,t}‖₂ of the top layer's forward h, L the mean over real steps: the head's gradient
        // enters at every step, not only the last. Central differences of the reference loss, eps = 1e-5.
        ITrainableModel model = Create(name);
        TestModels.Randomize(model, seed: 12, scale: 0.6f);
        ModelShape s = model.Shape;
        const int rows = 3;
        int[] tokens = TestModels.Tokens(s, rows, seed: 2);
        float[] targets = RandomStepTargets(s, tokens, seed: 5);
        var norms = new float[s.SequenceLength];
        float loss = ((IRecurrentModel)model).ComputeHiddenGradientNorms(tokens, targets, norms);
        double[] p = model.ParameterValuesAsDouble();
        Assert.Equal(ReferenceLoss(model, p, tokens, targets, null), loss, 5);
        const double eps = 1e-5;
        for (int k = 0; k < s.SequenceLength; k++)
        {
            double expected = 0;
            for (int b = 0; b < rows; b++)
            {
                double squares = 0;
                for (int j = 0; j < s.HiddenSize; j++)
                {
                    double d = (ReferenceLoss(model, p, tokens, targets, null, b, k, j, eps) - ReferenceLoss(model, p, tokens, targets, null, b, k, j, -eps)) / (2 * eps);
                    squares += d * d;
                }
                expected += Math.Sqrt(squares);
            }
            Assert.True(Math.Abs(norms[k] - expected) <= 1e-5 + 1e-3 * expected, $"{name} step {k}: {norms[k]} vs finite differences {expected}");
        }
    }

    [Fact]
    public void ABatchOfPaddingOnlyHasZeroLossAndGradient()
    {
        var model = new SeqLstmLmModel(3);
        var gradients = Enumerable.Repeat(1f, SeqLstmLmModel.ParameterCount).ToArray();
        var outputs = Enumerable.Repeat(1f, 2 * 7 * 11).ToArray();
        Assert.Equal(0f, model.ComputeGradients(new int[14], Enumerable.Repeat(-1, 14).ToArray(), gradients, outputs));
        Assert.All(gradients, g => Assert.Equal(0f, g));
        Assert.All(outputs, y => Assert.Equal(0f, y));
    }

    [Fact]
    public void BadInputIsRejectedNamingRowAndStep()
    {
        var model = new SeqLstmLmModel(4);
        int[] tokens = [1, 2, 3, 4, 5, 6, 7, 3, 4, 5, 6, 0, 0, 0];
        int[] classes = [1, 2, 3, 4, 5, 6, 7, 3, 4, 5, 11, -1, -1, -1];
        var gradients = new float[SeqLstmLmModel.ParameterCount];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.ComputeGradients(tokens, classes, gradients, default));
        Assert.Contains("Class id 11 at step 3 of row 1", e.Message);
        Assert.Equal("classes", e.ParamName);
        classes[10] = 10;
        model.ComputeGradients(tokens, classes, gradients, default); // −1 and anything else at padded steps are ignored
        classes[12] = 99;
        model.ComputeGradients(tokens, classes, gradients, default);
        Assert.Throws<ArgumentException>(() => model.ComputeGradients(tokens, classes.AsSpan(0, 7), gradients, default));
        // Float targets: B·T·O values, checked at real steps only.
        Assert.Throws<ArgumentException>(() => model.ComputeGradients(tokens, new float[2 * 11], gradients, default));
        var targets = new float[14 * 11];
        for (int q = 0; q < 14; q++) targets[q * 11 + 1] = 1;
        targets[12 * 11 + 1] = float.NaN;
        model.ComputeGradients(tokens, targets, gradients, default);
        targets[8 * 11 + 1] = float.NaN;
        var bad = Assert.Throws<ArgumentException>(() => model.ComputeGradients(tokens, targets, gradients, default));
        Assert.Contains("step 1 of row 1", bad.Message);
        // Outputs: steps·O for one row, B·T·O for a batch and for training.
        Assert.Throws<ArgumentException>(() => model.Predict(tokens.AsSpan(0, 5), new float[11]));
        model.Predict(tokens.AsSpan(0, 5), new float[5 * 11]);
        Assert.Throws<ArgumentException>(() => model.PredictBatch(tokens, new float[2 * 11]));
        Assert.Throws<ArgumentException>(() => model.ComputeGradients(tokens, classes, gradients, new float[2 * 11]));
    }

    [Fact]
    public void NothingIsAllocatedAfterWarmUp()
    {
        var model = new SeqLstmBiSoftmaxModel(2);
        ModelShape s = model.Shape;
        int[] tokens = TestModels.Tokens(s, 6, seed: 1);
        int[] classes = RandomClasses(s, tokens, seed: 1);
        float[] targets = RandomStepTargets(s, tokens, seed: 1);
        var gradients = new float[SeqLstmBiSoftmaxModel.ParameterCount];
        var outputs = new float[tokens.Length * s.OutputSize];
        var row = new float[s.SequenceLength * s.OutputSize];
        Allocations.AssertNone(() => model.ComputeGradients(tokens, classes, gradients, outputs), what: "ComputeGradients (class ids)");
        Allocations.AssertNone(() => model.ComputeGradients(tokens, targets, gradients, outputs), what: "ComputeGradients (float targets)");
        Allocations.AssertNone(() => model.PredictBatch(tokens, outputs), what: "PredictBatch");
        Allocations.AssertNone(() => model.Predict(tokens.AsSpan(0, s.SequenceLength), row), what: "Predict");
    }

    [Fact]
    public void ModelFileRoundTripKeepsEveryStepsOutput()
    {
        var saved = new SeqGruL2BiModel(9);
        TestModels.Randomize(saved, seed: 9);
        using var stream = new MemoryStream();
        ModelFile.Save(saved, stream);
        stream.Position = 0;
        var loaded = new SeqGruL2BiModel(1);
        ModelFile.Load(loaded, stream);
        int[] tokens = TestModels.Tokens(saved.Shape, 4, seed: 2);
        var a = new float[tokens.Length * SeqGruL2BiModel.OutputSize];
        var b = new float[a.Length];
        saved.PredictBatch(tokens, a);
        loaded.PredictBatch(tokens, b);
        Assert.Equal(a, b);
    }

    /// <summary>
    /// Per-step logits of one row from the double reference (null at padded steps); <paramref name="perturbStep"/> ≥ 0 adds
    /// <paramref name="delta"/> to unit <paramref name="perturbUnit"/> of the top layer's forward h after that step.
    /// </summary>
    internal static double[]?[] StepLogits(ISequenceModel model, double[] p, ReadOnlySpan<int> tokens, int perturbStep = -1, int perturbUnit = 0, double delta = 0)
    {
        var steps = new double[]?[tokens.Length];
        ReferenceRecurrent.Logits(model, p, tokens, perturbStep, perturbUnit, delta, steps);
        int o = model.Shape.OutputSize;
        int fcw = model.ParameterLayout.Single(x => x.Name == "fc.weight").Offset, fcb = model.ParameterLayout.Single(x => x.Name == "fc.bias").Offset;
        var logits = new double[]?[tokens.Length];
        for (int t = 0; t < tokens.Length; t++)
        {
            if (steps[t] is not double[] h) continue;
            var z = new double[o];
            for (int r = 0; r < o; r++)
            {
                double acc = p[fcb + r];
                for (int k = 0; k < h.Length; k++) acc += p[fcw + r * h.Length + k] * h[k];
                z[r] = acc;
            }
            logits[t] = z;
        }
        return logits;
    }

    /// <summary>The mean over real steps of the per-step loss (float targets or class ids), in double; optionally with row <paramref name="perturbRow"/>'s h perturbed (see <see cref="StepLogits"/>).</summary>
    internal static double ReferenceLoss(ISequenceModel model, double[] p, int[] tokens, float[]? targets, int[]? classes,
        int perturbRow = -1, int perturbStep = -1, int perturbUnit = 0, double delta = 0)
    {
        ModelShape s = model.Shape;
        int t = s.SequenceLength, o = s.OutputSize;
        double total = 0;
        int real = 0;
        for (int b = 0; b < tokens.Length / t; b++)
        {
            double[]?[] z = b == perturbRow ? StepLogits(model, p, tokens.AsSpan(b * t, t), perturbStep, perturbUnit, delta) : StepLogits(model, p, tokens.AsSpan(b * t, t));
            for (int k = 0; k < t; k++)
            {
                if (z[k] is not double[] zk) continue;
                real++;
                if (classes is not null)
                {
                    double max = zk.Max();
                    total += Math.Log(zk.Sum(v => Math.Exp(v - max))) + max - zk[classes[b * t + k]];
                }
                else total += ReferenceRecurrent.RowLoss(s, zk, targets.AsSpan((b * t + k) * o, o));
            }
        }
        return real == 0 ? 0 : total / real;
    }

    /// <summary>A class id per step, −1 at padded steps.</summary>
    internal static int[] RandomClasses(ModelShape s, int[] tokens, int seed)
    {
        var rng = new Rng(seed);
        var classes = new int[tokens.Length];
        for (int q = 0; q < tokens.Length; q++) classes[q] = tokens[q] == 0 ? -1 : rng.NextInt(s.OutputSize);
        return classes;
    }

    /// <summary>Per-step float targets the loss takes: probabilities (sigmoid), distributions (softmax), values (linear); NaN at padded steps.</summary>
    internal static float[] RandomStepTargets(ModelShape s, int[] tokens, int seed)
    {
        var rng = new Rng(seed);
        int o = s.OutputSize;
        var y = new float[tokens.Length * o];
        for (int q = 0; q < tokens.Length; q++)
        {
            Span<float> step = y.AsSpan(q * o, o);
            if (tokens[q] == 0) { step.Fill(float.NaN); continue; }
            float sum = 0;
            for (int j = 0; j < o; j++) sum += step[j] = s.Output == OutputActivation.Linear ? 2 * (float)rng.NextDouble() - 1 : (float)rng.NextDouble();
            if (s.Output == OutputActivation.Softmax) for (int j = 0; j < o; j++) step[j] /= sum;
        }
        return y;
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance, string what, double relative = 0)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance + relative * Math.Abs(expected[i]), $"{what}[{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
