using LstmGen.Training;

namespace LstmGen;

/// <summary>
/// Batched inference on several threads: the rows are split into contiguous shards and each thread runs
/// <see cref="ISequenceModel.PredictBatch"/> on its shard (inference on one model is thread-safe). Rows are independent,
/// so the outputs equal one-thread <c>PredictBatch</c> up to float rounding of the batch kernels. The worker threads
/// are created once; no allocation per call.
/// </summary>
public sealed unsafe class ParallelPredictor : IDisposable
{
    private readonly ISequenceModel _model;
    private readonly WorkerTeam _team;
    private readonly Action<int> _predictShard;
    private readonly int _sequenceLength, _outputSize;
    private int* _tokens;
    private float* _outputs;
    private int _rows;

    /// <summary>Prepares <paramref name="threads"/> threads (the caller's included) for <paramref name="model"/>.</summary>
    public ParallelPredictor(ISequenceModel model, int threads)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _team = new WorkerTeam(threads);
        _sequenceLength = model.Shape.SequenceLength;
        _outputSize = model.Shape.OutputSize;
        _predictShard = PredictShard;
    }

    /// <summary>Threads per call.</summary>
    public int Threads => _team.Size;

    /// <summary>As <see cref="ISequenceModel.PredictBatch"/>: rows of exactly SequenceLength ids → rows × OutputSize outputs.</summary>
    public void PredictBatch(ReadOnlySpan<int> tokens, Span<float> outputs)
    {
        if (tokens.Length == 0 || tokens.Length % _sequenceLength != 0) ThrowHelper.NotWholeRows(nameof(tokens), tokens.Length, _sequenceLength);
        int rows = tokens.Length / _sequenceLength;
        if (outputs.Length != rows * _outputSize) ThrowHelper.WrongLength(nameof(outputs), outputs.Length, rows * _outputSize, "batch × OutputSize");
        fixed (int* t = tokens)
        fixed (float* o = outputs)
        {
            _tokens = t; _outputs = o; _rows = rows;
            try { _team.Run(_predictShard); }
            finally { _tokens = null; _outputs = null; }
        }
    }

    private void PredictShard(int k)
    {
        int start = (int)((long)_rows * k / _team.Size), end = (int)((long)_rows * (k + 1) / _team.Size);
        if (end == start) return;
        _model.PredictBatch(new ReadOnlySpan<int>(_tokens + (long)start * _sequenceLength, (end - start) * _sequenceLength),
            new Span<float>(_outputs + (long)start * _outputSize, (end - start) * _outputSize));
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => _team.Dispose();
}
