namespace LstmGen.Text.Tests;

[Collection(AllocationCollection.Name)]
public class TextVectorizerTests
{
    // ids: "" 0, [UNK] 1, i 2, love 3, this 4, movie 5, is 6, terrible 7
    private static readonly TextVectorizer V = new(new Vocabulary(["i", "love", "this", "movie", "is", "terrible"]));

    [Fact]
    public void ShortTextsArePaddedWithZerosAtTheEnd()
        => Assert.Equal([2, 3, 4, 5, 0, 0, 0], V.Encode("I love this movie!", 7));

    [Fact]
    public void LongTextsKeepTheirFirstTokens()
        => Assert.Equal([5, 6, 7], V.Encode("Movie is terrible, I love this", 3));

    [Fact]
    public void ExactLengthIsNeitherCutNorPadded()
        => Assert.Equal([2, 3, 4, 5], V.Encode("i love this movie", 4));

    [Fact]
    public void UnseenWordsMapToOne()
    {
        Assert.Equal([2, 1, 4, 5, 0], V.Encode("I hate this movie", 5));
        Assert.Equal([1, 1, 1, 0], V.Encode("Completely unknown words", 4));
    }

    [Fact]
    public void TextsWithoutWordsAreAllPadding()
    {
        Assert.Equal([0, 0, 0], V.Encode("", 3));
        Assert.Equal([0, 0, 0], V.Encode(" 😍!! ", 3));
    }

    [Fact]
    public void EncodeIntoSpan_OverwritesTheWholeDestination_AndReturnsTheWordCount()
    {
        Span<int> row = [9, 9, 9, 9, 9];
        Assert.Equal(2, V.Encode("love it", row));
        Assert.Equal([3, 1, 0, 0, 0], row.ToArray());
        Assert.Equal(6, V.Encode("I love this movie, it is", row[..3]));
        Assert.Equal([2, 3, 4, 0, 0], row.ToArray());
    }

    [Fact]
    public void PaddingAndTruncationAtTheStart_LikePadSequencesDefaults()
    {
        var pre = new TextVectorizer(V.Vocabulary) { Padding = SequenceSide.Start, Truncation = SequenceSide.Start };
        Assert.Equal([0, 0, 0, 2, 3, 4, 5], pre.Encode("I love this movie", 7));
        Assert.Equal([2, 3, 4], pre.Encode("movie is terrible i love this", 3));
        var mixed = new TextVectorizer(V.Vocabulary) { Padding = SequenceSide.End, Truncation = SequenceSide.Start };
        Assert.Equal([3, 4], mixed.Encode("i love this", 2));
        Assert.Equal([3, 0, 0], mixed.Encode("love", 3));
    }

    [Fact]
    public void EncodeBatch_ReturnsRowsTimesLength()
    {
        int[] batch = V.EncodeBatch(["I love this movie", "this movie is terrible", "I hate this movie"], 5);
        Assert.Equal(
        [
            2, 3, 4, 5, 0,
            4, 5, 6, 7, 0,
            2, 1, 4, 5, 0,
        ], batch);
        Assert.Empty(V.EncodeBatch([], 5));
    }

    [Fact]
    public void EncodeAll_NeitherCutsNorPads() => Assert.Equal([2, 1, 4, 5], V.EncodeAll("I hate this movie"));

    [Fact]
    public void BadArgumentsAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => V.Encode("x", 0));
        Assert.Throws<ArgumentException>(() => V.Encode("x", Span<int>.Empty));
        Assert.Throws<ArgumentNullException>(() => V.Encode((string)null!, 3));
        Assert.Throws<ArgumentNullException>(() => V.EncodeBatch(["a", null!], 3));
        Assert.Throws<ArgumentNullException>(() => new TextVectorizer(null!));
    }

    [Fact]
    public void Adapt_BuildsTheVocabularyFromNormalizedTexts()
    {
        TextVectorizer tv = TextVectorizer.Adapt(["Good movie!", "GOOD, good acting.", "Bad movie…"], maxSize: 4);
        // good 3, movie 2, acting 1, bad 1 → the two most frequent fit in maxSize 4.
        Assert.Equal(["", "[UNK]", "good", "movie"], tv.Vocabulary.Words);
        Assert.Equal([2, 3, 1, 0], tv.Encode("Good movie, bad!", 4));
    }

    [Fact]
    public void Adapt_WithMinCount()
    {
        TextVectorizer tv = TextVectorizer.Adapt(["a b", "a c", "a b"], minCount: 2);
        Assert.Equal(["", "[UNK]", "a", "b"], tv.Vocabulary.Words);
    }

    [Fact]
    public void LongInput_UsesThePooledBuffer()
    {
        string text = string.Concat(Enumerable.Repeat("love this movie ", 200)); // 3,200 chars
        int[] ids = V.Encode(text, 600);
        Assert.Equal(600, ids.Length);
        Assert.Equal([3, 4, 5, 3, 4, 5], ids[..6]);
        Assert.Equal(600, V.Encode(text, ids.AsSpan()));
    }

    [Fact]
    public void EncodeIntoSpan_DoesNotAllocate()
    {
        int[] row = new int[50];
        string shortText = "I really love this movie, it is great!";
        string longText = string.Concat(Enumerable.Repeat("love this movie ", 100));
        Allocations.AssertNone(() =>
        {
            V.Encode(shortText, row);
            V.Encode(longText, row);
        }, callsPerWindow: 100);
    }

    [Fact]
    public void IsThreadSafe()
    {
        string[] texts = ["I love this movie", "this movie is terrible", "I hate this movie", "love love love"];
        int[][] expected = texts.Select(t => V.Encode(t, 8)).ToArray();
        Parallel.For(0, 2000, i =>
        {
            Span<int> row = stackalloc int[8];
            V.Encode(texts[i % texts.Length], row);
            Assert.True(row.SequenceEqual(expected[i % texts.Length]));
        });
    }
}
