using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using LstmGen.Serialization;

namespace LstmGen.Text;

/// <summary>
/// A word ↔ id mapping for token models, like the vocabulary of Keras <c>TextVectorization</c>: id 0 is padding
/// (the empty word <c>""</c>), id 1 is out-of-vocabulary (<c>"[UNK]"</c>), and ids 2, 3, … are the words.
/// Immutable and thread-safe once built.
/// </summary>
/// <remarks>
/// <para><b>Binary form</b> (<see cref="Save(Stream)"/>, <see cref="Load(Stream)"/>), all integers little-endian:</para>
/// <code>
/// offset  size  field
///  0      4     magic: ASCII "LGVB" (0x4C 0x47 0x56 0x42)
///  4      4     uint32 format version: 1
///  8      4     int32 Count: number of ids including the two reserved ones (2 ≤ Count ≤ 16,777,216)
/// 12      …     for each id 2 … Count−1 in order: int32 byte length L (1 ≤ L ≤ 65,535), then L bytes of UTF-8
///  …      4     uint32 CRC-32 (IEEE 802.3, as in zip and PNG) of every preceding byte of the record
/// </code>
/// <para>The reserved words are not stored. Loading checks every field and throws <see cref="InvalidDataException"/> naming
/// what is wrong: another file type, an unknown version, a truncated record, invalid UTF-8, an empty, duplicate or
/// reserved word, or a checksum mismatch. A record may be embedded in a larger stream; loading reads exactly its bytes.
/// Memory grows only with the words actually read (a corrupt count allocates nothing for words that are not there), and
/// on a stream that knows its length, a count that cannot fit in the bytes left is rejected before any word is read.
/// Words in messages are escaped (control characters and escape sequences shown as <c>\uXXXX</c>).</para>
/// <para><b>Limits</b>, checked when a vocabulary is made (<see cref="Vocabulary(IEnumerable{string})"/>, <see cref="Build"/>,
/// <see cref="TextVectorizer.Adapt"/>), so that every vocabulary can be saved: at most <see cref="MaxCount"/> ids, and
/// every word valid UTF-16 (no unpaired surrogate) of at most <see cref="MaxWordBytes"/> bytes in UTF-8.</para>
/// </remarks>
public sealed class Vocabulary
{
    /// <summary>Id of the padding token (the empty word).</summary>
    public const int PaddingId = 0;

    /// <summary>Id of every out-of-vocabulary word.</summary>
    public const int OutOfVocabularyId = 1;

    /// <summary>The word of <see cref="PaddingId"/>: the empty string, as in Keras.</summary>
    public const string PaddingToken = "";

    /// <summary>The word of <see cref="OutOfVocabularyId"/>, as in Keras.</summary>
    public const string OutOfVocabularyToken = "[UNK]";

    /// <summary>Version written by <see cref="Save(Stream)"/>.</summary>
    public const int FormatVersion = 1;

    /// <summary>Largest <see cref="Count"/> of a vocabulary (and of a file's declared count).</summary>
    public const int MaxCount = 1 << 24;

    /// <summary>Largest UTF-8 length of a word, in bytes (the format stores lengths up to this).</summary>
    public const int MaxWordBytes = 65_535;

    private static ReadOnlySpan<byte> Magic => "LGVB"u8;

    private readonly string[] _words;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanIds;

