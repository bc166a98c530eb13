using System.Text.Json;
using LstmGen.Serialization;
using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>Fit's callbacks, progress display, splits, metrics and AdamW, against Keras' and PyTorch's documented algorithms.</summary>
public class KerasTrainingTests
{
    private static EpochResult Epoch(int epoch, double valLoss, double valAcc = 0.5) =>
        new(epoch, 0.5, 0.5, valLoss, valAcc, 100, TimeSpan.FromSeconds(1));

    // Drives a callback through a scripted validation curve, as Fit would; returns the epochs run.
    private static int Script(TrainingCallback callback, ITrainableModel model, IOptimizer optimizer, double[] valLoss, double[]? valAcc = null)
    {
        var history = new List<EpochResult>();
        var context = new TrainingContext(model, optimizer, valLoss.Length, 1, 1, hasValidation: true, history);
        callback.OnTrainBegin(context);
        for (int e = 0; e < valLoss.Length && !context.StopTraining; e++)
        {
            // A weight that records the epoch, so a restore can be seen.
            using (ParameterUpdate u = model.BeginParameterUpdate()) u.Values[0] = e + 1;
            EpochResult r = Epoch(e + 1, valLoss[e], valAcc?[e] ?? 0.5);
            history.Add(r);
            callback.OnEpochEnd(context, r);
        }
        callback.OnTrainEnd(context);
        return history.Count;
    }

    [Fact]
    public void EarlyStopping_StopsAndRestoresWhereKerasDoes()
    {
        double[] curve = [0.90, 0.80, 0.82, 0.79, 0.81, 0.80, 0.83, 0.78];
        // Keras 3 EarlyStopping(patience=2, min_delta=0, restore_best_weights=True), 0-based epochs e:
        // e0 0.90 best; e1 0.80 best; e2 wait 1; e3 0.79 < 0.80 best; e4 wait 1; e5 wait 2 ≥ 2 → stop after e5.
        // So 6 epochs run and the weights of e3 (epoch 4) are restored.
        var model = new SmallModel(seed: 1);
        var stop = new EarlyStopping(patience: 2);
        Assert.Equal(6, Script(stop, model, new Adam(), curve));
        Assert.Equal(6, stop.StoppedEpoch);
        Assert.Equal(4, stop.BestEpoch);
        Assert.Equal(4f, model.Parameters[0]);

        // min_delta=0.015: at e3, 0.79 is not below 0.80 − 0.015, so e3 is wait 2 → stop after e3 (epoch 4), restore e1 (epoch 2).
        var model2 = new SmallModel(seed: 1);
        var stop2 = new EarlyStopping(patience: 2, minDelta: 0.015);
        Assert.Equal(4, Script(stop2, model2, new Adam(), curve));
        Assert.Equal(2, stop2.BestEpoch);
        Assert.Equal(2f, model2.Parameters[0]);

        // patience=0: the first epoch without improvement (e2) stops training; Keras never stops after e0.
        var stop0 = new EarlyStopping(patience: 0);
        Assert.Equal(3, Script(stop0, new SmallModel(seed: 1), new Adam(), curve));

        // restore_best_weights=False: the last weights stay.
        var model3 = new SmallModel(seed: 1);
        Assert.Equal(6, Script(new EarlyStopping(patience: 2, restoreBestWeights: false), model3, new Adam(), curve));
        Assert.Equal(6f, model3.Parameters[0]);

        // No early stop: the best epoch's weights are still restored at the end (Keras 3 on_train_end).
        var model4 = new SmallModel(seed: 1);
        Assert.Equal(8, Script(new EarlyStopping(patience: 5), model4, new Adam(), curve));
        Assert.Equal(8f, model4.Parameters[0]); // epoch 8 (0.78) is the best
    }

    [Fact]
    public void EarlyStopping_OnValidationAccuracy_MaximisesLikeKeras()
    {
        // mode "max": e0 0.50 best; e1 0.60 best; e2 0.60 is not > 0.60: wait 1; e3 wait 2 → stop after epoch 4, restore epoch 2.
        var model = new SmallModel(seed: 1);
        var stop = new EarlyStopping(patience: 2, monitor: TrainingMetric.ValidationAccuracy);
        Assert.Equal(4, Script(stop, model, new Adam(), [1, 1, 1, 1, 1, 1], [0.50, 0.60, 0.60, 0.59, 0.61, 0.7]));
        Assert.Equal(2, stop.BestEpoch);
        Assert.Equal(2f, model.Parameters[0]);
    }

