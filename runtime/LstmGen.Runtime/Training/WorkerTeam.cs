using System.Runtime.ExceptionServices;

namespace LstmGen.Training;

/// <summary>
/// A fixed team of threads for fork–join work without allocation: <see cref="Run"/> calls work(0) on the caller and
/// work(k) on worker k, then waits for all. Workers are long-lived background threads parked on semaphores.
/// </summary>
internal sealed class WorkerTeam : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly SemaphoreSlim _done = new(0);
    private Action<int>? _work;
    private ExceptionDispatchInfo? _error;
    private volatile bool _stopping;

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
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        _work = work;
        _error = null;
        foreach (SemaphoreSlim s in _start) s.Release();
        try { work(0); }
        catch (Exception e) { Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null); }
        for (int k = 1; k < Size; k++) _done.Wait();
        _work = null;
        _error?.Throw();
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

    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        foreach (SemaphoreSlim s in _start) s.Release();
        foreach (Thread t in _threads) t.Join();
        foreach (SemaphoreSlim s in _start) s.Dispose();
        _done.Dispose();
    }
}
