using LstmGen.Tools;

namespace LstmGen.Text.Tests;

/// <summary>The baseline of tests/Tools/TextCv: multinomial naive Bayes on uni+bigrams, against hand-computed scores.</summary>
public class NaiveBayesTests
{
    [Fact]
    public void ScoresAreTheSmoothedLogProbabilities()
    {
        // Class 0: "bad", "bad film" → bad 2, film 1, "bad film" 1 (4 features); class 1 the same with "good".
        // |V| = 5 (bad, film, bad film, good, good film), α = 1, so θ = (count + 1)/(4 + 5).
        var nb = new NaiveBayes();
        nb.Fit([["bad"], ["bad", "film"], ["good"], ["good", "film"]], [0, 0, 1, 1], 2);
        double[] s = nb.LogScores(["good", "film"]); // features: good, film, "good film"
        Assert.Equal(Math.Log(0.5) + Math.Log(1.0 / 9) + Math.Log(2.0 / 9) + Math.Log(1.0 / 9), s[0], 12);
        Assert.Equal(Math.Log(0.5) + Math.Log(3.0 / 9) + Math.Log(2.0 / 9) + Math.Log(2.0 / 9), s[1], 12);
        Assert.Equal(1, nb.Predict(["good", "film"]));
        Assert.Equal(0, nb.Predict(["bad"]));
        Assert.Equal(0, nb.Predict(["unseen"])); // equal priors, no known feature: the first class
    }
}
