using LstmGen.Samples.Sentiment;
using LstmGen.Training;

namespace LstmGen.Text.Tests;

/// <summary><see cref="TextClassifierOptions.Dropout"/>: every member trains with its own copy of the settings.</summary>
public sealed class TextClassifierDropoutTests
{
    private static TextClassifier<TinySentimentModel> Fit(DropoutSettings? dropout)
    {
        var reviews = ReviewGenerator.GenerateReviews(300, 2);
        var c = new TextClassifier<TinySentimentModel>(s => new TinySentimentModel(s),
            new TextClassifierOptions { Epochs = 2, Seed = 4, EnsembleSize = 2, Wide = null, Dropout = dropout });
        c.Fit([.. reviews.Select(r => r.Text)], [.. reviews.Select(r => r.Label == 1 ? "pos" : "neg")]);
        return c;
    }

    [Fact]
    public void MembersTrainWithTheirOwnCopyOfTheDropoutSettings()
    {
        var dropout = new DropoutSettings { Embedding = 0.3f, Recurrent = 0.2f, Head = 0.5f, Seed = 9 };
        TextClassifier<TinySentimentModel> with = Fit(dropout), without = Fit(null);
        Assert.Equal(2, with.Models.Count);
        foreach (TinySentimentModel m in with.Models)
        {
            Assert.NotSame(dropout, m.Dropout);
            Assert.Equal((0.3f, 0f, 0.2f, 0.5f, 9), (m.Dropout.Embedding, m.Dropout.Input, m.Dropout.Recurrent, m.Dropout.Head, m.Dropout.Seed));
        }
        Assert.NotSame(with.Models[0].Dropout, with.Models[1].Dropout);
        Assert.False(with.Models[0].Parameters.SequenceEqual(without.Models[0].Parameters), "dropout did not change training");
        Assert.False(without.Models[0].Dropout.IsActive);
    }
}
