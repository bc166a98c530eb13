using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using LstmGen;
using LstmGen.Tests;
using LstmGen.Tests.Models;
using LstmGen.Training;
using Xunit;

// The model numerics of every kind against the double reference and the PyTorch fixtures (tests/pytorch), as a console
// program: CI publishes it self-contained for linux-arm64 and runs it under qemu-aarch64, where it must also find AdvSimd
// and take the 128-bit kernel path. On another machine it checks the same numbers on whatever path runs there. Each
// failed check prints why; the exit code is the number of failures (capped at 100), 0 when all pass.

int failures = 0, checks = 0;
void Check(bool ok, string what)
{
    checks++;
    if (ok) return;
    failures++;
    if (failures <= 50) Console.WriteLine($"FAIL  {what}");
}

Console.WriteLine(KernelInfo.Describe());
Console.WriteLine($"ProcessArchitecture = {RuntimeInformation.ProcessArchitecture}, AdvSimd.IsSupported = {AdvSimd.IsSupported}, " +
    $"Vector128.IsHardwareAccelerated = {Vector128.IsHardwareAccelerated}, KernelInfo.Current = {KernelInfo.Current}, FusedMultiplyAdd = {KernelInfo.FusedMultiplyAdd}");
if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
{
    Check(AdvSimd.IsSupported, "ARM64 without AdvSimd");
    Check(Vector128.IsHardwareAccelerated, "ARM64 with Vector128 not hardware-accelerated");
    Check(KernelInfo.Current == KernelPath.Vector128 && VectorMath.IsNarrowAccelerated, $"ARM64 kernel path {KernelInfo.Current}, not Vector128");
    Check(KernelInfo.FusedMultiplyAdd, "ARM64 128-bit path without fused multiply-add");
}

// 1. Predict, folded and unfolded, and PredictBatch (37 rows: a whole 32-row tile and a partial one) against the double
// reference: |y − y_ref| ≤ 1e-5 + 1e-5·|y_ref| (recurrent), 2e-5·(1 + |y_ref|) (CNN, feed-forward), as the test project.
string[] baselines = [nameof(CnnSmallModel), nameof(CnnOddModel), nameof(CnnLinearModel), nameof(FfSmallModel), nameof(FfDeepModel), nameof(FfLinearModel), nameof(FfSoftmaxModel)];
foreach (string name in TestModels.All.Concat(baselines))
{
    bool recurrent = !baselines.Contains(name);
    ISequenceModel model = recurrent ? TestModels.Create(name) : CreateBaseline(name);
    TestModels.Randomize(model, seed: 7);
    ModelShape s = model.Shape;
    int t = s.SequenceLength, o = s.OutputSize;
    const int rows = 37;
    int[] tokens = TestModels.Tokens(s, rows, seed: 11);
    var y = new float[o];
    var batch = new float[rows * o];
    foreach (bool folded in new[] { true, false })
    {
        model.UseFoldedEmbedding = folded;
        model.PredictBatch(tokens, batch);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<int> row = tokens.AsSpan(r * t, t);
            double[] expected = recurrent ? ReferenceRecurrent.Predict(model, row) : ReferenceBaselines.Predict(model, row);
            model.Predict(row, y);
            for (int i = 0; i < o; i++)
            {
                double tol = recurrent ? 1e-5 + 1e-5 * Math.Abs(expected[i]) : 2e-5 * (1 + Math.Abs(expected[i]));
                Check(Math.Abs(y[i] - expected[i]) <= tol, $"{name} Predict row {r} output {i} folded={folded}: reference {expected[i]:R}, got {y[i]:R}");
                Check(Math.Abs(batch[r * o + i] - expected[i]) <= tol, $"{name} PredictBatch row {r} output {i} folded={folded}: reference {expected[i]:R}, got {batch[r * o + i]:R}");
            }
        }
    }
}
Console.WriteLine($"forward: {checks} checks, {failures} failed");

// 2. Gradients (the training forward and backward kernels) against central differences of the double reference loss, on
// recurrent models of every cell: the loss within 1e-5·(1 + |L|), 12 seeded parameters per tensor within 2e-5 + 1e-3·|fd|
// (eps 1e-4). The CNN and feed-forward gradients are checked against PyTorch's in part 3.
string[] gradientModels = [nameof(SmallModel), nameof(SoftmaxModel), nameof(H33Model), nameof(GruSmallModel), nameof(GruH33Model),
    nameof(RnnSmallModel), nameof(RnnH72Model), nameof(LstmL2BiModel), nameof(GruL2BiModel), nameof(RnnL3SoftmaxModel)];
