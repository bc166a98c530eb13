namespace LstmGen.Tools;

/// <summary>
/// Multinomial naive Bayes on unigram + bigram counts with Laplace smoothing α: log P(c | d) ∝ log π_c + Σ_f n_f(d)·log θ_cf,
/// θ_cf = (N_cf + α) / (N_c + α·|V|), over the features (unigrams and "w1 w2" bigrams) seen in training; unseen ones are skipped.
/// </summary>
public sealed class NaiveBayes
{
    private readonly Dictionary<string, double[]> _logTheta = new(StringComparer.Ordinal);
    private double[] _logPrior = [];

    /// <summary>Unigrams and bigrams of a word sequence.</summary>
    public static IEnumerable<string> Features(IReadOnlyList<string> words)
    {
        for (int i = 0; i < words.Count; i++)
        {
            yield return words[i];
            if (i > 0) yield return words[i - 1] + " " + words[i];
        }
    }

    /// <summary>Counts features per class and turns them into smoothed log probabilities.</summary>
    public void Fit(IReadOnlyList<IReadOnlyList<string>> docs, IReadOnlyList<int> labels, int classes, double alpha = 1.0)
    {
        var counts = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var total = new double[classes];
        var docsPerClass = new double[classes];
        for (int d = 0; d < docs.Count; d++)
        {
            int c = labels[d];
            docsPerClass[c]++;
            foreach (string f in Features(docs[d]))
            {
                if (!counts.TryGetValue(f, out double[]? n)) counts[f] = n = new double[classes];
                n[c]++;
                total[c]++;
            }
        }
        _logPrior = [.. docsPerClass.Select(n => Math.Log(n / docs.Count))];
        _logTheta.Clear();
        foreach ((string f, double[] n) in counts)
            _logTheta[f] = [.. Enumerable.Range(0, classes).Select(c => Math.Log((n[c] + alpha) / (total[c] + alpha * counts.Count)))];
    }

    /// <summary>log π_c + Σ_f n_f·log θ_cf per class (features unseen in training skipped).</summary>
    public double[] LogScores(IReadOnlyList<string> words)
    {
        double[] score = [.. _logPrior];
        foreach (string f in Features(words))
            if (_logTheta.TryGetValue(f, out double[]? t)) for (int c = 0; c < score.Length; c++) score[c] += t[c];
        return score;
    }

    /// <summary>The most probable class of a document (the first on ties).</summary>
    public int Predict(IReadOnlyList<string> words)
    {
        double[] score = LogScores(words);
        int best = 0;
        for (int c = 1; c < score.Length; c++) if (score[c] > score[best]) best = c;
        return best;
    }
}
