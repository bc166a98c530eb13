using System.Diagnostics;

namespace LstmGen.Training;

// Fit and Evaluate for models with ReturnSequences = true: targets per step (B·SequenceLength·OutputSize floats, or
// B·SequenceLength class ids for a softmax head), losses and accuracies over real steps (token ≠ 0) only.
public static partial class Trainer
{
    /// <summary>
    /// <see cref="Fit(IDenseTrainableModel, float[], int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// with class ids: one per step for a softmax <c>ReturnSequences</c> model (SequenceLength per row, anything past a
    /// row's length; <see cref="FitOptions.ValidationLabels"/> for the validation rows), else one per row as
    /// <see cref="TargetsOf"/> turns them into targets.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes, lengths, non-finite inputs or class ids that do not fit the model.</exception>
    public static TrainingHistory Fit(IDenseTrainableModel model, float[] inputs, int[] lengths, int[] labels, FitOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new FitOptions();
        if (model.Shape.ReturnSequences) return FitDenseSteps(model, inputs, lengths, null, labels, options, progress, cancellationToken);
        if (options.ValidationLabels is int[] vl) options = With(options, TargetsOf(model.Shape, vl, "options.ValidationLabels"));
        return Fit(model, inputs, lengths, TargetsOf(model.Shape, labels, nameof(labels)), options, progress, cancellationToken);
    }

    /// <summary>
    /// <see cref="Evaluate(IDenseSequenceModel, float[], int[], float[])"/> with class ids (per step for a softmax
    /// <c>ReturnSequences</c> model, else per row).
    /// </summary>
    public static Evaluation Evaluate(IDenseSequenceModel model, float[] inputs, int[] lengths, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        if (model.Shape.ReturnSequences) return EvaluateDenseSteps(model, inputs, lengths, null, labels);
        return Evaluate(model, inputs, lengths, TargetsOf(model.Shape, labels, nameof(labels)));
    }

    // The per-step Fit: the same loop as Fit (epochs, seeded shuffling, batches, validation, callbacks, early stopping,
    // progress) with per-step targets. A batch's loss is the mean over its real steps; the epoch's loss and accuracy are
    // means over the epoch's real steps. Options that only make sense per row (ClassWeights, LengthBucketing, Threads > 1)
    // are refused.
    private static TrainingHistory FitSteps(ITrainableModel model, int[] tokens, float[]? targets, int[]? classes, FitOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ModelShape shape = model.Shape;
        int rows = CheckRows(tokens, shape.SequenceLength, shape.VocabularySize, nameof(tokens));
        StepRows? validation = null;
        if (options.ValidationTokens is int[] valTokens)
        {
            CheckRows(valTokens, shape.SequenceLength, shape.VocabularySize, "options.ValidationTokens");
            validation = StepRows.OfTokens(valTokens, shape.SequenceLength);
        }
        return FitStepsCore(model, StepRows.OfTokens(tokens, shape.SequenceLength), targets, classes, validation, options, progress, cancellationToken);
    }

    // The per-step Fit of a dense-input model: rows of features with their lengths (steps past a length are padded steps).
    private static TrainingHistory FitDenseSteps(IDenseTrainableModel model, float[] inputs, int[] lengths, float[]? targets, int[]? classes, FitOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength, n = shape.InputSize;
        DenseChecks.Batch(inputs, lengths, n, t, nameof(inputs), nameof(lengths));
        if (options.ValidationTokens is not null) throw new ArgumentException("A dense-input model validates on ValidationInputs and ValidationLengths, not ValidationTokens.", nameof(options));
        StepRows? validation = null;
        if (options.ValidationInputs is float[] valInputs)
        {
            if (options.ValidationLengths is not int[] valLengths) throw new ArgumentException("ValidationInputs needs ValidationLengths.", nameof(options));
            DenseChecks.Batch(valInputs, valLengths, n, t, "options.ValidationInputs", "options.ValidationLengths");
            validation = StepRows.OfFeatures(valInputs, valLengths, t, n);
        }
        return FitStepsCore(model, StepRows.OfFeatures(inputs, lengths, t, n), targets, classes, validation, options, progress, cancellationToken);
    }

