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
    static SentimentModel Create(int seed) => new(seed);

    // Test files given as they are (--test), read before anything is trained so a bad file fails fast.
    List<Row>? given = null;
    if (options.TestPaths.Count > 0)
    {
        try
        {
            given = LabelledData.Read(options.TestPaths).Select(r => new Row(r.Text, r.Label, null)).ToList();
        }
        catch (DataException e)
        {
            return Fail(e.Message, 2);
        }
    }

    // --load: no training; the model file brings the whole classifier (vocabulary, normaliser, models, linear part).
    if (options.LoadPath is string loadPath)
    {
        if (Directory.Exists(loadPath)) return Fail($"{loadPath} is a folder; --load needs a model file saved with --save.", 2);
        TextClassifier<SentimentModel> loaded;
        try
        {
            loaded = TextClassifier<SentimentModel>.Load(loadPath, Create);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return Fail($"cannot load the model: {e.Message}", 2);
        }
        ui.Line($"Model: {Path.GetFullPath(loadPath)} ({loaded.Models.Count} × {SentimentModel.ParameterCount:N0} parameters{(loaded.Wide is null ? "" : " + linear part")}, vocabulary of {loaded.Vectorizer!.Vocabulary.Count:N0} ids); no training");
        if (given is not null) Report(loaded, given, ui);
        Classify(loaded, options.Sentences, ui);
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

    // 2. The test set: the --test files as given, or 20% held out (stratified by label, seeded); the classifier sees
    //    only the rest, and learns its vocabulary from it.
    Row[] train, test;
    if (given is not null)
    {
        train = [.. rows];
        test = [.. given];
    }
    else
    {
        SplitIndices split = DataSplit.Stratified([.. rows.Select(r => r.Label)], 0, 0.2, options.Seed);
        train = [.. split.Train.Select(i => rows[i])];
        test = [.. split.Test.Select(i => rows[i])];
    }

    ModelShape shape = new SentimentModel().Shape;
    ui.Header(source, train.Length, test.Length, given is not null, shape, SentimentModel.ParameterCount);

    // 3. Train: the default recipe (TextClassifierOptions' defaults, the best measured on the UCI sentences), with the
    //    epochs, batch size and seed of the command line.
    var classifier = new TextClassifier<SentimentModel>(Create, new TextClassifierOptions
    {
        Epochs = options.Epochs,
        BatchSize = options.BatchSize,
        Seed = options.Seed,
        Callbacks = [new ConsoleProgress()],
    });
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
        IReadOnlyList<TrainingHistory> histories = classifier.Fit(train.Select(r => r.Text).ToList(), train.Select(r => LabelName(r.Label)).ToList(), cancel.Token);
        ui.Line($"Trained in {clock.Elapsed.TotalSeconds:F1} s; best epoch{(histories.Count == 1 ? "" : "s")} (on validation loss): {string.Join(", ", histories.Select(h => h.BestEpoch ?? h.Epochs.Count))}; weight of the linear part {classifier.WideWeight:F2}.");
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
        // A word too long to store, or a batch the model cannot train in one step: bad data or settings.
        return Fail($"cannot train with this data or these settings: {e.Message}", 2);
    }
    catch (OutOfMemoryException)
    {
        return Fail($"training ran out of memory with batches of {options.BatchSize}; try a smaller --batch-size.", 1);
    }

    // 4. Test accuracy and metrics, overall and (for the generated reviews) by sentence structure.
    Report(classifier, test, ui);

    // 5. Save the whole classifier (atomically: a failed save leaves an older file intact).
    if (!options.NoSave)
    {
        string savePath = options.SavePath ?? Options.DefaultSavePath;
        try
        {
            savePath = Path.GetFullPath(savePath);
            classifier.Save(savePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return Fail($"cannot save the model to {savePath}: {e.Message}", 1);
        }
        ui.Line($"Saved the classifier to {savePath} ({new FileInfo(savePath).Length:N0} bytes); classify without training: --load {savePath}");
    }

    // 6. Classify the article's sentences and any given on the command line.
    Classify(classifier, options.Sentences, ui);
    return 0;
}

static string LabelName(int label) => label == 1 ? "positive" : "negative";

static void Report(TextClassifier<SentimentModel> classifier, IReadOnlyList<Row> test, Ui ui)
{
    TextEvaluation e = classifier.Evaluate(test.Select(r => r.Text).ToList(), test.Select(r => LabelName(r.Label)).ToList());
    ClassificationMetrics m = e.Metrics;
    ui.Line($"Test ({test.Count:N0} rows): accuracy {e.Accuracy * 100:F1}%, loss {e.Loss:F4}, macro F1 {m.MacroF1:F3}, ROC-AUC {m.RocAuc:F3}; confusion (true × predicted, negative/positive): [[{m.ConfusionMatrix[0, 0]}, {m.ConfusionMatrix[0, 1]}], [{m.ConfusionMatrix[1, 0]}, {m.ConfusionMatrix[1, 1]}]]");
    foreach (ReviewKind kind in Enum.GetValues<ReviewKind>())
    {
        Row[] part = [.. test.Where(r => r.Kind == kind)];
        if (part.Length == 0) continue;
        TextEvaluation k = classifier.Evaluate(part.Select(r => r.Text).ToList(), part.Select(r => LabelName(r.Label)).ToList());
        ui.Line($"  {kind,-9} {part.Length,5:N0} rows   accuracy {k.Accuracy * 100:F1}%");
    }
}

static void Classify(TextClassifier<SentimentModel> classifier, List<string> extra, Ui ui)
{
    string[] sentences = ["I love this movie", "This movie is terrible", "I hate this movie", .. extra];
    int t = SentimentModel.SequenceLength;
    TextVectorizer vectorizer = classifier.Vectorizer!;
    TextPrediction[] predicted = classifier.Predict(sentences);
    var predictions = new List<Prediction>(sentences.Length);
    for (int i = 0; i < sentences.Length; i++)
    {
        int[] ids = vectorizer.EncodeAll(sentences[i]);
        int unknown = ids.Count(id => id == Vocabulary.OutOfVocabularyId);
        int positive = Array.IndexOf(classifier.ClassNames.ToArray(), "positive");
        float p = positive >= 0 ? predicted[i].Probabilities[positive] : predicted[i].Probabilities[^1];
        predictions.Add(new Prediction(sentences[i], p, ids.Length, unknown, Math.Max(0, ids.Length - t)));
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

        public void Header(string source, int train, int test, bool testGiven, ModelShape shape, int parameters)
        {
            string model = $"Embedding({shape.VocabularySize:N0}, {shape.EmbeddingSize}) → LSTM({shape.HiddenSize}) → Dense({shape.OutputSize}, {shape.Output.ToString().ToLowerInvariant()}), {shape.SequenceLength} tokens, {parameters:N0} parameters; averaged with a hashed uni+bigram logistic regression";
            string data = $"{source}: {train:N0} to train (10% of them for validation), {test:N0} to test{(testGiven ? " (the --test files)" : "")}";
            if (interactive)
            {
                AnsiConsole.Write(new Rule("[bold]LstmGen sentiment[/]").LeftJustified());
                AnsiConsole.MarkupLine($"[grey]Data[/]   {Markup.Escape(data)}");
                AnsiConsole.MarkupLine($"[grey]Model[/]  {Markup.Escape(model)}");
            }
            else
            {
                Console.WriteLine($"Data:  {data}");
                Console.WriteLine($"Model: {model}");
            }
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
    }
}
