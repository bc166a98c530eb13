using System.Text;
using LstmGen.Serialization;
using LstmGen.Training;

namespace LstmGen.Text;

/// <summary>A predicted class and the probability of every class.</summary>
/// <param name="Label">The most probable class's name.</param>
/// <param name="ClassIndex">Its index in <see cref="TextClassifier{TModel}.ClassNames"/>.</param>
/// <param name="Probabilities">One probability per class, in class order (they sum to 1).</param>
public sealed record TextPrediction(string Label, int ClassIndex, float[] Probabilities)
{
    /// <summary>The probability of the predicted class.</summary>
    public float Confidence => Probabilities[ClassIndex];
}

/// <summary>How a <see cref="TextClassifier{TModel}"/> did on labelled texts.</summary>
/// <param name="Loss">Mean cross-entropy of the (averaged) class probabilities, clamped at 1e-7.</param>
/// <param name="Metrics">Accuracy, precision, recall, F1, ROC-AUC and the confusion matrix.</param>
public sealed record TextEvaluation(double Loss, ClassificationMetrics Metrics)
{
    /// <summary>Fraction of texts classified right.</summary>
    public double Accuracy => Metrics.Accuracy;
}

/// <summary>
/// A whole text classifier in one object: normaliser, vocabulary, vectoriser (truncation and padding policy), one or more
/// generated models (an ensemble whose probabilities are averaged), an optional hashed uni+bigram linear part
/// (<see cref="WideOptions"/>: its probabilities averaged in, or trained jointly with the network as one wide-and-deep
/// model whose logits add, <see cref="WideOptions.Joint"/>) and the class names. <see cref="Fit(IReadOnlyList{string}, IReadOnlyList{string}, CancellationToken)"/> learns
/// the vocabulary from the training texts, holds out a stratified validation part to stop each model at its best epoch,
/// and trains; <see cref="Predict(string)"/> works on raw strings; <see cref="Save(string)"/> writes everything to one
/// model file (format version 2, see <c>docs/model-file-format.md</c>) that <see cref="Load(string, Func{int, TModel})"/> reads back, so a loaded
/// classifier needs nothing set up again.
/// </summary>
/// <typeparam name="TModel">The generated model: a one-output sigmoid model (two classes) or a softmax model (OutputSize classes).</typeparam>
/// <example><code>
/// var classifier = new TextClassifier&lt;SentimentModel&gt;(seed =&gt; new SentimentModel(seed));
/// classifier.Fit(texts, labels);
/// TextPrediction p = classifier.Predict("I love this movie");
/// </code></example>
public sealed class TextClassifier<TModel> where TModel : class, ITrainableModel
{
    private readonly Func<int, TModel> _createModel;
    private readonly List<TModel> _models = [];
    private readonly List<TrainingHistory> _histories = [];
    private string[] _classNames = [];

    /// <summary>Creates an untrained classifier.</summary>
    /// <param name="createModel">Makes a model initialised from a seed (for example <c>seed =&gt; new SentimentModel(seed)</c>).</param>
    /// <param name="options">Settings (null = the defaults).</param>
    /// <exception cref="ArgumentException">The model is neither a one-output sigmoid nor a softmax model.</exception>
    public TextClassifier(Func<int, TModel> createModel, TextClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(createModel);
        _createModel = createModel;
        Options = options ?? new TextClassifierOptions();
        if (Options.EnsembleSize < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.EnsembleSize, "EnsembleSize must be at least 1.");
        if (Options.AverageLastEpochs < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.AverageLastEpochs, "AverageLastEpochs must be at least 1.");
        if (Options.Wide is { Weight: float w } && !(w >= 0 && w <= 1)) throw new ArgumentOutOfRangeException(nameof(options), w, "Wide.Weight must be in [0, 1].");
        if (Options.Wide is { Joint: true } && (Options.EnsembleSize != 1 || Options.AverageLastEpochs != 1 || Options.Dropout is not null || Options.WeightDecay > 0))
            throw new ArgumentException($"A jointly trained wide part (Wide.Joint) works with one model without checkpoint averaging, dropout or weight decay; EnsembleSize is {Options.EnsembleSize}, AverageLastEpochs {Options.AverageLastEpochs}, Dropout {(Options.Dropout is null ? "off" : "on")}, WeightDecay {Options.WeightDecay}.", nameof(options));
    }

