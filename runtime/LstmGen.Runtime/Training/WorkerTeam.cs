using System.Runtime.ExceptionServices;

namespace LstmGen.Training;

/// <summary>
/// A fixed team of threads for fork–join work without allocation: <see cref="Run"/> calls work(0) on the caller and
/// work(k) on worker k, then waits for all. Workers are long-lived background threads parked on semaphores.
/// The team serves one run at a time: a second caller while a run is in progress is refused (<see cref="TryRun"/>
/// returns false, <see cref="Run"/> throws), never interleaved with it. <see cref="Dispose"/> waits for a run in progress.
/// </summary>
internal sealed class WorkerTeam : IDisposable
{
    private const int Idle = 0, Running = 1, Disposed = 2;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly SemaphoreSlim _done = new(0);
    private Action<int>? _work;
    private ExceptionDispatchInfo? _error;
    private volatile bool _stopping;
    private int _state; // Idle, Running (one caller owns _work, _error and the semaphores) or Disposed

    public WorkerTeam(int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "A team needs at least one thread.");
        Size = size;
        _threads = new Thread[size - 1];
        _start = new SemaphoreSlim[size - 1];
        for (int k = 1; k < size; k++)
        {
            int index = k;
            _start[k - 1] = new SemaphoreSlim(0);
            _threads[k - 1] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"LstmGen worker {k}" };
            _threads[k - 1].Start();
        }
    }

    /// <summary>Threads in the team, the caller included.</summary>
    public int Size { get; }

    /// <summary>Runs work(0..Size−1) concurrently and returns when all are done; rethrows the first failure.</summary>
    /// <exception cref="InvalidOperationException">Another run is in progress.</exception>
    public void Run(Action<int> work)
    {
        if (!TryRun(work))
            throw new InvalidOperationException("The worker team is already running work for another caller; it serves one Run at a time.");
    }

    /// <summary>
    /// As <see cref="Run"/> when the team is idle (returns true once all work is done); returns false at once, running
    /// nothing, when another run is in progress.
    /// </summary>
    public bool TryRun(Action<int> work)
    {
        int state = Interlocked.CompareExchange(ref _state, Running, Idle);
        ObjectDisposedException.ThrowIf(state == Disposed, this);
        if (state == Running) return false;
        try
        {
            _work = work;
            _error = null;
            foreach (SemaphoreSlim s in _start) s.Release();
            try { work(0); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null); }
            for (int k = 1; k < Size; k++) _done.Wait();
            _work = null;
            ExceptionDispatchInfo? error = _error;
            _error = null;
            error?.Throw();
            return true;
        }
        finally { Volatile.Write(ref _state, Idle); }
    }

    private void Loop(int index)
    {
        while (true)
        {
            _start[index - 1].Wait();
            if (_stopping) return;
            try { _work!(index); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null); }
            _done.Release();
        }
    }

    /// <summary>Waits for a run in progress, then stops the workers. Later runs throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        var wait = new SpinWait();
        while (true)
        {
            int state = Interlocked.CompareExchange(ref _state, Disposed, Idle);
            if (state == Disposed) return;
            if (state == Idle) break;
            wait.SpinOnce();
        }
        _stopping = true;
        foreach (SemaphoreSlim s in _start) s.Release();
        foreach (Thread t in _threads) t.Join();
        foreach (SemaphoreSlim s in _start) s.Dispose();
        _done.Dispose();
    }
}
