using System.Diagnostics;
using System.Globalization;
using LstmGen;
using LstmGen.Samples.Sentiment;
using LstmGen.Serialization;
using LstmGen.Text;
using LstmGen.Training;
using Spectre.Console;

// The sentiment sample: generate (or read) labelled reviews, build a vocabulary from the training part, train the generated
// LSTM with Adam, report held-out test accuracy, save the model with its vocabulary, then classify a few sentences; or,
// with --load, load a saved model and only classify. See README.md.

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

Options options;
try
{
    options = Options.Parse(args);
}
catch (UsageException e)
{
    return Fail(e.Message, 2);
}
if (options.Help)
{
    Console.WriteLine(Options.Usage);
    return 0;
}
Console.WriteLine(KernelInfo.Describe());
bool interactive = AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected;
var ui = new Ui(interactive);

// Every failure ends in a message and a documented exit code: 2 for bad arguments, data or model files (caught where they
// arise), 1 for training or saving; anything unforeseen is reported as a failure (1) rather than a crash.
try
{
    return Run(options, ui);
}
catch (Exception e)
{
    return Fail($"unexpected failure ({e.GetType().Name}): {e.Message}", 1);
}

static int Run(Options options, Ui ui)
{
    // --load: no training; the model file brings the weights and the vocabulary they were trained with.
    if (options.LoadPath is string loadPath)
    {
        if (Directory.Exists(loadPath)) return Fail($"{loadPath} is a folder; --load needs a model file saved with --save.", 2);
        var loaded = new SentimentModel();
        Vocabulary? savedVocabulary;
        try
        {
            savedVocabulary = ModelFile.Load(loaded, loadPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return Fail($"cannot load the model: {e.Message}", 2);
        }
        if (savedVocabulary is null)
            return Fail($"{loadPath}: the model file has no vocabulary, so sentences cannot be turned into token ids; save models with this sample's --save.", 2);
        ui.Line($"Model: {Path.GetFullPath(loadPath)} ({SentimentModel.ParameterCount:N0} parameters, vocabulary of {savedVocabulary.Count:N0} ids); no training");
        Classify(loaded, new TextVectorizer(savedVocabulary), options.Sentences, ui);
        return 0;
    }

    // 1. Data: the built-in generated reviews, or the --data files.
    List<Row> rows;
    string source;
    try
    {
        if (options.DataPaths.Count == 0)
        {
            rows = ReviewGenerator.GenerateReviews(options.Reviews, options.Seed).Select(r => new Row(r.Text, r.Label, r.Kind)).ToList();
            source = $"{rows.Count:N0} generated reviews (seed {options.Seed})";
        }
        else
        {
            rows = LabelledData.Read(options.DataPaths).Select(r => new Row(r.Text, r.Label, null)).ToList();
            source = $"{rows.Count:N0} labelled sentences from {string.Join(", ", options.DataPaths)}";
            if (rows.Count < 20) throw new DataException($"{string.Join(", ", options.DataPaths)}: only {rows.Count} labelled lines; at least 20 are needed to train and test.");
            if (rows.All(r => r.Label == rows[0].Label)) throw new DataException($"{string.Join(", ", options.DataPaths)}: every line has label {rows[0].Label}; both classes are needed.");
        }
    }
    catch (DataException e)
    {
        return Fail(e.Message, 2);
    }

    // 2. Shuffle with the seed and hold out 20% for the test; the vocabulary sees only the training 80%.
    var shuffleRng = new Rng(options.Seed ^ 0x5EED);
    Row[] shuffled = [.. rows];
    shuffleRng.Shuffle<Row>(shuffled);
    int testCount = Math.Max(1, shuffled.Length / 5);
    Row[] train = shuffled[..^testCount];
    Row[] test = shuffled[^testCount..];

    var model = new SentimentModel(options.Seed);
    ModelShape shape = model.Shape;
    TextVectorizer vectorizer;
    try
    {
        vectorizer = TextVectorizer.Adapt(train.Select(r => r.Text), maxSize: shape.VocabularySize);
    }
    catch (ArgumentException e)
    {
        // A word too long to store (more than 65,535 UTF-8 bytes): bad data, found before any training.
        return Fail($"the training texts cannot make a vocabulary: {e.Message}", 2);
    }
    int t = shape.SequenceLength;
    int[] trainTokens = vectorizer.EncodeBatch(train.Select(r => r.Text).ToArray(), t);
    float[] trainTargets = train.Select(r => (float)r.Label).ToArray();
    int[] testTokens = vectorizer.EncodeBatch(test.Select(r => r.Text).ToArray(), t);
    float[] testTargets = test.Select(r => (float)r.Label).ToArray();

    ui.Header(source, train.Length, test.Length, vectorizer.Vocabulary.Count, shape, SentimentModel.ParameterCount);

    // 3. Train: Adam (Keras defaults), binary cross-entropy, 10% of the training rows held out for validation.
    var fit = new FitOptions
    {
        Epochs = options.Epochs,
        BatchSize = options.BatchSize,
        Seed = options.Seed,
        ValidationSplit = 0.1,
    };
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        if (cancel.IsCancellationRequested) return; // a second Ctrl+C ends the process
        e.Cancel = true;
        cancel.Cancel();
    };
    var clock = Stopwatch.StartNew();
    try
    {
        ui.Train(progress => Trainer.Fit(model, trainTokens, trainTargets, fit, progress, cancel.Token));
    }
    catch (OperationCanceledException)
    {
        return Fail("Training was cancelled.", 1);
    }
    catch (TrainingDivergedException e)
    {
        return Fail(e.Message, 1);
    }
    catch (ArgumentException e)
    {
        // For example a batch the model cannot train in one step (ArgumentOutOfRangeException naming the largest allowed).
        return Fail($"cannot train with these settings: {e.Message}", 2);
    }
    catch (OutOfMemoryException)
    {
        return Fail($"training ran out of memory with batches of {options.BatchSize}; try a smaller --batch-size.", 1);
    }
    clock.Stop();

    // 4. Held-out test accuracy, overall and (for the generated reviews) by sentence structure.
    Evaluation evaluation = Trainer.Evaluate(model, testTokens, testTargets);
    ui.Line($"Trained in {clock.Elapsed.TotalSeconds:F1} s. Test ({test.Length:N0} held-out rows): accuracy {evaluation.Accuracy * 100:F1}%, loss {evaluation.Loss:F4}.");
    foreach (ReviewKind kind in Enum.GetValues<ReviewKind>())
    {
        int[] idx = Enumerable.Range(0, test.Length).Where(i => test[i].Kind == kind).ToArray();
        if (idx.Length == 0) continue;
        int[] kt = new int[idx.Length * t];
        float[] ky = new float[idx.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            testTokens.AsSpan(idx[i] * t, t).CopyTo(kt.AsSpan(i * t, t));
            ky[i] = testTargets[idx[i]];
        }
        Evaluation e = Trainer.Evaluate(model, kt, ky);
        ui.Line($"  {kind,-9} {idx.Length,5:N0} rows   accuracy {e.Accuracy * 100:F1}%");
    }

    // 5. Save the weights with the vocabulary they need (atomically: a failed save leaves an older file intact).
    if (!options.NoSave)
    {
        string savePath = options.SavePath ?? Options.DefaultSavePath;
        try
        {
            savePath = Path.GetFullPath(savePath);
            ModelFile.Save(model, savePath, vectorizer.Vocabulary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return Fail($"cannot save the model to {savePath}: {e.Message}", 1);
        }
        ui.Line($"Saved the model and its vocabulary to {savePath} ({new FileInfo(savePath).Length:N0} bytes); classify without training: --load {savePath}");
    }

    // 6. Classify the article's sentences and any given on the command line.
    Classify(model, vectorizer, options.Sentences, ui);
    return 0;
}

static void Classify(SentimentModel model, TextVectorizer vectorizer, List<string> extra, Ui ui)
{
    string[] sentences = ["I love this movie", "This movie is terrible", "I hate this movie", .. extra];
    int t = SentimentModel.SequenceLength;
    var predictions = new List<Prediction>(sentences.Length);
    var ids = new int[t];
    Span<float> output = stackalloc float[1];
    foreach (string sentence in sentences)
    {
        int words = vectorizer.Encode(sentence, ids);
        int unknown = ids.AsSpan().Count(Vocabulary.OutOfVocabularyId);
        model.Predict(ids, output);
        predictions.Add(new Prediction(sentence, output[0], words, unknown, Math.Max(0, words - t)));
    }
    ui.Predictions(predictions);
}

static int Fail(string message, int code)
{
    Console.Error.WriteLine($"error: {message}");
    return code;
}

namespace LstmGen.Samples.Sentiment
{
    /// <summary>One labelled text; <see cref="Kind"/> is known for generated reviews only.</summary>
    internal sealed record Row(string Text, int Label, ReviewKind? Kind);

    /// <summary>A classified sentence.</summary>
    internal sealed record Prediction(string Sentence, float Probability, int Words, int Unknown, int Truncated)
    {
        public string Label => Probability >= 0.5f ? "positive" : "negative";

        public string Note
        {
            get
            {
                var notes = new List<string>(2);
                if (Words == 0) notes.Add("no words");
                if (Unknown > 0) notes.Add($"{Unknown} unknown word{(Unknown == 1 ? "" : "s")}");
                if (Truncated > 0) notes.Add($"{Truncated} words cut");
                return string.Join(", ", notes);
            }
        }
    }

    /// <summary>Console output: Spectre.Console widgets on an interactive terminal, plain lines when redirected.</summary>
    internal sealed class Ui(bool interactive)
    {
        public void Line(string text)
        {
            if (interactive) AnsiConsole.MarkupLine(Markup.Escape(text));
            else Console.WriteLine(text);
        }

        public void Header(string source, int train, int test, int vocabulary, ModelShape shape, int parameters)
        {
            string model = $"Embedding({shape.VocabularySize:N0}, {shape.EmbeddingSize}) → LSTM({shape.HiddenSize}) → Dense({shape.OutputSize}, {shape.Output.ToString().ToLowerInvariant()}), {shape.SequenceLength} tokens, {parameters:N0} parameters";
            if (interactive)
            {
                AnsiConsole.Write(new Rule("[bold]LstmGen sentiment[/]").LeftJustified());
                AnsiConsole.MarkupLine($"[grey]Data[/]   {Markup.Escape(source)}: {train:N0} to train (10% of them for validation), {test:N0} to test");
                AnsiConsole.MarkupLine($"[grey]Words[/]  vocabulary of {vocabulary:N0} ids from the training texts");
                AnsiConsole.MarkupLine($"[grey]Model[/]  {Markup.Escape(model)}");
            }
            else
            {
                Console.WriteLine($"Data:  {source}: {train:N0} to train (10% of them for validation), {test:N0} to test");
                Console.WriteLine($"Words: vocabulary of {vocabulary:N0} ids from the training texts");
                Console.WriteLine($"Model: {model}");
            }
        }

        /// <summary>Runs <paramref name="training"/>, showing its progress.</summary>
        public void Train(Action<IProgress<TrainingProgress>> training)
        {
            if (!interactive)
            {
                training(new PlainProgress());
                return;
            }
            var metrics = new MetricsColumn();
            AnsiConsole.Progress()
                .AutoClear(false)
                .HideCompleted(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 20 }, new PercentageColumn(), metrics)
                .Start(context => training(new SpectreProgress(context, metrics)));
        }

        public void Predictions(IReadOnlyList<Prediction> predictions)
        {
            if (interactive)
            {
                var table = new Table().Border(TableBorder.Rounded).Title("Predictions");
                table.AddColumn(new TableColumn("P(positive)").RightAligned());
                table.AddColumn("Label");
                table.AddColumn("Sentence");
                table.AddColumn("Note");
                foreach (Prediction p in predictions)
                {
                    string colour = p.Probability >= 0.5f ? "green" : "red";
                    table.AddRow($"{p.Probability:F3}", $"[{colour}]{p.Label}[/]", Markup.Escape(p.Sentence), $"[grey]{Markup.Escape(p.Note)}[/]");
                }
                AnsiConsole.Write(table);
            }
            else
            {
                Console.WriteLine("Predictions (P(positive), label, sentence):");
                foreach (Prediction p in predictions)
                    Console.WriteLine($"  {p.Probability:F3}  {p.Label}  {p.Sentence}{(p.Note.Length > 0 ? $"  ({p.Note})" : "")}");
            }
        }

        internal static string Describe(TrainingProgress p) => $"Epoch {p.Epoch}/{p.Epochs}  {Metrics(p)}";

        // loss and accuracy so far in the epoch, validation loss and accuracy at its end, throughput.
        internal static string Metrics(TrainingProgress p)
        {
            string text = $"loss {p.Loss:F4}  acc {p.Accuracy * 100:F1}%";
            if (p.EpochEnd is { ValidationLoss: double vl, ValidationAccuracy: double va })
                text += $"  val_loss {vl:F4}  val_acc {va * 100:F1}%";
            return text + $"  {p.SequencesPerSecond:N0} seq/s";
        }
    }

    /// <summary>Reports synchronously (unlike <see cref="Progress{T}"/>, which posts to the thread pool): one line per epoch.</summary>
    internal sealed class PlainProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.EpochEnd is { } end)
                Console.WriteLine($"{Ui.Describe(value)}  ({end.Elapsed.TotalSeconds:F1} s)");
        }
    }

    /// <summary>One Spectre.Console progress bar per epoch, updated after every batch.</summary>
    internal sealed class SpectreProgress(ProgressContext context, MetricsColumn metrics) : IProgress<TrainingProgress>
    {
        private ProgressTask? _task;
        private int _epoch;

        public void Report(TrainingProgress value)
        {
            if (_task is null || value.Epoch != _epoch)
            {
                _task?.StopTask();
                _task = context.AddTask($"Epoch {value.Epoch}/{value.Epochs}", maxValue: value.Batches);
                _epoch = value.Epoch;
            }
            metrics.Set(_task.Id, Ui.Metrics(value));
            _task.Value = value.Batch;
            if (value.EpochEnd is not null) _task.StopTask();
        }
    }

    /// <summary>A progress column showing each epoch's latest metrics (set from the training thread, read by the renderer).</summary>
    internal sealed class MetricsColumn : ProgressColumn
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> _text = new();

        protected override bool NoWrap => true;

        public void Set(int taskId, string text) => _text[taskId] = text;

        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
            => new Spectre.Console.Text(_text.GetValueOrDefault(task.Id, ""), new Style(Color.Grey));
    }
}