    [Fact]
    public void ReduceLearningRateOnPlateau_FollowsKeras()
    {
        // patience 2, factor 0.5, cooldown 1: e0 best; e1 0.9 best; e2 wait 1; e3 wait 2 → lr 1e-3 → 5e-4, cooldown 1;
        // e4: cooldown 1 → 0, wait 0, then wait 1; e5 0.85 best; e6 wait 1; e7 wait 2 → lr 2.5e-4.
        var adam = new Adam(1e-3f);
        var reduce = new ReduceLearningRateOnPlateau(factor: 0.5, patience: 2, cooldown: 1);
        var model = new SmallModel(seed: 1);
        var history = new List<EpochResult>();
        var context = new TrainingContext(model, adam, 8, 1, 1, true, history);
        reduce.OnTrainBegin(context);
        double[] curve = [1, 0.9, 0.9, 0.9, 0.9, 0.85, 0.9, 0.9];
        float[] expected = [1e-3f, 1e-3f, 1e-3f, 5e-4f, 5e-4f, 5e-4f, 5e-4f, 2.5e-4f];
        for (int e = 0; e < curve.Length; e++)
        {
            reduce.OnEpochEnd(context, Epoch(e + 1, curve[e]));
            Assert.Equal(expected[e], adam.LearningRate, 9);
        }
    }

    [Fact]
    public void CosineSchedule_MatchesTheFormula()
    {
        Assert.Equal(0.1f, CosineSchedule.RateAt(0, 100, 0, 0.1f, 0f), 7);
        Assert.Equal(0.05f, CosineSchedule.RateAt(50, 100, 0, 0.1f, 0f), 6);
        Assert.Equal(0.1f * 0.5f * (1 + MathF.Cos(MathF.PI * 0.25f)), CosineSchedule.RateAt(25, 100, 0, 0.1f, 0f), 6);
        Assert.Equal(0.04f, CosineSchedule.RateAt(3, 100, 10, 0.1f, 0f), 7); // warm-up: lr·(s+1)/W = 0.1·4/10
        // Through Fit: the last epoch ends at lr(total − 1) ≈ min.
        var model = new SmallModel(seed: 2);
        int[] tokens = TestModels.Tokens(model.Shape, 16, seed: 3);
        var y = new float[16];
        TrainingHistory h = Trainer.Fit(model, tokens, y, new FitOptions { Epochs = 4, BatchSize = 4, Optimizer = new Adam(0.01f), Callbacks = [new CosineSchedule(minLearningRate: 0.001f)] });
        Assert.Equal(CosineSchedule.RateAt(15, 16, 0, 0.01f, 0.001f), h.Epochs[^1].LearningRate!.Value, 6);
        Assert.Equal(CosineSchedule.RateAt(3, 16, 0, 0.01f, 0.001f), h.Epochs[0].LearningRate!.Value, 6);
    }

