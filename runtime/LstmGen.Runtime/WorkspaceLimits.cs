using System.Diagnostics.CodeAnalysis;

namespace LstmGen;

/// <summary>Batch-size limits of generated models, whose training workspaces grow linearly with the batch.</summary>
public static class WorkspaceLimits
{
    /// <summary>
    /// The largest row count B for which both workspaces fit a .NET array, from their lengths at 0 and 1 rows
    /// (length(B) = length(0) + B·(length(1) − length(0))).
    /// </summary>
    public static int MaxRows(int floatsAt0, int floatsAt1, int intsAt0, int intsAt1)
        => (int)Math.Min(MaxRows(floatsAt0, floatsAt1), MaxRows(intsAt0, intsAt1));

    private static long MaxRows(long at0, long at1)
    {
        long perRow = at1 - at0;
        return perRow <= 0 ? int.MaxValue : Math.Min(int.MaxValue, (Array.MaxLength - at0) / perRow);
    }

    /// <summary>A batch too large for one call's training workspace.</summary>
    [DoesNotReturn]
    public static void ThrowBatchTooLarge(string paramName, int rows, int maxRows)
        => throw new ArgumentOutOfRangeException(paramName, rows,
            $"The batch has {rows} rows, but this model's training workspace holds at most {maxRows} rows per call " +
            $"(a .NET array holds at most {Array.MaxLength} elements). Use smaller batches.");
}
