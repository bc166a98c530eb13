namespace LstmGen.Text.Tests;

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
