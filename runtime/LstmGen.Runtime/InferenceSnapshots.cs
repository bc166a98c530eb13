using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace LstmGen;

/// <summary>
/// The inference weights of a model, published atomically: a snapshot is a private copy of the parameters with its
/// own derived buffers (packed weights, folded table), built aside while the previous one keeps serving, then made
/// current with one reference write. A caller holds a snapshot through a <see cref="Lease"/>, so it sees the old or
/// the new weights, never a mix. Retired snapshots are reused once no lease holds them, so steady use allocates nothing.
/// </summary>
/// <typeparam name="T">The snapshot type (generated models use an instance of their own type).</typeparam>
/// <remarks>
/// Readers never wait for a writer: when the parameters changed, the first reader that can take the store's lock
/// without waiting rebuilds; the others, and every reader while a write scope is open, use the current snapshot.
/// Only the very first call (no snapshot yet) waits for an open write to finish.
/// </remarks>
public sealed class InferenceSnapshots<T> where T : class
{
    /// <summary>Makes and fills snapshots for <see cref="InferenceSnapshots{T}"/>.</summary>
    public interface IBuilder
    {
        /// <summary>A new, empty snapshot.</summary>
        T Create();

        /// <summary>Copies <paramref name="parameters"/> into <paramref name="snapshot"/> and rebuilds its derived buffers.</summary>
        void Fill(T snapshot, ReadOnlySpan<float> parameters);
    }

    private sealed class Slot(T value)
    {
        public readonly T Value = value;
        public int Version;
        public int Readers;
        // Odd while Fill rewrites the slot, +2 per fill: an optimistic reader that sees the same even value before and
        // after its read knows the slot was not refilled in between.
        public int Generation;
    }

    // Retired snapshots kept for reuse, beside the current one.
    private const int PoolSize = 3;

    private readonly ParameterStore _store;
    private readonly IBuilder _builder;
    private readonly Slot?[] _pool = new Slot?[PoolSize];
    private Slot? _current;

    /// <summary>Snapshots of <paramref name="store"/>'s parameters, made by <paramref name="builder"/>.</summary>
    public InferenceSnapshots(ParameterStore store, IBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(builder);
        _store = store;
        _builder = builder;
    }

    /// <summary>Holds the current snapshot until disposed (rebuilding it first when the parameters changed).</summary>
    public Lease Acquire()
    {
        Slot? slot = Volatile.Read(ref _current);
        if (slot is null || slot.Version != _store.Version) slot = Refresh(slot);
        while (true)
        {
            // Count this reader, then check the slot is still current: a builder reuses only slots that are not
            // current and have no readers, and both steps are full fences, so a slot being refilled is never read.
            Interlocked.Increment(ref slot.Readers);
            if (ReferenceEquals(Volatile.Read(ref _current), slot)) return new Lease(slot);
            Interlocked.Decrement(ref slot.Readers);
            slot = Volatile.Read(ref _current)!;
        }
    }

    /// <summary>
    /// Starts a read of the current snapshot that registers nothing (no atomic write, so readers on many threads share no
    /// written cache line): false when there is no current snapshot of the parameters' version (use
    /// <see cref="Acquire"/>, which builds one). What is computed from <paramref name="snapshot"/> is valid only if
    /// <see cref="EndRead"/> then returns true; the reader must not publish anything before that, since the snapshot
    /// may be refilled while it reads (a seqlock read).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryBeginRead([NotNullWhen(true)] out T? snapshot, out OptimisticRead read)
    {
        Slot? slot = Volatile.Read(ref _current);
        if (slot is not null && slot.Version == _store.Version)
        {
            // Acquire: the snapshot's reads below come after this one.
            int generation = Volatile.Read(ref slot.Generation);
            if ((generation & 1) == 0)
            {
                snapshot = slot.Value;
                read = new OptimisticRead(slot, generation);
                return true;
            }
        }
        snapshot = null;
        read = default;
        return false;
    }

    /// <summary>Whether the snapshot of <see cref="TryBeginRead"/> was left unchanged while it was read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool EndRead(in OptimisticRead read)
    {
        // The snapshot's reads complete before the generation is read again (a compiler barrier on x86/x64, where loads
        // are not reordered with loads; dmb ishld on ARM64).
        Volatile.ReadBarrier();
        return read.Slot is Slot slot && Volatile.Read(ref slot.Generation) == read.Generation;
    }

    /// <summary>An optimistic read started by <see cref="TryBeginRead"/>.</summary>
    public readonly struct OptimisticRead
    {
        internal readonly object? Slot;
        internal readonly int Generation;

        internal OptimisticRead(object slot, int generation) => (Slot, Generation) = (slot, generation);
    }

    private Slot Refresh(Slot? current)
    {
        if (!_store.TryLockForCopy(wait: current is null)) return current!;
        try
        {
            current = Volatile.Read(ref _current);
            int version = _store.Version;
            if (current is not null && current.Version == version) return current;
            Slot target = TakeFreeSlot(current);
            // Full fences: the odd generation is visible before any write of Fill, every write before the even one.
            Interlocked.Increment(ref target.Generation);
            _builder.Fill(target.Value, _store.Values);
            Interlocked.Increment(ref target.Generation);
            target.Version = version;
            Volatile.Write(ref _current, target);
            return target;
        }
        finally
        {
            _store.UnlockForCopy();
        }
    }

    // A pooled slot that is neither current nor leased; else a new one, which replaces a busy pooled slot (that one is
    // dropped once its readers finish).
    private Slot TakeFreeSlot(Slot? current)
    {
        int empty = -1;
        for (int i = 0; i < PoolSize; i++)
        {
            Slot? s = _pool[i];
            if (s is null) { if (empty < 0) empty = i; continue; }
            if (!ReferenceEquals(s, current) && Volatile.Read(ref s.Readers) == 0) return s;
        }
        var created = new Slot(_builder.Create());
        if (empty < 0)
        {
            for (int i = 0; i < PoolSize; i++)
            {
                if (!ReferenceEquals(_pool[i], current)) { empty = i; break; }
            }
        }
        _pool[empty] = created;
        return created;
    }

    /// <summary>A held snapshot; dispose it when the call that reads it is done.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly Slot _slot;

        internal Lease(object slot) => _slot = (Slot)slot;

        /// <summary>The snapshot; valid until the lease is disposed.</summary>
        public T Value => _slot.Value;

        /// <summary>Releases the snapshot.</summary>
        public void Dispose() => Interlocked.Decrement(ref _slot.Readers);
    }
}
