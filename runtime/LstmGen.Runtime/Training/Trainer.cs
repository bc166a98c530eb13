using System.Diagnostics;

namespace LstmGen.Training;

/// <summary>A Keras-style training loop for generated models.</summary>
public static partial class Trainer
{
    /// <summary>
    /// Trains <paramref name="model"/> on rows of <paramref name="tokens"/> (each exactly SequenceLength ids) and
    /// <paramref name="targets"/> (OutputSize per row). Everything is checked before the first weight changes.
    /// A <c>ReturnSequences</c> model takes SequenceLength × OutputSize targets per row (row b's step t at (b·T + t)·O,
    /// ignored at padded steps); its loss and accuracy are means over real steps, and ClassWeights, LengthBucketing and
    /// Threads &gt; 1 are refused.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes or target values do not fit the model.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">Cancellation was requested (weights are left after the last whole step).</exception>
    public static TrainingHistory Fit(ITrainableModel model, int[] tokens, float[] targets, FitOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(targets);
        options ??= new FitOptions();
        if (model.Shape.ReturnSequences) return FitSteps(model, tokens, targets, null, options, progress, cancellationToken);
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength;
        CheckOptions(options);
        int rows = CheckRows(tokens, t, shape.VocabularySize, nameof(tokens));
        Losses.ValidateTargets(shape.Output, shape.OutputSize, rows, targets, nameof(targets));
        FitRows? validation = null;
        if (options.ValidationTokens is int[] valTokens)
        {
            if (options.ValidationTargets is null) throw new ArgumentException("ValidationTokens needs ValidationTargets.", nameof(options));
            int valRows = CheckRows(valTokens, t, shape.VocabularySize, "options.ValidationTokens");
            Losses.ValidateTargets(shape.Output, shape.OutputSize, valRows, options.ValidationTargets, "options.ValidationTargets");
            validation = FitRows.OfTokens(valTokens, t);
        }
        return FitCore(model, FitRows.OfTokens(tokens, t), targets, validation, options, progress, cancellationToken);
    }

    /// <summary>
    /// Trains a dense-input <paramref name="model"/> on rows of <paramref name="inputs"/> (each SequenceLength·InputSize
    /// features) with one length per row in <paramref name="lengths"/> (PyTorch packed sequences: a row is its first
    /// length steps) and <paramref name="targets"/> (OutputSize per row): the same loop, options and callbacks as the token
    /// <see cref="Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>
    /// (explicit validation rows: <see cref="FitOptions.ValidationInputs"/>, <see cref="FitOptions.ValidationLengths"/> and
    /// <see cref="FitOptions.ValidationTargets"/>; <see cref="FitOptions.LengthBucketing"/> sorts by the lengths;
    /// <see cref="FitOptions.ClassWeights"/> are for token models only). Everything is checked before the first weight changes.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes, lengths, non-finite inputs or target values that do not fit the model.</exception>
    /// <exception cref="TrainingDivergedException">A loss or gradient became NaN or infinite.</exception>
    /// <exception cref="OperationCanceledException">Cancellation was requested (weights are left after the last whole step).</exception>
    public static TrainingHistory Fit(IDenseTrainableModel model, float[] inputs, int[] lengths, float[] targets, FitOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentNullException.ThrowIfNull(targets);
        options ??= new FitOptions();
        if (model.Shape.ReturnSequences) return FitDenseSteps(model, inputs, lengths, targets, null, options, progress, cancellationToken);
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength, n = shape.InputSize;
        CheckOptions(options);
        if (options.ValidationTokens is not null) throw new ArgumentException("A dense-input model validates on ValidationInputs and ValidationLengths, not ValidationTokens.", nameof(options));
        if (options.ClassWeights is not null) throw new ArgumentException("ClassWeights are supported for token models only.", nameof(options));
        int rows = DenseChecks.Batch(inputs, lengths, n, t, nameof(inputs), nameof(lengths));
        Losses.ValidateTargets(shape.Output, shape.OutputSize, rows, targets, nameof(targets));
        FitRows? validation = null;
        if (options.ValidationInputs is float[] valInputs)
        {
            if (options.ValidationLengths is not int[] valLengths || options.ValidationTargets is null)
                throw new ArgumentException("ValidationInputs needs ValidationLengths and ValidationTargets.", nameof(options));
            int valRows = DenseChecks.Batch(valInputs, valLengths, n, t, "options.ValidationInputs", "options.ValidationLengths");
            Losses.ValidateTargets(shape.Output, shape.OutputSize, valRows, options.ValidationTargets, "options.ValidationTargets");
            validation = FitRows.OfFeatures(valInputs, valLengths, t * n);
        }
        return FitCore(model, FitRows.OfFeatures(inputs, lengths, t * n), targets, validation, options, progress, cancellationToken);
    }

