namespace LstmGen.Text.Tests;

public class VocabularyTests
{
    private static Vocabulary Build(int maxSize = Vocabulary.MaxCount, int minCount = 1, params string[] texts)
        => Vocabulary.Build(texts.Select(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries)), maxSize, minCount);

    [Fact]
    public void ReservedIds_PaddingIsEmpty_OutOfVocabularyIsUnk()
    {
        Vocabulary v = Build(texts: ["good movie"]);
        Assert.Equal(0, Vocabulary.PaddingId);
        Assert.Equal(1, Vocabulary.OutOfVocabularyId);
        Assert.Equal("", v.WordOf(0));
        Assert.Equal("[UNK]", v.WordOf(1));
        Assert.Equal(0, v.IdOf(""));
        Assert.Equal(4, v.Count);
        Assert.Equal(["", "[UNK]", "good", "movie"], v.Words);
    }

    [Fact]
    public void MostFrequentWordsGetTheLowestIds()
    {
        Vocabulary v = Build(texts: ["b a b", "c b a", "d"]);
        // b: 3, a: 2, c: 1, d: 1
        Assert.Equal(["", "[UNK]", "b", "a", "c", "d"], v.Words);
        Assert.Equal(2, v.IdOf("b"));
        Assert.Equal(3, v.IdOf("a"));
    }

    [Fact]
    public void TiesAreBrokenByOrdinalOrder()
    {
        // Equal counts: ordinal order puts upper case before lower case and "ab" before "b", whatever the insertion order.
        Vocabulary v = Build(texts: ["zeta b ab B Éa alpha"]);
        Assert.Equal(["", "[UNK]", "B", "ab", "alpha", "b", "zeta", "Éa"], v.Words);
        Vocabulary again = Build(texts: ["Éa alpha zeta B ab b"]);
        Assert.Equal(v.Words, again.Words);
    }

    [Fact]
    public void MaxSizeCountsTheReservedIds()
    {
        string[] texts = ["a a a b b c"];
        Assert.Equal(["", "[UNK]", "a", "b"], Build(4, 1, texts).Words);
        Assert.Equal(["", "[UNK]", "a"], Build(3, 1, texts).Words);
        Assert.Equal(["", "[UNK]"], Build(2, 1, texts).Words);
        Assert.Equal(5, Build(100, 1, texts).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => Build(1, 1, texts));
    }

    [Fact]
    public void MinCountLeavesOutRareWords()
    {
        string[] texts = ["a a a b b c", "b"];
        Assert.Equal(["", "[UNK]", "a", "b"], Build(minCount: 3, texts: texts).Words);
        Assert.Equal(["", "[UNK]", "a", "b", "c"], Build(minCount: 1, texts: texts).Words);
        Assert.Equal(["", "[UNK]"], Build(minCount: 4, texts: texts).Words);
        Assert.Equal(1, Build(minCount: 3, texts: texts).IdOf("c"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Build(minCount: 0, texts: texts));
    }

    [Fact]
    public void UnknownWordsMapToOne()
    {
        Vocabulary v = Build(texts: ["i love this movie"]);
        Assert.Equal(1, v.IdOf("hate"));
        Assert.Equal(1, v.IdOf("[UNK]"));
        Assert.Equal(1, v.IdOf("Love")); // lookups are ordinal; normalise text first
        Assert.Equal(v.IdOf("love"), v.IdOf("xlovex".AsSpan(1, 4)));
        Assert.True(v.Contains("love"));
        Assert.False(v.Contains("hate"));
    }

    [Fact]
    public void BuildIgnoresEmptyAndReservedTokens()
    {
        Vocabulary v = Vocabulary.Build([["", "[UNK]", "x", "[UNK]"]]);
        Assert.Equal(["", "[UNK]", "x"], v.Words);
    }

    [Fact]
    public void WordOfOutOfRangeThrows()
    {
        Vocabulary v = Build(texts: ["a"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => v.WordOf(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => v.WordOf(-1));
    }

    [Fact]
    public void ExplicitWordList_GetsIdsFromTwo()
    {
        var v = new Vocabulary(["the", "movie", "good"]);
        Assert.Equal(["", "[UNK]", "the", "movie", "good"], v.Words);
        Assert.Equal(4, v.IdOf("good"));
    }

    [Fact]
    public void ExplicitWordList_MayStartWithTheReservedWords_LikeKerasGetVocabulary()
    {
        var v = new Vocabulary(["", "[UNK]", "the", "movie"]);
        Assert.Equal(["", "[UNK]", "the", "movie"], v.Words);
        Assert.Equal(2, v.IdOf("the"));
        Assert.Equal(v.Words, new Vocabulary(v.Words).Words);
    }

    [Fact]
    public void ExplicitWordList_RejectsBadWords()
    {
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new Vocabulary(["a", "b", "a"])).Message, StringComparison.Ordinal);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => new Vocabulary(["a", "[UNK]"])).Message, StringComparison.Ordinal);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new Vocabulary(["a", ""])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Vocabulary(["[UNK]", ""]));
        Assert.Throws<ArgumentNullException>(() => new Vocabulary(["a", null!]));
    }

    [Fact]
    public void EmptyVocabularyHasOnlyTheReservedIds()
    {
        var v = new Vocabulary([]);
        Assert.Equal(2, v.Count);
        Assert.Equal(1, v.IdOf("anything"));
    }

    [Fact]
    public void BuildAndAdapt_RejectAWordTooLongToSave_NamingTheText()
    {
        string word = new('w', Vocabulary.MaxWordBytes + 1);
        var build = Assert.Throws<ArgumentException>(() => Vocabulary.Build([["ok"], ["fine", word]]));
        Assert.Contains("Text 1", build.Message, StringComparison.Ordinal);
        Assert.Contains("65,536 UTF-8 bytes long; a vocabulary word is at most 65,535", build.Message, StringComparison.Ordinal);
        Assert.True(build.Message.Length < 1000, "the message quotes only the start of the word");
        var adapt = Assert.Throws<ArgumentException>(() => TextVectorizer.Adapt(["good movie", "bad " + word]));
        Assert.Contains("Text 1", adapt.Message, StringComparison.Ordinal);
        // Multi-byte letters count in bytes: 32,768 × 'é' is 65,536 bytes.
        Assert.Throws<ArgumentException>(() => Vocabulary.Build([[new string('é', 32_768)]]));
        // Left out by maxSize or minCount, it is just an unknown word.
        Vocabulary cut = Vocabulary.Build([["ok", "ok", "fine", "fine"], [word]], maxSize: 4);
        Assert.Equal(["", "[UNK]", "fine", "ok"], cut.Words);
        Assert.Equal(Vocabulary.OutOfVocabularyId, cut.IdOf(word));
        Assert.Equal(["", "[UNK]", "ok"], Vocabulary.Build([["ok", "ok"], [word]], minCount: 2).Words);
        // At the limit, the vocabulary is built and can be saved.
        Vocabulary v = Vocabulary.Build([["ok", new string('w', Vocabulary.MaxWordBytes)]]);
        using var ms = new MemoryStream();
        v.Save(ms);
        Assert.Equal(4, v.Count);
    }

    [Fact]
    public void Build_RejectsAnUnpairedSurrogate()
    {
        var e = Assert.Throws<ArgumentException>(() => Vocabulary.Build([["ok"], ["x\uDC00"]]));
        Assert.Contains("unpaired surrogate", e.Message, StringComparison.Ordinal);
    }
}
