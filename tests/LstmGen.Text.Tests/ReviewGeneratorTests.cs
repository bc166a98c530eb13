using LstmGen.Samples.Sentiment;

namespace LstmGen.Text.Tests;

public class ReviewGeneratorTests
{
    private static readonly TextNormalizer N = TextNormalizer.Default;
    private static readonly HashSet<string> Positive = [.. ReviewGenerator.PositiveAdjectives, .. ReviewGenerator.PositiveVerbs];
    private static readonly HashSet<string> Negative = [.. ReviewGenerator.NegativeAdjectives, .. ReviewGenerator.NegativeVerbs];
    private static readonly HashSet<string> Negators = ["not", "dont", "isnt", "wasnt", "never", "neither"];

    [Fact]
    public void SameSeed_SameReviews()
    {
        Assert.Equal(ReviewGenerator.GenerateReviews(500, 7), ReviewGenerator.GenerateReviews(500, 7));
        Assert.Equal(ReviewGenerator.Generate(500, 7), ReviewGenerator.Generate(500, 7));
    }

    [Fact]
    public void DifferentSeeds_DifferentReviews()
        => Assert.NotEqual(ReviewGenerator.Generate(200, 1).Select(r => r.Text), ReviewGenerator.Generate(200, 2).Select(r => r.Text));

    [Fact]
    public void FirstReviewsOfSeed42_ArePinned()
    {
        // Pins the generator's output (Rng is SplitMix64, fixed by the library): a change here changes the sample's data and
        // results, so it must be deliberate.
        Review[] expected =
        [
            new("The reviews called the movie boring but it was actually really wonderful.", 1, ReviewKind.Contrast),
            new("Everyone said the dialogue was lovely, but I found it extremely weak overall", 0, ReviewKind.Contrast),
            new("Honestly, the camera was not great at all for me.", 0, ReviewKind.Negated),
            new("In my opinion, the dialogue was so horrible overall", 0, ReviewKind.Plain),
            new("The food was neither terrible nor mediocre for me.", 1, ReviewKind.Negated),
            new("Honestly, this product was really excellent and great.", 1, ReviewKind.Plain),
        ];
        Assert.Equal(expected, ReviewGenerator.GenerateReviews(6, 42));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(4000)]
    public void CountIsExact_AndClassesAreBalanced(int count)
    {
        IReadOnlyList<Review> reviews = ReviewGenerator.GenerateReviews(count, 3);
        Assert.Equal(count, reviews.Count);
        Assert.Equal(count / 2, reviews.Count(r => r.Label == 1));
        Assert.Equal(count - count / 2, reviews.Count(r => r.Label == 0));
    }

    [Fact]
    public void EveryKindIsAThird_AndBalancedWithinItself()
    {
        IReadOnlyList<Review> reviews = ReviewGenerator.GenerateReviews(3000, 11);
        foreach (ReviewKind kind in Enum.GetValues<ReviewKind>())
        {
            Review[] ofKind = reviews.Where(r => r.Kind == kind).ToArray();
            Assert.Equal(1000, ofKind.Length);
            Assert.Equal(500, ofKind.Count(r => r.Label == 1));
        }
    }

    [Fact]
    public void NegativeCountIsRejected() => Assert.Throws<ArgumentOutOfRangeException>(() => ReviewGenerator.Generate(-1, 0));

    [Fact]
    public void PoolsAreTheSameSize_AndDisjoint()
    {
        Assert.Equal(ReviewGenerator.PositiveAdjectives.Count, ReviewGenerator.NegativeAdjectives.Count);
        Assert.Equal(ReviewGenerator.PositiveVerbs.Count, ReviewGenerator.NegativeVerbs.Count);
        Assert.Empty(Positive.Intersect(Negative));
    }

    [Fact]
    public void LabelsFollowFromTheStructure()
    {
        foreach (Review r in ReviewGenerator.GenerateReviews(3000, 5))
        {
            string[] words = N.Tokenize(r.Text);
            string[] pos = words.Where(Positive.Contains).ToArray();
            string[] neg = words.Where(Negative.Contains).ToArray();
            bool negated = words.Any(Negators.Contains);
            switch (r.Kind)
            {
                case ReviewKind.Plain:
                    Assert.False(negated, r.Text);
                    Assert.True(r.Label == 1 ? pos.Length > 0 && neg.Length == 0 : neg.Length > 0 && pos.Length == 0, r.Text);
                    break;
                case ReviewKind.Negated:
                    Assert.True(negated, r.Text);
                    Assert.True(r.Label == 1 ? neg.Length > 0 && pos.Length == 0 : pos.Length > 0 && neg.Length == 0, r.Text);
                    break;
                case ReviewKind.Contrast:
                    Assert.False(negated, r.Text);
                    Assert.True(pos.Length == 1 && neg.Length == 1, r.Text);
                    Assert.True(words.Contains("but") || words.Contains("although") || words.Contains("though"), r.Text);
                    break;
            }
        }
    }

