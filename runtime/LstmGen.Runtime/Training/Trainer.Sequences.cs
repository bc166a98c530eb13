using System.Diagnostics;

namespace LstmGen.Training;

// Fit and Evaluate for models with ReturnSequences = true: targets per step (B·SequenceLength·OutputSize floats, or
// B·SequenceLength class ids for a softmax head), losses and accuracies over real steps (token ≠ 0) only.
public static partial class Trainer
{
    // The per-step Fit: the same loop as Fit (epochs, seeded shuffling, batches, validation, callbacks, early stopping,
    // progress) with per-step targets. A batch's loss is the mean over its real steps; the epoch's loss and accuracy are
    // means over the epoch's real steps. Options that only make sense per row (ClassWeights, LengthBucketing, Threads > 1)
    // are refused.
    private static TrainingHistory FitSteps(ITrainableModel model, int[] tokens, float[]? targets, int[]? classes, FitOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength, o = shape.OutputSize;
        int width = classes is null ? t * o : t; // targets per row
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Epochs must be at least 1.");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be at least 1.");
        if (!(options.ValidationSplit >= 0 && options.ValidationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationSplit, $"ValidationSplit must be in [0, 1) but is {options.ValidationSplit}.");
        if (options.EarlyStoppingPatience is < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.EarlyStoppingPatience, $"EarlyStoppingPatience must be at least 0 (or null for off) but is {options.EarlyStoppingPatience}.");
        if (options.ClassWeights is not null) throw new ArgumentException("ClassWeights are per row; a ReturnSequences model has targets per step.", nameof(options));
        if (options.LengthBucketing) throw new ArgumentException("LengthBucketing is not supported for ReturnSequences models.", nameof(options));
        if (options.Threads != 1) throw new ArgumentException("A ReturnSequences model trains on one thread (Threads = 1).", nameof(options));
        if (classes is not null && model is not IStepClassModel)
            throw new ArgumentException($"Class ids per step need a softmax ReturnSequences model; this one has {o} {shape.Output} outputs (give float targets).", nameof(classes));
        int rows = CheckRows(tokens, t, shape.VocabularySize, nameof(tokens));
        CheckStepTargets(shape, tokens, targets, classes, classes is null ? nameof(targets) : "labels");

        // Validation: explicit (ValidationTargets, or ValidationLabels for class ids), or a seeded random share of the rows.
        int[]? valTokens = options.ValidationTokens;
        float[]? valTargets = options.ValidationTargets;
        int[]? valClasses = options.ValidationLabels;
        int trainRows = rows;
        if (valTokens is not null)
        {
            if (valTargets is not null && valClasses is not null) throw new ArgumentException("Give ValidationLabels or ValidationTargets, not both.", nameof(options));
            if (valTargets is null && valClasses is null) throw new ArgumentException("ValidationTokens needs ValidationTargets or ValidationLabels.", nameof(options));
            CheckRows(valTokens, t, shape.VocabularySize, "options.ValidationTokens");
            CheckStepTargets(shape, valTokens, valTargets, valClasses, valClasses is null ? "options.ValidationTargets" : "options.ValidationLabels");
        }
        else if (options.ValidationSplit > 0)
        {
            int valRows = (int)(rows * options.ValidationSplit);
            if (valRows == 0 || valRows == rows) throw new ArgumentException($"ValidationSplit {options.ValidationSplit} of {rows} rows leaves no training or no validation data.", nameof(options));
            var all = new int[rows];
            for (int i = 0; i < rows; i++) all[i] = i;
            var split = new Rng(options.Seed);
            split.Shuffle<int>(all);
            int[] val = all[..valRows], train = all[valRows..];
            Array.Sort(val);
            Array.Sort(train);
            valTokens = Gather(tokens, t, val);
            tokens = Gather(tokens, t, train);
            if (classes is null) { valTargets = Gather(targets!, width, val); targets = Gather(targets!, width, train); }
            else { valClasses = Gather(classes, width, val); classes = Gather(classes, width, train); }
            trainRows = train.Length;
        }

        IOptimizer optimizer = options.Optimizer ?? new Adam();
        if (options.ClipNorm is float clip && !(clip > 0)) throw new ArgumentOutOfRangeException(nameof(options), options.ClipNorm, "ClipNorm must be positive.");
        int batchSize = Math.Min(options.BatchSize, trainRows);
        int batches = (trainRows + batchSize - 1) / batchSize;
        var order = new int[trainRows];
        for (int i = 0; i < trainRows; i++) order[i] = i;
        var rng = new Rng(options.Seed);
        var batchTokens = new int[batchSize * t];
        var batchTargets = new float[classes is null ? batchSize * width : 0];
        var batchClasses = new int[classes is null ? 0 : batchSize * width];
        var predictions = new float[batchSize * t * o];
        var gradients = new float[model.ParameterCount];
        var history = new List<EpochResult>();

        var callbacks = new List<TrainingCallback>();
        EarlyStopping? stopping = options.EarlyStopping
            ?? (options.EarlyStoppingPatience is int patience ? new EarlyStopping(patience)
            : options.AutoEarlyStopping && valTokens is not null ? new EarlyStopping() : null);
        if (stopping is not null) callbacks.Add(stopping);
        if (options.Callbacks is not null) callbacks.AddRange(options.Callbacks);
        var context = new TrainingContext(model, optimizer, options.Epochs, batches, trainRows, valTokens is not null, history);
        foreach (TrainingCallback c in callbacks) c.OnTrainBegin(context);

        for (int epoch = 1; epoch <= options.Epochs && !context.StopTraining; epoch++)
        {
            if (options.Shuffle) rng.Shuffle<int>(order);
            foreach (TrainingCallback c in callbacks) c.OnEpochBegin(context, epoch);
            var clock = Stopwatch.StartNew();
            double lossSum = 0, correct = 0;
            long steps = 0, scored = 0;
            int seen = 0;
            for (int k = 0; k < batches; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (TrainingCallback c in callbacks) c.OnBatchBegin(context, epoch, k + 1);
                int start = k * batchSize, n = Math.Min(batchSize, trainRows - start);
                for (int r = 0; r < n; r++)
                {
                    int src = order[start + r];
                    Array.Copy(tokens, src * t, batchTokens, r * t, t);
                    if (classes is null) Array.Copy(targets!, src * width, batchTargets, r * width, width);
                    else Array.Copy(classes, src * width, batchClasses, r * width, width);
                }
                ReadOnlySpan<int> bt = batchTokens.AsSpan(0, n * t);
                Span<float> py = predictions.AsSpan(0, n * t * o);
                float loss = classes is null
                    ? model.ComputeGradients(bt, batchTargets.AsSpan(0, n * width), gradients, py)
                    : ((IStepClassModel)model).ComputeGradients(bt, batchClasses.AsSpan(0, n * width), gradients, py);
                // A non-finite loss or gradient leaves the weights unchanged.
                string? failure = !float.IsFinite(loss) ? $"the loss is {loss}" : !Gradients.AllFinite(gradients) ? "a gradient is not finite" : null;
                if (failure is not null) throw new TrainingDivergedException(epoch, k + 1, failure + "; this step did not change the weights");
                if (options.ClipNorm is float clipNorm) Gradients.ClipByGlobalNorm(gradients, clipNorm);
                using (ParameterUpdate update = model.BeginParameterUpdate()) optimizer.Step(update.Values, gradients);

                (double right, long real, long outputs) = CountCorrectSteps(shape, bt, py, classes is null ? batchTargets.AsSpan(0, n * width) : default, classes is null ? default : batchClasses.AsSpan(0, n * width));
                correct += right;
                lossSum += (double)loss * real;
                steps += real;
                scored += outputs;
                seen += n;
                double rate = seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                if (k < batches - 1 && (progress is not null || callbacks.Count > 0))
                {
                    var report = new TrainingProgress(epoch, options.Epochs, k + 1, batches, lossSum / Math.Max(steps, 1), StepAccuracy(shape, correct, scored), rate, null) { RowsSeen = seen };
                    progress?.Report(report);
                    foreach (TrainingCallback c in callbacks) c.OnBatchEnd(context, report);
                }
            }
            clock.Stop();
            double? valLoss = null, valAcc = null;
            if (valTokens is not null)
            {
                Evaluation ev = EvaluateSteps(model, valTokens, valTargets, valClasses);
                valLoss = ev.Loss; valAcc = ev.Accuracy;
            }
            var result = new EpochResult(epoch, lossSum / Math.Max(steps, 1), StepAccuracy(shape, correct, scored), valLoss, valAcc, seen / clock.Elapsed.TotalSeconds, clock.Elapsed)
            {
                LearningRate = context.LearningRate,
            };
            history.Add(result);
            var end = new TrainingProgress(epoch, options.Epochs, batches, batches, result.Loss, result.Accuracy, result.SequencesPerSecond, result) { RowsSeen = seen };
            progress?.Report(end);
            foreach (TrainingCallback c in callbacks) c.OnBatchEnd(context, end);
            foreach (TrainingCallback c in callbacks) c.OnEpochEnd(context, result);
        }
        foreach (TrainingCallback c in callbacks) c.OnTrainEnd(context);
        return new TrainingHistory(history, history.Count < options.Epochs, context.RestoredEpoch);
    }

