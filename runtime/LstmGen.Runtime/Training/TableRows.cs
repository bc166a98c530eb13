namespace LstmGen.Training;

/// <summary>
/// Which parts of a token model's gradient a batch can make non-zero: everything outside <c>embedding.weight</c>
/// [VocabularySize, EmbeddingSize], and inside it only the rows of the ids the batch holds (the contract of
/// <see cref="ITrainableModel.ComputeGradients"/>). The training steps read only these live ranges for the reduction, the
/// finiteness check and clipping, and a lazy optimizer (<see cref="Adam.Lazy"/>) updates only them.
/// </summary>
internal sealed class TableRows
{
    // The table at _offset with rows of _width floats (width 0: no table, every element is live), the ids of the current
    // batch ascending (_ids[.._count]) and a bit per id to build that list.
    private readonly int _offset, _width;
    private readonly int[] _ids = [];
    private readonly ulong[] _bits = [];
    private int _count;

    private TableRows(int offset, int width, int rows)
    {
        _offset = offset;
        _width = width;
        _ids = new int[rows];
        _bits = new ulong[(rows + 63) / 64];
    }

    private TableRows() { }

    /// <summary>For a token model, its table's rows; for any other model every element is live.</summary>
    public static TableRows For(IGradientModel model)
    {
        if (model is ITrainableModel)
        {
            foreach (ParameterInfo p in model.ParameterLayout)
            {
                if (p.Name == "embedding.weight" && p.Shape.Count == 2 && p.Shape[0] == model.Shape.VocabularySize
                    && p.Shape[1] == model.Shape.EmbeddingSize && p.Length == p.Shape[0] * p.Shape[1])
                    return new TableRows(p.Offset, p.Shape[1], p.Shape[0]);
            }
        }
        return new TableRows();
    }

    /// <summary>Marks the ids of the batch (already checked to be in range) and lists them ascending.</summary>
    public void Collect(ReadOnlySpan<int> tokens)
    {
        if (_width == 0) return;
        ulong[] bits = _bits;
        foreach (int id in tokens) bits[id >> 6] |= 1UL << (id & 63);
        int count = 0;
        for (int w = 0; w < bits.Length; w++)
        {
            for (ulong word = bits[w]; word != 0; word &= word - 1) _ids[count++] = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(word);
            bits[w] = 0;
        }
        _count = count;
    }

    /// <summary>The live ranges of [start, start + n), ascending.</summary>
    public Ranges Live(int start, int n) => new(this, start, n);

    /// <summary>
    /// One whole step of <paramref name="optimizer"/> over every parameter: its own <see cref="IOptimizer.Step"/>, or for a
    /// lazy optimizer <see cref="IOptimizer.BeginStep"/> and the live ranges (see <see cref="Update"/>).
    /// </summary>
    public void Step(IOptimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (!IsLazy(optimizer))
        {
            optimizer.Step(parameters, gradients);
            return;
        }
        if (gradients.Length != parameters.Length) throw new ArgumentException($"Expected {parameters.Length} gradients but got {gradients.Length}.", nameof(gradients));
        optimizer.BeginStep(parameters.Length);
        Update(optimizer, parameters, gradients, 0);
    }

    /// <summary>
    /// As <see cref="Step(IOptimizer, Span{float}, ReadOnlySpan{float})"/> for a batch of <paramref name="tokens"/> not yet
    /// collected: they are read only when the optimizer is lazy (the trainers that need no live ranges of their own).
    /// </summary>
    public void Step(IOptimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradients, ReadOnlySpan<int> tokens)
    {
        if (IsLazy(optimizer)) Collect(tokens);
        Step(optimizer, parameters, gradients);
    }

    // Whether the optimizer skips untouched rows and this model has a table to skip them in.
    private bool IsLazy(IOptimizer optimizer) => _width != 0 && optimizer is ILazyOptimizer { Lazy: true };

    /// <summary>
    /// The optimizer's update of the slice [start, start + n) (a step already begun): the whole slice, or for a lazy optimizer only
    /// its live ranges, so rows of ids the batch does not hold keep their weights and moments. <paramref name="parameters"/>
    /// is the slice itself, <paramref name="gradients"/> the whole gradient.
    /// </summary>
    public void Update(IOptimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradients, int start)
    {
        if (!IsLazy(optimizer))
        {
            optimizer.Update(parameters, gradients.Slice(start, parameters.Length), start);
            return;
        }
        Ranges live = Live(start, parameters.Length);
        while (live.Next(out int from, out int count)) optimizer.Update(parameters.Slice(from - start, count), gradients.Slice(from, count), from);
    }

    /// <summary>
    /// The parts of [start, start + n) where the batch gradient can be non-zero, ascending: everything outside the table,
    /// and inside it the rows of the batch's ids, consecutive ids' rows as one range.
    /// </summary>
    public struct Ranges
    {
        private readonly TableRows _rows;
        private readonly int _end, _tableEnd;
        private int _at, _id;

        public Ranges(TableRows rows, int start, int n)
        {
            _rows = rows;
            _at = start;
            _end = start + n;
            int width = rows._width;
            _tableEnd = width == 0 ? rows._offset : rows._offset + rows._ids.Length * width;
            // The first listed id whose row ends after start.
            int first = width == 0 ? 0 : Math.Max(0, start - rows._offset) / width;
            int lo = 0, hi = rows._count;
            while (lo < hi) { int mid = (lo + hi) >>> 1; if (rows._ids[mid] < first) lo = mid + 1; else hi = mid; }
            _id = lo;
        }

        public bool Next(out int from, out int count)
        {
            TableRows s = _rows;
            int table = s._offset, width = s._width;
            while (_at < _end)
            {
                if (width == 0 || _at < table || _at >= _tableEnd)
                {
                    // Outside the table: up to its start, or to the end.
                    int stop = _at < table ? Math.Min(_end, table) : _end;
                    from = _at; count = stop - _at; _at = stop;
                    return true;
                }
                if (_id >= s._count) { _at = Math.Min(_end, _tableEnd); continue; }
                int rowStart = table + s._ids[_id] * width;
                if (rowStart >= _end) { _at = Math.Min(_end, _tableEnd); continue; }
                // Extend over the ids that follow without a gap.
                int last = _id;
                while (last + 1 < s._count && s._ids[last + 1] == s._ids[last] + 1 && table + s._ids[last] * width + width < _end) last++;
                int runEnd = table + (s._ids[last] + 1) * width;
                from = Math.Max(_at, rowStart);
                count = Math.Min(_end, runEnd) - from;
                _at = from + count;
                _id = _at == runEnd ? last + 1 : last;
                return true;
            }
            from = count = 0;
            return false;
        }
    }
}

/// <summary>An optimizer that can update only the embedding rows a batch touched (see <see cref="Adam.Lazy"/>).</summary>
internal interface ILazyOptimizer
{
    bool Lazy { get; }
}
