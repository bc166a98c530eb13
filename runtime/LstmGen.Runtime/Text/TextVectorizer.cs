using System.Buffers;

namespace LstmGen.Text;

/// <summary>Which end of a sequence padding is added to, or tokens are cut from.</summary>
public enum SequenceSide
{
    /// <summary>At the end (after the text): Keras <c>TextVectorization</c>'s behaviour, <c>padding="post"</c> / <c>truncating="post"</c>.</summary>
    End = 0,
    /// <summary>At the start (before the text): Keras <c>pad_sequences</c>' default, <c>padding="pre"</c> / <c>truncating="pre"</c>.</summary>
    Start = 1,
}

/// <summary>
/// Turns text into fixed-length rows of token ids for a model, like Keras <c>TextVectorization</c> with
/// <c>output_mode="int"</c> and <c>output_sequence_length</c>: <see cref="TextNormalizer"/> splits the text into words,
/// <see cref="Vocabulary"/> maps each word to its id (unknown words to 1), and the row is cut or padded with 0s.
/// </summary>
/// <remarks>
/// <para><b>Truncation and padding policy (default).</b> As in Keras <c>TextVectorization</c>, a text longer than the sequence
/// length keeps its <b>first</b> tokens (the rest are dropped) and a shorter text is followed by padding 0s at the <b>end</b>:
/// "i love it" with length 5 → <c>[id(i), id(love), id(it), 0, 0]</c>. Set <see cref="Truncation"/> or <see cref="Padding"/>
/// to <see cref="SequenceSide.Start"/> for Keras <c>pad_sequences</c>' "pre" behaviour instead. LstmGen models mask padding, so
/// either side of padding gives the same prediction.</para>
/// <para>Encoding into a caller-supplied span allocates nothing. Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class TextVectorizer
{
    /// <summary>Creates a vectoriser from a vocabulary and a normaliser (default <see cref="TextNormalizer.Default"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="vocabulary"/> is null.</exception>
    public TextVectorizer(Vocabulary vocabulary, TextNormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        Vocabulary = vocabulary;
        Normalizer = normalizer ?? TextNormalizer.Default;
    }

    /// <summary>
    /// Builds the vocabulary from <paramref name="texts"/> (Keras' <c>adapt</c>) and returns a vectoriser that uses it.
    /// See <see cref="Vocabulary.Build"/> for the ordering, <paramref name="maxSize"/> (which counts the 2 reserved ids) and
    /// <paramref name="minCount"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="texts"/> or one of its texts is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSize"/> or <paramref name="minCount"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A word that would be kept is longer than <see cref="Vocabulary.MaxWordBytes"/> UTF-8
    /// bytes, so the vocabulary could not be saved (the message gives the text's index; see <see cref="Vocabulary.Build"/>).</exception>
    public static TextVectorizer Adapt(IEnumerable<string> texts, int maxSize = Vocabulary.MaxCount, int minCount = 1, TextNormalizer? normalizer = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        normalizer ??= TextNormalizer.Default;
        var vocabulary = Vocabulary.Build(texts.Select(t => (IEnumerable<string>)normalizer.Tokenize(t ?? throw new ArgumentNullException(nameof(texts), "A text is null."))), maxSize, minCount);
        return new TextVectorizer(vocabulary, normalizer);
    }

    /// <summary>The word ↔ id mapping.</summary>
    public Vocabulary Vocabulary { get; }

    /// <summary>How text is standardised and split into words.</summary>
    public TextNormalizer Normalizer { get; }

    /// <summary>Where tokens are dropped when a text is too long. Default <see cref="SequenceSide.End"/>: keep the first tokens.</summary>
    public SequenceSide Truncation { get; init; } = SequenceSide.End;

    /// <summary>Where padding 0s go when a text is too short. Default <see cref="SequenceSide.End"/>: after the tokens.</summary>
    public SequenceSide Padding { get; init; } = SequenceSide.End;

    /// <summary>The words of <paramref name="text"/>, as the normaliser splits them.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public string[] Tokenize(string text) => Normalizer.Tokenize(text);

    /// <summary>
    /// The ids of every word of <paramref name="text"/>, neither truncated nor padded (unknown words are 1).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public int[] EncodeAll(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] words = Normalizer.Tokenize(text);
        var ids = new int[words.Length];
        for (int i = 0; i < words.Length; i++) ids[i] = Vocabulary.IdOf(words[i]);
        return ids;
    }

    /// <summary>
    /// Encodes <paramref name="text"/> as exactly <paramref name="sequenceLength"/> ids, truncated and padded with 0s as the
    /// class remarks describe (by default: the first tokens, then 0s at the end). Unknown words become 1.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sequenceLength"/> is not positive.</exception>
    public int[] Encode(string text, int sequenceLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 1);
        var ids = new int[sequenceLength];
        Encode(text, ids);
        return ids;
    }

    /// <summary>
    /// Encodes <paramref name="text"/> into all of <paramref name="destination"/> (its length is the sequence length) without
    /// allocating: truncated and padded with 0s as the class remarks describe. Unknown words become 1.
    /// </summary>
    /// <returns>The number of words the text has before truncation (so a caller can tell whether it was cut).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is empty.</exception>
    public int Encode(string text, Span<int> destination)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encode(text.AsSpan(), destination);
    }

    /// <inheritdoc cref="Encode(string, Span{int})"/>
    public int Encode(ReadOnlySpan<char> text, Span<int> destination)
    {
        if (destination.IsEmpty) throw new ArgumentException("The destination must hold at least one token id.", nameof(destination));
        destination.Clear();
        if (text.IsEmpty) return 0;

        int max = TextNormalizer.MaxNormalizedLength(text.Length);
        char[]? rented = null;
        Span<char> buffer = max <= 768 ? stackalloc char[768] : (rented = ArrayPool<char>.Shared.Rent(max));
        try
        {
            Normalizer.TryNormalize(text, buffer, out int written);
            ReadOnlySpan<char> normalized = buffer[..written];
            if (normalized.IsEmpty) return 0;

            int total = normalized.Count(' ') + 1;
            int length = destination.Length;
            int kept = Math.Min(total, length);
            int skip = Truncation == SequenceSide.Start ? total - kept : 0;   // words dropped from the start
            int at = Padding == SequenceSide.Start ? length - kept : 0;     // where the first kept word goes
            int index = 0;
            foreach (Range r in normalized.Split(' '))
            {
                if (index >= skip + kept) break;
                if (index >= skip) destination[at++] = Vocabulary.IdOf(normalized[r]);
                index++;
            }
            return total;
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Encodes every text as a row of <paramref name="sequenceLength"/> ids and returns the rows one after another
    /// (<c>texts.Count × sequenceLength</c> ids, row-major): the layout <c>PredictBatch</c> and <c>Trainer.Fit</c> take.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="texts"/> or one of its texts is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sequenceLength"/> is not positive.</exception>
    public int[] EncodeBatch(IReadOnlyList<string> texts, int sequenceLength)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequenceLength, 1);
        var ids = new int[checked(texts.Count * sequenceLength)];
        for (int i = 0; i < texts.Count; i++)
        {
            string text = texts[i] ?? throw new ArgumentNullException(nameof(texts), $"Text {i} is null.");
            Encode(text, ids.AsSpan(i * sequenceLength, sequenceLength));
        }
        return ids;
    }
}
