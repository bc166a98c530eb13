namespace LstmGen.Training;

/// <summary>
/// One optimisation step — forward, backward, optional global-norm clipping, optimizer update — on one thread or
/// data-parallel over several. With <c>threads</c> = K > 1 the batch's rows are split into K contiguous shards, each shard's
/// gradient is computed on its own replica of the model (<see cref="ITrainableModel.CreateReplica"/>, which shares the
/// weights), and the batch gradient is g = Σₖ (nₖ/B)·gₖ summed in shard order; the reduction and the update are split over
/// the threads by parameter slice. Results are therefore deterministic for a given K (and equal for K = 1 to a plain
/// <see cref="ITrainableModel.ComputeGradients"/> + <see cref="IOptimizer.Step"/>); different K agree to float rounding.
/// No allocation per step once the largest batch has been seen.
/// <para>A token model's <c>embedding.weight</c> gradient is zero in the rows of ids the batch does not hold (the
/// contract of <see cref="ITrainableModel.ComputeGradients"/>), so the reduction, the finiteness check and clipping read only the
/// batch's rows of it (with dense random tokens about a quarter of the table at batch 32, far less on real text); shard 0
/// computes into the batch gradient itself, which the reduction then scales in place. A lazy optimizer
/// (<see cref="Adam.Lazy"/>) is given only those live ranges to update (<see cref="TableRows"/>).</para>
/// </summary>
public sealed unsafe class TrainingStep : IDisposable
{
    // Parameter slices are multiples of this many floats, so every element takes the same (vector or tail) path in the
    // optimizer whatever the thread count.
    private const int SliceAlignment = 16;

    // The token models, or (a dense-input model trained) null and _denseModels; _all holds whichever is set.
    private readonly ITrainableModel[]? _models;
    private readonly IDenseTrainableModel[]? _denseModels;
    private readonly IGradientModel[] _all;
    private readonly IOptimizer _optimizer;
    private readonly float? _clipNorm;
    private readonly float[] _gradients;
    private readonly float[][] _shardGradients;
    private readonly float[] _shardLoss;
    private readonly double[] _sliceSquares;
    private readonly bool[] _sliceFinite;
    private readonly WorkerTeam? _team;
    private readonly Action<int> _computeShard, _reduceSlice, _updateSlice;
    private readonly int _outputs, _length, _sequenceLength, _inputSize;
    // The rows of the embedding table the current batch touched (the live ranges of the gradient).
    private readonly TableRows _table;
    private int[] _tokens = [];
    private float[] _inputs = [];
    private int[] _lengths = [];
    private float[] _targets = [];
    private float[] _predictions = [];
    private int _rows;
    private float _scale = 1f;
    private float* _parameters;
    private int _running; // 1 while a step runs: the fields above belong to it

    /// <summary>Prepares steps for <paramref name="model"/> (Adam with Keras defaults unless <paramref name="optimizer"/> is given).</summary>
    /// <param name="model">The model to train; its replicas are made here.</param>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="threads">Threads for data parallelism (1 = the calling thread only).</param>
    /// <param name="clipNorm">Clip the batch gradient to this global L2 norm (null = off).</param>
    public TrainingStep(ITrainableModel model, IOptimizer? optimizer = null, int threads = 1, float? clipNorm = null)
        : this((IGradientModel)model, optimizer, threads, clipNorm)
    {
        _models = new ITrainableModel[threads];
        for (int k = 0; k < threads; k++) _models[k] = (ITrainableModel)_all[k];
    }

    /// <summary>Prepares steps for a dense-input <paramref name="model"/> (Adam with Keras defaults unless <paramref name="optimizer"/> is given).</summary>
    /// <param name="model">The model to train; its replicas are made here.</param>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="threads">Threads for data parallelism (1 = the calling thread only).</param>
    /// <param name="clipNorm">Clip the batch gradient to this global L2 norm (null = off).</param>
    public TrainingStep(IDenseTrainableModel model, IOptimizer? optimizer = null, int threads = 1, float? clipNorm = null)
        : this((IGradientModel)model, optimizer, threads, clipNorm)
    {
        _denseModels = new IDenseTrainableModel[threads];
        for (int k = 0; k < threads; k++) _denseModels[k] = (IDenseTrainableModel)_all[k];
    }

