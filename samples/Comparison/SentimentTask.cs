using LstmGen.Samples.Sentiment;
using LstmGen.Text;

namespace LstmGen.Samples.Comparison;

/// <summary>Sentiment data for the comparison: the built-in generated reviews or <c>text&lt;TAB&gt;label</c> files, split 80/20.</summary>
public sealed class SentimentTask
{
    /// <summary>Vocabulary size of every sentiment model (ids 0 and 1 reserved).</summary>
    public const int Vocabulary = 2_000;

    /// <summary>Tokens per review.</summary>
    public const int Steps = 50;

    private SentimentTask(string source, int[] trainTokens, float[] trainTargets, int[] testTokens, float[] testTargets)
    {
        Source = source;
        TrainTokens = trainTokens; TrainTargets = trainTargets; TestTokens = testTokens; TestTargets = testTargets;
    }

    /// <summary>Where the rows came from.</summary>
    public string Source { get; }
    /// <summary>Training rows of <see cref="Steps"/> ids.</summary>
    public int[] TrainTokens { get; }
    /// <summary>Training labels.</summary>
    public float[] TrainTargets { get; }
    /// <summary>Held-out rows.</summary>
    public int[] TestTokens { get; }
    /// <summary>Held-out labels.</summary>
    public float[] TestTargets { get; }

    /// <summary>Loads <paramref name="dataPaths"/> (or generates reviews when empty), shuffles with the seed and holds out 20%.</summary>
    /// <exception cref="DataException">A file is missing or malformed.</exception>
    public static SentimentTask Load(IReadOnlyList<string> dataPaths, int reviews, int seed)
    {
        List<(string Text, int Label)> rows;
        string source;
        if (dataPaths.Count == 0)
        {
            rows = [.. ReviewGenerator.Generate(reviews, seed)];
            source = $"{rows.Count:N0} generated reviews";
        }
        else
        {
            rows = LabelledData.Read(dataPaths);
            source = $"{rows.Count:N0} sentences from {string.Join(", ", dataPaths.Select(Path.GetFileName))}";
            if (rows.Count < 20) throw new DataException($"{string.Join(", ", dataPaths)}: only {rows.Count} labelled lines; at least 20 are needed.");
        }
        var rng = new Rng(seed ^ 0x5EED);
        (string Text, int Label)[] shuffled = [.. rows];
        rng.Shuffle<(string, int)>(shuffled);
        int test = Math.Max(1, shuffled.Length / 5);
        var train = shuffled[..^test];
        var held = shuffled[^test..];
        TextVectorizer vectorizer = TextVectorizer.Adapt(train.Select(r => r.Text), maxSize: Vocabulary);
        return new SentimentTask(source,
            vectorizer.EncodeBatch(train.Select(r => r.Text).ToArray(), Steps), train.Select(r => (float)r.Label).ToArray(),
            vectorizer.EncodeBatch(held.Select(r => r.Text).ToArray(), Steps), held.Select(r => (float)r.Label).ToArray());
    }
}