    [Fact]
    public void Fit_WithValidation_StopsEarlyByDefault_AndCheckpointAndLogsAgree()
    {
        var shape = new H16Model().Shape;
        int[] train = TestModels.Tokens(shape, 64, seed: 1), val = TestModels.Tokens(shape, 64, seed: 2);
        var rng = new Rng(3);
        float[] trainY = Enumerable.Range(0, 64 * 4).Select(_ => (float)(rng.NextInt(2))).ToArray();
        float[] valY = Enumerable.Range(0, 64 * 4).Select(_ => (float)(rng.NextInt(2))).ToArray();
        string dir = Path.Combine(Path.GetTempPath(), "lstmgen-cb-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var checkpoint = new ModelCheckpoint(Path.Combine(dir, "best.lstmgen"));
            var model = new H16Model(seed: 1);
            TrainingHistory h = Trainer.Fit(model, train, trainY, new FitOptions
            {
                Epochs = 40, BatchSize = 16, Seed = 5, Optimizer = new Adam(0.02f), ValidationTokens = val, ValidationTargets = valY,
                Callbacks = [checkpoint, new HistoryLog(Path.Combine(dir, "h.csv")), new HistoryLog(Path.Combine(dir, "h.json"))],
            });
            // Random labels overfit at once: the default early stopping (patience 3) ends long before 40 epochs.
            Assert.True(h.StoppedEarly);
            int best = h.Epochs.MinBy(e => e.ValidationLoss!.Value)!.Epoch;
            Assert.Equal(best, h.BestEpoch);
            Assert.Equal(best + EarlyStopping.DefaultPatience, h.Epochs.Count);
            Assert.Equal(best, checkpoint.SavedEpoch);
            var saved = new H16Model();
            ModelFile.Load(saved, checkpoint.Path);
            Assert.True(saved.Parameters.SequenceEqual(model.Parameters), "the checkpoint holds the restored best weights");
            string[] csv = File.ReadAllLines(Path.Combine(dir, "h.csv"));
            Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds", csv[0]);
            Assert.Equal(h.Epochs.Count + 1, csv.Length);
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "h.json")));
            Assert.Equal(h.Epochs.Count, json.RootElement.GetArrayLength());
            Assert.Equal(h.Epochs[1].ValidationLoss!.Value, json.RootElement[1].GetProperty("val_loss").GetDouble());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void ConsoleProgress_Redirected_WritesOneLinePerEpochInOrder()
    {
        var model = new SmallModel(seed: 2);
        int[] tokens = TestModels.Tokens(model.Shape, 40, seed: 3);
        var y = new float[40];
        var writer = new StringWriter();
        Trainer.Fit(model, tokens, y, new FitOptions { Epochs = 5, BatchSize = 4, ValidationSplit = 0.2, AutoEarlyStopping = false, Callbacks = [new ConsoleProgress(writer, interactive: false)] });
        string[] lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        for (int e = 0; e < 5; e++)
        {
            Assert.StartsWith($"Epoch {e + 1}/5 ", lines[e], StringComparison.Ordinal);
            Assert.Contains("val_loss", lines[e], StringComparison.Ordinal);
            Assert.True(lines[e].Length <= 80, lines[e]);
            Assert.DoesNotContain('\r', lines[e]);
        }
    }

    [Fact]
    public void ConsoleProgress_Interactive_RedrawsEveryBatchInOrderWithinEightyColumns()
    {
        var model = new SmallModel(seed: 2);
        int[] tokens = TestModels.Tokens(model.Shape, 40, seed: 3);
        var y = new float[40];
        var writer = new StringWriter();
        Trainer.Fit(model, tokens, y, new FitOptions { Epochs = 2, BatchSize = 4, Callbacks = [new ConsoleProgress(writer, interactive: true) { RefreshInterval = TimeSpan.Zero }] });
        string text = writer.ToString();
        string[] epochs = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, epochs.Length);
        for (int e = 0; e < 2; e++)
        {
            string[] draws = epochs[e].Split('\r', StringSplitOptions.RemoveEmptyEntries);
            // batches 1 … 9 of 10, then the epoch line
            Assert.Equal(10, draws.Length);
            for (int b = 0; b < 9; b++)
            {
                Assert.StartsWith($"Epoch {e + 1}/2  {b + 1,2}/10  [", draws[b], StringComparison.Ordinal);
                Assert.Contains("ETA", draws[b], StringComparison.Ordinal);
                Assert.Contains("loss", draws[b], StringComparison.Ordinal);
            }
            Assert.DoesNotContain("ETA", draws[9], StringComparison.Ordinal);
            foreach (string d in draws) Assert.True(d.Length <= 80, $"{d.Length} columns: {d}");
        }
    }

    [Fact]
    public void ProgressLines_DropFieldsToFitTheWidth()
    {
        var r = new EpochResult(10, 0.123456, 0.987, 0.5, 0.75, 123_456_789, TimeSpan.FromSeconds(3725));
        string line = ConsoleProgress.EpochLine(r, 10, 100_000, 80);
        Assert.True(line.Length <= 80, line);
        Assert.Contains("val_acc 75.0%", line, StringComparison.Ordinal);
        Assert.True(ConsoleProgress.EpochLine(r, 10, 100_000, 40).Length <= 40);
    }

    [Fact]
    public void StratifiedSplit_KeepsClassProportions_AndIsSeeded()
    {
        int[] classes = [.. Enumerable.Repeat(0, 70), .. Enumerable.Repeat(1, 30)];
        SplitIndices s = DataSplit.Stratified(classes, 0.1, 0.2, seed: 7);
        Assert.Equal(20, s.Test.Length);
        Assert.Equal(6, s.Test.Count(i => classes[i] == 1));
        Assert.Equal(10, s.Validation.Length);
        Assert.Equal(3, s.Validation.Count(i => classes[i] == 1));
        Assert.Equal(Enumerable.Range(0, 100), s.Train.Concat(s.Validation).Concat(s.Test).Order());
        Assert.Equal(s, DataSplit.Stratified(classes, 0.1, 0.2, seed: 7), new SplitComparer());
        Assert.NotEqual(s.Test, DataSplit.Stratified(classes, 0.1, 0.2, seed: 8).Test);
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Stratified(classes, 0.5, 0.5, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplit.Stratified(classes, double.NaN, 0, 1));
    }

    [Fact]
    public void FitsValidationSplit_OnALabelSortedFile_HoldsBothClasses()
    {
        // The old behaviour took the last 20% of the rows: on this label-sorted data, class 1 only.
        float[] targets = [.. Enumerable.Repeat(0f, 50), .. Enumerable.Repeat(1f, 50)];
        SplitIndices s = Trainer.ValidationRows(new SmallModel().Shape, targets, 0.2, seed: 1);
        Assert.Equal(10, s.Validation.Count(i => targets[i] == 0));
        Assert.Equal(10, s.Validation.Count(i => targets[i] == 1));
        Assert.NotEqual(Enumerable.Range(80, 20), s.Validation);
    }

    private sealed class SplitComparer : IEqualityComparer<SplitIndices>
    {
        public bool Equals(SplitIndices? a, SplitIndices? b) => a!.Train.SequenceEqual(b!.Train) && a.Validation.SequenceEqual(b.Validation) && a.Test.SequenceEqual(b.Test);
        public int GetHashCode(SplitIndices s) => 0;
    }

    [Fact]
    public void SparseLabels_TrainExactlyAsOneHotTargets()
    {
        var shape = new SoftmaxModel().Shape;
        int[] tokens = TestModels.Tokens(shape, 24, seed: 4);
        int[] labels = Enumerable.Range(0, 24).Select(i => i % 3).ToArray();
        var a = new SoftmaxModel(seed: 1);
        var b = new SoftmaxModel(seed: 1);
        Trainer.Fit(a, tokens, labels, new FitOptions { Epochs = 2, BatchSize = 8 });
        Trainer.Fit(b, tokens, Targets.OneHot(labels, 3), new FitOptions { Epochs = 2, BatchSize = 8 });
        Assert.True(a.Parameters.SequenceEqual(b.Parameters));
        Assert.Equal(Trainer.Evaluate(a, tokens, labels).Loss, Trainer.Evaluate(b, tokens, Targets.OneHot(labels, 3)).Loss);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(a, tokens, [.. labels[..23], 3]));
        Assert.Contains("index 23", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BinaryMetrics_MatchHandComputedValues()
    {
        int[] labels = [1, 0, 1, 1, 0, 0, 1, 0];
        float[] p1 = [0.9f, 0.4f, 0.35f, 0.8f, 0.1f, 0.6f, 0.7f, 0.2f];
        float[] probs = p1.SelectMany(p => new[] { 1 - p, p }).ToArray();
        ClassificationMetrics m = ClassificationMetrics.Compute(probs, labels, 2);
        // predicted 1,0,0,1,0,1,1,0 → C = [[3, 1], [1, 3]]
        Assert.Equal(new[,] { { 3, 1 }, { 1, 3 } }, m.ConfusionMatrix);
        Assert.Equal(0.75, m.Precision[1], 12);
        Assert.Equal(0.75, m.Recall[1], 12);
        Assert.Equal(0.75, m.F1[0], 12);
        Assert.Equal(0.75, m.Accuracy, 12);
        // 14 of the 16 (positive, negative) pairs are ordered right: 0.35 beats only 0.1 and 0.2.
        Assert.Equal(14.0 / 16, m.RocAuc, 12);
    }

    [Fact]
    public void MulticlassMetrics_MatchHandComputedValues_WithTies()
    {
        int[] labels = [0, 1, 2, 2];
        float[] probs = [0.7f, 0.2f, 0.1f, 0.3f, 0.4f, 0.3f, 0.2f, 0.5f, 0.3f, 0.1f, 0.1f, 0.8f];
        ClassificationMetrics m = ClassificationMetrics.Compute(probs, labels, 3);
        Assert.Equal(new[,] { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 1, 1 } }, m.ConfusionMatrix);
        Assert.Equal([1, 0.5, 1], m.Precision);
        Assert.Equal([1, 1, 0.5], m.Recall);
        Assert.Equal(2.0 / 3, m.F1[1], 12);
        Assert.Equal((1 + 2.0 / 3 + 2.0 / 3) / 3, m.MacroF1, 12);
        // One-vs-rest AUCs: class 0 → 1; class 1 → 2/3; class 2 → (1 + ½ + 2)/4 = 0.875 (a tie at 0.3 counts ½).
        Assert.Equal((1 + 2.0 / 3 + 0.875) / 3, m.RocAuc, 12);
    }

    [Fact]
    public void Evaluate_ReportsClassificationMetrics_ForSigmoidModels()
    {
        var model = new SmallModel(seed: 3);
        int[] tokens = TestModels.Tokens(model.Shape, 20, seed: 5);
        float[] y = Enumerable.Range(0, 20).Select(i => (float)(i % 2)).ToArray();
        Evaluation e = Trainer.Evaluate(model, tokens, y);
        Assert.NotNull(e.Classification);
        Assert.Equal(20, e.Classification!.ConfusionMatrix.Cast<int>().Sum());
        Assert.Equal(e.Accuracy, e.Classification.Accuracy, 12);
    }

    [Fact]
    public void Evaluate_CountsAnOutputOfExactlyOneHalfAsClassOne_InTheMetricsAsInTheAccuracy()
    {
        // fc = 0 makes every output σ(0) = 0.5 exactly: the accuracy (p ≥ 0.5) calls every row class 1, and so must the
        // confusion matrix (an arg-max of [1 − p, p] with first-on-ties would call them class 0).
        var model = new SmallModel(seed: 3);
        using (ParameterUpdate u = model.BeginParameterUpdate())
        {
            u.Tensor("fc.weight").Clear();
            u.Tensor("fc.bias").Clear();
        }
        int[] tokens = TestModels.Tokens(model.Shape, 4, seed: 5);
        Assert.Equal(0.5f, model.Predict(tokens.AsSpan(0, model.Shape.SequenceLength)));
        Evaluation e = Trainer.Evaluate(model, tokens, [1f, 0f, 1f, 1f]);
        Assert.Equal(0.75, e.Accuracy, 12);
        Assert.Equal(e.Accuracy, e.Classification!.Accuracy, 12);
        Assert.Equal(new[,] { { 0, 1 }, { 0, 3 } }, e.Classification.ConfusionMatrix);
    }

    [Fact]
    public void AdamW_MatchesPyTorchsDefinition()
    {
        // torch.optim.AdamW: θ ← θ − lr·λ·θ; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
        // θ ← θ − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε), in double here.
        const int n = 37;
        const double lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7;
        var rng = new Rng(11);
        float[] theta = Enumerable.Range(0, n).Select(_ => rng.NextUniform(-1, 1)).ToArray();
        double[] reference = theta.Select(x => (double)x).ToArray();
        var m = new double[n];
        var v = new double[n];
        var opt = new AdamW((float)lr, (float)wd);
        for (int t = 1; t <= 5; t++)
        {
            float[] g = Enumerable.Range(0, n).Select(_ => rng.NextUniform(-2, 2)).ToArray();
            opt.Step(theta, g);
            for (int i = 0; i < n; i++)
            {
                reference[i] -= lr * wd * reference[i];
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                reference[i] -= lr / (1 - Math.Pow(b1, t)) * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps);
            }
        }
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(theta[i] - reference[i]) <= 2e-6 * (1 + Math.Abs(reference[i])), $"θ[{i}] = {theta[i]}, expected {reference[i]}");
        // λ = 0 is exactly Adam.
        float[] a = [0.5f, -0.25f], b = [0.5f, -0.25f];
        new AdamW(0.01f, 0f).Step(a, [0.3f, -0.7f]);
        new Adam(0.01f).Step(b, [0.3f, -0.7f]);
        Assert.Equal(b, a);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(weightDecay: -1f));
    }

    [Fact]
    public void ClassWeights_ScaleEachClasssLoss_AsKerasClassWeight()
    {
        var probe = new SmallModel(seed: 4);
        int[] tokens = TestModels.Tokens(probe.Shape, 8, seed: 6);
        float[] y = [1, 0, 0, 1, 0, 1, 1, 0];
        int t = SmallModel.SequenceLength;
        // Reference: weights (3, 0) → g = (n₀·3/B)·g₀, g₀ the mean gradient of the class-0 rows alone.
        int[] zeroRows = [1, 2, 4, 7];
        int[] zeroTokens = [.. zeroRows.SelectMany(r => tokens.Skip(r * t).Take(t))];
        var g0 = new float[SmallModel.ParameterCount];
        probe.ComputeGradients(zeroTokens, new float[4], g0, default);
        float[] expected = probe.Parameters.ToArray();
        for (int i = 0; i < expected.Length; i++) expected[i] -= 0.1f * (4 * 3f / 8) * g0[i];

        var model = new SmallModel(seed: 4);
        Trainer.Fit(model, tokens, y, new FitOptions { Epochs = 1, BatchSize = 8, Shuffle = false, Optimizer = new Sgd(0.1f), ClassWeights = [3f, 0f] });
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], model.Parameters[i], 6);

        // Weights (1, 1) train as no weights, to float rounding.
        var plain = new SmallModel(seed: 4);
        var ones = new SmallModel(seed: 4);
        Trainer.Fit(plain, tokens, y, new FitOptions { Epochs = 2, BatchSize = 4, Optimizer = new Sgd(0.1f) });
        Trainer.Fit(ones, tokens, y, new FitOptions { Epochs = 2, BatchSize = 4, Optimizer = new Sgd(0.1f), ClassWeights = [1f, 1f] });
        for (int i = 0; i < expected.Length; i++) Assert.Equal(plain.Parameters[i], ones.Parameters[i], 5);

        Assert.Contains("2 classes", Assert.Throws<ArgumentException>(() => Trainer.Fit(model, tokens, y, new FitOptions { ClassWeights = [1f] })).Message);
        Assert.Throws<ArgumentException>(() => Trainer.Fit(model, tokens, y, new FitOptions { ClassWeights = [1f, 1f], Threads = 2 }));
    }

    [Fact]
    public void LengthBucketing_IsSeeded_AndTrainsOnEveryRow()
    {
        var shape = new SmallModel().Shape;
        int t = shape.SequenceLength;
        int[] tokens = TestModels.Tokens(shape, 64, seed: 8);
        for (int r = 0; r < 64; r++) tokens.AsSpan(r * t + 1 + r % (t - 1)).Clear(); // lengths 2 … t
        float[] y = [.. Enumerable.Range(0, 64).Select(i => (float)(i % 2))];
        SmallModel Train(bool bucketing, int seed)
        {
            var m = new SmallModel(seed: 1);
            TrainingHistory h = Trainer.Fit(m, tokens, y, new FitOptions { Epochs = 2, BatchSize = 8, Seed = seed, LengthBucketing = bucketing, Callbacks = [new RowCounter(64)] });
            Assert.Equal(2, h.Epochs.Count);
            return m;
        }
        Assert.True(Train(true, 3).Parameters.SequenceEqual(Train(true, 3).Parameters));
        Assert.False(Train(true, 3).Parameters.SequenceEqual(Train(false, 3).Parameters));
        Assert.False(Train(true, 3).Parameters.SequenceEqual(Train(true, 4).Parameters));
    }

    // Checks that every epoch trains on all rows exactly once (the epoch-end report's row count).
    private sealed class RowCounter(int rows) : TrainingCallback
    {
        public override void OnBatchEnd(TrainingContext context, TrainingProgress progress)
        {
            if (progress.EpochEnd is not null) Assert.Equal(rows, progress.RowsSeen);
        }
    }
}