    private TrainingStep(IGradientModel model, IOptimizer? optimizer, int threads, float? clipNorm)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "Threads must be at least 1.");
        // The shards' targets and outputs are per row; a ReturnSequences model's are per step.
        if (threads > 1 && model.Shape.ReturnSequences) throw new ArgumentException("A ReturnSequences model trains on one thread (threads = 1).", nameof(threads));
        if (clipNorm is float c && !(c > 0)) throw new ArgumentOutOfRangeException(nameof(clipNorm), clipNorm, "ClipNorm must be positive.");
        _optimizer = optimizer ?? new Adam();
        _clipNorm = clipNorm;
        _length = model.ParameterCount;
        _outputs = model.Shape.OutputSize;
        _sequenceLength = model.Shape.SequenceLength;
        _inputSize = model.Shape.InputSize;
        _gradients = new float[_length];
        _table = TableRows.For(model);
        _all = new IGradientModel[threads];
        _all[0] = model;
        for (int k = 1; k < threads; k++) _all[k] = model.CreateReplica();
        // Shard 0 computes into the batch gradient, which the reduction scales in place.
        _shardGradients = new float[threads][];
        _shardGradients[0] = _gradients;
        for (int k = 1; k < threads; k++) _shardGradients[k] = new float[_length];
        _shardLoss = new float[threads];
        _sliceSquares = new double[threads];
        _sliceFinite = new bool[threads];
        _computeShard = ComputeShard;
        _reduceSlice = ReduceSlice;
        _updateSlice = UpdateSlice;
        if (threads > 1) _team = new WorkerTeam(threads);
    }

    /// <summary>Threads used per step.</summary>
    public int Threads => _all.Length;

    /// <summary>The token model being trained.</summary>
    /// <exception cref="InvalidOperationException">A dense-input model is trained (see <see cref="TrainedModel"/>).</exception>
    public ITrainableModel Model => _models?[0] ?? throw new InvalidOperationException("This step trains a dense-input model; use TrainedModel.");

    /// <summary>The model being trained, token or dense.</summary>
    public IGradientModel TrainedModel => _all[0];

    /// <summary>The optimizer.</summary>
    public IOptimizer Optimizer => _optimizer;

    /// <summary>The batch gradient of the last step (after clipping).</summary>
    public ReadOnlySpan<float> Gradients => _gradients;

    /// <summary>
    /// One step on a batch of B rows of SequenceLength ids and B×OutputSize targets; returns the batch-mean loss before
    /// the update. <paramref name="outputs"/> (empty, or B×OutputSize) receives the forward pass's activated outputs.
    /// </summary>
    /// <exception cref="ArgumentException">Spans of the wrong length, a token id out of range or a target the loss cannot
    /// take; the message names the row of the whole batch, whatever the thread count.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a gradient is not finite; this step did not change the weights.</exception>
    /// <exception cref="InvalidOperationException">Another <see cref="Run(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float})"/> on this instance is in progress (a step is not reentrant).</exception>
    public float Run(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, Span<float> outputs = default)
    {
        string? failure = TryRun(tokens, targets, outputs, out float loss);
        if (failure is not null) throw new TrainingDivergedException(failure);
        return loss;
    }

    /// <summary>
    /// As <see cref="Run(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float})"/>, but returns what was not finite and the state of the weights (which this step did not change)
    /// instead of throwing; null on success.
    /// </summary>
    internal string? TryRun(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, Span<float> outputs, out float loss)
    {
        if (_models is null) throw new InvalidOperationException("This step trains a dense-input model; it takes features and lengths.");
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            throw new InvalidOperationException("A TrainingStep runs one step at a time; this one is already running a step on another thread.");
        try
        {
            string? failure = Step(tokens, targets, outputs, out loss);
            return failure is null ? null : failure + WeightsState(_all[0].Parameters);
        }
        finally { Volatile.Write(ref _running, 0); }
    }

    /// <summary>
    /// One step of a dense-input model on a batch of B rows of SequenceLength·InputSize features with B lengths and
    /// B×OutputSize targets; returns the batch-mean loss before the update (see <see cref="Run(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float})"/>).
    /// </summary>
    /// <exception cref="ArgumentException">Spans of the wrong length, a length out of range, a non-finite input or a target the loss cannot take.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a gradient is not finite; this step did not change the weights.</exception>
    /// <exception cref="InvalidOperationException">This step trains a token model, or another step is in progress.</exception>
    public float Run(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<float> targets, Span<float> outputs = default)
    {
        string? failure = TryRun(inputs, lengths, targets, outputs, out float loss);
        if (failure is not null) throw new TrainingDivergedException(failure);
        return loss;
    }

    /// <summary>As <see cref="Run(ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float})"/>, but returns what was not finite instead of throwing; null on success.</summary>
    internal string? TryRun(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<float> targets, Span<float> outputs, out float loss)
    {
        if (_denseModels is null) throw new InvalidOperationException("This step trains a token model; it takes token ids.");
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            throw new InvalidOperationException("A TrainingStep runs one step at a time; this one is already running a step on another thread.");
        try
        {
            string? failure = Step(inputs, lengths, targets, outputs, out loss);
            return failure is null ? null : failure + WeightsState(_all[0].Parameters);
        }
        finally { Volatile.Write(ref _running, 0); }
    }

    // What a failed step leaves: its own update never ran, but an earlier one may have overflowed the weights.
    private static string WeightsState(ReadOnlySpan<float> weights)
    {
        int bad = 0;
        foreach (float w in weights) if (!float.IsFinite(w)) bad++;
        return bad == 0
            ? "; this step did not change the weights"
            : $"; this step did not change the weights, but {bad} of the {weights.Length} were already not finite (an earlier update overflowed)";
    }

    private string? Step(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, Span<float> outputs, out float loss)
    {
        ITrainableModel model = _models![0];
        if (_team is null)
        {
            loss = model.ComputeGradients(tokens, targets, _gradients, outputs);
            _table.Collect(tokens);
            return Update(loss);
        }

        int t = _sequenceLength;
        if (tokens.Length == 0 || tokens.Length % t != 0) ThrowHelper.NotWholeRows(nameof(tokens), tokens.Length, t);
        int rows = tokens.Length / t;
        if (!outputs.IsEmpty && outputs.Length != rows * _outputs) ThrowHelper.WrongLength(nameof(outputs), outputs.Length, rows * _outputs, "batch × OutputSize, or empty");
        // Check everything on this thread first, so a bad batch is rejected before any shard runs and errors name batch rows.
        TokenChecks.InRange(tokens, t, model.Shape.VocabularySize, nameof(tokens));
        Losses.ValidateTargets(model.Shape.Output, _outputs, rows, targets, nameof(targets));
        if (_tokens.Length < tokens.Length) _tokens = new int[tokens.Length];
        tokens.CopyTo(_tokens);
        _table.Collect(tokens);
        return Shards(rows, targets, outputs, out loss);
    }

    private string? Step(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<float> targets, Span<float> outputs, out float loss)
    {
        IDenseTrainableModel model = _denseModels![0];
        if (_team is null) return Update(loss = model.ComputeGradients(inputs, lengths, targets, _gradients, outputs));

        int rows = DenseChecks.Batch(inputs, lengths, _inputSize, _sequenceLength, nameof(inputs), nameof(lengths));
        if (!outputs.IsEmpty && outputs.Length != rows * _outputs) ThrowHelper.WrongLength(nameof(outputs), outputs.Length, rows * _outputs, "batch × OutputSize, or empty");
        Losses.ValidateTargets(model.Shape.Output, _outputs, rows, targets, nameof(targets));
        if (_inputs.Length < inputs.Length) { _inputs = new float[inputs.Length]; _lengths = new int[rows]; }
        inputs.CopyTo(_inputs);
        lengths.CopyTo(_lengths);
        return Shards(rows, targets, outputs, out loss);
    }

    // One thread: the check, clipping and update after the gradient of the whole batch.
    private string? Update(float loss)
    {
        if (!float.IsFinite(loss)) return $"the loss is {loss}";
        if (!LiveStats(0, _length, out double squares)) return "a gradient is not finite";
        // ClipByGlobalNorm on the live ranges only: the rest of the gradient is zero, which changes neither the norm nor the scaled values.
        float scale = ClipScale(squares);
        if (scale != 1f) ScaleLive(0, _length, scale);
        using (ParameterUpdate update = _all[0].BeginParameterUpdate()) _table.Step(_optimizer, update.Values, _gradients);
        return null;
    }

    // Several threads, the batch's rows already copied: shard gradients, the reduction, clipping and the update.
    private string? Shards(int rows, ReadOnlySpan<float> targets, Span<float> outputs, out float loss)
    {
        IGradientModel model = _all[0];
        if (_targets.Length < targets.Length) { _targets = new float[targets.Length]; _predictions = new float[rows * _outputs]; }
        targets.CopyTo(_targets);
        _rows = rows;
        ShareDropout(model);

        _team!.Run(_computeShard);
        loss = 0;
        for (int k = 0; k < _all.Length; k++) loss += ShardRows(k, out _) / (float)rows * _shardLoss[k];
        if (!outputs.IsEmpty) _predictions.AsSpan(0, rows * _outputs).CopyTo(outputs);
        if (!float.IsFinite(loss)) return $"the loss is {loss}";

        _team.Run(_reduceSlice);
        double squares = 0;
        for (int k = 0; k < _all.Length; k++)
        {
            if (!_sliceFinite[k]) return "a gradient is not finite";
            squares += _sliceSquares[k];
        }
        _scale = ClipScale(squares);

        _optimizer.BeginStep(_length);
        // The workers write slices through the pointer while this thread holds the write scope.
        using (ParameterUpdate update = model.BeginParameterUpdate())
        {
            fixed (float* p = update.Values)
            {
                _parameters = p;
                try { _team.Run(_updateSlice); }
                finally { _parameters = null; }
            }
        }
        return null;
    }

    // Replicas use the model's dropout settings (as they are now), each shard its own mask stream.
    private void ShareDropout(IGradientModel model)
    {
        if (model is not IDropoutModel d) return;
        for (int k = 1; k < _all.Length; k++)
        {
            var replica = (IDropoutModel)_all[k];
            replica.Dropout = d.Dropout;
            replica.DropoutStream = d.DropoutStream + k;
        }
    }

    // Rows [start, start + count) of the batch belong to shard k.
    private int ShardRows(int k, out int start)
    {
        int shards = _all.Length;
        start = (int)((long)_rows * k / shards);
        return (int)((long)_rows * (k + 1) / shards) - start;
    }

    // Elements [start, start + count) of the parameter buffer belong to slice k.
    private int Slice(int k, out int start)
    {
        int slices = _all.Length, units = (_length + SliceAlignment - 1) / SliceAlignment;
        start = Math.Min(_length, units * k / slices * SliceAlignment);
        return Math.Min(_length, units * (k + 1) / slices * SliceAlignment) - start;
    }

    private void ComputeShard(int k)
    {
        int n = ShardRows(k, out int start);
        if (n == 0) { _shardLoss[k] = 0; _shardGradients[k].AsSpan().Clear(); return; }
        int t = _sequenceLength, row = t * _inputSize;
        _shardLoss[k] = _denseModels is { } dense
            ? dense[k].ComputeGradients(_inputs.AsSpan(start * row, n * row), _lengths.AsSpan(start, n), _targets.AsSpan(start * _outputs, n * _outputs),
                _shardGradients[k], _predictions.AsSpan(start * _outputs, n * _outputs))
            : _models![k].ComputeGradients(_tokens.AsSpan(start * t, n * t), _targets.AsSpan(start * _outputs, n * _outputs),
                _shardGradients[k], _predictions.AsSpan(start * _outputs, n * _outputs));
    }

    // g[slice] = Σₖ (nₖ/B)·gₖ[slice] in shard order, g₀ being g itself; records finiteness and Σ g² of the slice. Only
    // the live ranges are read: elsewhere every gₖ, and so g, is zero.
    private void ReduceSlice(int k)
    {
        int n = Slice(k, out int start);
        bool finite = true;
        double squares = 0;
        int rows0 = ShardRows(0, out _);
        TableRows.Ranges live = _table.Live(start, n);
        while (live.Next(out int from, out int count))
        {
            Span<float> g = _gradients.AsSpan(from, count);
            if (rows0 != _rows) VectorMath.Scale(g, rows0 / (float)_rows); // a shard without rows left g cleared
            for (int s = 1; s < _all.Length; s++)
            {
                int rows = ShardRows(s, out _);
                if (rows > 0) Gemm.Axpy(rows / (float)_rows, _shardGradients[s].AsSpan(from, count), g);
            }
            Check(g, ref finite, ref squares);
        }
        _sliceFinite[k] = finite;
        _sliceSquares[k] = squares;
    }

    // Whether the gradient's live elements in [start, start + n) are all finite, and (when clipping) their Σ g².
    private bool LiveStats(int start, int n, out double squares)
    {
        bool finite = true;
        squares = 0;
        TableRows.Ranges live = _table.Live(start, n);
        while (live.Next(out int from, out int count)) Check(_gradients.AsSpan(from, count), ref finite, ref squares);
        return finite;
    }

    // Folds one live range into the finiteness flag and, when clipping, the sum of squares.
    private void Check(ReadOnlySpan<float> g, ref bool finite, ref double squares)
    {
        finite &= Training.Gradients.AllFinite(g);
        if (_clipNorm is not null) squares += Training.Gradients.SumOfSquares(g);
    }

    // The factor ClipByGlobalNorm applies for a gradient with Σ g² = squares (1 without clipping).
    private float ClipScale(double squares) => _clipNorm is float clip ? Training.Gradients.ClipScale(Math.Sqrt(squares), clip) : 1f;

    // g ← scale·g on the live ranges of [start, start + n) (elsewhere g is zero and stays zero).
    private void ScaleLive(int start, int n, float scale)
    {
        TableRows.Ranges live = _table.Live(start, n);
        while (live.Next(out int from, out int count)) VectorMath.Scale(_gradients.AsSpan(from, count), scale);
    }

    private void UpdateSlice(int k)
    {
        int n = Slice(k, out int start);
        if (n == 0) return;
        if (_scale != 1f) ScaleLive(start, n, _scale);
        _table.Update(_optimizer, new Span<float>(_parameters + start, n), _gradients, start);
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose() => _team?.Dispose();
}