    /// <summary>The settings.</summary>
    public TextClassifierOptions Options { get; private set; }

    /// <summary>The class names, in class-index order (empty before training).</summary>
    public IReadOnlyList<string> ClassNames => _classNames;

    /// <summary>The vectoriser (vocabulary, normaliser, truncation and padding), or null before training.</summary>
    public TextVectorizer? Vectorizer { get; private set; }

    /// <summary>The trained models (one per ensemble member).</summary>
    public IReadOnlyList<TModel> Models => _models;

    /// <summary>The linear part, or null.</summary>
    public HashedNGramModel? Wide { get; private set; }

    /// <summary>Each member's training history (empty after <see cref="Load(string, Func{int, TModel})"/>).</summary>
    public IReadOnlyList<TrainingHistory> Histories => _histories;

    /// <summary>Whether the classifier can predict.</summary>
    public bool IsTrained => Vectorizer is not null && _models.Count > 0;

    private static int ClassCount(ModelShape shape) => shape switch
    {
        { Output: OutputActivation.Softmax, OutputSize: >= 2 } => shape.OutputSize,
        { Output: OutputActivation.Sigmoid, OutputSize: 1 } => 2,
        _ => throw new ArgumentException($"A text classifier needs a one-output sigmoid model (two classes) or a softmax model; this one has {shape.OutputSize} {shape.Output} output(s)."),
    };

