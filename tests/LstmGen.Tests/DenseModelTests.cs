using LstmGen.Serialization;
using LstmGen.Testing;
using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// Dense-input recurrent models (InputSize features per step, PyTorch packed-sequence lengths): PyTorch fixtures, the
/// double reference <see cref="ReferenceDense"/> with finite differences, batch against single rows, lengths, bad input,
/// allocation and model files. Tolerances: 2e-5 on logits and losses against PyTorch float32 and 1e-4 against the double
/// reference (float accumulation over ≤ 9 steps and 3 layers), 2e-4 absolute + 2e-3 relative on gradients against
/// central differences of the double reference (step 1e-3).
/// </summary>
[Collection(AllocationCollection.Name)]
public class DenseModelTests
{
    private static string CellOf(IDenseRecurrentModel m) => m.Cell.ToString().ToLowerInvariant();

    private static (int Layers, int Directions) Stack(IGeneratedModel m)
    {
        IReadOnlyList<ParameterInfo> layout = m.ParameterLayout;
        int layers = layout.Count(p => p.Name.Contains("weight_ih_l") && !p.Name.EndsWith("_reverse", StringComparison.Ordinal));
        return (layers, layout.Any(p => p.Name.EndsWith("_reverse", StringComparison.Ordinal)) ? 2 : 1);
    }

    private static ReferenceDense Reference(IDenseRecurrentModel m)
    {
        var (layers, directions) = Stack(m);
        return new ReferenceDense(CellOf(m), m.Shape.InputSize, m.Shape.HiddenSize, layers, directions, name => m.Parameters.Slice(m.ParameterLayout.Single(p => p.Name == name).Offset, m.ParameterLayout.Single(p => p.Name == name).Length).ToArray());
    }

    private static ReferenceDense Reference(IDenseRecurrentModel m, float[] parameters)
    {
        var (layers, directions) = Stack(m);
        return new ReferenceDense(CellOf(m), m.Shape.InputSize, m.Shape.HiddenSize, layers, directions, name =>
        {
            ParameterInfo p = m.ParameterLayout.Single(x => x.Name == name);
            return parameters[p.Offset..(p.Offset + p.Length)];
        });
    }

    private static float[] Slice(float[] all, IGeneratedModel m, string name)
    {
        ParameterInfo p = m.ParameterLayout.Single(x => x.Name == name);
        return all[p.Offset..(p.Offset + p.Length)];
    }

    // Double logits of every row from the reference.
    private static double[][] ReferenceLogits(IDenseRecurrentModel m, float[] parameters, float[] inputs, int[] lengths)
    {
        ReferenceDense r = Reference(m, parameters);
        int t = m.Shape.SequenceLength, n = m.Shape.InputSize;
        var result = new double[lengths.Length][];
        for (int b = 0; b < lengths.Length; b++)
        {
            var (_, h, _) = r.Run(inputs[(b * t * n)..((b * t + lengths[b]) * n)], lengths[b]);
            result[b] = ReferenceDense.Linear(Slice(parameters, m, "fc.weight"), Slice(parameters, m, "fc.bias"), r.Features(h));
        }
        return result;
    }

    // The batch-mean loss of the model's output activation, in double.
    private static double ReferenceLoss(OutputActivation output, double[][] logits, float[] targets)
    {
        double total = 0;
        int o = logits[0].Length;
        for (int b = 0; b < logits.Length; b++)
        {
            double[] z = logits[b];
            if (output == OutputActivation.Sigmoid)
            {
                for (int k = 0; k < o; k++) total += (Math.Max(z[k], 0) - z[k] * targets[b * o + k] + Math.Log(1 + Math.Exp(-Math.Abs(z[k])))) / o;
            }
            else if (output == OutputActivation.Softmax)
            {
                double max = z.Max(), log = Math.Log(z.Sum(v => Math.Exp(v - max))) + max;
                for (int k = 0; k < o; k++) total += targets[b * o + k] * (log - z[k]);
            }
            else
            {
                for (int k = 0; k < o; k++) total += (z[k] - targets[b * o + k]) * (z[k] - targets[b * o + k]) / o;
            }
        }
        return total / logits.Length;
    }