    // Loss and accuracy over the real steps of a data set, from PredictBatch's per-step outputs: cross-entropy of the
    // probabilities (clamped at 1e-7, as Evaluate), or the squared error for a linear head; accuracy as in Fit.
    private static Evaluation EvaluateSteps(ISequenceModel model, int[] tokens, float[]? targets, int[]? classes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength, o = shape.OutputSize;
        if (classes is not null && shape.Output != OutputActivation.Softmax)
            throw new ArgumentException($"Class ids per step need a softmax model; this one has {o} {shape.Output} outputs.", nameof(classes));
        int rows = CheckRows(tokens, t, shape.VocabularySize, nameof(tokens));
        CheckStepTargets(shape, tokens, targets, classes, classes is null ? nameof(targets) : "labels");
        var outputs = new float[rows * t * o];
        model.PredictBatch(tokens, outputs);
        double loss = 0;
        long real = 0;
        for (int q = 0; q < tokens.Length; q++)
        {
            if (tokens[q] == 0) continue;
            real++;
            ReadOnlySpan<float> p = outputs.AsSpan(q * o, o);
            loss += classes is null
                ? Losses.MeanLossOfOutputs(shape.Output, o, p, targets.AsSpan(q * o, o))
                : -Math.Log(Math.Max(p[classes[q]], 1e-7));
        }
        (double correct, _, long scored) = CountCorrectSteps(shape, tokens, outputs, targets, classes);
        return new Evaluation(real == 0 ? 0 : loss / real, StepAccuracy(shape, correct, scored));
    }