    private static TrainingHistory FitStepsCore(IGradientModel model, StepRows train, float[]? targets, int[]? classes, StepRows? validation, FitOptions options,
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
        if (classes is not null && model is not (IStepClassModel or IDenseStepClassModel))
            throw new ArgumentException($"Class ids per step need a softmax ReturnSequences model; this one has {o} {shape.Output} outputs (give float targets).", nameof(classes));
        int rows = train.Rows;
        train.CheckTargets(shape, targets, classes, classes is null ? nameof(targets) : "labels");

        // Validation: explicit (ValidationTargets, or ValidationLabels for class ids), or a seeded random share of the rows.
        float[]? valTargets = options.ValidationTargets;
        int[]? valClasses = options.ValidationLabels;
        int trainRows = rows;
        if (validation is not null)
        {
            if (valTargets is not null && valClasses is not null) throw new ArgumentException("Give ValidationLabels or ValidationTargets, not both.", nameof(options));
            if (valTargets is null && valClasses is null) throw new ArgumentException("Validation rows need ValidationTargets or ValidationLabels.", nameof(options));
            validation.CheckTargets(shape, valTargets, valClasses, valClasses is null ? "options.ValidationTargets" : "options.ValidationLabels");
        }
        else if (options.ValidationSplit > 0)
        {
            int valRows = (int)(rows * options.ValidationSplit);
            if (valRows == 0 || valRows == rows) throw new ArgumentException($"ValidationSplit {options.ValidationSplit} of {rows} rows leaves no training or no validation data.", nameof(options));
            var all = new int[rows];
            for (int i = 0; i < rows; i++) all[i] = i;
            var split = new Rng(options.Seed);
            split.Shuffle<int>(all);
            int[] val = all[..valRows], trainIndices = all[valRows..];
            Array.Sort(val);
            Array.Sort(trainIndices);
            validation = train.Gather(val);
            train = train.Gather(trainIndices);
            if (classes is null) { valTargets = Gather(targets!, width, val); targets = Gather(targets!, width, trainIndices); }
            else { valClasses = Gather(classes, width, val); classes = Gather(classes, width, trainIndices); }
            trainRows = trainIndices.Length;
        }

        IOptimizer optimizer = options.Optimizer ?? new Adam();
        if (options.ClipNorm is float clip && !(clip > 0)) throw new ArgumentOutOfRangeException(nameof(options), options.ClipNorm, "ClipNorm must be positive.");
        int batchSize = Math.Min(options.BatchSize, trainRows);
        int batches = (trainRows + batchSize - 1) / batchSize;
        var order = new int[trainRows];
        for (int i = 0; i < trainRows; i++) order[i] = i;
        var rng = new Rng(options.Seed);
        StepRows batch = train.Empty(batchSize);
        var real = new bool[batchSize * t];
        var batchTargets = new float[classes is null ? batchSize * width : 0];
        var batchClasses = new int[classes is null ? 0 : batchSize * width];
        var predictions = new float[batchSize * t * o];
        var gradients = new float[model.ParameterCount];
        TableRows table = TableRows.For(model);
        var history = new List<EpochResult>();

        var callbacks = new List<TrainingCallback>();
        EarlyStopping? stopping = options.EarlyStopping
            ?? (options.EarlyStoppingPatience is int patience ? new EarlyStopping(patience)
            : options.AutoEarlyStopping && validation is not null ? new EarlyStopping() : null);
        if (stopping is not null) callbacks.Add(stopping);
        if (options.Callbacks is not null) callbacks.AddRange(options.Callbacks);
        var context = new TrainingContext(model, optimizer, options.Epochs, batches, trainRows, validation is not null, history);
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
                    train.CopyRow(src, batch, r);
                    if (classes is null) Array.Copy(targets!, src * width, batchTargets, r * width, width);
                    else Array.Copy(classes, src * width, batchClasses, r * width, width);
                }
                Span<float> py = predictions.AsSpan(0, n * t * o);
                float loss = batch.ComputeGradients(model, n, classes is null ? batchTargets.AsSpan(0, n * width) : default, classes is null ? default : batchClasses.AsSpan(0, n * width), gradients, py);
                batch.RealSteps(n, real);
                // A non-finite loss or gradient leaves the weights unchanged.
                string? failure = !float.IsFinite(loss) ? $"the loss is {loss}" : !Gradients.AllFinite(gradients) ? "a gradient is not finite" : null;
                if (failure is not null) throw new TrainingDivergedException(epoch, k + 1, failure + "; this step did not change the weights");
                if (options.ClipNorm is float clipNorm) Gradients.ClipByGlobalNorm(gradients, clipNorm);
                using (ParameterUpdate update = model.BeginParameterUpdate()) table.Step(optimizer, update.Values, gradients, batch.Tokens(n));

