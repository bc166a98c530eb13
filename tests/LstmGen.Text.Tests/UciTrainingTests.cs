using LstmGen.Testing;
using LstmGen.Samples.Sentiment;
using LstmGen.Training;
using Xunit.Abstractions;

namespace LstmGen.Text.Tests;

/// <summary>The seed's model on the seed-like model size.</summary>
[LstmModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 50)]
public sealed partial class UciSentimentModel;

/// <summary>
/// Real data: the 3,000 UCI review sentences (Amazon, IMDb, Yelp, read in that order), test fold = line index mod 10 == 0.
/// Bag-of-words baselines score about 83% on this data (its README); the LSTM must reach 75% held out.
/// </summary>
public class UciTrainingTests(ITestOutputHelper output)
{
    [SharedDataFact]
    public void LstmReachesSeventyFivePercentOnTheHeldOutFold()
    {
        Assert.True(SharedData.UciFolder is not null, "CI requires ../shared/data/uci-sentiment-labelled-sentences, and it is missing.");
        string[] files = Directory.GetFiles(SharedData.UciFolder!, "*_labelled.txt").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        List<(string Text, int Label)> all = LabelledData.Read(files);
        Assert.Equal(3000, all.Count);
        var train = all.Where((_, i) => i % 10 != 0).ToList();
        var test = all.Where((_, i) => i % 10 == 0).ToList();

        TextVectorizer vectorizer = TextVectorizer.Adapt(train.Select(r => r.Text), maxSize: UciSentimentModel.VocabularySize);
        int[] trainTokens = vectorizer.EncodeBatch(train.Select(r => r.Text).ToList(), UciSentimentModel.SequenceLength);
        float[] trainY = train.Select(r => (float)r.Label).ToArray();
        int[] testTokens = vectorizer.EncodeBatch(test.Select(r => r.Text).ToList(), UciSentimentModel.SequenceLength);
        float[] testY = test.Select(r => (float)r.Label).ToArray();

        var model = new UciSentimentModel(seed: 1);
        Trainer.Fit(model, trainTokens, trainY, new FitOptions { Epochs = 4, BatchSize = 32, Seed = 1 });
        Evaluation result = Trainer.Evaluate(model, testTokens, testY);
        // Shown with `dotnet test --logger "console;verbosity=detailed"`, so the figure can be reported.
        output.WriteLine($"UCI held-out accuracy {result.Accuracy:P1} ({test.Count} sentences, loss {result.Loss:F4})");
        Assert.True(result.Accuracy >= 0.75, $"UCI held-out accuracy {result.Accuracy:P1}");
    }
}