foreach (string name in gradientModels)
{
    bool recurrent = !baselines.Contains(name);
    var model = (ITrainableModel)(recurrent ? TestModels.Create(name) : CreateBaseline(name));
    TestModels.Randomize(model, seed: 21, scale: 0.6f);
    ModelShape s = model.Shape;
    const int rows = 5;
    int[] tokens = TestModels.Tokens(s, rows, seed: 8);
    // Targets as the test project's: one-hot for softmax, 0/1 for sigmoid, U(−1, 1) for linear outputs.
    var rng = new Rng(3);
    var targets = new float[rows * s.OutputSize];
    for (int r = 0; r < rows; r++)
    {
        if (s.Output == OutputActivation.Softmax) targets[r * s.OutputSize + rng.NextInt(s.OutputSize)] = 1f;
        else for (int i = 0; i < s.OutputSize; i++) targets[r * s.OutputSize + i] = s.Output == OutputActivation.Linear ? rng.NextUniform(-1, 1) : rng.NextInt(2);
    }
    Func<double[], double> referenceLoss = recurrent
        ? p => ReferenceRecurrent.Loss(model, p, tokens, targets)
        : p => ReferenceBaselines.Loss(model, p, tokens, targets);
    double eps = recurrent ? 1e-4 : 1e-6;
    var gradients = new float[model.ParameterCount];
    float loss = model.ComputeGradients(tokens, targets, gradients, default);
    double[] values = model.ParameterValuesAsDouble();
    double lossRef = referenceLoss(values);
    Check(Math.Abs(loss - lossRef) <= 1e-5 * (1 + Math.Abs(lossRef)), $"{name} loss {loss:R} vs reference {lossRef:R}");
    var pick = new Rng(17);
    foreach (ParameterInfo info in model.ParameterLayout)
        for (int c = 0; c < Math.Min(info.Length, 12); c++)
        {
            int i = info.Offset + (info.Length <= 12 ? c : pick.NextInt(info.Length));
            double saved = values[i];
            values[i] = saved + eps; double up = referenceLoss(values);
            values[i] = saved - eps; double down = referenceLoss(values);
            values[i] = saved;
            double fd = (up - down) / (2 * eps);
            Check(Math.Abs(gradients[i] - fd) <= 2e-5 + 1e-3 * Math.Abs(fd), $"{name} ∂L/∂{info.Name}[{i - info.Offset}]: finite difference {fd:E5}, got {gradients[i]:E5}");
        }
}
Console.WriteLine($"gradients: {checks} checks, {failures} failed");