                (double right, long realSteps, long outputs) = CountCorrectSteps(shape, real.AsSpan(0, n * t), py, classes is null ? batchTargets.AsSpan(0, n * width) : default, classes is null ? default : batchClasses.AsSpan(0, n * width));
                correct += right;
                lossSum += (double)loss * realSteps;
                steps += realSteps;
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
            if (validation is not null)
            {
                Evaluation ev = EvaluateSteps(model, validation, valTargets, valClasses);
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
        CheckRows(tokens, model.Shape.SequenceLength, model.Shape.VocabularySize, nameof(tokens));
        return EvaluateSteps(model, StepRows.OfTokens(tokens, model.Shape.SequenceLength), targets, classes);
    }

    private static Evaluation EvaluateDenseSteps(IDenseSequenceModel model, float[] inputs, int[] lengths, float[]? targets, int[]? classes)
    {
        ArgumentNullException.ThrowIfNull(model);
        DenseChecks.Batch(inputs, lengths, model.Shape.InputSize, model.Shape.SequenceLength, nameof(inputs), nameof(lengths));
        return EvaluateSteps(model, StepRows.OfFeatures(inputs, lengths, model.Shape.SequenceLength, model.Shape.InputSize), targets, classes);
    }

    private static Evaluation EvaluateSteps(IGeneratedModel model, StepRows data, float[]? targets, int[]? classes)
    {
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength, o = shape.OutputSize;
        if (classes is not null && shape.Output != OutputActivation.Softmax)
            throw new ArgumentException($"Class ids per step need a softmax model; this one has {o} {shape.Output} outputs.", nameof(classes));
        data.CheckTargets(shape, targets, classes, classes is null ? nameof(targets) : "labels");
        var outputs = new float[data.Rows * t * o];
        data.Predict(model, outputs);
        var real = new bool[data.Rows * t];
        data.RealSteps(data.Rows, real);
        double loss = 0;
        long count = 0;
        for (int q = 0; q < real.Length; q++)
        {
            if (!real[q]) continue;
            count++;
            ReadOnlySpan<float> p = outputs.AsSpan(q * o, o);
            loss += classes is null
                ? Losses.MeanLossOfOutputs(shape.Output, o, p, targets.AsSpan(q * o, o))
                : -Math.Log(Math.Max(p[classes[q]], 1e-7));
        }
        (double correct, _, long scored) = CountCorrectSteps(shape, real, outputs, targets, classes);
        return new Evaluation(count == 0 ? 0 : loss / count, StepAccuracy(shape, correct, scored));
    }

