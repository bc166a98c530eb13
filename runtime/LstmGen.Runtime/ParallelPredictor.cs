using LstmGen.Training;

namespace LstmGen;

/// <summary>
/// Batched inference on several threads: the rows are split into <see cref="Threads"/> contiguous shards and each
/// thread runs <see cref="ISequenceModel.PredictBatch"/> on its shard. The worker threads are created once; no
/// allocation per call.
/// </summary>
/// <remarks>
/// <para>One predictor may be shared by several threads, and every call is independent of the others. The worker team
/// serves one call at a time; a call that finds it busy does not wait but runs the same shards one after another on
/// its own thread. Either way a call's outputs are a function of its tokens, the weights and <see cref="Threads"/>
/// only: bit-identical to <c>PredictBatch</c> on each shard in turn, whoever else is calling (and equal to one
/// whole-batch <c>PredictBatch</c> up to float rounding of the batch kernels). Nothing is written to
/// <c>outputs</c> after the call returns.</para>
/// <para>Token ids are checked on the calling thread before any shard runs, so an error names the row of the whole
/// batch. Concurrent calls rely on the model's own guarantee that inference on one instance is thread-safe.</para>
/// </remarks>
public sealed unsafe class ParallelPredictor : IDisposable
{
    private readonly ISequenceModel _model;
    private readonly WorkerTeam _team;
    private readonly Action<int> _predictShard;
    private readonly int _sequenceLength, _outputSize, _vocabularySize;
    // The batch of the call that owns the team, read by the workers; written only while _owned is 1.
    private int* _tokens;
    private float* _outputs;
    private int _rows;
    private int _owned;
    private int _disposed;

    /// <summary>Prepares <paramref name="threads"/> threads (the caller's included) for <paramref name="model"/>.</summary>
    public ParallelPredictor(ISequenceModel model, int threads)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _team = new WorkerTeam(threads);
        _sequenceLength = model.Shape.SequenceLength;
        _outputSize = model.Shape.OutputSize;
        _vocabularySize = model.Shape.VocabularySize;
        _predictShard = PredictShard;
    }

    /// <summary>Threads per call, and the number of shards a batch is split into.</summary>
    public int Threads => _team.Size;

    /// <summary>
    /// As <see cref="ISequenceModel.PredictBatch"/>: rows of exactly SequenceLength ids → rows × OutputSize outputs.
    /// Safe to call from several threads at once (see the class remarks).
    /// </summary>
    /// <exception cref="ArgumentException">Spans of the wrong length, or a token id out of range (naming its batch row).</exception>
    /// <exception cref="ObjectDisposedException">The predictor was disposed.</exception>
    public void PredictBatch(ReadOnlySpan<int> tokens, Span<float> outputs)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (tokens.Length == 0 || tokens.Length % _sequenceLength != 0) ThrowHelper.NotWholeRows(nameof(tokens), tokens.Length, _sequenceLength);
        int rows = tokens.Length / _sequenceLength;
        if (outputs.Length != rows * _outputSize) ThrowHelper.WrongLength(nameof(outputs), outputs.Length, rows * _outputSize, "batch × OutputSize");
        TokenChecks.InRange(tokens, _sequenceLength, _vocabularySize, nameof(tokens));
        if (Interlocked.CompareExchange(ref _owned, 1, 0) != 0)
        {
            // The team is busy with another call: the same shards, in turn, on this thread.
            for (int k = 0; k < Threads; k++) PredictShard(tokens, outputs, rows, k);
            return;
        }
        try
        {
            fixed (int* t = tokens)
            fixed (float* o = outputs)
            {
                _tokens = t; _outputs = o; _rows = rows;
                try { _team.Run(_predictShard); }
                finally { _tokens = null; _outputs = null; }
            }
        }
        finally { Volatile.Write(ref _owned, 0); }
    }

    private void PredictShard(int k) => PredictShard(
        new ReadOnlySpan<int>(_tokens, _rows * _sequenceLength), new Span<float>(_outputs, _rows * _outputSize), _rows, k);

    // Shard k is rows [rows·k/Threads, rows·(k+1)/Threads).
    private void PredictShard(ReadOnlySpan<int> tokens, Span<float> outputs, int rows, int k)
    {
        int start = (int)((long)rows * k / Threads), end = (int)((long)rows * (k + 1) / Threads);
        if (end == start) return;
        _model.PredictBatch(tokens.Slice(start * _sequenceLength, (end - start) * _sequenceLength),
            outputs.Slice(start * _outputSize, (end - start) * _outputSize));
    }

    /// <summary>Waits for a call that is using the worker threads, then stops them. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        // Take the team for good; a call still running on it finishes first.
        var wait = new SpinWait();
        while (Interlocked.CompareExchange(ref _owned, 1, 0) != 0) wait.SpinOnce();
        _team.Dispose();
    }
}
