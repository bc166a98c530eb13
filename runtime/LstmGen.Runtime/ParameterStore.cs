using System.Runtime.CompilerServices;

namespace LstmGen;

/// <summary>
/// Owns a model's parameter buffer (shared by the model and its replicas) and serialises writes to it. Reading never
/// invalidates anything; every write goes through <see cref="Write(ReadOnlySpan{float})"/>, <see cref="Write(string, ReadOnlySpan{float})"/>
/// or a <see cref="BeginUpdate"/> scope, and ends by advancing <see cref="Version"/>, which tells every derived cache
/// (packed weights, folded tables, published inference snapshots) that it must be rebuilt before its next use.
/// </summary>
/// <remarks>
/// Writers hold the store's lock for the whole write; snapshot builders take the same lock, so a snapshot is always
/// copied from a buffer no writer is changing. The lock is a <see cref="Monitor"/>: reentrant, and released on the
/// thread that took it (a scope is a ref struct, so it ends on the thread that began it).
/// </remarks>
public sealed class ParameterStore
{
    private readonly float[] _buffer;
    private readonly IReadOnlyList<ParameterInfo> _layout;
    private readonly object _lock = new();
    private int _version;
    private int _depth;

    /// <summary>Creates a zeroed buffer of <paramref name="length"/> floats described by <paramref name="layout"/>.</summary>
    /// <param name="length">Number of parameters.</param>
    /// <param name="layout">The named tensors in the buffer.</param>
    /// <param name="buffer">The buffer itself, for the generated model's own kernels (which read it directly).</param>
    public ParameterStore(int length, IReadOnlyList<ParameterInfo> layout, out float[] buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentNullException.ThrowIfNull(layout);
        _buffer = buffer = new float[length];
        _layout = layout;
    }

    /// <summary>All parameters, read-only. Stays valid; shows later writes.</summary>
    public ReadOnlySpan<float> Values => _buffer;

    /// <summary>The named tensors in the buffer.</summary>
    public IReadOnlyList<ParameterInfo> Layout => _layout;

    /// <summary>Advances by one at the end of every write (wraps around; compare for equality only).</summary>
    public int Version => Volatile.Read(ref _version);

    /// <summary>The tensor with the given name, read-only.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
    public ReadOnlySpan<float> Get(string name)
    {
        ParameterInfo info = Find(name);
        return new ReadOnlySpan<float>(_buffer, info.Offset, info.Length);
    }

    /// <summary>Copies <paramref name="values"/> (all parameters, in layout order) in, then publishes them.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not hold exactly one value per parameter.</exception>
    public void Write(ReadOnlySpan<float> values)
    {
        if (values.Length != _buffer.Length) ThrowHelper.WrongLength(nameof(values), values.Length, _buffer.Length, "ParameterCount");
        using ParameterUpdate update = BeginUpdate();
        values.CopyTo(update.Values);
    }

    /// <summary>Copies <paramref name="values"/> into the tensor named <paramref name="name"/>, then publishes it.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
    /// <exception cref="ArgumentException"><paramref name="values"/> does not match the tensor's element count.</exception>
    public void Write(string name, ReadOnlySpan<float> values)
    {
        ParameterInfo info = Find(name);
        if (values.Length != info.Length)
            throw new ArgumentException($"'{info.Name}' {info.ShapeText} holds {info.Length} values but {values.Length} were given.", nameof(values));
        using ParameterUpdate update = BeginUpdate();
        values.CopyTo(update.Values.Slice(info.Offset, info.Length));
    }

    /// <summary>
    /// Opens a write scope: the buffer is writable through <see cref="ParameterUpdate.Values"/> until the scope is
    /// disposed, which advances <see cref="Version"/>. Concurrent inference keeps using the weights published before
    /// the scope until it ends.
    /// </summary>
    public ParameterUpdate BeginUpdate()
    {
        Monitor.Enter(_lock);
        return new ParameterUpdate(this, _buffer, ++_depth);
    }

    internal void EndUpdate(int depth)
    {
        // Only this thread's innermost open scope ends (a scope disposed twice is ignored). A scope is a ref struct, so it
        // cannot reach another thread.
        if (!Monitor.IsEntered(_lock) || depth != _depth) return;
        _depth--;
        Interlocked.Increment(ref _version);
        Monitor.Exit(_lock);
    }

    /// <summary>
    /// For cache builders: takes the write lock (waiting when <paramref name="wait"/>) if no write scope is open, so the
    /// buffer can be copied unchanged; false when a writer holds it (use the previous copy then).
    /// </summary>
    public bool TryLockForCopy(bool wait)
    {
        if (wait) Monitor.Enter(_lock);
        else if (!Monitor.TryEnter(_lock)) return false;
        // The same thread inside its own open scope: the buffer may be half written.
        if (_depth > 0 && !wait) { Monitor.Exit(_lock); return false; }
        return true;
    }

    /// <summary>Releases the lock taken by <see cref="TryLockForCopy"/>.</summary>
    public void UnlockForCopy() => Monitor.Exit(_lock);

    internal ParameterInfo Find(string name)
    {
        foreach (ParameterInfo info in _layout)
        {
            if (info.Name == name) return info;
        }
        ThrowHelper.UnknownParameter(name, _layout);
        return null!;
    }
}

/// <summary>
/// A write scope over a model's parameters (see <see cref="ParameterStore.BeginUpdate"/>): write through
/// <see cref="Values"/> or <see cref="Tensor"/>; disposing it publishes the change.
/// </summary>
public ref struct ParameterUpdate
{
    private readonly ParameterStore? _store;
    private readonly float[]? _buffer;
    private readonly int _depth;

    internal ParameterUpdate(ParameterStore store, float[] buffer, int depth)
    {
        _store = store;
        _buffer = buffer;
        _depth = depth;
    }

    /// <summary>All parameters, writable until the scope ends.</summary>
    public readonly Span<float> Values => _buffer;

    /// <summary>The tensor with the given PyTorch name, writable until the scope ends.</summary>
    /// <exception cref="KeyNotFoundException">No parameter has that name.</exception>
    public readonly Span<float> Tensor(string name)
    {
        if (_store is null) return default;
        ParameterInfo info = _store.Find(name);
        return new Span<float>(_buffer, info.Offset, info.Length);
    }

    /// <summary>Ends the scope and publishes the written values.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public readonly void Dispose() => _store?.EndUpdate(_depth);
}
