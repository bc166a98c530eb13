using System.Diagnostics;
using System.Globalization;

namespace LstmGen.Training;

/// <summary>
/// A Keras-like progress display for <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>, written synchronously on the training thread (so lines
/// are always in order, unlike <see cref="Progress{T}"/>, which posts to the thread pool). Interactive: one line per epoch,
/// redrawn in place with <c>\r</c> after batches (at most every <see cref="RefreshInterval"/>) —
/// <c>Epoch 3/10  42/85 [=====&gt;......] ETA 3s  loss 0.4321  acc 81.2%  1,234 seq/s</c> — and finished with the
/// epoch's time and validation metrics. Redirected output (a file or pipe): only the finished line, once per epoch. No line
/// is wider than <see cref="Width"/> columns (fields are dropped from the least useful: throughput, then the bar).
/// </summary>
public sealed class ConsoleProgress : TrainingCallback
{
    private readonly TextWriter _writer;
    private readonly Stopwatch _sinceDraw = new();
    private int _lastLength;

    /// <summary>Creates the display.</summary>
    /// <param name="writer">Where to write (default <see cref="Console.Out"/>).</param>
    /// <param name="interactive">Redraw lines in place (default: when writing to the console and it is not redirected).</param>
    /// <param name="width">Widest line, in columns (≥ 40).</param>
    public ConsoleProgress(TextWriter? writer = null, bool? interactive = null, int width = 80)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 40);
        _writer = writer ?? Console.Out;
        Interactive = interactive ?? (writer is null && !Console.IsOutputRedirected);
        Width = width;
    }

    /// <summary>Whether lines are redrawn in place after batches.</summary>
    public bool Interactive { get; }

    /// <summary>Widest line, in columns.</summary>
    public int Width { get; }

    /// <summary>Least time between two redraws of the batch line (default 100 ms; zero = after every batch).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc />
    public override void OnEpochBegin(TrainingContext context, int epoch)
    {
        _sinceDraw.Restart();
        _lastLength = 0;
    }

    /// <inheritdoc />
    public override void OnBatchEnd(TrainingContext context, TrainingProgress p)
    {
        if (!Interactive || p.Batch == p.Batches) return;
        if (_sinceDraw.Elapsed < RefreshInterval && p.Batch != 1) return;
        _sinceDraw.Restart();
        Draw(BatchLine(p, Width));
    }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochResult result)
    {
        string line = EpochLine(result, context.Epochs, context.BatchesPerEpoch, Width);
        if (Interactive) Draw(line);
        else _writer.Write(line);
        _writer.WriteLine();
        _writer.Flush();
        _lastLength = 0;
    }

    private void Draw(string line)
    {
        // \r, the line, and spaces over whatever of the previous, longer line would remain.
        _writer.Write('\r');
        _writer.Write(line);
        if (_lastLength > line.Length) _writer.Write(new string(' ', _lastLength - line.Length));
        _lastLength = line.Length;
        _writer.Flush();
    }

    /// <summary>The line shown after a batch.</summary>
    public static string BatchLine(TrainingProgress p, int width = 80)
    {
        int digits = Digits(p.Batches);
        string counter = $"{p.Batch.ToString(CultureInfo.InvariantCulture).PadLeft(digits)}/{p.Batches}";
        double rate = p.SequencesPerSecond;
        double fraction = (double)p.Batch / p.Batches;
        // ETA from the epoch's pace so far: elapsed·(1 − f)/f, with elapsed = rows seen / rate.
        string eta = rate > 0 && fraction > 0 ? "ETA " + Duration(p.RowsSeen / rate * (1 - fraction) / fraction) : "ETA ?";
        var fields = new List<(string Text, int Priority)>
        {
            ($"Epoch {p.Epoch}/{p.Epochs}", 0),
            (counter, 0),
            (Bar(fraction, 20), 2),
            (eta, 1),
            (Metric("loss", p.Loss), 0),
        };
        if (!double.IsNaN(p.Accuracy)) fields.Add(($"acc {p.Accuracy * 100:F1}%", 0));
        fields.Add(($"{rate:N0} seq/s", 3));
        return Fit(fields, width);
    }

    /// <summary>The line written at the end of an epoch.</summary>
    public static string EpochLine(EpochResult r, int epochs, int batches, int width = 80)
    {
        var fields = new List<(string Text, int Priority)>
        {
            ($"Epoch {r.Epoch}/{epochs}", 0),
            ($"{batches}/{batches}", 2),
            (Duration(r.Elapsed.TotalSeconds), 1),
            (Metric("loss", r.Loss), 0),
        };
        if (!double.IsNaN(r.Accuracy)) fields.Add(($"acc {r.Accuracy * 100:F1}%", 0));
        if (r.ValidationLoss is double vl) fields.Add((Metric("val_loss", vl), 0));
        if (r.ValidationAccuracy is double va && !double.IsNaN(va)) fields.Add(($"val_acc {va * 100:F1}%", 0));
        fields.Add(($"{r.SequencesPerSecond:N0} seq/s", 3));
        return Fit(fields, width);
    }

    private static string Metric(string name, double v) => $"{name} {v.ToString("F4", CultureInfo.InvariantCulture)}";

    // Joins the fields with two spaces, dropping the highest priority number first until the line fits; if the essential
    // fields alone are too wide, one space between them, then a cut.
    private static string Fit(List<(string Text, int Priority)> fields, int width)
    {
        while (true)
        {
            string line = string.Join("  ", fields.Select(f => f.Text));
            if (line.Length <= width) return line;
            int top = fields.Max(g => g.Priority);
            if (top == 0)
            {
                line = string.Join(" ", fields.Select(f => f.Text));
                return line.Length <= width ? line : line[..width];
            }
            fields.RemoveAt(fields.FindLastIndex(f => f.Priority == top));
        }
    }

    private static string Bar(double fraction, int inner)
    {
        int done = (int)(fraction * inner);
        char[] c = new char[inner + 2];
        c[0] = '['; c[^1] = ']';
        for (int i = 0; i < inner; i++) c[i + 1] = i < done ? '=' : i == done ? '>' : '.';
        return new string(c);
    }

    private static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0) return "?";
        if (seconds < 10) return seconds.ToString("F1", CultureInfo.InvariantCulture) + "s";
        if (seconds < 3600) return $"{(int)seconds / 60}:{(int)seconds % 60:D2}";
        return $"{(int)seconds / 3600}h{(int)seconds / 60 % 60:D2}";
    }

    private static int Digits(int n) => n.ToString(CultureInfo.InvariantCulture).Length;
}
