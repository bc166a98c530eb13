using System.Diagnostics;
using System.Globalization;
using System.Text;
using LstmGen;
using LstmGen.Samples;
using LstmGen.Samples.Forecast;
using LstmGen.Serialization;
using LstmGen.TimeSeries;
using LstmGen.Training;

// The forecasting sample: hold out the last 24 months of a monthly series, train a generated LSTM on the months before
// (one network per seed, the epoch chosen on the 12 months before the test months), and compare it on the held-out months
// with seasonal naive and a least-squares autoregression, one step and 12 steps ahead. See README.md.

return SampleMain.Run(args, Options.Parse, o => o.Help, Options.Usage, Run, e => e is DataException);

static int Run(Options options)
{
    MonthlySeries series = options.DataPath is null ? MonthlySeries.Synthetic(options.Seed) : MonthlySeries.Load(options.DataPath);
    float[] v = series.Values;
    int window = PassengerModel.SequenceLength;
    var split = SeriesSplit.Chronological(v.Length, Options.TestMonths, Options.ValidationMonths);
    int validationStart = split.Validation.Start.GetOffset(v.Length), testStart = split.Test.Start.GetOffset(v.Length);
    if (validationStart - window < 24)
        throw new DataException($"{series.Name}: {v.Length} months leave {validationStart - window} training windows of {window} months; the sample needs at least 24.");
    Console.WriteLine($"Series: {series.Name}, {v.Length} months ({series.Labels[0]} … {series.Labels[^1]}); training on months up to {series.Labels[validationStart - 1]}, " +
        $"validation {series.Labels[validationStart]} … {series.Labels[testStart - 1]}, test {series.Labels[testStart]} … {series.Labels[^1]}.");

    var rows = new List<Row>
    {
        Score("seasonal naive (same month last year)", new SeasonalNaive(12), v, testStart),
        Score("seasonal naive, growth-adjusted", new SeasonalNaive(12, growthAdjusted: true), v, testStart),
    };
    // The linear baseline: AR(13) by least squares on the seasonal log-differences of the months before the test months.
    var ar = new SeasonalLogDifference(LinearAutoregression.Fit(SeasonalLogDifference.Of(v.AsSpan(0, testStart)), order: 13));
    rows.Add(Score("linear AR(13), least squares", ar, v, testStart));

    var networks = new List<(PassengerModel Model, SeriesScaler Scaler, double ValidationLoss, int Seed, int Epoch)>();
    if (options.LoadPath is not null)
    {
        var model = new PassengerModel();
        ModelFile.Load(model, options.LoadPath);
        // The scaler travels in the file's extension record as its one-line text (SeriesScaler.ToText).
        byte[] extension = ModelFile.Inspect(options.LoadPath).Extension
            ?? throw new DataException($"{options.LoadPath}: the model file holds no scaler; save it with this sample.");
        SeriesScaler scaler;
        try { scaler = SeriesScaler.Parse(Encoding.UTF8.GetString(extension)); }
        catch (FormatException e) { throw new DataException($"{options.LoadPath}: the stored scaler is not valid: {e.Message}"); }
        networks.Add((model, scaler, double.NaN, -1, 0));
        Console.WriteLine($"Loaded {options.LoadPath}.");
    }
    else
    {
        for (int k = 0; k < options.Seeds; k++) networks.Add(Train(v, window, validationStart, testStart, options.Seed + k, options.Epochs, series.MonthOfFirst));
    }
    var lstmRows = networks.Select(n => Score("LSTM", new LstmForecaster(n.Model, n.Scaler, series.MonthOfFirst), v, testStart)).ToList();
    rows.Add(Summarise(lstmRows, options.LoadPath is not null ? "LSTM (loaded)" : networks.Count == 1 ? $"LSTM (seed {networks[0].Seed})" : $"LSTM, mean ± sd of {networks.Count} seeds"));

    Console.WriteLine();
    Console.WriteLine($"Held-out {Options.TestMonths} months          one step ahead              12 steps ahead");
    Console.WriteLine($"{"",-40}{"RMSE",8}{"MAE",8}{"MAPE",8}   {"RMSE",8}{"MAE",8}{"MAPE",8}");
    foreach (Row r in rows) Console.WriteLine(r.Format());
    Row naive = rows[1], lstm = rows[^1];
    Console.WriteLine($"\nLSTM one-step RMSE / growth-adjusted seasonal naive: {lstm.Rmse1 / naive.Rmse1:F2}" +
        (networks.Count > 1 ? $" (per seed: {string.Join(", ", lstmRows.Select(r => r.Rmse1.ToString("F1")))})" : ""));

    string chart = Chart.Write(options.ChartPath, series, testStart,
    [
        ("seasonal naive, growth-adjusted", naive.OneStep),
        ("linear AR(13)", rows[2].OneStep),
        (options.LoadPath is not null ? "LSTM (loaded)" : $"LSTM (seed {networks[0].Seed})", lstmRows[0].OneStep),
    ]);
    Console.WriteLine($"Chart: {chart}");

    if (options.LoadPath is null && !options.NoSave)
    {
        var best = networks.MinBy(n => n.ValidationLoss);
        ModelFile.Save(best.Model, options.SavePath, vocabulary: null, Encoding.UTF8.GetBytes(best.Scaler.ToText()));
        Console.WriteLine($"Saved the seed-{best.Seed} network (lowest validation loss, epoch {best.Epoch}) with its scaler to {Path.GetFullPath(options.SavePath)}; " +
            $"forecast with it: Forecast --load {options.SavePath}{(options.DataPath is null ? "" : $" --data {options.DataPath}")}");
    }
    return 0;
}

