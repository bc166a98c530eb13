using System.Globalization;
using System.Text;
using LstmGen.Serialization;

namespace LstmGen.Training;

/// <summary>
/// Saves the model whenever the monitored metric improves on its best (Keras' <c>ModelCheckpoint</c> with
/// <c>save_best_only=True</c>), atomically, so the file always holds the best epoch so far. The default save is
/// <see cref="ModelFile.Save(IGeneratedModel, string, Text.Vocabulary?)"/>; pass <c>save</c> to write something else
/// (a whole text classifier, for example).
/// </summary>
public sealed class ModelCheckpoint : TrainingCallback
{
    private readonly Action<string>? _save;
    private double? _best;

    /// <summary>Creates the callback.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="monitor">What to watch.</param>
    /// <param name="save">Writes the checkpoint to the path given (null = the model's weights as a model file).</param>
    public ModelCheckpoint(string path, TrainingMetric monitor = TrainingMetric.ValidationLoss, Action<string>? save = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path; Monitor = monitor; _save = save;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }
    /// <summary>The watched metric.</summary>
    public TrainingMetric Monitor { get; }
    /// <summary>The epoch last saved (1-based), or null.</summary>
    public int? SavedEpoch { get; private set; }

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context) { _best = null; SavedEpoch = null; }

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochResult result)
    {
        if (Monitors.Value(Monitor, result) is not double current || double.IsNaN(current)) return;
        if (!Monitors.IsImprovement(Monitor, current, _best, 0)) return;
        _best = current;
        if (_save is not null) _save(Path);
        else ModelFile.Save(context.TrainedModel, Path);
        SavedEpoch = result.Epoch;
    }
}

/// <summary>
/// Writes the training history after every epoch: CSV (Keras' <c>CSVLogger</c> columns <c>epoch,loss,accuracy,val_loss,
/// val_accuracy,lr,seconds</c>) or, for a path ending in <c>.json</c>, a JSON array of the same fields. The file is
/// rewritten whole at each epoch, so it is complete after every epoch even if training is then interrupted.
/// </summary>
public sealed class HistoryLog : TrainingCallback
{
    private readonly List<EpochResult> _rows = [];

    /// <summary>Creates the log.</summary>
    public HistoryLog(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Whether the file is JSON (by its extension).</summary>
    public bool IsJson => Path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc />
    public override void OnTrainBegin(TrainingContext context) => _rows.Clear();

    /// <inheritdoc />
    public override void OnEpochEnd(TrainingContext context, EpochResult result)
    {
        _rows.Add(result);
        string text = IsJson ? Json(_rows) : Csv(_rows);
        AtomicFile.Write(Path, stream => stream.Write(Encoding.UTF8.GetBytes(text)));
    }

    private static string F(double? v) => v is double d && double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "";

    /// <summary>The CSV text of <paramref name="rows"/>.</summary>
    public static string Csv(IEnumerable<EpochResult> rows)
    {
        var sb = new StringBuilder("epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds\n");
        foreach (EpochResult r in rows)
            sb.Append(CultureInfo.InvariantCulture, $"{r.Epoch},{F(r.Loss)},{F(r.Accuracy)},{F(r.ValidationLoss)},{F(r.ValidationAccuracy)},{F(r.LearningRate)},{F(r.Elapsed.TotalSeconds)}\n");
        return sb.ToString();
    }

    /// <summary>The JSON text of <paramref name="rows"/> (missing values are null).</summary>
    public static string Json(IEnumerable<EpochResult> rows)
    {
        static string J(double? v) => F(v) is { Length: > 0 } s ? s : "null";
        var sb = new StringBuilder("[\n");
        bool first = true;
        foreach (EpochResult r in rows)
        {
            if (!first) sb.Append(",\n");
            first = false;
            sb.Append(CultureInfo.InvariantCulture, $"  {{\"epoch\": {r.Epoch}, \"loss\": {J(r.Loss)}, \"accuracy\": {J(r.Accuracy)}, \"val_loss\": {J(r.ValidationLoss)}, \"val_accuracy\": {J(r.ValidationAccuracy)}, \"lr\": {J(r.LearningRate)}, \"seconds\": {J(r.Elapsed.TotalSeconds)}}}");
        }
        return sb.Append("\n]\n").ToString();
    }
}
