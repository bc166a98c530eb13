using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// GRU and simple-RNN models: masking, PyTorch names and Keras-like initialisation, allocation, learning; and the per-step
/// hidden-state gradient norms of every recurrent kind against finite differences of the double-precision reference.
/// </summary>
[Collection(AllocationCollection.Name)]
public class RecurrentCellTests
{
    public static TheoryData<string> GruAndRnn => TestModels.GruAndRnn;

    [Theory]
    [InlineData(nameof(GruH33Model), true)]
    [InlineData(nameof(GruH33Model), false)]
    [InlineData(nameof(RnnH33Model), true)]
    [InlineData(nameof(RnnH33Model), false)]
    public void PaddingAnywhereGivesBitIdenticalScores(string name, bool folded)
    {
        ISequenceModel model = TestModels.Create(name, seed: 5);
        model.UseFoldedEmbedding = folded;
        int[] words = [7, 3, 12, 40, 9];
        var expected = new float[model.Shape.OutputSize];
        model.Predict(words, expected);
        int[][] variants =
        [
            [0, 0, 0, 7, 3, 12, 40, 9],
            [7, 3, 12, 40, 9, 0, 0, 0, 0, 0, 0, 0],
            [7, 0, 3, 0, 0, 12, 40, 0, 9],
            [0, 7, 3, 12, 0, 40, 9, 0],
        ];
        var y = new float[model.Shape.OutputSize];
        foreach (int[] v in variants)
        {
            model.Predict(v, y);
            Assert.Equal(expected, y);
        }
        // A batch row with padding in the middle scores as the unpadded sentence (batched kernels: to 6 decimals).
        var row = new int[model.Shape.SequenceLength];
        variants[2].CopyTo(row, 0);
        var batch = new float[model.Shape.OutputSize];
        model.PredictBatch(row, batch);
        for (int o = 0; o < batch.Length; o++) Assert.Equal(expected[o], batch[o], 6);
    }

    [Theory]
    [InlineData(nameof(GruSmallModel), "gru", 3)]
    [InlineData(nameof(RnnSmallModel), "rnn", 1)]
    public void ParametersUsePyTorchNamesAndShapes(string name, string module, int gates)
    {
        ISequenceModel model = TestModels.Create(name);
        ModelShape s = model.Shape;
        string[] expected =
        [
            $"embedding.weight [{s.VocabularySize}, {s.EmbeddingSize}]",
            $"{module}.weight_ih_l0 [{gates * s.HiddenSize}, {s.EmbeddingSize}]",
            $"{module}.weight_hh_l0 [{gates * s.HiddenSize}, {s.HiddenSize}]",
            $"{module}.bias_ih_l0 [{gates * s.HiddenSize}]",
            $"{module}.bias_hh_l0 [{gates * s.HiddenSize}]",
            $"fc.weight [{s.OutputSize}, {s.HiddenSize}]",
            $"fc.bias [{s.OutputSize}]",
        ];
        Assert.Equal(expected, model.ParameterLayout.Select(p => $"{p.Name} {p.ShapeText}"));
        Assert.Equal(model.ParameterCount, model.ParameterLayout.Sum(p => p.Length));
        Assert.Equal(module == "gru" ? RecurrentCell.Gru : RecurrentCell.Rnn, ((IRecurrentModel)model).Cell);
    }