// 3. Every PyTorch fixture: weights in, Predict (folded and unfolded) and PredictBatch within 1e-5 of PyTorch; for the CNN
// and feed-forward fixtures also the loss and every gradient (1e-6 + 1e-4·|g|).
foreach (string path in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures"), "torch_*.bin").Order())
{
    string fixture = Path.GetFileNameWithoutExtension(path)["torch_".Length..];
    // The dense-input and truncated-BPTT fixtures run on the dense models (DenseChecks below); the per-step fixtures on
    // the generated ReturnSequences models (SequenceChecks).
    if (fixture.StartsWith("dense_", StringComparison.Ordinal) || fixture.StartsWith("tbptt_", StringComparison.Ordinal))
    {
        DenseFixture(fixture, Check);
        continue;
    }
    if (SequenceChecks.TryRun(fixture, Check)) continue;
    if (fixture.StartsWith("seq_", StringComparison.Ordinal))
    {
        Console.WriteLine($"fixture {fixture}: no generated model of this shape yet, not run");
        continue;
    }
    ISequenceModel model = ForFixture(fixture);
    TorchFixture fx = TorchFixture.Load(fixture);
    foreach (ParameterInfo p in model.ParameterLayout)
    {
        Check(fx.Shape(p.Name).SequenceEqual(p.Shape), $"{fixture}: {p.Name} shape");
        model.SetParameter(p.Name, fx.Floats(p.Name));
    }
    int[] tokens = fx.Ints("tokens");
    float[] expected = fx.Floats("probabilities");
    int t = model.Shape.SequenceLength, o = model.Shape.OutputSize, rows = tokens.Length / t;
    var y = new float[o];
    var batch = new float[rows * o];
    foreach (bool folded in new[] { true, false })
    {
        model.UseFoldedEmbedding = folded;
        model.PredictBatch(tokens, batch);
        for (int r = 0; r < rows; r++)
        {
            model.Predict(tokens.AsSpan(r * t, t), y);
            for (int i = 0; i < o; i++)
            {
                Check(Math.Abs(y[i] - expected[r * o + i]) <= 1e-5, $"{fixture} row {r} output {i} folded={folded}: PyTorch {expected[r * o + i]:R}, got {y[i]:R}");
                Check(Math.Abs(batch[r * o + i] - expected[r * o + i]) <= 1e-5, $"{fixture} batch row {r} output {i} folded={folded}: PyTorch {expected[r * o + i]:R}, got {batch[r * o + i]:R}");
            }
        }
    }
    if (fx.Names.Contains("loss") && model is ITrainableModel trainable)
    {
        var gradients = new float[model.ParameterCount];
        float loss = trainable.ComputeGradients(tokens, fx.Floats("labels"), gradients, default);
        Check(Math.Abs(loss - fx.Floats("loss")[0]) <= 1e-5 * (1 + Math.Abs(loss)), $"{fixture} loss: PyTorch {fx.Floats("loss")[0]:R}, got {loss:R}");
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            if (!fx.Names.Contains("grad." + p.Name)) continue;
            float[] g = fx.Floats("grad." + p.Name);
            for (int i = 0; i < p.Length; i++)
                Check(Math.Abs(gradients[p.Offset + i] - g[i]) <= 1e-6 + 1e-4 * Math.Abs(g[i]), $"{fixture} grad {p.Name}[{i}]: PyTorch {g[i]:E5}, got {gradients[p.Offset + i]:E5}");
        }
    }
}
Console.WriteLine($"PyTorch fixtures: {checks} checks, {failures} failed");

// 4. Training end to end (the optimizer loops and the parallel step): the first-word memory task must be learnt.
{
    var model = new MemoryTaskModel(seed: 1);
    ModelShape s = model.Shape;
    var rng = new Rng(5);
    const int rows = 256;
    var tokens = new int[rows * s.SequenceLength];
    var labels = new float[rows];
    for (int r = 0; r < rows; r++)
    {
        bool good = r % 2 == 0;
        labels[r] = good ? 1f : 0f;
        tokens[r * s.SequenceLength] = good ? 2 : 3;
        for (int k = 1; k < 8; k++) tokens[r * s.SequenceLength + k] = 4 + rng.NextInt(s.VocabularySize - 4);
    }
    Trainer.Fit(model, tokens, labels, new FitOptions { Epochs = 10, BatchSize = 16, Seed = 1 });
    Evaluation evaluation = Trainer.Evaluate(model, tokens, labels);
    Check(evaluation.Accuracy >= 0.95, $"training: accuracy {evaluation.Accuracy:P1} on the memory task (needs ≥ 95%)");
}

Console.WriteLine(failures == 0 ? $"Numerics check passed: {checks} checks on the {KernelInfo.Current} path." : $"Numerics check FAILED: {failures} of {checks} checks.");
return Math.Min(failures, 100);

