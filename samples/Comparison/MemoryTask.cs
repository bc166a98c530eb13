using LstmGen;

namespace LstmGen.Samples.Comparison;

/// <summary>
/// A long-range memory task: each row of <see cref="Steps"/> tokens is (Steps − d) padding tokens, a key, then d − 1
/// distractors; the label is the key's class (keys 2 and 3 → 1, keys 4 and 5 → 0). Distractors come from the other
/// symbols (6…15) and carry no signal, so a recurrent model must carry the key's class across d − 1 steps. Padding is
/// masked, so the dependency distance is d whatever the model's length. The key is recognisable wherever it is, so
/// models that see <i>which</i> tokens occur but not <i>when</i> (the max-pooled CNN, the averaged feed-forward net) can
/// still detect it: their curves show how presence detection fares as the key is diluted among more distractors.
/// </summary>
public static class MemoryTask
{
    /// <summary>Token ids 0…15: 0 padding, 1 unknown (unused here), 2…5 keys, 6…15 distractors.</summary>
    public const int Vocabulary = 16;

    /// <summary>Sequence length of every memory-task model.</summary>
    public const int Steps = 100;

    private const int FirstKey = 2, Keys = 4, FirstDistractor = FirstKey + Keys, Distractors = Vocabulary - FirstDistractor;

    /// <summary>Rows of tokens and 0/1 targets for dependency distance <paramref name="distance"/>.</summary>
    public static (int[] Tokens, float[] Targets) Make(int distance, int rows, int seed)
    {
        if (distance is < 1 or > Steps) throw new ArgumentOutOfRangeException(nameof(distance), distance, $"Distance must be in [1, {Steps}].");
        var rng = new Rng(seed);
        var tokens = new int[rows * Steps];
        var targets = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            Span<int> row = tokens.AsSpan(r * Steps, Steps);
            int key = rng.NextInt(Keys);
            row[Steps - distance] = FirstKey + key;
            for (int t = Steps - distance + 1; t < Steps; t++) row[t] = FirstDistractor + rng.NextInt(Distractors);
            targets[r] = key < Keys / 2 ? 1f : 0f;
        }
        return (tokens, targets);
    }
}