    [Fact]
    public void ContainsTheArticleStyleExamples()
    {
        IReadOnlyList<Review> reviews = ReviewGenerator.GenerateReviews(4000, 42);
        var byText = reviews.GroupBy(r => N.Normalize(r.Text)).ToDictionary(g => g.Key, g => g.Select(r => r.Label).Distinct().ToArray());
        // No text is generated with both labels.
        Assert.All(byText, kv => Assert.Single(kv.Value));
        Assert.Contains(reviews, r => N.Normalize(r.Text).Contains("not bad at all", StringComparison.Ordinal) && r.Label == 1);
        Assert.Contains(reviews, r => N.Normalize(r.Text).StartsWith("i expected it to be", StringComparison.Ordinal) && r.Label == 1);
        Assert.Contains(reviews, r => N.Normalize(r.Text).StartsWith("i expected it to be", StringComparison.Ordinal) && r.Label == 0);
    }

    [Fact]
    public void OpinionWordsAreBalancedAcrossClasses()
    {
        IReadOnlyList<Review> reviews = ReviewGenerator.GenerateReviews(12_000, 9);
        var inPositive = new Dictionary<string, int>();
        var inNegative = new Dictionary<string, int>();
        foreach (Review r in reviews)
        {
            foreach (string w in N.Tokenize(r.Text))
            {
                Dictionary<string, int> d = r.Label == 1 ? inPositive : inNegative;
                d[w] = d.GetValueOrDefault(w) + 1;
            }
        }
        foreach (string word in Positive.Concat(Negative))
        {
            int p = inPositive.GetValueOrDefault(word), n = inNegative.GetValueOrDefault(word);
            Assert.True(p + n > 100, $"{word}: only {p + n} occurrences");
            double share = (double)p / (p + n);
            Assert.True(share is > 0.4 and < 0.6, $"'{word}' is in positive reviews {share:P0} of the time ({p} vs {n}).");
        }
    }

    [Fact]
    public void BagOfWordsIsNearChance_OnNegationAndContrast()
    {
        // Multinomial naive Bayes with add-one smoothing on word counts, trained on 80%, tested on the rest.
        IReadOnlyList<Review> reviews = ReviewGenerator.GenerateReviews(4000, 42);
        Review[] train = reviews.Take(3200).ToArray();
        Review[] test = reviews.Skip(3200).ToArray();
        var counts = new[] { new Dictionary<string, int>(), new Dictionary<string, int>() };
        var totals = new long[2];
        var docs = new int[2];
        foreach (Review r in train)
        {
            docs[r.Label]++;
            foreach (string w in N.Tokenize(r.Text))
            {
                counts[r.Label][w] = counts[r.Label].GetValueOrDefault(w) + 1;
                totals[r.Label]++;
            }
        }
        int vocabulary = counts[0].Keys.Union(counts[1].Keys).Count();
        int Predict(string text)
        {
            double[] score = [Math.Log(docs[0]), Math.Log(docs[1])];
            foreach (string w in N.Tokenize(text))
                for (int c = 0; c < 2; c++)
                    score[c] += Math.Log((counts[c].GetValueOrDefault(w) + 1.0) / (totals[c] + vocabulary));
            return score[1] > score[0] ? 1 : 0;
        }
        double Accuracy(IEnumerable<Review> rows) => rows.Average(r => Predict(r.Text) == r.Label ? 1.0 : 0.0);

        double negated = Accuracy(test.Where(r => r.Kind == ReviewKind.Negated));
        double contrast = Accuracy(test.Where(r => r.Kind == ReviewKind.Contrast));
        Assert.InRange(negated, 0.35, 0.65);
        Assert.InRange(contrast, 0.35, 0.65);
        Assert.InRange(Accuracy(test), 0.35, 0.65);
    }
}