    // Over real steps: sigmoid, per output (p ≥ 0.5) = (y ≥ 0.5); softmax, per step arg-max = the class (or the targets'
    // arg-max). Returns the count right, the real steps and the outputs scored (the accuracy's denominator).
    private static (double Correct, long Real, long Scored) CountCorrectSteps(ModelShape shape, ReadOnlySpan<bool> isReal, ReadOnlySpan<float> outputs,
        ReadOnlySpan<float> targets, ReadOnlySpan<int> classes)
    {
        int o = shape.OutputSize;
        double correct = 0;
        long real = 0;
        for (int q = 0; q < isReal.Length; q++)
        {
            if (!isReal[q]) continue;
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

    // The rows of a per-step Fit or Evaluate: token rows (real steps: token ≠ 0) or feature rows with lengths (real steps:
    // t < length), with what the loop needs of them.
    private sealed class StepRows
    {
        private readonly int[]? _tokens;
        private readonly float[]? _features;
        private readonly int[]? _lengths;
        private readonly int _t, _width;

        private StepRows(int[]? tokens, float[]? features, int[]? lengths, int t, int width, int rows)
        {
            _tokens = tokens; _features = features; _lengths = lengths; _t = t; _width = width; Rows = rows;
        }

        public static StepRows OfTokens(int[] tokens, int t) => new(tokens, null, null, t, t, tokens.Length / t);

        public static StepRows OfFeatures(float[] features, int[] lengths, int t, int n) => new(null, features, lengths, t, t * n, lengths.Length);

        public int Rows { get; }

        public StepRows Gather(int[] indices)
        {
            if (_tokens is not null) return new(Trainer.Gather(_tokens, _width, indices), null, null, _t, _width, indices.Length);
            var lengths = new int[indices.Length];
            for (int i = 0; i < indices.Length; i++) lengths[i] = _lengths![indices[i]];
            return new(null, Trainer.Gather(_features!, _width, indices), lengths, _t, _width, indices.Length);
        }

        public StepRows Empty(int rows) => _tokens is not null
            ? new(new int[rows * _width], null, null, _t, _width, rows)
            : new(null, new float[rows * _width], new int[rows], _t, _width, rows);

        public void CopyRow(int source, StepRows batch, int row)
        {
            if (_tokens is not null) { Array.Copy(_tokens, source * _width, batch._tokens!, row * _width, _width); return; }
            Array.Copy(_features!, source * _width, batch._features!, row * _width, _width);
            batch._lengths![row] = _lengths![source];
        }

        // The ids of the first `rows` rows (none for dense rows).
        public ReadOnlySpan<int> Tokens(int rows) => _tokens is null ? default : _tokens.AsSpan(0, rows * _width);

        // real[b·T + t] for the first `rows` rows.
        public void RealSteps(int rows, Span<bool> real)
        {
            for (int q = 0; q < rows * _t; q++)
                real[q] = _tokens is not null ? _tokens[q] != 0 : q % _t < _lengths![q / _t];
        }

        public void CheckTargets(ModelShape shape, float[]? targets, int[]? classes, string paramName)
        {
            if (classes is not null)
            {
                if (_tokens is not null) StepLosses.ValidateStepClasses(shape.OutputSize, _t, _tokens, classes, paramName);
                else StepLosses.ValidateDenseStepClasses(shape.OutputSize, _t, _lengths, classes, paramName);
                return;
            }
            ArgumentNullException.ThrowIfNull(targets, paramName);
            if (_tokens is not null) StepLosses.ValidateStepTargets(shape.Output, shape.OutputSize, _t, _tokens, targets, paramName);
            else StepLosses.ValidateDenseStepTargets(shape.Output, shape.OutputSize, _t, _lengths, targets, paramName);
        }

        // One forward and backward pass on the first `rows` rows, with float targets or class ids (the other empty).
        public float ComputeGradients(IGradientModel model, int rows, ReadOnlySpan<float> targets, ReadOnlySpan<int> classes, Span<float> gradients, Span<float> outputs)
        {
            if (_tokens is not null)
            {
                ReadOnlySpan<int> tokens = _tokens.AsSpan(0, rows * _width);
                return classes.IsEmpty ? ((ITrainableModel)model).ComputeGradients(tokens, targets, gradients, outputs)
                    : ((IStepClassModel)model).ComputeGradients(tokens, classes, gradients, outputs);
            }
            ReadOnlySpan<float> features = _features.AsSpan(0, rows * _width);
            ReadOnlySpan<int> lengths = _lengths.AsSpan(0, rows);
            return classes.IsEmpty ? ((IDenseTrainableModel)model).ComputeGradients(features, lengths, targets, gradients, outputs)
                : ((IDenseStepClassModel)model).ComputeGradients(features, lengths, classes, gradients, outputs);
        }

        public void Predict(IGeneratedModel model, Span<float> outputs)
        {
            if (_tokens is not null) ((ISequenceModel)model).PredictBatch(_tokens, outputs);
            else ((IDenseSequenceModel)model).PredictBatch(_features, _lengths, outputs);
        }
    }
}