    private static void CheckStepTargets(ModelShape shape, int[] tokens, float[]? targets, int[]? classes, string paramName)
    {
        if (classes is not null) StepLosses.ValidateStepClasses(shape.OutputSize, shape.SequenceLength, tokens, classes, paramName);
        else
        {
            ArgumentNullException.ThrowIfNull(targets, paramName);
            StepLosses.ValidateStepTargets(shape.Output, shape.OutputSize, shape.SequenceLength, tokens, targets, paramName);
        }
    }

    // Over real steps: sigmoid, per output (p ≥ 0.5) = (y ≥ 0.5); softmax, per step arg-max = the class (or the targets'
    // arg-max). Returns the count right, the real steps and the outputs scored (the accuracy's denominator).
    private static (double Correct, long Real, long Scored) CountCorrectSteps(ModelShape shape, ReadOnlySpan<int> tokens, ReadOnlySpan<float> outputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<int> classes)
    {
        int o = shape.OutputSize;
        double correct = 0;
        long real = 0;
        for (int q = 0; q < tokens.Length; q++)
        {
            if (tokens[q] == 0) continue;
            real++;
            ReadOnlySpan<float> p = outputs.Slice(q * o, o);
            if (shape.Output == OutputActivation.Sigmoid)
            {
                for (int i = 0; i < o; i++) if ((p[i] >= 0.5f) == (targets[q * o + i] >= 0.5f)) correct++;
            }
            else if (shape.Output == OutputActivation.Softmax)
            {
                if (ArgMax(p) == (classes.IsEmpty ? ArgMax(targets.Slice(q * o, o)) : classes[q])) correct++;
            }
        }
        return (correct, real, shape.Output == OutputActivation.Sigmoid ? real * o : real);
    }

    private static double StepAccuracy(ModelShape shape, double correct, long scored)
        => shape.Output == OutputActivation.Linear || scored == 0 ? double.NaN : correct / scored;
}
