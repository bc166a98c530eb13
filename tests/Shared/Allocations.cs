namespace LstmGen.Testing;

/// <summary>
/// Classes with allocation assertions run alone: GC.GetAllocatedBytesForCurrentThread can count part of the thread's
/// allocation buffer when another test's allocations trigger a collection mid-measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Allocation-sensitive";
}

/// <summary>Steady-state allocation checks on the calling thread.</summary>
internal static class Allocations
{
    /// <summary>
    /// Asserts that <paramref name="call"/> allocates nothing on the calling thread after a warm-up call: of
    /// <paramref name="windows"/> windows of <paramref name="callsPerWindow"/> calls each, the quietest must allocate 0 bytes.
    /// A per-call allocation shows in every window. A one-off allocation charged to the measuring thread does not fail
    /// the check: CI saw 4–8 KB once in a window of code that allocates nothing (the cause is not confirmed; runtime work
    /// such as tier-up landing in the window on a loaded 2-core machine is the likely one).
    /// </summary>
    public static void AssertNone(Action call, int callsPerWindow = 3, int windows = 5, string? what = null)
    {
        call(); // warm up: first-call work (packing, workspaces, JIT) is not steady state
        var bytes = new long[windows];
        for (int w = 0; w < windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < callsPerWindow; i++) call();
            bytes[w] = GC.GetAllocatedBytesForCurrentThread() - before;
            if (bytes[w] == 0) return;
        }
        Assert.Fail($"{what ?? "The call"} allocated in every one of {windows} windows of {callsPerWindow} calls: {string.Join(", ", bytes)} bytes.");
    }
}
