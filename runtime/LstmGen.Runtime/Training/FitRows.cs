namespace LstmGen.Training;

/// <summary>
/// The rows <see cref="Trainer"/>'s epoch loop trains on, of either kind: token ids (SequenceLength per row), or a dense
/// model's features (SequenceLength·InputSize per row) with a length per row. Everything the loop does with rows —
/// gather a split, copy a row into a batch, run a step, evaluate — goes through here, so one loop serves both.
/// </summary>
internal sealed class FitRows
{
    private readonly int[]? _tokens;
    private readonly float[]? _features;
    private readonly int[]? _lengths;
    private readonly int _width;

    private FitRows(int[]? tokens, float[]? features, int[]? lengths, int width, int rows)
    {
        _tokens = tokens;
        _features = features;
        _lengths = lengths;
        _width = width;
        Rows = rows;
    }

    /// <summary>Rows of <paramref name="width"/> token ids (already checked).</summary>
    public static FitRows OfTokens(int[] tokens, int width) => new(tokens, null, null, width, tokens.Length / width);

    /// <summary>Rows of <paramref name="width"/> features with their lengths (already checked).</summary>
    public static FitRows OfFeatures(float[] features, int[] lengths, int width) => new(null, features, lengths, width, lengths.Length);

    public int Rows { get; }

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public FitRows Gather(int[] indices)
    {
        if (_tokens is not null) return new(Trainer.Gather(_tokens, _width, indices), null, null, _width, indices.Length);
        var lengths = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++) lengths[i] = _lengths![indices[i]];
        return new(null, Trainer.Gather(_features!, _width, indices), lengths, _width, indices.Length);
    }

    /// <summary>Room for <paramref name="rows"/> rows of the same kind (a batch buffer).</summary>
    public FitRows Empty(int rows) => _tokens is not null
        ? new(new int[rows * _width], null, null, _width, rows)
        : new(null, new float[rows * _width], new int[rows], _width, rows);

    /// <summary>Copies row <paramref name="source"/> into row <paramref name="row"/> of <paramref name="batch"/>.</summary>
    public void CopyRow(int source, FitRows batch, int row)
    {
        if (_tokens is not null)
        {
            Array.Copy(_tokens, source * _width, batch._tokens!, row * _width, _width);
            return;
        }
        Array.Copy(_features!, source * _width, batch._features!, row * _width, _width);
        batch._lengths![row] = _lengths![source];
    }

    /// <summary>Each row's real steps: its non-padding tokens, or its length.</summary>
    public int[] RowLengths()
    {
        if (_lengths is not null) return (int[])_lengths.Clone();
        var lengths = new int[Rows];
        for (int r = 0; r < Rows; r++) lengths[r] = _width - _tokens.AsSpan(r * _width, _width).Count(0);
        return lengths;
    }

    /// <summary>One step on this batch buffer's first <paramref name="rows"/> rows (see <see cref="TrainingStep.TryRun(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float}, out float)"/>).</summary>
    public string? TryRun(TrainingStep step, WeightedStep? weighted, int rows, ReadOnlySpan<float> targets, Span<float> predictions, out float loss)
    {
        if (_tokens is null) return step.TryRun(_features.AsSpan(0, rows * _width), _lengths.AsSpan(0, rows), targets, predictions, out loss);
        ReadOnlySpan<int> tokens = _tokens.AsSpan(0, rows * _width);
        return weighted is null ? step.TryRun(tokens, targets, predictions, out loss) : weighted.TryRun(tokens, targets, predictions, out loss);
    }

    /// <summary>Loss and accuracy of <paramref name="model"/> on these rows.</summary>
    public Evaluation Evaluate(IGradientModel model, float[] targets) => _tokens is not null
        ? Trainer.Evaluate((ISequenceModel)model, _tokens, targets)
        : Trainer.Evaluate((IDenseSequenceModel)model, _features!, _lengths!, targets);
}
