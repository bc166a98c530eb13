namespace LstmGen.Text.Tests;

/// <summary>The sentiment normaliser keeps '?', '!' and contractions, which the Keras-like default deletes or merges.</summary>
public class SentimentNormalizerTests
{
    [Theory]
    [InlineData("It's great!", "it's great !")]
    [InlineData("Its colour", "its colour")]
    [InlineData("I don’t like it", "i don't like it")]
    [InlineData("'quoted' words", "quoted words")]
    [InlineData("Really?! Why?", "really ? ! why ?")]
    [InlineData("?why", "? why")]
    [InlineData("rock 'n' roll", "rock n roll")]
    [InlineData("good. bad, ugly", "good bad ugly")]
    [InlineData("ＷＨＹ？", "why ?")]
    [InlineData("it' s", "it s")]
    public void Sentiment_KeepsQuestionAndExclamationMarksAndContractions(string text, string expected)
    {
        Assert.Equal(expected, TextNormalizer.Sentiment.Normalize(text));
        Span<char> buffer = new char[TextNormalizer.MaxNormalizedLength(text.Length)];
        Assert.True(TextNormalizer.Sentiment.TryNormalize(text, buffer, out int n));
        Assert.Equal(expected, new string(buffer[..n]));
    }

    [Fact]
    public void Default_IsUnchanged()
    {
        Assert.Equal("its great", TextNormalizer.Default.Normalize("It's great!"));
        Assert.NotEqual(TextNormalizer.Sentiment.Tokenize("it's"), TextNormalizer.Sentiment.Tokenize("its"));
    }

    [Fact]
    public void PunctuationTokens_AreChecked_AndSettingsCompare()
    {
        Assert.Throws<ArgumentException>(() => new TextNormalizer(punctuationTokens: "a"));
        Assert.Equal(TextNormalizer.Sentiment, new TextNormalizer(keepApostrophes: true, punctuationTokens: "!?!"));
        Assert.NotEqual(TextNormalizer.Sentiment, TextNormalizer.Default);
    }
}
