using System.Diagnostics;
using System.Globalization;
using LstmGen;
using LstmGen.Samples.Comparison;
using LstmGen.Samples.Sentiment;
using LstmGen.Training;
using Spectre.Console;

// The seed article's comparison, measured: a long-range memory task with the dependency distance swept, and sentiment
// on the built-in reviews (or --data FILE), for every model kind LstmGen generates. Tables go to the terminal, charts to
// --out. See README.md.

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
ComparisonOptions options;
try
{
    options = ComparisonOptions.Parse(args);
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
if (options.Help)
{
    Console.WriteLine(ComparisonOptions.Usage);
    return 0;
}
Console.WriteLine(KernelInfo.Describe());
Directory.CreateDirectory(options.OutputDirectory);
IReadOnlyList<Contender> contenders = Contender.All;
AnsiConsole.Write(new Rule("[bold]LstmGen comparison[/]").LeftJustified());
AnsiConsole.MarkupLine($"[grey]{contenders.Count} model kinds, {options.Threads} training thread(s), seed {options.Seed}{(options.Quick ? ", quick mode" : "")}[/]");

// 1. Memory: accuracy against the dependency distance.
int[] distances = options.Distances;
var accuracy = new double[contenders.Count, distances.Length];
var before = new Dictionary<string, float[]>();
var after = new Dictionary<string, float[]>();
(int[] probe, float[] probeY) = MemoryTask.Make(distances.Max(), 256, options.Seed + 2, exactDistance: true);
AnsiConsole.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
    .Start(ctx =>
    {
        var task = ctx.AddTask("memory task", maxValue: contenders.Count * distances.Length);
        for (int d = 0; d < distances.Length; d++)
        {
            (int[] train, float[] trainY) = MemoryTask.Make(distances[d], options.MemoryRows, options.Seed);
            (int[] test, float[] testY) = MemoryTask.Make(distances[d], 1_000, options.Seed + 1);
            for (int c = 0; c < contenders.Count; c++)
            {
                task.Description = $"memory task: {contenders[c].Name}, distance {distances[d]}";
                ITrainableModel model = contenders[c].Memory(options.Seed);
                bool probeNorms = model is IRecurrentModel && distances[d] == distances.Max();
                if (probeNorms) before[contenders[c].Name] = Norms((IRecurrentModel)model, probe, probeY);
                Trainer.Fit(model, train, trainY, Fit(options, options.MemoryEpochs, contenders[c].LearningRate));
                if (probeNorms) after[contenders[c].Name] = Norms((IRecurrentModel)model, probe, probeY);
                accuracy[c, d] = Trainer.Evaluate(model, test, testY).Accuracy;
                task.Increment(1);
            }
        }
    });
var memoryTable = new Table().Title("Memory task: held-out accuracy against the distance from the key to the end").AddColumn("model");
foreach (int d in distances) memoryTable.AddColumn(new TableColumn($"d = {d}").RightAligned());
for (int c = 0; c < contenders.Count; c++)
    memoryTable.AddRow([contenders[c].Name, .. Enumerable.Range(0, distances.Length).Select(d => $"{accuracy[c, d] * 100:F1}%")]);
AnsiConsole.Write(memoryTable);
string memoryChart = Charts.AccuracyAgainstDistance(options.OutputDirectory, contenders.Select(c => c.Name).ToArray(), distances, accuracy);
AnsiConsole.MarkupLine($"chart: [link]{Markup.Escape(memoryChart)}[/]");

// 2. The vanishing gradient: ‖∂L/∂h_t‖ against t for the recurrent kinds at the longest distance, from the generated
//    backward pass, before and after training (measured in the sweep above), relative to the last step's: how much of
//    the gradient at the output still reaches the state t steps back.
if (before.Count > 0)
{
    int first = MemoryTask.Steps - distances.Max();
    int[] shown = [.. new[] { MemoryTask.Steps - 1, MemoryTask.Steps - 10, MemoryTask.Steps - 25, MemoryTask.Steps - 50, first }.Where(t => t >= first).Distinct()];
    var normTable = new Table().Title($"‖∂L/∂h_t‖ / ‖∂L/∂h_{MemoryTask.Steps - 1}‖ (batch means), key exactly {distances.Max()} steps before the end").AddColumn("model");
    foreach (int t in shown) normTable.AddColumn(new TableColumn($"t = {t}").RightAligned());
    foreach ((string name, float[] values) in before.Select(kv => (kv.Key + ", initial", kv.Value)).Concat(after.Select(kv => (kv.Key + ", trained", kv.Value))))
        normTable.AddRow([name, .. shown.Select(t => (values[t] / values[^1]).ToString("0.0e+0", CultureInfo.InvariantCulture))]);
    AnsiConsole.Write(normTable);
    string normChart = Charts.GradientNorms(options.OutputDirectory, [.. before.Keys], [.. before.Values], [.. after.Values], first);
    AnsiConsole.MarkupLine($"chart: [link]{Markup.Escape(normChart)}[/]");
}

// 3. Sentiment: accuracy, size and speed of each kind on the same data.
SentimentTask sentiment;
try
{
    sentiment = SentimentTask.Load(options.DataPaths, options.Quick ? 1_000 : 4_000, options.Seed);
}
catch (DataException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
var sentimentTable = new Table().Title($"Sentiment on {Markup.Escape(sentiment.Source)} (80% train, 20% test)")
    .AddColumn("model").AddColumn(new TableColumn("test accuracy").RightAligned()).AddColumn(new TableColumn("parameters").RightAligned())
    .AddColumn(new TableColumn($"train seq/s ({options.Threads} thr.)").RightAligned()).AddColumn(new TableColumn("predict µs/seq").RightAligned());
var sentimentRows = new List<(string Name, double Accuracy, int Parameters, double TrainRate, double PredictMicros)>();
foreach (Contender c in contenders)
{
    ITrainableModel model = c.Sentiment(options.Seed);
    TrainingHistory h = Trainer.Fit(model, sentiment.TrainTokens, sentiment.TrainTargets, Fit(options, options.SentimentEpochs, 1e-3f));
    double acc = Trainer.Evaluate(model, sentiment.TestTokens, sentiment.TestTargets).Accuracy;
    double rate = h.Epochs.Sum(e => e.Elapsed.TotalSeconds) is var s && s > 0 ? h.Epochs.Count * (sentiment.TrainTargets.Length / s) : 0;
    double micros = PredictMicros(model, sentiment.TestTokens);
    sentimentRows.Add((c.Name, acc, model.ParameterCount, rate, micros));
    sentimentTable.AddRow(c.Name, $"{acc * 100:F1}%", $"{model.ParameterCount:N0}", $"{rate:N0}", $"{micros:F1}");
}
AnsiConsole.Write(sentimentTable);
string sentimentChart = Charts.Sentiment(options.OutputDirectory, sentimentRows.Select(r => r.Name).ToArray(), sentimentRows.Select(r => r.Accuracy).ToArray(), sentimentRows.Select(r => r.PredictMicros).ToArray());
AnsiConsole.MarkupLine($"chart: [link]{Markup.Escape(sentimentChart)}[/]");
return 0;

static FitOptions Fit(ComparisonOptions o, int epochs, float learningRate) => new()
{
    Epochs = epochs, BatchSize = 32, Seed = o.Seed, Threads = o.Threads, ClipNorm = 1f, Optimizer = new Adam(learningRate),
};

// Batch mean of ‖∂ℓ/∂h_t‖ for every step t.
static float[] Norms(IRecurrentModel model, int[] tokens, float[] targets)
{
    var norms = new float[model.Shape.SequenceLength];
    model.ComputeHiddenGradientNorms(tokens, targets, norms);
    return norms;
}

// Mean batch-1 Predict time over the test rows, after one warm-up pass.
static double PredictMicros(ISequenceModel model, int[] tokens)
{
    int t = model.Shape.SequenceLength, rows = Math.Min(tokens.Length / t, 500);
    Span<float> output = stackalloc float[model.Shape.OutputSize];
    for (int r = 0; r < rows; r++) model.Predict(tokens.AsSpan(r * t, t), output);
    long start = Stopwatch.GetTimestamp();
    for (int r = 0; r < rows; r++) model.Predict(tokens.AsSpan(r * t, t), output);
    return Stopwatch.GetElapsedTime(start).TotalMicroseconds / rows;
}
