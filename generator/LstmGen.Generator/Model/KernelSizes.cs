namespace LstmGen.Generator.Model;

/// <summary>
/// The tile and panel sizes the generated code and the runtime share, in one place: the parsers size buffers with them
/// (LSTMGEN005) and the emitters write them into the generated code.
/// </summary>
internal static class KernelSizes
{
    /// <summary>Floats per Vector256: hidden widths are padded to whole vectors of this many lanes.</summary>
    public const int Lanes = 8;

    /// <summary>Sequences per tile in the recurrent models' batched inference.</summary>
    public const int RecurrentTileRows = 32;

    /// <summary>Sequences per tile in the text CNN's and the feed-forward model's batched inference.</summary>
    public const int BaselineTileRows = 8;

    /// <summary>
    /// Columns of the runtime GEMM's micro-kernel panel (<c>LstmGen.Gemm.Nr</c>): the text CNN's and the feed-forward
    /// model's packed weight widths are whole multiples of it.
    /// </summary>
    public const int GemmColumns = 16;

    /// <summary><paramref name="n"/> rounded up to a whole multiple of <paramref name="multiple"/>, in long so nothing wraps.</summary>
    public static long RoundUp(long n, int multiple) => (n + multiple - 1) / multiple * multiple;

    /// <summary>Gates per cell: 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n) or 1 (RNN).</summary>
    public static int GateCount(CellKind cell) => cell switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        _ => 1,
    };
}
