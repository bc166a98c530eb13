using LstmGen;

namespace LstmGen.Samples.Comparison;

/// <summary>
/// A long-range memory task: each row of <see cref="Steps"/> tokens is padding, a key, then distractors; the label is the
/// key's class (keys 2 and 3 → 1, keys 4 and 5 → 0). The key is the <i>first</i> token, d/2 to d steps before the end.
/// Distractors are drawn from all symbols, keys included, so the key is recognisable only by coming first: a model must
/// store it when it arrives and keep it, unchanged by everything after it, for up to d steps. Because its distance
/// varies, no fixed delay line finds it. Padding is masked, so the distance is the same whatever the model's length.
/// </summary>
public static class MemoryTask
{
    /// <summary>Token ids 0…15: 0 padding, 1 unknown (unused here), 2…15 symbols; the first four are the keys.</summary>
    public const int Vocabulary = 16;

    /// <summary>Sequence length of every memory-task model.</summary>
    public const int Steps = 100;

    private const int FirstKey = 2, Keys = 4, Symbols = Vocabulary - FirstKey;

    /// <summary>
    /// Rows of tokens and 0/1 targets for dependency distance <paramref name="distance"/>: the key lies between d/2 and d
    /// steps before the end, or exactly d steps when <paramref name="exactDistance"/> is set (for gradient probes).
    /// </summary>
    public static (int[] Tokens, float[] Targets) Make(int distance, int rows, int seed, bool exactDistance = false)
    {
        if (distance is < 1 or > Steps) throw new ArgumentOutOfRangeException(nameof(distance), distance, $"Distance must be in [1, {Steps}].");
        var rng = new Rng(seed);
        var tokens = new int[rows * Steps];
        var targets = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            Span<int> row = tokens.AsSpan(r * Steps, Steps);
            int key = rng.NextInt(Keys);
            // The key sits between d/2 and d steps before the end, so no fixed delay line finds it: it is found only as
            // the first token.
            int lag = exactDistance ? distance : (distance + 1) / 2 + rng.NextInt(distance / 2 + 1);
            row[Steps - lag] = FirstKey + key;
            for (int t = Steps - lag + 1; t < Steps; t++) row[t] = FirstKey + rng.NextInt(Symbols);
            targets[r] = key < Keys / 2 ? 1f : 0f;
        }
        return (tokens, targets);
    }
}