    private static void LoadFixture(IGeneratedModel model, TorchFixture f)
    {
        foreach (ParameterInfo p in model.ParameterLayout) model.SetParameter(p.Name, f.Floats(p.Name));
    }

    public static TheoryData<string> Fixtures => new() { "dense_lstm", "dense_gru_l2_bi", "dense_rnn", "dense_lstm_l2_bi_softmax" };

    private static IDenseRecurrentModel ForFixture(string name) => name switch
    {
        "dense_lstm" => new DenseLstmModel(),
        "dense_gru_l2_bi" => new DenseGruL2BiModel(),
        "dense_rnn" => new DenseRnnModel(),
        _ => new DenseLstmL2BiSoftmaxModel(),
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void LogitsLossAndEveryGradientMatchPyTorchPackedSequences(string name)
    {
        TorchFixture f = TorchFixture.Load(name);
        IDenseRecurrentModel model = ForFixture(name);
        LoadFixture(model, f);
        float[] inputs = f.Floats("inputs"), expected = f.Floats("logits");
        int[] lengths = f.Ints("lengths");
        var logits = new float[expected.Length];
        model.PredictLogitsBatch(inputs, lengths, logits);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], logits[i], 2e-5f);
        var probabilities = new float[expected.Length];
        model.PredictBatch(inputs, lengths, probabilities);
        float[] torchProbabilities = f.Floats("probabilities");
        for (int i = 0; i < expected.Length; i++) Assert.Equal(torchProbabilities[i], probabilities[i], 2e-5f);
        if (!f.Has("loss")) return; // the softmax fixture records no training case
        var gradients = new float[model.ParameterCount];
        float loss = model.ComputeGradients(inputs, lengths, f.Floats("labels"), gradients, default);
        Assert.Equal(f.Floats("loss")[0], loss, 2e-5f);
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            float[] torch = f.Floats("grad." + p.Name);
            for (int i = 0; i < p.Length; i++)
                Assert.True(Math.Abs(torch[i] - gradients[p.Offset + i]) <= 2e-5f, $"{p.Name}[{i}]: PyTorch {torch[i]}, LstmGen {gradients[p.Offset + i]}");
        }
    }

    public static TheoryData<string> RandomModels => new() { "lstm_odd", "gru_h17", "rnn_l3_bi", "gru_l2_bi", "lstm" };

    private static IDenseRecurrentModel Random(string name, int seed) => name switch
    {
        "lstm_odd" => new DenseLstmOddModel(seed),
        "gru_h17" => new DenseGruH17Model(seed),
        "rnn_l3_bi" => new DenseRnnL3BiModel(seed),
        "gru_l2_bi" => new DenseGruL2BiModel(seed),
        _ => new DenseLstmModel(seed),
    };

    // Random features and lengths (one row of every length 1 … T, then random ones), random biases too.
    private static (float[] Inputs, int[] Lengths, float[] Targets) Batch(IDenseRecurrentModel m, int rows, int seed, float garbage = 0f)
    {
        var rng = new Random(seed);
        int t = m.Shape.SequenceLength, n = m.Shape.InputSize, o = m.Shape.OutputSize;
        var inputs = new float[rows * t * n];
        var lengths = new int[rows];
        for (int b = 0; b < rows; b++)
        {
            lengths[b] = b < t ? b + 1 : rng.Next(1, t + 1);
            for (int i = 0; i < t * n; i++) inputs[b * t * n + i] = i < lengths[b] * n ? (float)(rng.NextDouble() * 2 - 1) : garbage;
        }
        var targets = new float[rows * o];
        for (int b = 0; b < rows; b++)
        {
            if (m.Shape.Output == OutputActivation.Softmax) targets[b * o + rng.Next(o)] = 1;
            else for (int k = 0; k < o; k++) targets[b * o + k] = m.Shape.Output == OutputActivation.Sigmoid ? rng.Next(2) : (float)rng.NextDouble();
        }
        return (inputs, lengths, targets);
    }

    private static void RandomizeBiases(IGeneratedModel m, int seed)
    {
        var rng = new Random(seed);
        using ParameterUpdate u = m.BeginParameterUpdate();
        foreach (ParameterInfo p in m.ParameterLayout.Where(p => p.Name.Contains("bias")))
            for (int i = 0; i < p.Length; i++) u.Values[p.Offset + i] = (float)(rng.NextDouble() - 0.5);
    }

    [Theory]
    [MemberData(nameof(RandomModels))]
    public void BatchSingleRowsAndTheDoubleReferenceAgree(string name)
    {
        IDenseRecurrentModel model = Random(name, 11);
        RandomizeBiases(model, 12);
        int rows = model.Shape.SequenceLength + 5, t = model.Shape.SequenceLength, n = model.Shape.InputSize, o = model.Shape.OutputSize;
        var (inputs, lengths, _) = Batch(model, rows, 13);
        double[][] expected = ReferenceLogits(model, model.Parameters.ToArray(), inputs, lengths);
        var batch = new float[rows * o];
        model.PredictLogitsBatch(inputs, lengths, batch);
        var single = new float[o];
        for (int b = 0; b < rows; b++)
        {
            model.PredictLogits(inputs.AsSpan(b * t * n, lengths[b] * n), single);
            for (int k = 0; k < o; k++)
            {
                Assert.Equal(expected[b][k], batch[b * o + k], 1e-4);
                Assert.Equal(batch[b * o + k], single[k], 1e-5f);
            }
        }
        // Without lengths every row is full.
        var full = Enumerable.Repeat(t, rows).ToArray();
        var withLengths = new float[rows * o];
        var without = new float[rows * o];
        model.PredictBatch(inputs, full, withLengths);
        model.PredictBatch(inputs, without);
        Assert.Equal(withLengths, without);
        // The training forward pass's outputs are the inference outputs.
        var (_, _, targets) = Batch(model, rows, 14);
        var outputs = new float[rows * o];
        model.ComputeGradients(inputs, lengths, targets, new float[model.ParameterCount], outputs);
        var predicted = new float[rows * o];
        model.PredictBatch(inputs, lengths, predicted);
        for (int i = 0; i < outputs.Length; i++) Assert.Equal(predicted[i], outputs[i], 1e-5f);
    }

    [Theory]
    [MemberData(nameof(RandomModels))]
    public void GradientsMatchCentralDifferencesOfTheDoubleReference(string name)
    {
        IDenseRecurrentModel model = Random(name, 21);
        RandomizeBiases(model, 22);
        int rows = 4;
        var (inputs, lengths, targets) = Batch(model, rows, 23);
        lengths[0] = model.Shape.SequenceLength; // one full row, the others short
        var gradients = new float[model.ParameterCount];
        float loss = model.ComputeGradients(inputs, lengths, targets, gradients, default);
        float[] theta = model.Parameters.ToArray();
        Assert.Equal(ReferenceLoss(model.Shape.Output, ReferenceLogits(model, theta, inputs, lengths), targets), loss, 1e-4);
        var rng = new Random(24);
        // Every tensor: its first and last element and a few random ones.
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            foreach (int i in new[] { 0, p.Length - 1, rng.Next(p.Length), rng.Next(p.Length) })
            {
                int k = p.Offset + i;
                float[] plus = (float[])theta.Clone(), minus = (float[])theta.Clone();
                plus[k] += 1e-3f;
                minus[k] -= 1e-3f;
                double fd = (ReferenceLoss(model.Shape.Output, ReferenceLogits(model, plus, inputs, lengths), targets)
                    - ReferenceLoss(model.Shape.Output, ReferenceLogits(model, minus, inputs, lengths), targets)) / ((double)plus[k] - minus[k]);
                Assert.True(Math.Abs(fd - gradients[k]) <= 2e-4 + 2e-3 * Math.Abs(fd), $"{p.Name}[{i}]: finite difference {fd}, gradient {gradients[k]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(RandomModels))]
    public void StepsPastARowsLengthAreNeverRead(string name)
    {
        IDenseRecurrentModel model = Random(name, 31);
        int rows = 6, o = model.Shape.OutputSize;
        var (clean, lengths, targets) = Batch(model, rows, 32, garbage: 0f);
        var (dirty, _, _) = Batch(model, rows, 32, garbage: float.NaN);
        var (big, _, _) = Batch(model, rows, 32, garbage: 1e30f);
        float[] a = new float[rows * o], b = new float[rows * o], c = new float[rows * o];
        model.PredictBatch(clean, lengths, a);
        model.PredictBatch(dirty, lengths, b);
        model.PredictBatch(big, lengths, c);
        Assert.Equal(a, b);
        Assert.Equal(a, c);
        float[] ga = new float[model.ParameterCount], gb = new float[model.ParameterCount];
        float la = model.ComputeGradients(clean, lengths, targets, ga, default);
        float lb = model.ComputeGradients(dirty, lengths, targets, gb, default);
        Assert.Equal(la, lb);
        Assert.Equal(ga, gb);
    }

    [Fact]
    public void HiddenGradientNormsRunTheSameForwardPassAndCarryPastEveryRowsLength()
    {
        IDenseRecurrentModel model = new DenseGruH17Model(41);
        int t = model.Shape.SequenceLength;
        var (inputs, lengths, targets) = Batch(model, 3, 42);
        lengths[0] = 3; lengths[1] = 5; lengths[2] = 2; // no row reaches steps 5 … T − 1
        var norms = new float[t];
        float loss = model.ComputeHiddenGradientNorms(inputs, lengths, targets, norms);
        Assert.Equal(model.ComputeGradients(inputs, lengths, targets, new float[model.ParameterCount], default), loss);
        Assert.All(norms, v => Assert.True(v > 0 && float.IsFinite(v)));
        // Past every row's length h is carried unchanged, so ∂L/∂h is the same at every such step.
        for (int s = 5; s < t; s++) Assert.Equal(norms[t - 1], norms[s]);
        Assert.Throws<ArgumentException>("norms", () => model.ComputeHiddenGradientNorms(inputs, lengths, targets, new float[t - 1]));
    }

    [Fact]
    public void BadInputIsRejectedWithRowAndStepNamed()
    {
        var model = new DenseLstmModel(1);
        int t = DenseLstmModel.SequenceLength, n = DenseLstmModel.InputSize;
        var inputs = new float[2 * t * n];
        var outputs = new float[2];
        var gradients = new float[DenseLstmModel.ParameterCount];
        var targets = new float[2];
        Assert.Throws<ArgumentException>("inputs", () => model.PredictBatch(inputs, new[] { 1, 2, 3 }, new float[3]));
        Assert.Throws<ArgumentException>("lengths", () => model.PredictBatch(inputs, Array.Empty<int>(), outputs));
        var zero = Assert.Throws<ArgumentOutOfRangeException>("lengths", () => model.PredictBatch(inputs, new[] { 3, 0 }, outputs));
        Assert.Contains("row 1", zero.Message);
        var over = Assert.Throws<ArgumentOutOfRangeException>("lengths", () => model.ComputeGradients(inputs, new[] { t + 1, 1 }, targets, gradients, default));
        Assert.Contains("row 0", over.Message);
        inputs[(1 * t + 2) * n + 3] = float.PositiveInfinity; // row 1, step 2, feature 3
        var nonFinite = Assert.Throws<ArgumentException>("inputs", () => model.PredictBatch(inputs, new[] { t, t }, outputs));
        Assert.Contains("step 2 of row 1", nonFinite.Message);
        Assert.Throws<ArgumentException>("inputs", () => model.ComputeGradients(inputs, new[] { t, 3 }, targets, gradients, default));
        Assert.Throws<ArgumentException>("inputs", () => model.PredictBatch(inputs, outputs));
        model.PredictBatch(inputs, new[] { t, 2 }, outputs); // the bad value is past row 1's length: never read
        Assert.All(outputs, v => Assert.True(float.IsFinite(v)));
        inputs[(1 * t + 2) * n + 3] = 0;
        Assert.Throws<ArgumentException>("inputs", () => model.Predict(new float[n * (t + 1)]));
        Assert.Throws<ArgumentException>("inputs", () => model.Predict(Array.Empty<float>()));
        Assert.Throws<ArgumentException>("inputs", () => model.Predict(new float[n + 1]));
        var nan = new float[2 * n];
        nan[n + 1] = float.NaN;
        Assert.Contains("step 1", Assert.Throws<ArgumentException>("inputs", () => model.Predict(nan)).Message);
        Assert.Throws<ArgumentException>("gradients", () => model.ComputeGradients(inputs, new[] { t, t }, targets, new float[3], default));
        Assert.Throws<ArgumentException>("targets", () => model.ComputeGradients(inputs, new[] { t, t }, new float[3], gradients, default));
    }

    [Fact]
    public void InferenceAndTrainingAllocateNothingAfterWarmUp()
    {
        var model = new DenseGruL2BiModel(3);
        int rows = 40, t = DenseGruL2BiModel.SequenceLength;
        var (inputs, lengths, targets) = Batch(model, rows, 41);
        var outputs = new float[rows];
        var gradients = new float[DenseGruL2BiModel.ParameterCount];
        var output = new float[1];
        var adam = new Adam();
        model.ComputeGradients(inputs, lengths, targets, gradients, outputs);
        using (ParameterUpdate update = model.BeginParameterUpdate()) adam.Step(update.Values, gradients);
        Allocations.AssertNone(() =>
        {
            model.Predict(inputs.AsSpan(0, t * DenseGruL2BiModel.InputSize), output);
            model.PredictBatch(inputs, lengths, outputs);
            model.PredictBatch(inputs, outputs);
        }, what: "Inference");
        Allocations.AssertNone(() =>
        {
            model.ComputeGradients(inputs, lengths, targets, gradients, outputs);
            using (ParameterUpdate update = model.BeginParameterUpdate()) adam.Step(update.Values, gradients);
        }, what: "Training");
    }

    [Fact]
    public void ModelFileAndSafetensorsRoundTripADenseModel()
    {
        var model = new DenseLstmL2BiSoftmaxModel(5);
        RandomizeBiases(model, 6);
        var (inputs, lengths, _) = Batch(model, 7, 51);
        var expected = new float[7 * 3];
        model.PredictBatch(inputs, lengths, expected);

        using var stream = new MemoryStream();
        ModelFile.Save(model, stream);
        stream.Position = 0;
        ModelFileInfo info = ModelFile.Inspect(stream);
        Assert.Equal(DenseLstmL2BiSoftmaxModel.InputSize, info.Shape.InputSize);
        Assert.Equal(0, info.Shape.VocabularySize);
        stream.Position = 0;
        var loaded = new DenseLstmL2BiSoftmaxModel(99);
        Assert.Null(ModelFile.Load(loaded, stream));
        var actual = new float[expected.Length];
        loaded.PredictBatch(inputs, lengths, actual);
        Assert.Equal(expected, actual);
        // Another dense model, and a token model, are mismatches.
        stream.Position = 0;
        Assert.Throws<ModelFileException>(() => ModelFile.Load(new DenseLstmOddModel(), stream));
        stream.Position = 0;
        Assert.Throws<ModelFileException>(() => ModelFile.Load(new SmallModel(), stream));

        using var st = new MemoryStream();
        Safetensors.Save(model, st);
        st.Position = 0;
        var fromSafetensors = new DenseLstmL2BiSoftmaxModel(98);
        Safetensors.Load(fromSafetensors, st);
        Assert.Equal(model.Parameters.ToArray(), fromSafetensors.Parameters.ToArray());
        Assert.Equal("lstm.weight_ih_l0", model.ParameterLayout[0].Name);
        Assert.Equal(new[] { 16, 3 }, model.ParameterLayout[0].Shape);
    }
}