    private static void CheckOptions(FitOptions options)
    {
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Epochs must be at least 1.");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be at least 1.");
        // Written so that NaN fails too (every comparison with NaN is false).
        if (!(options.ValidationSplit >= 0 && options.ValidationSplit < 1))
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationSplit, $"ValidationSplit must be in [0, 1) but is {options.ValidationSplit}.");
        if (options.EarlyStoppingPatience is < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.EarlyStoppingPatience, $"EarlyStoppingPatience must be at least 0 (or null for off) but is {options.EarlyStoppingPatience}.");
    }

    // The epoch loop of every Fit, on checked rows of either kind: validation split, steps, callbacks, history.
    private static TrainingHistory FitCore(IGradientModel model, FitRows train, float[] targets, FitRows? validation, FitOptions options,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        ModelShape shape = model.Shape;
        int o = shape.OutputSize, rows = train.Rows;
        float[]? valTargets = options.ValidationTargets;
        int trainRows = rows;
        if (validation is null && options.ValidationSplit > 0)
        {
            int valRows = (int)(rows * options.ValidationSplit);
            if (valRows == 0 || valRows == rows) throw new ArgumentException($"ValidationSplit {options.ValidationSplit} of {rows} rows leaves no training or no validation data.", nameof(options));
            SplitIndices split = ValidationRows(shape, targets, options.ValidationSplit, options.Seed);
            if (split.Validation.Length == 0) throw new ArgumentException($"ValidationSplit {options.ValidationSplit} of {rows} rows leaves no validation row in any class.", nameof(options));
            validation = train.Gather(split.Validation);
            valTargets = Gather(targets, o, split.Validation);
            train = train.Gather(split.Train);
            targets = Gather(targets, o, split.Train);
            trainRows = split.Train.Length;
        }

        if (options.Threads < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "Threads must be at least 1.");
        IOptimizer optimizer = options.Optimizer ?? new Adam();
        StartDropout(model, options);
        using TrainingStep step = model is IDenseTrainableModel dense
            ? new TrainingStep(dense, optimizer, options.Threads, options.ClipNorm)
            : new TrainingStep((ITrainableModel)model, optimizer, options.Threads, options.ClipNorm);
        WeightedStep? weighted = null;
        if (options.ClassWeights is { } classWeights)
        {
            if (options.Threads != 1) throw new ArgumentException("ClassWeights need Threads = 1.", nameof(options));
            int classes = shape.Output == OutputActivation.Softmax ? o : shape.Output == OutputActivation.Sigmoid && o == 1 ? 2
                : throw new ArgumentException($"ClassWeights need a one-output sigmoid or a softmax model; this one has {o} {shape.Output} outputs.", nameof(options));
            if (classWeights.Count != classes) throw new ArgumentException($"ClassWeights has {classWeights.Count} values but the model has {classes} classes.", nameof(options));
            for (int c = 0; c < classes; c++)
                if (!(classWeights[c] >= 0 && float.IsFinite(classWeights[c]))) throw new ArgumentOutOfRangeException(nameof(options), classWeights[c], $"Class weight {c} is {classWeights[c]}; weights must be finite and ≥ 0.");
            weighted = new WeightedStep((ITrainableModel)model, optimizer, options.ClipNorm, [.. classWeights]);
        }
        int batchSize = Math.Min(options.BatchSize, trainRows);
        int batches = (trainRows + batchSize - 1) / batchSize;
        var order = new int[trainRows];
        for (int i = 0; i < trainRows; i++) order[i] = i;
        var batchOrder = new int[batches];
        for (int i = 0; i < batches; i++) batchOrder[i] = i;
        int[]? lengths = options.LengthBucketing ? train.RowLengths() : null;
        var rng = new Rng(options.Seed);
        FitRows batch = train.Empty(batchSize);
        var batchTargets = new float[batchSize * o];
        var predictions = new float[batchSize * o];
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
            if (lengths is not null) Bucket(order, lengths, batchSize, batchOrder, ref rng);
            foreach (TrainingCallback c in callbacks) c.OnEpochBegin(context, epoch);
            var clock = Stopwatch.StartNew();
            double lossSum = 0, correct = 0;
            int seen = 0;
            for (int k = 0; k < batches; k++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                foreach (TrainingCallback c in callbacks) c.OnBatchBegin(context, epoch, k + 1);
                int b = batchOrder[k];
                int start = b * batchSize, n = Math.Min(batchSize, trainRows - start);
                for (int r = 0; r < n; r++)
                {
                    int src = order[start + r];
                    train.CopyRow(src, batch, r);
                    Array.Copy(targets, src * o, batchTargets, r * o, o);
                }
                ReadOnlySpan<float> by = batchTargets.AsSpan(0, n * o);
                // Forward, backward, clipping and update; a non-finite loss or gradient leaves the weights unchanged.
                string? failure = batch.TryRun(step, weighted, n, by, predictions.AsSpan(0, n * o), out float loss);
                if (failure is not null) throw new TrainingDivergedException(epoch, k + 1, failure);
                // Accuracy of this batch comes from the training forward pass, before the update, as Keras reports it.
                correct += CountCorrect(shape.Output, o, predictions.AsSpan(0, n * o), by);
                lossSum += loss * n;
                seen += n;
                double rate = seen / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                if (k < batches - 1 && (progress is not null || callbacks.Count > 0))
                {
                    var report = new TrainingProgress(epoch, options.Epochs, k + 1, batches, lossSum / seen, Accuracy(shape.Output, correct, seen * o, seen), rate, null) { RowsSeen = seen };
                    progress?.Report(report);
                    foreach (TrainingCallback c in callbacks) c.OnBatchEnd(context, report);
                }
            }
            clock.Stop();
            double? valLoss = null, valAcc = null;
            if (validation is not null)
            {
                Evaluation ev = validation.Evaluate(model, valTargets!);
                valLoss = ev.Loss; valAcc = ev.Accuracy;
            }
            var result = new EpochResult(epoch, lossSum / seen, Accuracy(shape.Output, correct, seen * o, seen), valLoss, valAcc, seen / clock.Elapsed.TotalSeconds, clock.Elapsed)
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
        bool stoppedEarly = history.Count < options.Epochs;
        return new TrainingHistory(history, stoppedEarly, context.RestoredEpoch);
    }

    /// <summary>
    /// <see cref="Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/> with
    /// one class id per row (sparse categorical cross-entropy, Keras' <c>SparseCategoricalCrossentropy</c>): for a softmax
    /// model the ids are in [0, OutputSize) and the loss is the softmax cross-entropy of the one-hot rows (the same value
    /// and gradient); for a one-output sigmoid model they are 0 or 1 (binary cross-entropy).
    /// <see cref="FitOptions.ValidationLabels"/> may give the validation rows' ids.
    /// A softmax <c>ReturnSequences</c> model takes one class id per step instead (SequenceLength per row, anything at
    /// padded steps), as a language model's next-token targets.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A class id out of range (the message gives its index).</exception>
    public static TrainingHistory Fit(ITrainableModel model, int[] tokens, int[] labels, FitOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        options ??= new FitOptions();
        if (model.Shape.ReturnSequences) return FitSteps(model, tokens ?? throw new ArgumentNullException(nameof(tokens)), null, labels, options, progress, cancellationToken);
        if (options.ValidationLabels is int[] vl)
        {
            if (options.ValidationTargets is not null) throw new ArgumentException("Give ValidationLabels or ValidationTargets, not both.", nameof(options));
            options = With(options, TargetsOf(model.Shape, vl, "options.ValidationLabels"));
        }
        return Fit(model, tokens, TargetsOf(model.Shape, labels, nameof(labels)), options, progress, cancellationToken);
    }

    private static FitOptions With(FitOptions o, float[] validationTargets) => new()
    {
        Epochs = o.Epochs, BatchSize = o.BatchSize, Seed = o.Seed, Shuffle = o.Shuffle, ValidationSplit = o.ValidationSplit,
        ValidationTokens = o.ValidationTokens, ValidationTargets = validationTargets, ValidationInputs = o.ValidationInputs, ValidationLengths = o.ValidationLengths, Optimizer = o.Optimizer, ClipNorm = o.ClipNorm,
        EarlyStoppingPatience = o.EarlyStoppingPatience, EarlyStopping = o.EarlyStopping, AutoEarlyStopping = o.AutoEarlyStopping,
        Callbacks = o.Callbacks, LengthBucketing = o.LengthBucketing, Threads = o.Threads, ClassWeights = o.ClassWeights,
        Dropout = o.Dropout,
    };

    // FitOptions.Dropout goes to the model; the mask stream restarts, salted with the fit's seed.
    private static void StartDropout(IGradientModel model, FitOptions options)
    {
        if (model is IDropoutModel d)
        {
            if (options.Dropout is { } dropout) d.Dropout = dropout;
            d.Dropout.Restart(options.Seed);
        }
        else if (options.Dropout is { IsActive: true })
            throw new ArgumentException($"FitOptions.Dropout needs a model with dropout (IDropoutModel: the generated models); {model.GetType().Name} has no dropout.", nameof(options));
    }

    /// <summary>Targets for class ids: one-hot rows for a softmax model, 0/1 values for a one-output sigmoid model.</summary>
    /// <exception cref="ArgumentException">The model is neither, or an id is out of range.</exception>
    public static float[] TargetsOf(ModelShape shape, ReadOnlySpan<int> labels, string paramName = "labels")
    {
        if (shape.Output == OutputActivation.Softmax)
        {
            for (int i = 0; i < labels.Length; i++)
                if ((uint)labels[i] >= (uint)shape.OutputSize)
                    throw new ArgumentOutOfRangeException(paramName, labels[i], $"Class id {labels[i]} at index {i} is outside [0, {shape.OutputSize}).");
            return Targets.OneHot(labels, shape.OutputSize);
        }
        if (shape.Output == OutputActivation.Sigmoid && shape.OutputSize == 1)
        {
            var y = new float[labels.Length];
            for (int i = 0; i < labels.Length; i++)
            {
                if (labels[i] is not (0 or 1)) throw new ArgumentOutOfRangeException(paramName, labels[i], $"Class id {labels[i]} at index {i} is not 0 or 1 (a one-output sigmoid model has two classes).");
                y[i] = labels[i];
            }
            return y;
        }
        throw new ArgumentException($"Class ids need a softmax model or a one-output sigmoid model; this one has {shape.OutputSize} {shape.Output} outputs.", paramName);
    }

    // The validation split of Fit: stratified by the targets' classes, seeded.
    internal static SplitIndices ValidationRows(ModelShape shape, float[] targets, double fraction, int seed)
        => DataSplit.Stratified(DataSplit.ClassesOfTargets(shape.Output, shape.OutputSize, targets), fraction, 0, seed);

    // Rows at the given indices, in that order.
    internal static T[] Gather<T>(T[] rows, int width, int[] indices)
    {
        var result = new T[indices.Length * width];
        for (int i = 0; i < indices.Length; i++) Array.Copy(rows, indices[i] * width, result, i * width, width);
        return result;
    }

    // Pools of 16 batches of the (already shuffled) order, each sorted by length; then a shuffled batch order.
    private static void Bucket(int[] order, int[] lengths, int batchSize, int[] batchOrder, ref Rng rng)
    {
        int pool = batchSize * 16;
        var keys = new int[Math.Min(pool, order.Length)];
        for (int start = 0; start < order.Length; start += pool)
        {
            int n = Math.Min(pool, order.Length - start);
            Span<int> part = order.AsSpan(start, n);
            for (int i = 0; i < n; i++) keys[i] = lengths[part[i]];
            keys.AsSpan(0, n).Sort(part);
        }
        for (int i = 0; i < batchOrder.Length; i++) batchOrder[i] = i;
        rng.Shuffle<int>(batchOrder);
    }

    /// <summary>Mean loss and accuracy of <paramref name="model"/> on a data set (no weights change).</summary>
    public static Evaluation Evaluate(ISequenceModel model, int[] tokens, float[] targets)
    {
        if (model.Shape.ReturnSequences) return EvaluateSteps(model, tokens, targets, null);
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength, o = shape.OutputSize;
        int rows = CheckRows(tokens, t, shape.VocabularySize, nameof(tokens));
        Losses.ValidateTargets(shape.Output, o, rows, targets, nameof(targets));
        var outputs = new float[rows * o];
        model.PredictBatch(tokens, outputs);
        return Score(shape, outputs, targets);
    }

    /// <summary>
    /// Mean loss and accuracy of a dense-input <paramref name="model"/> on rows of <paramref name="inputs"/> with their
    /// <paramref name="lengths"/> and <paramref name="targets"/> (no weights change).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes, lengths, non-finite inputs or target values that do not fit the model.</exception>
    public static Evaluation Evaluate(IDenseSequenceModel model, float[] inputs, int[] lengths, float[] targets)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Shape.ReturnSequences) return EvaluateDenseSteps(model, inputs, lengths, targets, null);
        ModelShape shape = model.Shape;
        int rows = DenseChecks.Batch(inputs, lengths, shape.InputSize, shape.SequenceLength, nameof(inputs), nameof(lengths));
        Losses.ValidateTargets(shape.Output, shape.OutputSize, rows, targets, nameof(targets));
        var outputs = new float[rows * shape.OutputSize];
        model.PredictBatch(inputs, lengths, outputs);
        return Score(shape, outputs, targets);
    }

    // Loss, accuracy and classification metrics of activated outputs.
    private static Evaluation Score(ModelShape shape, float[] outputs, float[] targets)
    {
        int o = shape.OutputSize, rows = outputs.Length / o;
        double loss = Losses.MeanLossOfOutputs(shape.Output, o, outputs, targets);
        double correct = CountCorrect(shape.Output, o, outputs, targets);
        return new Evaluation(loss, Accuracy(shape.Output, correct, rows * o, rows)) { Classification = Classify(shape, outputs, targets) };
    }

    /// <summary>As <see cref="Evaluate(ISequenceModel, int[], float[])"/> with one class id per row (see <see cref="TargetsOf"/>).</summary>
    public static Evaluation Evaluate(ISequenceModel model, int[] tokens, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labels);
        if (model.Shape.ReturnSequences) return EvaluateSteps(model, tokens, null, labels);
        return Evaluate(model, tokens, TargetsOf(model.Shape, labels, nameof(labels)));
    }

    // Per-class metrics for a one-output sigmoid model (classes 0, 1 with P(1) = p) or a softmax model (arg-max of the targets).
    private static ClassificationMetrics? Classify(ModelShape shape, float[] outputs, float[] targets)
    {
        int o = shape.OutputSize, rows = outputs.Length / o;
        if (shape.Output == OutputActivation.Softmax && o >= 2)
            return ClassificationMetrics.Compute(outputs, DataSplit.ClassesOfTargets(shape.Output, o, targets), o);
        if (shape.Output != OutputActivation.Sigmoid || o != 1) return null;
        var probabilities = new float[rows * 2];
        // Class 1 when p ≥ 0.5, as the accuracy counts it: at p = 0.5 exactly the arg-max's first-on-ties would say class 0,
        // so class 0's share is nudged one ulp down there (the ROC-AUC reads only class 1's column).
        for (int r = 0; r < rows; r++)
        {
            float p = outputs[r];
            probabilities[2 * r] = p == 0.5f ? MathF.BitDecrement(0.5f) : 1 - p;
            probabilities[2 * r + 1] = p;
        }
        return ClassificationMetrics.Compute(probabilities, DataSplit.ClassesOfTargets(shape.Output, o, targets), 2);
    }

    private static int CheckRows(int[] tokens, int t, int vocabulary, string paramName)
    {
        if (tokens.Length == 0 || tokens.Length % t != 0)
            throw new ArgumentException($"Expected whole rows of {t} token ids but got {tokens.Length} ids.", paramName);
        TokenChecks.InRange(tokens, t, vocabulary, paramName);
        return tokens.Length / t;
    }

    // Sigmoid: per output, (p ≥ 0.5) agrees with (y ≥ 0.5). Softmax: argmax agrees, once per row. Linear: no accuracy.
    private static double CountCorrect(OutputActivation activation, int o, ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets)
    {
        double correct = 0;
        int rows = predictions.Length / o;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> p = predictions.Slice(r * o, o), y = targets.Slice(r * o, o);
            if (activation == OutputActivation.Sigmoid)
            {
                for (int i = 0; i < o; i++) if ((p[i] >= 0.5f) == (y[i] >= 0.5f)) correct++;
            }
            else if (activation == OutputActivation.Softmax)
            {
                if (ArgMax(p) == ArgMax(y)) correct++;
            }
        }
        return correct;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    private static double Accuracy(OutputActivation activation, double correct, int outputs, int rows) => activation switch
    {
        OutputActivation.Sigmoid => correct / outputs,
        OutputActivation.Softmax => correct / rows,
        _ => double.NaN,
    };
}
