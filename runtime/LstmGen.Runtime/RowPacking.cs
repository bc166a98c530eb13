namespace LstmGen;

/// <summary>
/// Moves the listed rows of a row-major matrix to the front and back, in place. Training uses it to run the input-side
/// GEMMs on the (step, row) pairs that hold a token: padding adds nothing to the weight gradients, and in short texts
/// padded to a fixed length most pairs are padding.
/// </summary>
public static class RowPacking
{
    /// <summary>
    /// Row i ← row rows[i] for every i, in ascending order; <paramref name="rows"/> must be strictly increasing (so rows[i] ≥ i
    /// and no row is overwritten before it is read). Rows past rows.Length keep whatever they held.
    /// </summary>
    public static void Pack(Span<float> matrix, int width, ReadOnlySpan<int> rows)
    {
        Check(matrix.Length, width, rows);
        for (int i = 0; i < rows.Length; i++)
        {
            int from = rows[i];
            if (from != i) matrix.Slice(from * width, width).CopyTo(matrix.Slice(i * width, width));
        }
    }

    /// <summary>
    /// The inverse of <see cref="Pack"/>: row rows[i] ← row i for every i, in descending order. With
    /// <paramref name="clearOthers"/>, the rows below rows[^1] + 1 that are not listed become zero; otherwise they keep
    /// whatever they held.
    /// </summary>
    public static void Unpack(Span<float> matrix, int width, ReadOnlySpan<int> rows, bool clearOthers)
    {
        Check(matrix.Length, width, rows);
        int end = rows.Length == 0 ? 0 : rows[^1] + 1; // rows at or past end are not touched
        for (int i = rows.Length - 1; i >= 0; i--)
        {
            int to = rows[i];
            if (clearOthers) matrix.Slice((to + 1) * width, (end - to - 1) * width).Clear();
            end = to;
            if (to != i) matrix.Slice(i * width, width).CopyTo(matrix.Slice(to * width, width));
        }
        if (clearOthers) matrix.Slice(0, end * width).Clear();
    }

    private static void Check(int length, int width, ReadOnlySpan<int> rows)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "Must be positive.");
        int previous = -1;
        foreach (int r in rows)
        {
            if (r <= previous) throw new ArgumentException($"Row indices must be strictly increasing ({previous} then {r}).", nameof(rows));
            previous = r;
        }
        if (rows.Length > 0 && ((long)rows[^1] + 1) * width > length)
            throw new ArgumentException($"Row {rows[^1]} of width {width} is outside a matrix of {length} floats.", nameof(rows));
    }
}
