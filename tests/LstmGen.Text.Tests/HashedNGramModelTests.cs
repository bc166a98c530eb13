namespace LstmGen.Text.Tests;

/// <summary>The wide part: stable hashed features, the naive-Bayes ratios, and learning a separable toy task.</summary>
public class HashedNGramModelTests
{
    [Fact]
    public void Features_AreDistinctSortedAndStable()
    {
        var m = new HashedNGramModel(2, buckets: 1 << 10);
        int[] f = m.Features(["good", "good", "film"]);
        Assert.Equal(f.Order().Distinct(), f);
        Assert.Equal(4, f.Length); // good, film, "good good", "good film" (unless two collide in 1,024 buckets)
        Assert.Equal(f, new HashedNGramModel(2, buckets: 1 << 10).Features(["good", "good", "film"]));
        Assert.Equal(2, new HashedNGramModel(2, buckets: 1 << 10, bigrams: false).Features(["good", "good", "film"]).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HashedNGramModel(2, buckets: 1000));
    }

    [Fact]
    public void NaiveBayesRatios_FollowTheFormula_AndTheModelLearns()
    {
        var m = new HashedNGramModel(2, buckets: 1 << 10, bigrams: false);
        List<int[]> x = [m.Features(["great"]), m.Features(["great", "fun"]), m.Features(["awful"]), m.Features(["awful", "dull"])];
        int[] y = [1, 1, 0, 0];
        m.Fit(x, y, epochs: 30, naiveBayesScaling: true);
        // r_j = log((1 + p_j)/(B + Σp)) − log((1 + q_j)/(B + Σq)), with Σp = Σq = 3 feature occurrences per class.
        int great = m.Features(["great"])[0];
        double expected = Math.Log(3.0 / 1027) - Math.Log(1.0 / 1027);
        Assert.Equal(expected, m.Scale[great], 5);
        Span<float> p = stackalloc float[2];
        m.PredictProbabilities(m.Features(["great"]), p);
        Assert.True(p[1] > 0.8f, $"P(1 | great) = {p[1]}");
        m.PredictProbabilities(m.Features(["dull"]), p);
        Assert.True(p[0] > 0.6f, $"P(0 | dull) = {p[0]}"); // seen once: less sure than "great", seen twice
        Assert.Equal(1f, p[0] + p[1], 6);
    }
}