    /// <summary>
    /// Creates a vocabulary from an explicit word list: <paramref name="words"/>[k] gets id k + 2. The list may also start
    /// with the reserved words <c>""</c> and <c>"[UNK]"</c> (as Keras' <c>get_vocabulary()</c> returns them), in which case
    /// <paramref name="words"/>[k] gets id k.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="words"/> or one of its words is null.</exception>
    /// <exception cref="ArgumentException">A word is empty, repeated, a reserved word in another position, longer than
    /// <see cref="MaxWordBytes"/> UTF-8 bytes or has an unpaired surrogate; or there are more than <see cref="MaxCount"/> ids.</exception>
    public Vocabulary(IEnumerable<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var list = new List<string>(words is ICollection<string> c ? c.Count : 16);
        foreach (string w in words)
        {
            if (w is null) throw new ArgumentNullException(nameof(words), $"The word at index {list.Count} is null.");
            list.Add(w);
        }
        int skip = list.Count >= 2 && list[0] == PaddingToken && list[1] == OutOfVocabularyToken ? 2 : 0;
        if (list.Count - skip > MaxCount - 2)
            throw new ArgumentException($"A vocabulary holds at most {MaxCount} ids; got {list.Count - skip + 2}.", nameof(words));
        _words = new string[list.Count - skip + 2];
        _words[PaddingId] = PaddingToken;
        _words[OutOfVocabularyId] = OutOfVocabularyToken;
        _ids = new Dictionary<string, int>(_words.Length, StringComparer.Ordinal);
        for (int k = skip; k < list.Count; k++)
        {
            string w = list[k];
            int id = k - skip + 2;
            if (w.Length == 0)
                throw new ArgumentException($"The word at index {k} is empty; the empty word is reserved for padding (id 0).", nameof(words));
            if (w == OutOfVocabularyToken)
                throw new ArgumentException($"The word at index {k} is \"{OutOfVocabularyToken}\", which is reserved for id 1.", nameof(words));
            if (CheckWord(w) is string problem)
                throw new ArgumentException($"The word at index {k} {problem}", nameof(words));
            if (!_ids.TryAdd(w, id))
                throw new ArgumentException($"The word \"{Printable.Escape(w)}\" appears twice (indexes {_ids[w] - 2 + skip} and {k}).", nameof(words));
            _words[id] = w;
        }
        _spanIds = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    // From a loaded record, whose words were checked as they were read.
    private Vocabulary(string[] words, Dictionary<string, int> ids)
    {
        _words = words;
        _ids = ids;
        _spanIds = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Why <paramref name="word"/> cannot be stored (a sentence continuing "The word …"), or null.</summary>
    private static string? CheckWord(string word)
    {
        int bytes;
        try
        {
            bytes = s_utf8.GetByteCount(word);
        }
        catch (EncoderFallbackException)
        {
            return $"(\"{Printable.Escape(word, 40)}\") has an unpaired surrogate, so it cannot be saved as UTF-8.";
        }
        return bytes > MaxWordBytes
            ? $"(\"{Printable.Escape(word, 40)}\") is {bytes:N0} UTF-8 bytes long; a vocabulary word is at most {MaxWordBytes:N0}."
            : null;
    }

    /// <summary>
    /// Builds a vocabulary from tokenised texts by frequency, as Keras <c>adapt</c> does: the most frequent words get the
    /// lowest ids (from 2); equal counts are ordered by ordinal string comparison, so the result is deterministic.
    /// Empty tokens and <c>"[UNK]"</c> are ignored.
    /// </summary>
    /// <param name="tokenizedTexts">The texts, each a sequence of words (for example from <see cref="TextNormalizer.Tokenize"/>).</param>
    /// <param name="maxSize">Largest <see cref="Count"/>, <b>including</b> the two reserved ids (Keras' <c>max_tokens</c>): at most
    /// <c>maxSize − 2</c> words are kept. Must be at least 2.</param>
    /// <param name="minCount">Words seen fewer times than this are left out (and so map to id 1). Must be at least 1.</param>
    /// <exception cref="ArgumentNullException"><paramref name="tokenizedTexts"/> or one of its texts or words is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSize"/> or <paramref name="minCount"/> is out of range.</exception>
    /// <exception cref="ArgumentException">A word that would be kept is longer than <see cref="MaxWordBytes"/> UTF-8 bytes or
    /// has an unpaired surrogate (the message gives the index of the first text with it), so the vocabulary could not be
    /// saved. Such a word left out by <paramref name="maxSize"/> or <paramref name="minCount"/> is no error: like any unknown
    /// word, it maps to id 1.</exception>
    public static Vocabulary Build(IEnumerable<IEnumerable<string>> tokenizedTexts, int maxSize = MaxCount, int minCount = 1)
    {
        ArgumentNullException.ThrowIfNull(tokenizedTexts);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxSize, MaxCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        Dictionary<string, (int Text, string Problem)>? invalid = null;
        int index = 0;
        foreach (IEnumerable<string> text in tokenizedTexts)
        {
            if (text is null) throw new ArgumentNullException(nameof(tokenizedTexts), $"Text {index} is null.");
            foreach (string word in text)
            {
                if (word is null) throw new ArgumentNullException(nameof(tokenizedTexts), $"Text {index} contains a null word.");
                if (word.Length == 0 || word == OutOfVocabularyToken) continue;
                ref long count = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, word, out bool seen);
                // Each distinct word is checked once, when first seen; it is an error only if it is among the words kept.
                if (!seen && CheckWord(word) is string problem) (invalid ??= new(StringComparer.Ordinal))[word] = (index, problem);
                count++;
            }
            index++;
        }
        var ranked = new List<KeyValuePair<string, long>>(counts.Count);
        foreach (KeyValuePair<string, long> kv in counts)
            if (kv.Value >= minCount) ranked.Add(kv);
        ranked.Sort(static (a, b) =>
        {
            int byCount = b.Value.CompareTo(a.Value);
            return byCount != 0 ? byCount : string.CompareOrdinal(a.Key, b.Key);
        });
        int keep = Math.Min(ranked.Count, maxSize - 2);
        var words = new string[keep];
        for (int i = 0; i < keep; i++)
        {
            words[i] = ranked[i].Key;
            if (invalid is not null && invalid.TryGetValue(words[i], out (int Text, string Problem) bad))
                throw new ArgumentException($"Text {bad.Text} has a word that cannot be in a vocabulary: the word {bad.Problem}", nameof(tokenizedTexts));
        }
        return new Vocabulary(words);
    }

    /// <summary>Number of ids, including padding (0) and out-of-vocabulary (1).</summary>
    public int Count => _words.Length;

    /// <summary>Every word by id, starting with <c>""</c> and <c>"[UNK]"</c> (the form of Keras' <c>get_vocabulary()</c>).</summary>
    public IReadOnlyList<string> Words => _words;

    /// <summary>The id of <paramref name="word"/>, or <see cref="OutOfVocabularyId"/> (1) when it is not in the vocabulary.
    /// The empty word is padding (0).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="word"/> is null.</exception>
    public int IdOf(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return IdOf(word.AsSpan());
    }

    /// <summary>The id of <paramref name="word"/> without allocating, or <see cref="OutOfVocabularyId"/> (1) when it is unknown.
    /// The empty word is padding (0).</summary>
    public int IdOf(ReadOnlySpan<char> word)
    {
        if (word.IsEmpty) return PaddingId;
        return _spanIds.TryGetValue(word, out int id) ? id : OutOfVocabularyId;
    }

    /// <summary>Whether <paramref name="word"/> has its own id (reserved words excluded).</summary>
    public bool Contains(ReadOnlySpan<char> word) => _spanIds.ContainsKey(word);

    /// <summary>The word of <paramref name="id"/>: <c>""</c> for 0, <c>"[UNK]"</c> for 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is outside [0, <see cref="Count"/>).</exception>
    public string WordOf(int id)
    {
        if ((uint)id >= (uint)_words.Length)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Word ids are in [0, {_words.Length}).");
        return _words[id];
    }

    /// <summary>Writes the vocabulary to <paramref name="stream"/> in the binary form described in the remarks.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes());
    }

