using System.Buffers;
using System.Globalization;
using System.Text;

namespace LstmGen.Text;

/// <summary>
/// Standardises and splits text into words, in the manner of Keras <c>TextVectorization</c>'s default
/// <c>standardize="lower_and_strip_punctuation"</c> and <c>split="whitespace"</c>, but Unicode-aware.
/// </summary>
/// <remarks>
/// <para>The rules, applied to each Unicode scalar value (so emoji and other characters outside the BMP are handled whole):</para>
/// <list type="bullet">
/// <item><description><b>Case.</b> Letters are lower-cased with the invariant culture (<see cref="Rune.ToLowerInvariant"/>), so
/// the result never depends on the machine's culture.</description></item>
/// <item><description><b>Apostrophes are deleted</b>, joining the word around them, as Keras' default strip does:
/// <c>don't</c> → <c>dont</c>, <c>it’s</c> → <c>its</c>. Apostrophe-like characters are U+0027 <c>'</c>, U+2019 <c>’</c>,
/// U+2018 <c>‘</c>, U+02BC <c>ʼ</c>, U+0060 <c>`</c>, U+00B4 <c>´</c> and U+FF07 <c>＇</c>.</description></item>
/// <item><description><b>Every other punctuation or symbol character</b> (all <see cref="UnicodeCategory"/> Punctuation and Symbol
/// categories: dashes, curly quotes, brackets, currency, maths, emoji, …) <b>separates words</b>: <c>well-made</c> →
/// <c>well made</c>, <c>good.Great</c> → <c>good great</c>. (Keras deletes ASCII punctuation instead, joining
/// <c>well-made</c> into <c>wellmade</c>; splitting is the better default for words glued by dashes and slashes.)</description></item>
/// <item><description><b>Whitespace and control characters</b> (including tab, line breaks and U+0085) separate words; runs of
/// separators count as one, and there are never empty words.</description></item>
/// <item><description><b>Format characters</b> (category Cf: soft hyphen, zero-width joiner and non-joiner, BOM) and variation selectors
/// are deleted without separating. Combining marks are kept when they follow a kept character of the same word and are
/// deleted otherwise (for example after an emoji).</description></item>
/// <item><description><b>Letters and digits</b> of any script are kept. Fullwidth ASCII forms (U+FF01–U+FF5E) are first mapped to
/// ASCII, so <c>ＧＯＯＤ</c> → <c>good</c>. No other Unicode normalisation is done (it would depend on ICU, which an
/// invariant-globalisation app does not load): a precomposed <c>é</c> and <c>e</c> + U+0301 are different words.</description></item>
/// <item><description>Unpaired surrogates, private-use and unassigned code points separate words.</description></item>
/// </list>
/// <para>With <see cref="StripPunctuation"/> off, punctuation and symbols are kept as part of words (only whitespace and control
/// characters separate), like Keras <c>standardize="lower"</c>. Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class TextNormalizer
{
    /// <summary>Lower-cases and strips punctuation: the default, like Keras <c>"lower_and_strip_punctuation"</c>.</summary>
    public static TextNormalizer Default { get; } = new();

    /// <summary>
    /// For sentiment and other short-text classification: as <see cref="Default"/>, but an apostrophe inside a word is kept
    /// (as ASCII <c>'</c>), so <c>it's</c> ≠ <c>its</c> and <c>don’t</c> → <c>don't</c>, and <c>?</c> and <c>!</c> are words of
    /// their own (<c>really?!</c> → <c>really ? !</c>), as they carry sentiment that stripping deletes.
    /// </summary>
    public static TextNormalizer Sentiment { get; } = new(keepApostrophes: true, punctuationTokens: "?!");

    /// <summary>Creates a normaliser.</summary>
    /// <param name="lowercase">Lower-case letters with the invariant culture.</param>
    /// <param name="stripPunctuation">Treat punctuation and symbols as word separators and delete apostrophes.</param>
    /// <param name="keepApostrophes">With <paramref name="stripPunctuation"/>: keep an apostrophe that has a kept character
    /// on both sides (written as ASCII <c>'</c>); others (quotes around a word) separate words.</param>
    /// <param name="punctuationTokens">With <paramref name="stripPunctuation"/>: punctuation characters (ASCII or BMP,
    /// fullwidth forms mapped to ASCII first) that become one-character words instead of separators.</param>
    /// <exception cref="ArgumentException"><paramref name="punctuationTokens"/> holds a character that is not punctuation or a symbol.</exception>
    public TextNormalizer(bool lowercase = true, bool stripPunctuation = true, bool keepApostrophes = false, string punctuationTokens = "")
    {
        ArgumentNullException.ThrowIfNull(punctuationTokens);
        foreach (char c in punctuationTokens)
        {
            if (char.IsSurrogate(c) || Classify(new Rune(c)) != Kind.Punctuation)
                throw new ArgumentException($"'{c}' (U+{(int)c:X4}) is not a punctuation or symbol character, so it cannot be a punctuation token.", nameof(punctuationTokens));
        }
        Lowercase = lowercase;
        StripPunctuation = stripPunctuation;
        KeepApostrophes = keepApostrophes;
        PunctuationTokens = new string([.. punctuationTokens.Distinct().Order()]);
    }

    /// <summary>Whether letters are lower-cased (invariant culture).</summary>
    public bool Lowercase { get; }

    /// <summary>Whether punctuation and symbols separate words and apostrophes are deleted.</summary>
    public bool StripPunctuation { get; }

    /// <summary>Whether an apostrophe between two kept characters is kept (see the constructor).</summary>
    public bool KeepApostrophes { get; }

    /// <summary>Punctuation characters that are words of their own (sorted, distinct).</summary>
    public string PunctuationTokens { get; }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is TextNormalizer o && o.Lowercase == Lowercase && o.StripPunctuation == StripPunctuation
        && o.KeepApostrophes == KeepApostrophes && o.PunctuationTokens == PunctuationTokens;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Lowercase, StripPunctuation, KeepApostrophes, PunctuationTokens);

    /// <inheritdoc />
    public override string ToString() => $"TextNormalizer(lowercase: {Lowercase}, stripPunctuation: {StripPunctuation}, keepApostrophes: {KeepApostrophes}, punctuationTokens: \"{PunctuationTokens}\")";

    /// <summary>
    /// A destination length that is always enough for <see cref="TryNormalize"/> on <paramref name="textLength"/> UTF-16 code
    /// units: each input code unit produces at most three output code units (a separating space and a surrogate pair).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="textLength"/> is negative or too large.</exception>
    public static int MaxNormalizedLength(int textLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(textLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(textLength, int.MaxValue / 3);
        return textLength * 3;
    }

    /// <summary>
    /// Standardises <paramref name="text"/>: its words, separated by exactly one space (U+0020), with no leading or trailing
    /// space. Empty when the text has no words.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Normalize(text.AsSpan());
    }

    /// <inheritdoc cref="Normalize(string)"/>
    public string Normalize(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return string.Empty;
        int max = MaxNormalizedLength(text.Length);
        char[]? rented = null;
        Span<char> buffer = max <= 768 ? stackalloc char[768] : (rented = ArrayPool<char>.Shared.Rent(max));
        try
        {
            TryNormalize(text, buffer, out int written);
            return new string(buffer[..written]);
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Splits <paramref name="text"/> into standardised words (see the class remarks). Returns an empty array when there are none.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public string[] Tokenize(string text)
    {
        string normalized = Normalize(text);
        return normalized.Length == 0 ? [] : normalized.Split(' ');
    }

    /// <summary>
    /// Writes the standardised form of <paramref name="text"/> (words separated by single spaces) to
    /// <paramref name="destination"/> without allocating. A destination of <see cref="MaxNormalizedLength"/> code units is
    /// always enough.
    /// </summary>
    /// <returns>False when <paramref name="destination"/> was too short; <paramref name="charsWritten"/> is then 0.</returns>
    public bool TryNormalize(ReadOnlySpan<char> text, Span<char> destination, out int charsWritten)
    {
        int w = 0;
        bool inWord = false;     // the current word has at least one kept character
        bool pendingSpace = false; // a separator was seen after a word
        int i = 0;
        while (i < text.Length)
        {
            // Decode one scalar value; an unpaired surrogate becomes U+FFFD (a symbol, so it separates).
            if (Rune.DecodeFromUtf16(text[i..], out Rune rune, out int consumed) != OperationStatus.Done)
            {
                rune = Rune.ReplacementChar;
                consumed = Math.Max(consumed, 1);
            }
            i += consumed;

            // Fullwidth ASCII variants (U+FF01–U+FF5E) → ASCII (U+0021–U+007E).
            if (rune.Value is >= 0xFF01 and <= 0xFF5E) rune = new Rune(rune.Value - 0xFEE0);

            switch (Classify(rune))
            {
                case Kind.Keep:
                    if (Lowercase) rune = Rune.ToLowerInvariant(rune);
                    if (!Append(rune, destination, ref w, ref pendingSpace)) return Fail(out charsWritten);
                    inWord = true;
                    break;
                case Kind.Mark:
                    // A combining mark belongs to the preceding kept character; alone (after a separator) it is dropped.
                    if (inWord && !pendingSpace && !Append(rune, destination, ref w, ref pendingSpace)) return Fail(out charsWritten);
                    break;
                case Kind.Apostrophe:
                    if (!StripPunctuation) goto case Kind.Keep;
                    if (!KeepApostrophes) break; // deleted: "don't" → "dont"
                    // Kept between two kept characters ("it's"); otherwise a quote, which separates.
                    if (inWord && !pendingSpace && i < text.Length && Rune.DecodeFromUtf16(text[i..], out Rune next, out _) == OperationStatus.Done
                        && Classify(next.Value is >= 0xFF01 and <= 0xFF5E ? new Rune(next.Value - 0xFEE0) : next) == Kind.Keep)
                    {
                        if (!Append(new Rune('\''), destination, ref w, ref pendingSpace)) return Fail(out charsWritten);
                        break;
                    }
                    goto case Kind.Separator;
                case Kind.Punctuation:
                    if (!StripPunctuation) goto case Kind.Keep;
                    if (rune.IsBmp && PunctuationTokens.Contains((char)rune.Value, StringComparison.Ordinal))
                    {
                        // A word of its own: separated from what precedes and follows.
                        if (inWord) pendingSpace = true;
                        if (!Append(rune, destination, ref w, ref pendingSpace)) return Fail(out charsWritten);
                        inWord = true;
                        pendingSpace = true;
                        break;
                    }
                    goto case Kind.Separator;
                case Kind.Separator:
                    if (inWord) pendingSpace = true;
                    break;
                case Kind.Delete:
                    break;
            }
        }
        charsWritten = w;
        return true;
    }

    private static bool Fail(out int charsWritten)
    {
        charsWritten = 0;
        return false;
    }

    private static bool Append(Rune rune, Span<char> destination, ref int w, ref bool pendingSpace)
    {
        if (pendingSpace)
        {
            if (w >= destination.Length) return false;
            destination[w++] = ' ';
            pendingSpace = false;
        }
        if (!rune.TryEncodeToUtf16(destination[w..], out int n)) return false;
        w += n;
        return true;
    }

    private enum Kind { Keep, Mark, Apostrophe, Punctuation, Separator, Delete }

    private static Kind Classify(Rune rune)
    {
        int v = rune.Value;
        if (v is '\'' or '`' or 0x00B4 or 0x2018 or 0x2019 or 0x02BC) return Kind.Apostrophe; // U+FF07 arrives as '\''
        if (v is >= 0xFE00 and <= 0xFE0F || v is >= 0xE0100 and <= 0xE01EF) return Kind.Delete; // variation selectors
        if (Rune.IsWhiteSpace(rune)) return Kind.Separator;
        switch (Rune.GetUnicodeCategory(rune))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                return Kind.Keep;
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.EnclosingMark:
                return Kind.Mark;
            case UnicodeCategory.ConnectorPunctuation:
            case UnicodeCategory.DashPunctuation:
            case UnicodeCategory.OpenPunctuation:
            case UnicodeCategory.ClosePunctuation:
            case UnicodeCategory.InitialQuotePunctuation:
            case UnicodeCategory.FinalQuotePunctuation:
            case UnicodeCategory.OtherPunctuation:
            case UnicodeCategory.MathSymbol:
            case UnicodeCategory.CurrencySymbol:
            case UnicodeCategory.ModifierSymbol:
            case UnicodeCategory.OtherSymbol:
                return Kind.Punctuation;
            case UnicodeCategory.Format:
                return Kind.Delete;
            default:
                // Separators (Zs, Zl, Zp), controls, surrogates, private use, unassigned.
                return Kind.Separator;
        }
    }
}
