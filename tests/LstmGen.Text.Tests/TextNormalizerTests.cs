namespace LstmGen.Text.Tests;

public class TextNormalizerTests
{
    private static readonly TextNormalizer N = TextNormalizer.Default;

    [Theory]
    [InlineData("Hello World", "hello world")]
    [InlineData("THE MOVIE", "the movie")]
    [InlineData("ÉCLAIR Ärger ΣΟΦΊΑ", "éclair ärger σοφία")]
    [InlineData("ПРИВЕТ мир", "привет мир")]
    public void LowerCasesWithTheInvariantCulture(string text, string expected) => Assert.Equal(expected, N.Normalize(text));

    [Fact]
    public void UpperCaseI_IsLowerCasedInvariantly_NotTurkish() => Assert.Equal("i like it", N.Normalize("I LIKE IT"));

    [Theory]
    [InlineData("Hello, world!", "hello world")]
    [InlineData("good.Great", "good great")]
    [InlineData("well-made", "well made")]
    [InlineData("(really) [very] {so}", "really very so")]
    [InlineData("a/b\\c|d", "a b c d")]
    [InlineData("5$ 10% 3+4=7 #1 @home ~ok^ <tag>", "5 10 3 4 7 1 home ok tag")]
    [InlineData("under_score", "under score")]
    [InlineData("10/10 would watch again", "10 10 would watch again")]
    public void AsciiPunctuationAndSymbolsSeparateWords(string text, string expected) => Assert.Equal(expected, N.Normalize(text));

    [Theory]
    [InlineData("don't", "dont")]
    [InlineData("it’s", "its")]          // U+2019
    [InlineData("‘quoted’", "quoted")]   // U+2018 … U+2019
    [InlineData("isnʼt", "isnt")]        // U+02BC modifier letter apostrophe
    [InlineData("don`t", "dont")]
    [InlineData("won＇t", "wont")]       // U+FF07 fullwidth apostrophe
    [InlineData("'Tis the season", "tis the season")]
    public void ApostrophesAreDeleted_JoiningTheWord(string text, string expected) => Assert.Equal(expected, N.Normalize(text));

    [Theory]
    [InlineData("“Great” film", "great film")]               // curly double quotes
    [InlineData("good—really good", "good really good")]     // em dash
    [InlineData("good–bad", "good bad")]                     // en dash
    [InlineData("wait… what", "wait what")]                  // ellipsis
    [InlineData("«très bien»", "très bien")]                  // guillemets
    [InlineData("¡Muy bueno! ¿Verdad?", "muy bueno verdad")]
    [InlineData("price: 5€ or £4", "price 5 or 4")]
    [InlineData("a·b•c", "a b c")]
    [InlineData("「映画」は良い。", "映画 は良い")]
    public void UnicodePunctuationAndSymbolsSeparateWords(string text, string expected) => Assert.Equal(expected, N.Normalize(text));

    [Theory]
    [InlineData("I love it 😍!!", "i love it")]
    [InlineData("great👍movie", "great movie")]
    [InlineData("👍🏽good", "good")]               // skin-tone modifier
    [InlineData("❤️love", "love")]                 // heart + variation selector 16
    [InlineData("fun 👨‍👩‍👧 family", "fun family")] // zero-width-joiner sequence
    [InlineData("🎬🍿", "")]
    [InlineData("ok ★★★★☆", "ok")]
    public void EmojiAndSymbolsSeparateWordsAndLeaveNothingBehind(string text, string expected) => Assert.Equal(expected, N.Normalize(text));

    [Theory]
    [InlineData("  lots   of\tspace\r\nand\u00A0lines\u2028here\u0085end  ", "lots of space and lines here end")]
    [InlineData("", "")]
    [InlineData("   \t\n ", "")]
    [InlineData("!!! ... ???", "")]
    [InlineData("\u0000control\u0007chars", "control chars")]
    public void WhitespaceAndControlsSeparate_WithoutEmptyWords(string text, string expected) => Assert.Equal(expected, N.Normalize(text));

    [Fact]
    public void FormatCharactersAreDeletedInsideWords()
    {
        Assert.Equal("wonderful", N.Normalize("won\u00ADder\u200Bful")); // soft hyphen, zero-width space (Cf)
        Assert.Equal("good", N.Normalize("\uFEFFgood"));                 // BOM
    }

    [Fact]
    public void CombiningMarksStayWithTheirLetter_AndAreDroppedWhenAlone()
    {
        Assert.Equal("cafe\u0301 ok", N.Normalize("CAFE\u0301 ok"));
        Assert.Equal("a b", N.Normalize("a \u0301b"));
        Assert.Equal("x", N.Normalize("😀\u0301x"));
    }

    [Fact]
    public void FullwidthFormsBecomeAscii() => Assert.Equal("good movie 10", N.Normalize("ＧＯＯＤ　ｍｏｖｉｅ！１０"));

    [Fact]
    public void DigitsAndLettersOfAnyScriptAreKept() => Assert.Equal("abc123 ٣ 日本語", N.Normalize("abc123 ٣ 日本語"));

    [Fact]
    public void UnpairedSurrogatesSeparateWords()
    {
        Assert.Equal("a b", N.Normalize("a\uD800b"));
        Assert.Equal("a b", N.Normalize("a\uDC00b"));
    }

    [Fact]
    public void TokenizeSplitsTheNormalizedText()
    {
        Assert.Equal(["i", "didnt", "like", "it", "at", "all"], N.Tokenize("I didn't like it... at ALL!"));
        Assert.Empty(N.Tokenize(""));
        Assert.Empty(N.Tokenize(" ?! "));
    }

    [Fact]
    public void WithoutStripping_PunctuationIsKeptInsideWords()
    {
        var lower = new TextNormalizer(lowercase: true, stripPunctuation: false);
        Assert.Equal(["good.", "don't", "—", "😍"], lower.Tokenize("Good. Don't — 😍"));
    }

    [Fact]
    public void WithoutLowercasing_CaseIsKept()
    {
        var strip = new TextNormalizer(lowercase: false, stripPunctuation: true);
        Assert.Equal("Good Movie", strip.Normalize("Good, Movie!"));
    }

    [Fact]
    public void TryNormalize_ReportsATooShortDestination()
    {
        Span<char> small = stackalloc char[3];
        Assert.False(N.TryNormalize("hello world", small, out int written));
        Assert.Equal(0, written);
        Span<char> enough = stackalloc char[TextNormalizer.MaxNormalizedLength(11)];
        Assert.True(N.TryNormalize("Hello World", enough, out written));
        Assert.Equal("hello world", enough[..written].ToString());
    }

    [Fact]
    public void LongTextIsNormalized()
    {
        string text = string.Concat(Enumerable.Repeat("Great, GREAT movie! ", 500));
        string normalized = N.Normalize(text);
        Assert.Equal(1500, normalized.Split(' ').Length);
        Assert.StartsWith("great great movie great", normalized, StringComparison.Ordinal);
    }

    [Fact]
    public void NullIsRejected() => Assert.Throws<ArgumentNullException>(() => N.Normalize((string)null!));
}