    [Theory]
    [MemberData(nameof(GruAndRnn))]
    public void InitialisationIsKerasLike(string name)
    {
        ISequenceModel model = TestModels.Create(name, seed: 3);
        ModelShape s = model.Shape;
        string module = ReferenceRecurrent.Module(model);
        int g = model.ParameterLayout.Single(p => p.Name == module + ".weight_ih_l0").Shape[0];
        float[] all = model.Parameters.ToArray();
        ReadOnlySpan<float> Tensor(string n) { ParameterInfo p = model.ParameterLayout.Single(i => i.Name == n); return all.AsSpan(p.Offset, p.Length); }

        // Biases zero (no forget-gate bias: that is the LSTM's).
        Assert.True(Tensor(module + ".bias_ih_l0").IndexOfAnyExcept(0f) < 0);
        Assert.True(Tensor(module + ".bias_hh_l0").IndexOfAnyExcept(0f) < 0);
        // Glorot-uniform input kernel: |w| ≤ √(6 / (E + G·H)).
        float limit = MathF.Sqrt(6f / (s.EmbeddingSize + g));
        foreach (float w in Tensor(module + ".weight_ih_l0")) Assert.InRange(MathF.Abs(w), 0f, limit);
        // Orthogonal recurrent kernel [G·H, H]: its H columns are orthonormal, WᵀW = I to 1e-5.
        ReadOnlySpan<float> whh = Tensor(module + ".weight_hh_l0");
        int h = s.HiddenSize;
        for (int a = 0; a < h; a++)
            for (int b = 0; b < h; b++)
            {
                double dot = 0;
                for (int r = 0; r < g; r++) dot += (double)whh[r * h + a] * whh[r * h + b];
                Assert.True(Math.Abs(dot - (a == b ? 1 : 0)) <= 1e-5, $"{name}: (WᵀW)[{a},{b}] = {dot}");
            }
    }

    [Theory]
    [InlineData(nameof(GruReferenceModel))]
    [InlineData(nameof(RnnReferenceModel))]
    [InlineData(nameof(LstmL2BiModel))]
    [InlineData(nameof(GruL2BiModel))]
    [InlineData(nameof(RnnL2BiModel))]
    public void PredictTrainingAndNormsAllocateNothingAfterWarmUp(string name)
    {
        var model = (IRecurrentModel)TestModels.Create(name, seed: 1);
        ModelShape s = model.Shape;
        int[] tokens = TestModels.Tokens(s, 32, seed: 2);
        var targets = new float[32];
        for (int i = 0; i < 32; i += 2) targets[i] = 1;
        var gradients = new float[model.ParameterCount];
        var outputs = new float[32];
        var norms = new float[s.SequenceLength];
        var one = new float[1];
        var adam = new Adam();
        void Round()
        {
            model.Predict(tokens.AsSpan(0, s.SequenceLength), one);
            model.PredictBatch(tokens, outputs);
            model.ComputeGradients(tokens, targets, gradients, outputs);
            model.ComputeHiddenGradientNorms(tokens, targets, norms);
            using (ParameterUpdate update = model.BeginParameterUpdate()) adam.Step(update.Values, gradients);
        }
        Allocations.AssertNone(Round, callsPerWindow: 2);
    }

    [Fact]
    public void GruLearnsTheTwentyStepMemoryTask()
    {
        // As the LSTM's test: the label is decided by the first of 20 tokens, the other 19 are distractors.
        var model = new GruMemoryTaskModel(seed: 1);
        (int[] train, float[] trainY) = TrainingTests.FirstTokenTask(model.Shape, 2000, seed: 1);
        (int[] test, float[] testY) = TrainingTests.FirstTokenTask(model.Shape, 500, seed: 2);
        TrainingHistory h = Trainer.Fit(model, train, trainY, new FitOptions { Epochs = 20, BatchSize = 32, Seed = 1, Optimizer = new Adam(learningRate: 0.003f), ClipNorm = 1f });
        Evaluation result = Trainer.Evaluate(model, test, testY);
        // Chance is 50%; require 95% held-out accuracy.
        Assert.True(result.Accuracy >= 0.95, $"held-out accuracy {result.Accuracy:P1} " + string.Join(" ", h.Epochs.Select(e => $"{e.Loss:F3}/{e.Accuracy:F2}")));
    }