    /// <summary>
    /// Trains on <paramref name="texts"/> with string <paramref name="labels"/>: the class names are the distinct labels in
    /// ordinal order, and there must be exactly as many as the model has classes. Replaces any earlier training.
    /// </summary>
    /// <returns>Each member's training history.</returns>
    /// <exception cref="ArgumentException">Counts that differ, a null or empty text list, or a label count that does not fit the model.</exception>
    public IReadOnlyList<TrainingHistory> Fit(IReadOnlyList<string> texts, IReadOnlyList<string> labels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != texts.Count) throw new ArgumentException($"{texts.Count} texts but {labels.Count} labels.", nameof(labels));
        string[] names = [.. labels.Select((l, i) => l ?? throw new ArgumentNullException(nameof(labels), $"Label {i} is null.")).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++) index[names[i]] = i;
        return Train(texts, [.. labels.Select(l => index[l])], names, cancellationToken);
    }

    /// <summary>Trains on labelled rows (as <see cref="LabelledText"/> reads them): their texts and string labels.</summary>
    /// <exception cref="ArgumentException">See <see cref="Fit(IReadOnlyList{string}, IReadOnlyList{string}, CancellationToken)"/>.</exception>
    public IReadOnlyList<TrainingHistory> Fit(IReadOnlyList<LabelledExample> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return Fit(rows.Select(r => r.Text).ToList(), rows.Select(r => r.Label).ToList(), cancellationToken);
    }

    /// <summary>Scores the classifier on labelled rows (as <see cref="LabelledText"/> reads them).</summary>
    /// <exception cref="ArgumentException">An unknown label (its index is named).</exception>
    public TextEvaluation Evaluate(IReadOnlyList<LabelledExample> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return Evaluate(rows.Select(r => r.Text).ToList(), rows.Select(r => r.Label).ToList());
    }

    /// <summary>Trains with class ids in [0, classes); the class names are "0", "1", ….</summary>
    /// <exception cref="ArgumentException">Counts that differ or an id out of range.</exception>
    public IReadOnlyList<TrainingHistory> Fit(IReadOnlyList<string> texts, IReadOnlyList<int> labels, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != texts.Count) throw new ArgumentException($"{texts.Count} texts but {labels.Count} labels.", nameof(labels));
        return Train(texts, [.. labels], null, cancellationToken);
    }

    private IReadOnlyList<TrainingHistory> Train(IReadOnlyList<string> texts, int[] ids, string[]? names, CancellationToken cancellationToken)
    {
        if (texts.Count == 0) throw new ArgumentException("There are no texts to train on.", nameof(texts));
        TextClassifierOptions o = Options;
        TModel first = _createModel(o.Seed) ?? throw new InvalidOperationException("createModel returned null.");
        ModelShape shape = first.Shape;
        int classes = ClassCount(shape);
        if (names is null)
        {
            for (int i = 0; i < ids.Length; i++)
                if ((uint)ids[i] >= (uint)classes) throw new ArgumentOutOfRangeException("labels", ids[i], $"Label {ids[i]} at index {i} is outside [0, {classes}) (the model has {classes} classes).");
            names = [.. Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        }
        else if (names.Length != classes)
            throw new ArgumentException($"The labels have {names.Length} distinct values ({string.Join(", ", names.Take(10).Select(LabelledText.Excerpt))}{(names.Length > 10 ? ", …" : "")}) but the model has {classes} classes.", "labels");

        SplitIndices split = o.ValidationFraction > 0
            ? DataSplit.Stratified(ids, o.ValidationFraction, 0, o.Seed)
            : new SplitIndices([.. Enumerable.Range(0, ids.Length)], [], []);
        string[] trainTexts = [.. split.Train.Select(i => texts[i] ?? throw new ArgumentNullException(nameof(texts), $"Text {i} is null."))];
        string[] valTexts = [.. split.Validation.Select(i => texts[i] ?? throw new ArgumentNullException(nameof(texts), $"Text {i} is null."))];
        int[] trainIds = [.. split.Train.Select(i => ids[i])], valIds = [.. split.Validation.Select(i => ids[i])];

        TextVectorizer adapted = TextVectorizer.Adapt(trainTexts, o.MaxVocabulary ?? shape.VocabularySize, o.MinCount, o.Normalizer);
        var vectorizer = new TextVectorizer(adapted.Vocabulary, o.Normalizer) { Truncation = o.Truncation, Padding = o.Padding };
        int t = shape.SequenceLength;
        int[] trainTokens = vectorizer.EncodeBatch(trainTexts, t);
        int[]? valTokens = valTexts.Length > 0 ? vectorizer.EncodeBatch(valTexts, t) : null;

        _models.Clear();
        _histories.Clear();
        Wide = null;
        _joint = false;
        if (o.Wide is { Joint: true } jw)
        {
            TrainJoint(first, jw, classes, trainTexts, trainTokens, trainIds, valTexts, valTokens, valIds, cancellationToken);
            Vectorizer = vectorizer;
            _classNames = names;
            return _histories;
        }
        for (int k = 0; k < o.EnsembleSize; k++)
        {
            TModel model = k == 0 ? first : _createModel(o.Seed + k);
            var callbacks = new List<TrainingCallback>();
            CheckpointAveraging? average = o.AverageLastEpochs > 1 ? new CheckpointAveraging(o.AverageLastEpochs, o.Patience + 1) : null;
            if (o.Callbacks is not null) callbacks.AddRange(o.Callbacks);
            if (average is not null) callbacks.Add(average);
            var fit = new FitOptions
            {
                Epochs = o.Epochs, BatchSize = o.BatchSize, Seed = o.Seed + k, Threads = o.Threads, LengthBucketing = o.LengthBucketing,
                Optimizer = o.WeightDecay > 0 ? new AdamW(o.LearningRate, o.WeightDecay) : new Adam(o.LearningRate),
                ValidationTokens = valTokens, ValidationLabels = valTokens is null ? null : valIds,
                EarlyStopping = valTokens is null ? null : new EarlyStopping(o.Patience),
                Callbacks = callbacks,
                Dropout = CopyOf(o.Dropout),
            };
            _histories.Add(Trainer.Fit(model, trainTokens, trainIds, fit, cancellationToken: cancellationToken));
            _models.Add(model);
        }

        Wide = null;
        if (o.Wide is WideOptions w)
        {
            var wide = new HashedNGramModel(classes, w.Buckets, w.Bigrams);
            List<int[]> F(string[] x) => [.. x.Select(s => wide.Features(o.Normalizer.Tokenize(s)))];
            wide.Fit(F(trainTexts), trainIds, w.Epochs, w.LearningRate, w.L2, o.Seed,
                valTexts.Length > 0 ? F(valTexts) : null, valTexts.Length > 0 ? valIds : null, naiveBayesScaling: w.NaiveBayesScaling && classes == 2);
            Wide = wide;
        }
        Vectorizer = vectorizer;
        _classNames = names;
        _wideWeight = 0.5f;
        if (Wide is not null && o.Wide!.Weight is null && valTexts.Length > 0) _wideWeight = ChooseWideWeight(valTexts, valIds);
        return _histories;
    }

    // The wide-and-deep model: one network and the linear part trained together on the summed logits (WideAndDeepTrainer).
    private void TrainJoint(TModel model, WideOptions w, int classes, string[] trainTexts, int[] trainTokens, int[] trainIds, string[] valTexts, int[]? valTokens, int[] valIds, CancellationToken cancellationToken)
    {
        if (model is not ILogitOffsetModel joint)
            throw new ArgumentException($"Wide.Joint needs a generated token recurrent model with one output row per sequence (ILogitOffsetModel); {typeof(TModel).Name} is not one.", nameof(Options));
        TextClassifierOptions o = Options;
        var wide = new HashedNGramModel(classes, w.Buckets, w.Bigrams);
        List<int[]> F(string[] x) => [.. x.Select(s => wide.Features(o.Normalizer.Tokenize(s)))];
        List<int[]> trainFeatures = F(trainTexts);
        List<int[]>? valFeatures = valTokens is null ? null : F(valTexts);
        bool scaled = w.NaiveBayesScaling && classes == 2;
        // Warm start: the linear part alone first (as without Joint), then both together on the summed logits.
        if (w.WarmStart) wide.Fit(trainFeatures, trainIds, w.Epochs, w.LearningRate, w.L2, o.Seed, valFeatures, valFeatures is null ? null : valIds, naiveBayesScaling: scaled);
        else if (scaled) wide.ComputeNaiveBayesScaling(trainFeatures, trainIds);
        var trainer = new WideAndDeepTrainer(joint, wide, new Adam(o.LearningRate), w.JointLearningRate ?? w.LearningRate, w.L2, o.BatchSize);
        _histories.Add(trainer.Fit(trainTokens, trainFeatures, trainIds, o.Epochs, o.Seed, valTokens, valFeatures, valTokens is null ? null : valIds, o.Patience, cancellationToken));
        _models.Add(model);
        Wide = wide;
        _joint = true;
    }

    private bool _joint; // the linear part's logits add to the network's (Wide.Joint), instead of mixing probabilities

    /// <summary>Whether the linear part was trained jointly with the network (its logits add to the network's).</summary>
    public bool IsJoint => _joint;

    private static DropoutSettings? CopyOf(DropoutSettings? d)
    {
        if (d is null) return null;
        var copy = new DropoutSettings();
        copy.CopyFrom(d);
        return copy;
    }

    // The w in {0, 0.05, …, 1} whose mix (1 − w)·p_deep + w·p_wide has the lowest cross-entropy on the validation part.
    private float ChooseWideWeight(string[] texts, int[] ids)
    {
        int k = _classNames.Length;
        HashedNGramModel wide = Wide!;
        Wide = null; // the deep part alone
        float[] deep = PredictProbabilities(texts);
        Wide = wide;
        var pw = new float[texts.Length * k];
        for (int r = 0; r < texts.Length; r++) wide.PredictProbabilities(wide.Features(Options.Normalizer.Tokenize(texts[r])), pw.AsSpan(r * k, k));
        float best = 0.5f;
        double bestLoss = double.PositiveInfinity;
        for (int step = 0; step <= 20; step++)
        {
            float w = step / 20f;
            double loss = 0;
            for (int r = 0; r < texts.Length; r++)
                loss -= Math.Log(Math.Max((1 - w) * deep[r * k + ids[r]] + w * pw[r * k + ids[r]], 1e-7));
            if (loss < bestLoss) { bestLoss = loss; best = w; }
        }
        return best;
    }

    /// <summary>The weight of the linear part in the probability average (see <see cref="WideOptions.Weight"/>).</summary>
    public float WideWeight => Options.Wide?.Weight ?? _wideWeight;

    /// <summary>The class of one raw text and every class's probability.</summary>
    /// <exception cref="InvalidOperationException">The classifier is not trained.</exception>
    public TextPrediction Predict(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Predict([text])[0];
    }

    /// <summary>The classes of several raw texts (one batched pass per model).</summary>
    /// <exception cref="InvalidOperationException">The classifier is not trained.</exception>
    public TextPrediction[] Predict(IReadOnlyList<string> texts)
    {
        float[] p = PredictProbabilities(texts);
        int k = _classNames.Length;
        var result = new TextPrediction[texts.Count];
        for (int r = 0; r < result.Length; r++)
        {
            float[] row = p.AsSpan(r * k, k).ToArray();
            int best = 0;
            for (int c = 1; c < k; c++) if (row[c] > row[best]) best = c;
            result[r] = new TextPrediction(_classNames[best], best, row);
        }
        return result;
    }

    /// <summary>
    /// Class probabilities of every text, row after row (texts × classes): the mean over the models of each model's
    /// probabilities, then mixed with the linear part's as (1 − w)·p_deep + w·p_wide.
    /// </summary>
    public float[] PredictProbabilities(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (!IsTrained) throw new InvalidOperationException("The classifier is not trained: call Fit or Load first.");
        TextVectorizer v = Vectorizer!;
        ModelShape shape = _models[0].Shape;
        int t = shape.SequenceLength, o = shape.OutputSize, k = _classNames.Length, n = texts.Count;
        var probabilities = new float[n * k];
        if (n == 0) return probabilities;
        int[] tokens = v.EncodeBatch(texts, t);
        if (_joint && Wide is HashedNGramModel jointWide)
            return WideAndDeepTrainer.Probabilities(_models[0], jointWide, tokens, [.. texts.Select(s => jointWide.Features(v.Normalizer.Tokenize(s)))]);
        var outputs = new float[n * o];
        foreach (TModel model in _models)
        {
            model.PredictBatch(tokens, outputs);
            for (int r = 0; r < n; r++)
            {
                if (k == 2 && o == 1)
                {
                    probabilities[2 * r] += (1 - outputs[r]) / _models.Count;
                    probabilities[2 * r + 1] += outputs[r] / _models.Count;
                }
                else for (int c = 0; c < k; c++) probabilities[r * k + c] += outputs[r * o + c] / _models.Count;
            }
        }
        if (Wide is HashedNGramModel wide)
        {
            float w = Options.Wide?.Weight ?? _wideWeight;
            Span<float> pw = stackalloc float[k];
            for (int r = 0; r < n; r++)
            {
                wide.PredictProbabilities(wide.Features(v.Normalizer.Tokenize(texts[r])), pw);
                for (int c = 0; c < k; c++) probabilities[r * k + c] = (1 - w) * probabilities[r * k + c] + w * pw[c];
            }
        }
        return probabilities;
    }

    private float _wideWeight = 0.5f; // as loaded from a file

    /// <summary>Scores the classifier on labelled texts (string labels must be among <see cref="ClassNames"/>).</summary>
    /// <exception cref="ArgumentException">Counts that differ or an unknown label (its index is named).</exception>
    public TextEvaluation Evaluate(IReadOnlyList<string> texts, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var ids = new int[labels.Count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = Array.IndexOf(_classNames, labels[i]);
            if (ids[i] < 0) throw new ArgumentException($"Label '{LabelledText.Excerpt(labels[i] ?? "null")}' at index {i} is not one of the classes ({string.Join(", ", _classNames)}).", nameof(labels));
        }
        return Evaluate(texts, ids);
    }

    /// <summary>Scores the classifier on texts with class ids.</summary>
    /// <exception cref="ArgumentException">Counts that differ or an id out of range.</exception>
    public TextEvaluation Evaluate(IReadOnlyList<string> texts, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(labels);
        if (texts.Count != labels.Count) throw new ArgumentException($"{texts.Count} texts but {labels.Count} labels.", nameof(labels));
        if (texts.Count == 0) throw new ArgumentException("There are no texts to evaluate.", nameof(texts));
        float[] p = PredictProbabilities(texts);
        int k = _classNames.Length;
        double loss = 0;
        for (int r = 0; r < labels.Count; r++)
        {
            if ((uint)labels[r] >= (uint)k) throw new ArgumentOutOfRangeException(nameof(labels), labels[r], $"Label {labels[r]} at index {r} is outside [0, {k}).");
            loss -= Math.Log(Math.Max(p[r * k + labels[r]], 1e-7));
        }
        return new TextEvaluation(loss / labels.Count, ClassificationMetrics.Compute(p, [.. labels], k));
    }

    // ------------------------------------------------------------------------------------------------ files

    private static ReadOnlySpan<byte> PipelineMagic => "LGTC"u8;
    private const int PipelineVersion = 2;

    /// <summary>Writes the whole classifier to <paramref name="path"/> atomically (see the format in <c>docs/model-file-format.md</c>).</summary>
    /// <exception cref="InvalidOperationException">The classifier is not trained.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!IsTrained) throw new InvalidOperationException("The classifier is not trained: there is nothing to save.");
        ModelFile.Save(_models[0], path, Vectorizer!.Vocabulary, wrapStream: null, extension: Pipeline());
    }

    /// <summary>Writes the whole classifier to <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidOperationException">The classifier is not trained.</exception>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!IsTrained) throw new InvalidOperationException("The classifier is not trained: there is nothing to save.");
        ModelFile.Save(_models[0], stream, Vectorizer!.Vocabulary, Pipeline());
    }

    // The extension record: see docs/model-file-format.md, "Text classifier record".
    private byte[] Pipeline()
    {
        var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(PipelineMagic);
            w.Write((uint)(_joint ? 2 : 1)); // version 2 only adds wide flag 2 (joint), so other files stay readable by version-1 readers
            TextNormalizer n = Vectorizer!.Normalizer;
            w.Write((byte)((n.Lowercase ? 1 : 0) | (n.StripPunctuation ? 2 : 0) | (n.KeepApostrophes ? 4 : 0)));
            w.Write(n.PunctuationTokens);
            w.Write((byte)Vectorizer.Truncation);
            w.Write((byte)Vectorizer.Padding);
            w.Write(_classNames.Length);
            foreach (string c in _classNames) w.Write(c);
            w.Write(_models.Count);
            for (int m = 1; m < _models.Count; m++)
                foreach (float x in _models[m].Parameters) w.Write(x);
            w.Write(Wide is null ? (byte)0 : _joint ? (byte)2 : (byte)1);
            if (Wide is HashedNGramModel wide)
            {
                w.Write(wide.Classes);
                w.Write(wide.Buckets);
                w.Write(wide.Bigrams);
                w.Write(Options.Wide?.Weight ?? _wideWeight);
                foreach (float x in wide.Weights) w.Write(x);
                foreach (float x in wide.Bias) w.Write(x);
                w.Write(!wide.Scale.IsEmpty);
                foreach (float x in wide.Scale) w.Write(x);
            }
        }
        return ms.ToArray();
    }

    /// <summary>
    /// Reads a classifier saved with <see cref="Save(string)"/>. A version-1 model file with a vocabulary (as the sentiment
    /// sample saved before) loads too, as a one-model classifier with the default normaliser, the default truncation and
    /// padding, and class names "0", "1", ….
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="createModel">Makes an empty model of the saved type (the seed is not used for the weights).</param>
    /// <exception cref="ModelFileException">The file is damaged, for another model, or has no vocabulary.</exception>
    public static TextClassifier<TModel> Load(string path, Func<int, TModel> createModel)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(createModel);
        TModel first = createModel(0);
        ModelFileInfo info = ModelFile.ReadPath(path, first);
        try
        {
            return FromFile(info, first, createModel);
        }
        catch (ModelFileException e)
        {
            throw new ModelFileException(e.Error, $"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads a classifier from <paramref name="stream"/> (see <see cref="Load(string, Func{int, TModel})"/>).</summary>
    /// <exception cref="ModelFileException">The data is damaged, for another model, or has no vocabulary.</exception>
    public static TextClassifier<TModel> Load(Stream stream, Func<int, TModel> createModel)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(createModel);
        TModel first = createModel(0);
        return FromFile(ModelFile.Read(stream, first), first, createModel);
    }

    private static TextClassifier<TModel> FromFile(ModelFileInfo info, TModel first, Func<int, TModel> createModel)
    {
        if (info.Vocabulary is null)
            throw new ModelFileException(ModelFileError.Corrupt, "The model file has no vocabulary, so it cannot classify text (save a TextClassifier, or a model with its vocabulary).");
        int classes = ClassCount(first.Shape);
        var classifier = new TextClassifier<TModel>(createModel);
        classifier._models.Add(first);
        if (info.Extension is null)
        {
            classifier.Vectorizer = new TextVectorizer(info.Vocabulary, TextNormalizer.Default);
            classifier._classNames = [.. Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
            classifier.Options = new TextClassifierOptions { Normalizer = TextNormalizer.Default };
            return classifier;
        }
        try
        {
            using var r = new BinaryReader(new MemoryStream(info.Extension), Encoding.UTF8);
            if (!r.ReadBytes(4).AsSpan().SequenceEqual(PipelineMagic)) throw Corrupt("the extension is not a text classifier record (no \"LGTC\")");
            uint version = r.ReadUInt32();
            if (version is < 1 or > PipelineVersion) throw new ModelFileException(ModelFileError.UnsupportedVersion, $"The text classifier record has version {version}; this library reads versions 1 to {PipelineVersion}.");
            byte flags = r.ReadByte();
            if ((flags & ~7) != 0) throw Corrupt($"unknown normaliser flags 0x{flags:X2}");
            string punctuation = r.ReadString();
            TextNormalizer normalizer;
            try { normalizer = new TextNormalizer((flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, punctuation); }
            catch (ArgumentException e) { throw Corrupt($"bad punctuation tokens: {e.Message}"); }
            byte truncation = r.ReadByte(), padding = r.ReadByte();
            if (truncation > 1 || padding > 1) throw Corrupt($"truncation {truncation} or padding {padding} is not 0 (end) or 1 (start)");
            int k = r.ReadInt32();
            if (k != classes) throw Corrupt($"{k} class names for a model with {classes} classes");
            var names = new string[k];
            for (int i = 0; i < k; i++) names[i] = r.ReadString();
            if (names.Distinct(StringComparer.Ordinal).Count() != k) throw Corrupt("a class name appears twice");
            int members = r.ReadInt32();
            long left = r.BaseStream.Length - r.BaseStream.Position;
            if (members < 1 || (long)(members - 1) * first.ParameterCount * 4 > left) throw Corrupt($"{members} ensemble members do not fit the {left} bytes left");
            for (int m = 1; m < members; m++)
            {
                var weights = new float[first.ParameterCount];
                for (int i = 0; i < weights.Length; i++) weights[i] = r.ReadSingle();
                if (ModelFile.FirstNonFinite(weights) >= 0) throw new ModelFileException(ModelFileError.NonFiniteWeight, $"Ensemble member {m + 1} has a weight that is not finite.");
                TModel model = createModel(m);
                model.SetParameters(weights);
                classifier._models.Add(model);
            }
            byte hasWide = r.ReadByte();
            if (hasWide > (version >= 2 ? 2 : 1)) throw Corrupt($"the wide flag is {hasWide} in a version-{version} record");
            float weight = 0.5f;
            if (hasWide >= 1)
            {
                int wideClasses = r.ReadInt32(), buckets = r.ReadInt32();
                bool bigrams = r.ReadBoolean();
                weight = r.ReadSingle();
                if (wideClasses != classes) throw Corrupt($"the linear part has {wideClasses} classes, the model {classes}");
                if (!(weight >= 0 && weight <= 1)) throw Corrupt($"the linear part's weight {weight} is outside [0, 1]");
                HashedNGramModel wide;
                try { wide = new HashedNGramModel(wideClasses, buckets, bigrams); }
                catch (ArgumentOutOfRangeException e) { throw Corrupt($"bad linear part: {e.Message}"); }
                long need = ((long)wide.Weights.Length + wide.Bias.Length) * 4;
                if (need > r.BaseStream.Length - r.BaseStream.Position) throw Corrupt("the linear part is truncated");
                for (int i = 0; i < wide.Weights.Length; i++) wide.Weights[i] = r.ReadSingle();
                for (int i = 0; i < wide.Bias.Length; i++) wide.Bias[i] = r.ReadSingle();
                if (r.ReadBoolean())
                {
                    if (wide.Outputs != 1 || (long)wide.Buckets * 4 > r.BaseStream.Length - r.BaseStream.Position) throw Corrupt("the linear part's scaling does not fit");
                    var scale = new float[wide.Buckets];
                    for (int i = 0; i < scale.Length; i++) scale[i] = r.ReadSingle();
                    if (ModelFile.FirstNonFinite(scale) >= 0) throw new ModelFileException(ModelFileError.NonFiniteWeight, "The linear part has a scale that is not finite.");
                    wide.SetScale(scale);
                }
                if (ModelFile.FirstNonFinite(wide.Weights) >= 0 || ModelFile.FirstNonFinite(wide.Bias) >= 0)
                    throw new ModelFileException(ModelFileError.NonFiniteWeight, "The linear part has a weight that is not finite.");
                classifier.Wide = wide;
            }
            if (r.BaseStream.Position != r.BaseStream.Length) throw Corrupt($"{r.BaseStream.Length - r.BaseStream.Position} bytes follow the record");
            classifier.Vectorizer = new TextVectorizer(info.Vocabulary, normalizer) { Truncation = (SequenceSide)truncation, Padding = (SequenceSide)padding };
            classifier._classNames = names;
            classifier._wideWeight = weight;
            classifier._joint = hasWide == 2;
            if (classifier._joint && first is not ILogitOffsetModel) throw Corrupt($"the linear part is joint but {typeof(TModel).Name} takes no logit offsets");
            classifier.Options = new TextClassifierOptions
            {
                Normalizer = normalizer, Truncation = (SequenceSide)truncation, Padding = (SequenceSide)padding, EnsembleSize = members,
                Wide = classifier.Wide is null ? null : new WideOptions { Buckets = classifier.Wide.Buckets, Bigrams = classifier.Wide.Bigrams, Weight = weight, Joint = hasWide == 2 },
            };
            return classifier;
        }
        catch (Exception e) when (e is EndOfStreamException or DecoderFallbackException or IOException and not ModelFileException)
        {
            throw Corrupt($"the text classifier record is truncated or malformed ({e.Message})");
        }
    }

    private static ModelFileException Corrupt(string what) => new(ModelFileError.Corrupt, $"Corrupt model file: {what}.");
}