// A dense-input fixture: PredictBatch and PredictLogitsBatch with the fixture's lengths within 1e-5 of PyTorch, the loss and
// every gradient (1e-6 + 1e-4·|g|); the truncated-BPTT pair runs window 2 from window 1's final state.
static void DenseFixture(string fixture, Action<bool, string> check)
{
    TorchFixture fx = TorchFixture.Load(fixture);
    IDenseTrainableModel model = fixture switch
    {
        "dense_lstm" => new DenseLstmModel(),
        "dense_gru_l2_bi" => new DenseGruL2BiModel(),
        "dense_rnn" => new DenseRnnModel(),
        "dense_lstm_l2_bi_softmax" => new DenseLstmL2BiSoftmaxModel(),
        "tbptt_lstm" => new DenseTbpttModel(),
        _ => throw new ArgumentException(fixture),
    };
    foreach (ParameterInfo p in model.ParameterLayout)
    {
        check(fx.Shape(p.Name).SequenceEqual(p.Shape), $"{fixture}: {p.Name} shape");
        model.SetParameter(p.Name, fx.Floats(p.Name));
    }
    void Gradients(string prefix, float[] gradients)
    {
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            float[] g = fx.Floats(prefix + p.Name);
            for (int i = 0; i < p.Length; i++)
                check(Math.Abs(gradients[p.Offset + i] - g[i]) <= 1e-6 + 1e-4 * Math.Abs(g[i]), $"{fixture} {prefix}{p.Name}[{i}]: PyTorch {g[i]:E5}, got {gradients[p.Offset + i]:E5}");
        }
    }
    var grads = new float[model.ParameterCount];
    if (fixture.StartsWith("tbptt_", StringComparison.Ordinal) && model is IDenseTruncatedBpttModel window)
    {
        int rows = fx.Floats("labels1").Length;
        int[] full = Enumerable.Repeat(model.Shape.SequenceLength, rows).ToArray();
        var state = new float[rows * window.StateSize];
        float first = window.ComputeGradients(fx.Floats("inputs1"), full, fx.Floats("labels1"), default, state, grads, default);
        check(Math.Abs(first - fx.Floats("loss1")[0]) <= 1e-5, $"{fixture} window 1 loss: PyTorch {fx.Floats("loss1")[0]:R}, got {first:R}");
        Gradients("grad1.", grads);
        float second = window.ComputeGradients(fx.Floats("inputs2"), full, fx.Floats("labels2"), state, default, grads, default);
        check(Math.Abs(second - fx.Floats("loss2")[0]) <= 1e-5, $"{fixture} window 2 loss: PyTorch {fx.Floats("loss2")[0]:R}, got {second:R}");
        Gradients("grad2.", grads);
        return;
    }
    float[] inputs = fx.Floats("inputs"), logits = fx.Floats("logits"), probabilities = fx.Floats("probabilities");
    int[] lengths = fx.Ints("lengths");
    var z = new float[logits.Length];
    var y = new float[logits.Length];
    model.PredictLogitsBatch(inputs, lengths, z);
    model.PredictBatch(inputs, lengths, y);
    for (int i = 0; i < z.Length; i++)
    {
        check(Math.Abs(z[i] - logits[i]) <= 1e-5, $"{fixture} logit {i}: PyTorch {logits[i]:R}, got {z[i]:R}");
        check(Math.Abs(y[i] - probabilities[i]) <= 1e-5, $"{fixture} output {i}: PyTorch {probabilities[i]:R}, got {y[i]:R}");
    }
    if (!fx.Names.Contains("loss")) return;
    float loss = model.ComputeGradients(inputs, lengths, fx.Floats("labels"), grads, default);
    check(Math.Abs(loss - fx.Floats("loss")[0]) <= 1e-5 * (1 + Math.Abs(loss)), $"{fixture} loss: PyTorch {fx.Floats("loss")[0]:R}, got {loss:R}");
    Gradients("grad.", grads);
}

static ISequenceModel CreateBaseline(string name) => name switch
{
    nameof(CnnSmallModel) => new CnnSmallModel(1),
    nameof(CnnOddModel) => new CnnOddModel(1),
    nameof(CnnLinearModel) => new CnnLinearModel(1),
    nameof(FfSmallModel) => new FfSmallModel(1),
    nameof(FfDeepModel) => new FfDeepModel(1),
    nameof(FfLinearModel) => new FfLinearModel(1),
    nameof(FfSoftmaxModel) => new FfSoftmaxModel(1),
    _ => throw new ArgumentException(name),
};

static ISequenceModel ForFixture(string fixture) => fixture switch
{
    "small" => new SmallModel(),
    "reference" => new ReferenceModel(),
    "softmax" => new SoftmaxModel(),
    "gru_small" => new GruSmallModel(),
    "gru_softmax" => new GruSoftmaxModel(),
    "rnn_small" => new RnnSmallModel(),
    "rnn_softmax" => new RnnSoftmaxModel(),
    "lstm_l2" => new LstmL2Model(),
    "lstm_bi" => new LstmBiModel(),
    "lstm_l2_bi" => new LstmL2BiModel(),
    "gru_l2_bi" => new GruL2BiModel(),
    "rnn_l2_bi" => new RnnL2BiModel(),
    "rnn_l3_softmax" => new RnnL3SoftmaxModel(),
    "cnn_small" => new CnnSmallModel(),
    "cnn_medium" => new CnnMediumModel(),
    "ff_small" => new FfSmallModel(),
    "ff_deep" => new FfDeepModel(),
    _ => throw new ArgumentException($"No model for the PyTorch fixture torch_{fixture}.bin.", nameof(fixture)),
};