// One network: windows of the months before the validation months, the epoch with the lowest validation loss kept.
static (PassengerModel, SeriesScaler, double, int, int) Train(float[] v, int window, int validationStart, int testStart, int seed, int epochs, int monthOfFirst)
{
    (float[] x, float[] y) = Windows(v, window, window, validationStart, monthOfFirst);
    (float[] vx, float[] vy) = Windows(v, window, validationStart, testStart, monthOfFirst);
    // The scaler is fitted on the training inputs only, per feature; targets are scaled as the level feature (their unit).
    SeriesScaler scaler = new StandardScaler().Fit(x, WindowLevel.Features);
    scaler.Transform(x);
    scaler.Transform(vx);
    scaler.Transform(y, feature: 0);
    scaler.Transform(vy, feature: 0);
    var model = new PassengerModel(seed);
    var clock = Stopwatch.StartNew();
    int[] lengths = Full(y.Length, window), validationLengths = Full(vy.Length, window);
    // Every epoch is scored on the validation months; the best epoch's weights are kept (patience = all epochs).
    TrainingHistory history = Trainer.Fit(model, x, lengths, y, new FitOptions
    {
        Epochs = epochs,
        BatchSize = 32,
        Seed = seed,
        Optimizer = new Adam(learningRate: 0.005f),
        ValidationInputs = vx,
        ValidationLengths = validationLengths,
        ValidationTargets = vy,
        EarlyStopping = new EarlyStopping(patience: epochs, restoreBestWeights: true),
    });
    int best = history.BestEpoch ?? history.Epochs.Count;
    double loss = history.Epochs[best - 1].ValidationLoss ?? double.NaN;
    int trained = history.Epochs.Count;
    Console.WriteLine($"  seed {seed}: {trained} epochs in {clock.Elapsed.TotalSeconds:F1} s, best validation loss {loss:G4} at epoch {best}");
    return (model, scaler, loss, seed, best);
}

static int[] Full(int rows, int window)
{
    var lengths = new int[rows];
    Array.Fill(lengths, window);
    return lengths;
}

// Inputs (window-level logs of the `window` months before month k) and targets (month k on the same level) for k in [from, to).
static (float[] Inputs, float[] Targets) Windows(float[] v, int window, int from, int to, int monthOfFirst)
{
    int count = to - from, f = WindowLevel.Features;
    var inputs = new float[count * window * f];
    var targets = new float[count];
    for (int i = 0; i < count; i++)
    {
        int k = from + i;
        double level = WindowLevel.Normalise(v.AsSpan(k - window, window), inputs.AsSpan(i * window * f, window * f), monthOfFirst + k - window);
        targets[i] = (float)(Math.Log(v[k]) - level);
    }
    return (inputs, targets);
}

static Row Score(string name, IOneStepForecaster f, float[] v, int testStart)
{
    float[] one = RecursiveForecast.OneStepAhead(f, v, testStart..);
    float[] twelve = RecursiveForecast.StepsAhead(f, v, testStart.., 12);
    ReadOnlySpan<float> truth = v.AsSpan(testStart);
    return new Row(name, one, ForecastMetrics.Rmse(truth, one), ForecastMetrics.Mae(truth, one), ForecastMetrics.Mape(truth, one),
        ForecastMetrics.Rmse(truth, twelve), ForecastMetrics.Mae(truth, twelve), ForecastMetrics.Mape(truth, twelve), null);
}

static Row Summarise(List<Row> runs, string name)
{
    static (double Mean, double Sd) Stat(IEnumerable<double> xs)
    {
        double[] a = [.. xs];
        double mean = a.Average();
        return (mean, a.Length > 1 ? Math.Sqrt(a.Sum(x => (x - mean) * (x - mean)) / (a.Length - 1)) : 0);
    }
    var s = new[]
    {
        Stat(runs.Select(r => r.Rmse1)), Stat(runs.Select(r => r.Mae1)), Stat(runs.Select(r => r.Mape1)),
        Stat(runs.Select(r => r.Rmse12)), Stat(runs.Select(r => r.Mae12)), Stat(runs.Select(r => r.Mape12)),
    };
    return new Row(name, runs[0].OneStep, s[0].Mean, s[1].Mean, s[2].Mean, s[3].Mean, s[4].Mean, s[5].Mean, runs.Count > 1 ? s.Select(x => x.Sd).ToArray() : null);
}

/// <summary>One forecaster's scores on the held-out months (MAPE in percent); <see cref="Sd"/> the spread over seeds.</summary>
internal sealed record Row(string Name, float[] OneStep, double Rmse1, double Mae1, double Mape1, double Rmse12, double Mae12, double Mape12, double[]? Sd)
{
    public string Format()
    {
        string line = $"{Name,-40}{Rmse1,8:F2}{Mae1,8:F2}{Mape1,8:F2}   {Rmse12,8:F2}{Mae12,8:F2}{Mape12,8:F2}";
        return Sd is null ? line : line + $"\n{"  ± (sd over seeds)",-40}{Sd[0],8:F2}{Sd[1],8:F2}{Sd[2],8:F2}   {Sd[3],8:F2}{Sd[4],8:F2}{Sd[5],8:F2}";
    }
}