    [Fact]
    public void RnnLearnsTheShortMemoryTask()
    {
        // The same task over 12 steps, a distance a simple RNN can bridge.
        var model = new RnnMemoryTaskModel(seed: 1);
        (int[] train, float[] trainY) = TrainingTests.FirstTokenTask(model.Shape, 2000, seed: 1);
        (int[] test, float[] testY) = TrainingTests.FirstTokenTask(model.Shape, 500, seed: 2);
        TrainingHistory h = Trainer.Fit(model, train, trainY, new FitOptions { Epochs = 20, BatchSize = 32, Seed = 1, Optimizer = new Adam(learningRate: 0.003f), ClipNorm = 1f });
        Evaluation result = Trainer.Evaluate(model, test, testY);
        // Chance is 50%; require 95% held-out accuracy.
        Assert.True(result.Accuracy >= 0.95, $"held-out accuracy {result.Accuracy:P1} " + string.Join(" ", h.Epochs.Select(e => $"{e.Loss:F3}/{e.Accuracy:F2}")));
    }

    public static TheoryData<string> NormModels => new()
    {
        nameof(SmallModel), nameof(SoftmaxModel), nameof(H33Model),
        nameof(GruSmallModel), nameof(GruSoftmaxModel), nameof(GruH33Model),
        nameof(RnnSmallModel), nameof(RnnSoftmaxModel), nameof(RnnH33Model),
        // Stacked / bidirectional: the norms are those of the top layer's forward direction.
        nameof(LstmL2Model), nameof(LstmL2BiModel), nameof(GruL2BiModel), nameof(RnnL3SoftmaxModel),
    };

    [Theory]
    [MemberData(nameof(NormModels))]
    public void HiddenGradientNormsMatchFiniteDifferences(string name)
    {
        var model = (IRecurrentModel)TestModels.Create(name);
        TestModels.Randomize(model, seed: 31, scale: 0.6f);
        ModelShape s = model.Shape;
        const int rows = 4;
        int[] tokens = TestModels.Tokens(s, rows, seed: 12); // rows 1–3 padded at the front, back, every third step
        float[] targets = GradientTests.RandomTargets(s, rows, seed: 4);
        var norms = new float[s.SequenceLength];
        float loss = model.ComputeHiddenGradientNorms(tokens, targets, norms);

        // Same loss as the full training pass.
        float full = model.ComputeGradients(tokens, targets, new float[model.ParameterCount], default);
        Assert.Equal(full, loss);

        // Reference: for every row b, step t and unit j, ∂ℓ_b/∂h_{t,j} by a central difference on the double model, with
        // the perturbation added to the state after step t; norms[t] = mean over rows of ‖∂ℓ_b/∂h_t‖₂.
        double[] p = model.ParameterValuesAsDouble();
        int T = s.SequenceLength, o = s.OutputSize;
        const double eps = 1e-5;
        for (int t = 0; t < T; t++)
        {
            double expected = 0;
            for (int b = 0; b < rows; b++)
            {
                ReadOnlySpan<int> row = tokens.AsSpan(b * T, T);
                ReadOnlySpan<float> y = targets.AsSpan(b * o, o);
                double sum = 0;
                for (int j = 0; j < s.HiddenSize; j++)
                {
                    double up = ReferenceRecurrent.RowLoss(s, ReferenceRecurrent.Logits(model, p, row, t, j, eps), y);
                    double down = ReferenceRecurrent.RowLoss(s, ReferenceRecurrent.Logits(model, p, row, t, j, -eps), y);
                    double d = (up - down) / (2 * eps);
                    sum += d * d;
                }
                expected += Math.Sqrt(sum) / rows;
            }
            // Float backward pass against a double central difference: |Δ| ≤ 1e-5 + 1e-3·|expected|.
            Assert.True(Math.Abs(norms[t] - expected) <= 1e-5 + 1e-3 * expected, $"{name} step {t}: generated {norms[t]:E5}, finite difference {expected:E5}");
        }
        // The last step's gradient comes straight from the head, so it is never zero here.
        Assert.True(norms[T - 1] > 0);
    }

    [Fact]
    public void HiddenGradientNormsRejectAWrongLength()
    {
        var model = new GruSmallModel();
        var tokens = new int[GruSmallModel.SequenceLength];
        Assert.Throws<ArgumentException>(() => model.ComputeHiddenGradientNorms(tokens, [1f], new float[GruSmallModel.SequenceLength - 1]));
    }
}
