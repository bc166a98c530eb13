namespace LstmGen.Benchmarks;

/// <summary>Seeded inputs shared by every model benchmark.</summary>
public static class BenchmarkData
{
    /// <summary>Rows per batch in the batched cases (and rows cycled through by the batch-1 cases).</summary>
    public const int Batch = 32;

    /// <summary>Seed for the token ids (the model weights use the generated ctor's default seed 0).</summary>
    public const int TokenSeed = 12345;

    /// <summary>Fraction of rows that get left padding (token 0) of random length.</summary>
    public const double PaddedRowFraction = 0.2;

    /// <summary>Forward FLOPs per sequence of the LSTM, used for its GFLOP/s figures: 2·4H·(E+H)·T (gate matmuls only).</summary>
    public const double NominalFlopsPerSequence = 4 * NominalFlopsPerGate;

    /// <summary>Forward FLOPs per sequence and gate block: 2·H·(E+H)·T. A cell with G gates costs G times this (LSTM 4, GRU 3, RNN 1).</summary>
    public const double NominalFlopsPerGate =
        2.0 * ReferenceModel.HiddenSize * (ReferenceModel.EmbeddingSize + ReferenceModel.HiddenSize) * ReferenceModel.SequenceLength;

    /// <summary>The gate count of the cell a benchmark method measures, from its name: "Gru…" 3, "Rnn…" 1, otherwise 4 (LSTM).</summary>
    public static int GatesOf(string benchmarkName)
        => benchmarkName.StartsWith("Gru", StringComparison.Ordinal) ? 3 : benchmarkName.StartsWith("Rnn", StringComparison.Ordinal) ? 1 : 4;

    /// <summary>
    /// <paramref name="rows"/> × SequenceLength token ids in [2, V); round(rows·<see cref="PaddedRowFraction"/>) rows
    /// (chosen at random) are left-padded with 10–90 zeros.
    /// </summary>
    public static int[] MakeTokens(int rows, int seed = TokenSeed)
    {
        const int T = ReferenceModel.SequenceLength;
        var rng = new Random(seed);
        var tokens = new int[rows * T];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(2, ReferenceModel.VocabularySize);

        int[] order = Enumerable.Range(0, rows).ToArray();
        rng.Shuffle(order);
        int padded = (int)Math.Round(rows * PaddedRowFraction);
        for (int p = 0; p < padded; p++)
        {
            int row = order[p];
            int padLength = rng.Next(10, 91);
            Array.Clear(tokens, row * T, padLength);
        }
        return tokens;
    }

    /// <summary>
    /// Short texts, as in the sentiment data: <paramref name="rows"/> × SequenceLength token ids in [2, V), each row 4–24
    /// ids (uniform; mean 14 — the UCI labelled sentences average 11.9 words) followed by padding zeros.
    /// </summary>
    public static int[] MakeShortTexts(int rows, int seed = TokenSeed)
    {
        const int T = ReferenceModel.SequenceLength;
        var rng = new Random(seed);
        var tokens = new int[rows * T];
        for (int r = 0; r < rows; r++)
        {
            int length = rng.Next(4, 25);
            for (int t = 0; t < length; t++) tokens[r * T + t] = rng.Next(2, ReferenceModel.VocabularySize);
        }
        return tokens;
    }

    /// <summary>Fraction of ids in <paramref name="tokens"/> that are not padding.</summary>
    public static double NonPaddingFraction(ReadOnlySpan<int> tokens)
    {
        int n = 0;
        foreach (int t in tokens) if (t != 0) n++;
        return tokens.Length == 0 ? 0 : (double)n / tokens.Length;
    }
}