    /// <summary>Writes the vocabulary through <paramref name="writer"/> (for example inside a larger file).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    public void Save(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(ToBytes());
    }

    /// <summary>
    /// Writes the vocabulary to the file at <paramref name="path"/> atomically with <see cref="AtomicFile.Write"/>: a
    /// temporary file in the same folder then replaces the target, so an existing file is never left half-written.
    /// Symbolic links are followed, directories, FIFOs and devices refused, and an existing file's permission bits kept.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="IOException">The target is not a regular file, or the file could not be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The target is read-only or the folder is not writable.</exception>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = ToBytes();
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Reads a vocabulary written by <see cref="Save(Stream)"/>, leaving <paramref name="stream"/> just after it.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="InvalidDataException">The data is not a valid vocabulary record (see the remarks).</exception>
    public static Vocabulary Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Read(stream, Remaining(stream), MaxCount, "");
    }

    /// <summary>Reads a vocabulary written by <see cref="Save(BinaryWriter)"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is null.</exception>
    /// <exception cref="InvalidDataException">The data is not a valid vocabulary record (see the remarks).</exception>
    public static Vocabulary Load(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        // BinaryReader does not buffer ahead for byte reads, so its base stream is positioned exactly.
        return Read(reader.BaseStream, Remaining(reader.BaseStream), MaxCount, "");
    }

    /// <summary>Reads a vocabulary from the file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid vocabulary, or has bytes after the record.</exception>
    public static Vocabulary Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Vocabulary v;
        try
        {
            v = Read(fs, Remaining(fs), MaxCount, "");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        if (fs.ReadByte() != -1) throw new InvalidDataException($"{path}: unexpected bytes after the vocabulary record.");
        return v;
    }

    private byte[] ToBytes()
    {
        // Every word was checked when the vocabulary was made: valid UTF-16 of at most MaxWordBytes UTF-8 bytes.
        int size = 12 + 4;
        var encoded = new byte[_words.Length][];
        for (int id = 2; id < _words.Length; id++)
        {
            encoded[id] = s_utf8.GetBytes(_words[id]);
            size += 4 + encoded[id].Length;
        }
        var buffer = new byte[size];
        Span<byte> s = buffer;
        Magic.CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(s[8..], _words.Length);
        int at = 12;
        for (int id = 2; id < _words.Length; id++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(s[at..], encoded[id].Length);
            encoded[id].CopyTo(s[(at + 4)..]);
            at += 4 + encoded[id].Length;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(s[at..], Crc32.Compute(s[..at]));
        return buffer;
    }

    internal const string ChecksumMismatchKey = "LstmGen.ChecksumMismatch";

    private static long Remaining(Stream stream)
    {
        if (!stream.CanSeek) return -1;
        try { return stream.Length - stream.Position; }
        catch (NotSupportedException) { return -1; }
    }

    /// <summary>
    /// Reads one record. <paramref name="available"/> is how many bytes the stream can still give (−1: unknown);
    /// <paramref name="maxCount"/> bounds the declared count, <paramref name="countLimit"/> says why (for the message).
    /// </summary>
    internal static Vocabulary Read(Stream stream, long available, int maxCount, string countLimit)
    {
        var crc = new Crc32();
        Span<byte> header = stackalloc byte[12];
        ReadExactly(stream, header, "the header", ref crc);
        if (!header[..4].SequenceEqual(Magic))
            throw new InvalidDataException("Not a LstmGen vocabulary: the magic bytes are not \"LGVB\".");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (version != FormatVersion)
            throw new InvalidDataException($"Unsupported vocabulary format version {version}; this library reads version {FormatVersion}.");
        int count = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (count < 2 || count > maxCount)
            throw new InvalidDataException($"Corrupt vocabulary: the word count {count} is outside [2, {maxCount}]{countLimit}.");
        // Each word takes at least its 4-byte length, and the checksum 4 more.
        long smallest = 12 + 4L * (count - 2) + 4;
        if (available >= 0 && smallest > available)
            throw new InvalidDataException($"Truncated vocabulary: {count} ids need at least {smallest} bytes but only {available} are present.");

        // Capacity grows with the words actually read, not with the declared count.
        int initial = Math.Min(count, 1024);
        var words = new List<string>(initial) { PaddingToken, OutOfVocabularyToken };
        var ids = new Dictionary<string, int>(initial, StringComparer.Ordinal);
        Span<byte> lengthBytes = stackalloc byte[4];
        byte[] wordBytes = new byte[256];
        for (int id = 2; id < count; id++)
        {
            ReadExactly(stream, lengthBytes, $"the length of word {id} of {count - 1}", ref crc);
            int length = BinaryPrimitives.ReadInt32LittleEndian(lengthBytes);
            if (length is < 1 or > MaxWordBytes)
                throw new InvalidDataException($"Corrupt vocabulary: word {id} has length {length}, outside [1, {MaxWordBytes}].");
            if (wordBytes.Length < length) wordBytes = new byte[Math.Min(MaxWordBytes, Math.Max(length, wordBytes.Length * 2))];
            Span<byte> bytes = wordBytes.AsSpan(0, length);
            ReadExactly(stream, bytes, $"word {id} of {count - 1}", ref crc);
            string word;
            try
            {
                word = s_utf8.GetString(bytes);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"Corrupt vocabulary: word {id} is not valid UTF-8.", e);
            }
            if (word == OutOfVocabularyToken)
                throw new InvalidDataException($"Corrupt vocabulary: word {id} is the reserved \"{OutOfVocabularyToken}\".");
            if (!ids.TryAdd(word, id))
                throw new InvalidDataException($"Corrupt vocabulary: word {id} (\"{Printable.Escape(word)}\") appears twice.");
            words.Add(word);
        }
        uint expected = crc.Value;
        Span<byte> trailer = stackalloc byte[4];
        var ignored = new Crc32();
        ReadExactly(stream, trailer, "the checksum", ref ignored);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        if (stored != expected)
        {
            var e = new InvalidDataException($"Corrupt vocabulary: checksum mismatch (stored 0x{stored:X8}, computed 0x{expected:X8}).");
            e.Data[ChecksumMismatchKey] = true; // damage rather than a malformed field, for ModelFile's error kind
            throw e;
        }
        return new Vocabulary([.. words], ids);
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what, ref Crc32 crc)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
                throw new InvalidDataException($"Truncated vocabulary: the data ends inside {what}.");
            total += n;
        }
        crc.Append(buffer);
    }
}
