using System.Buffers.Binary;
using System.Text;

namespace LstmGen.Text.Tests;

public class VocabularySerializationTests
{
    private static readonly Vocabulary Sample = new(["the", "movie", "was", "good", "café", "映画", "😍", "don't", "a b"]);

    private static byte[] Save(Vocabulary v)
    {
        using var ms = new MemoryStream();
        v.Save(ms);
        return ms.ToArray();
    }

    private static Vocabulary Load(byte[] bytes) => Vocabulary.Load(new MemoryStream(bytes));

    // An independent bitwise CRC-32 (IEEE), to check the documented format rather than the library against itself.
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }

    // Builds a record by hand: header, words as given (raw bytes), correct checksum.
    private static byte[] Record(int count, params byte[][] words)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write("LGVB"u8);
            w.Write(1u);
            w.Write(count);
            foreach (byte[] word in words)
            {
                w.Write(word.Length);
                w.Write(word);
            }
        }
        byte[] body = ms.ToArray();
        byte[] all = new byte[body.Length + 4];
        body.CopyTo(all, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(all.AsSpan(body.Length), Crc32(body));
        return all;
    }

    [Fact]
    public void Crc32ReferenceValue() => Assert.Equal(0xCBF43926u, Crc32("123456789"u8));

    [Fact]
    public void RoundTrip_KeepsEveryWordAndId()
    {
        Vocabulary loaded = Load(Save(Sample));
        Assert.Equal(Sample.Words, loaded.Words);
        Assert.Equal(Sample.IdOf("😍"), loaded.IdOf("😍"));
    }

    [Fact]
    public void RoundTrip_OfABuiltVocabulary()
    {
        TextVectorizer tv = TextVectorizer.Adapt(["I loved it", "I hated it", "Loved, loved, LOVED"]);
        Vocabulary loaded = Load(Save(tv.Vocabulary));
        Assert.Equal(tv.Vocabulary.Words, loaded.Words);
    }

    [Fact]
    public void RoundTrip_OfTheEmptyVocabulary()
    {
        byte[] bytes = Save(new Vocabulary([]));
        Assert.Equal(16, bytes.Length);
        Assert.Equal(2, Load(bytes).Count);
    }

    [Fact]
    public void Format_IsTheDocumentedLittleEndianLayout()
    {
        var v = new Vocabulary(["hi", "é"]);
        byte[] bytes = Save(v);
        Assert.Equal(Record(4, "hi"u8.ToArray(), "é"u8.ToArray()), bytes);
        Assert.Equal("LGVB"u8.ToArray(), bytes[..4]);
        Assert.Equal([1, 0, 0, 0], bytes[4..8]);
        Assert.Equal([4, 0, 0, 0], bytes[8..12]);
        Assert.Equal([2, 0, 0, 0, (byte)'h', (byte)'i', 2, 0, 0, 0, 0xC3, 0xA9], bytes[12..24]);
        Assert.Equal(Crc32(bytes.AsSpan(0, 24)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24)));
    }

    [Fact]
    public void BinaryWriterAndReader_EmbedTheRecordInALargerFile()
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(12345);
            Sample.Save(w);
            w.Write("after");
        }
        ms.Position = 0;
        using var r = new BinaryReader(ms);
        Assert.Equal(12345, r.ReadInt32());
        Vocabulary loaded = Vocabulary.Load(r);
        Assert.Equal("after", r.ReadString());
        Assert.Equal(Sample.Words, loaded.Words);
    }

    [Fact]
    public void EveryTruncation_IsRejected()
    {
        byte[] bytes = Save(Sample);
        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<InvalidDataException>(() => Load(bytes[..length]));
            Assert.Contains("Truncated", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EverySingleBitFlip_IsRejected()
    {
        byte[] bytes = Save(Sample);
        for (int i = 0; i < bytes.Length; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] corrupt = (byte[])bytes.Clone();
                corrupt[i] ^= (byte)(1 << bit);
                Assert.Throws<InvalidDataException>(() => Load(corrupt));
            }
        }
    }

    [Fact]
    public void WrongMagic_SaysItIsNotAVocabulary()
    {
        byte[] bytes = Save(Sample);
        bytes[0] = (byte)'X';
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => Load(bytes)).Message, StringComparison.Ordinal);
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => Load("PK\x03\x04 this is a zip file"u8.ToArray())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownVersion_IsNamed()
    {
        byte[] bytes = Save(Sample);
        bytes[4] = 2;
        var e = Assert.Throws<InvalidDataException>(() => Load(bytes));
        Assert.Contains("version 2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-5)]
    [InlineData(int.MaxValue)]
    public void ImplausibleCount_IsRejectedBeforeAllocating(int count)
    {
        var e = Assert.Throws<InvalidDataException>(() => Load(Record(count)));
        Assert.Contains("count", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ImplausibleWordLength_IsRejected()
    {
        byte[] bytes = Record(3, "ok"u8.ToArray());
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), 1 << 30);
        Assert.Contains("length", Assert.Throws<InvalidDataException>(() => Load(bytes)).Message, StringComparison.Ordinal);
        Assert.Contains("length 0", Assert.Throws<InvalidDataException>(() => Load(Record(3, Array.Empty<byte>()))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8_IsRejected_EvenWithAValidChecksum()
    {
        var e = Assert.Throws<InvalidDataException>(() => Load(Record(3, new byte[] { 0xC3, 0x28 })));
        Assert.Contains("UTF-8", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateOrReservedWords_AreRejected_EvenWithAValidChecksum()
    {
        Assert.Contains("twice", Assert.Throws<InvalidDataException>(() => Load(Record(4, "a"u8.ToArray(), "a"u8.ToArray()))).Message, StringComparison.Ordinal);
        Assert.Contains("reserved", Assert.Throws<InvalidDataException>(() => Load(Record(3, "[UNK]"u8.ToArray()))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChecksumMismatch_IsNamed()
    {
        byte[] bytes = Save(Sample);
        bytes[^1] ^= 0xFF;
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => Load(bytes)).Message, StringComparison.Ordinal);
        // A changed letter keeps every length valid, so only the checksum catches it.
        byte[] word = Save(Sample);
        int at = word.AsSpan().IndexOf("movie"u8);
        word[at] = (byte)'n';
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => Load(word)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_RoundTrip_OverwritesAtomically_AndRejectsTrailingBytes()
    {
        string dir = Path.Combine(Path.GetTempPath(), "lstmgen-vocab-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string path = Path.Combine(dir, "vocab.bin");
            new Vocabulary(["old"]).Save(path);
            Sample.Save(path);
            Assert.Equal(Sample.Words, Vocabulary.Load(path).Words);
            Assert.Equal(["vocab.bin"], Directory.GetFiles(dir).Select(Path.GetFileName));

            File.AppendAllText(path, "junk");
            var e = Assert.Throws<InvalidDataException>(() => Vocabulary.Load(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);

            File.WriteAllBytes(path, Save(Sample)[..10]);
            e = Assert.Throws<InvalidDataException>(() => Vocabulary.Load(path));
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("Truncated", e.Message, StringComparison.Ordinal);

            Assert.Throws<FileNotFoundException>(() => Vocabulary.Load(Path.Combine(dir, "missing.bin")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void WordsThatCannotBeSaved_AreRejectedWhenTheVocabularyIsMade()
    {
        // Before issue 15 these were accepted and only Save failed (after training, in the sample).
        var surrogate = Assert.Throws<ArgumentException>(() => new Vocabulary(["fine", "bad\uD800"]));
        Assert.Contains("index 1", surrogate.Message, StringComparison.Ordinal);
        Assert.Contains("unpaired surrogate", surrogate.Message, StringComparison.Ordinal);
        var tooLong = Assert.Throws<ArgumentException>(() => new Vocabulary(["fine", new string('é', 32_768)])); // 65,536 bytes
        Assert.Contains("65,536 UTF-8 bytes", tooLong.Message, StringComparison.Ordinal);
        // The longest word the format stores round-trips.
        var longest = new Vocabulary([new string('x', Vocabulary.MaxWordBytes), new string('é', Vocabulary.MaxWordBytes / 2)]);
        Assert.Equal(longest.Words, Load(Save(longest)).Words);
    }

    [Fact]
    public void Save_RefusesADirectoryTarget_AndLeavesNothingBehind()
    {
        string dir = Path.Combine(Path.GetTempPath(), "lstmgen-vocab-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "vocab.bin"));
        try
        {
            Assert.ThrowsAny<IOException>(() => Sample.Save(Path.Combine(dir, "vocab.bin")));
            Assert.Equal(["vocab.bin"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AHugeDeclaredCount_AllocatesOnlyForTheWordsPresent()
    {
        byte[] record = Record(Vocabulary.MaxCount, "a"u8.ToArray(), "b"u8.ToArray());
        // A stream that knows its length: refused at once, naming the bytes needed.
        var seekable = Assert.Throws<InvalidDataException>(() => Load(record));
        Assert.Contains($"{Vocabulary.MaxCount} ids need at least", seekable.Message, StringComparison.Ordinal);
        // A pipe: the words are read until the data runs out (here the checksum is taken for a length), and memory follows
        // the words, not the count.
        Load(Save(Sample)); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => Vocabulary.Load(new PipeStream(record)));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 128 << 10, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void WordsInMessages_AreEscaped()
    {
        byte[] evil = Encoding.UTF8.GetBytes("\u001b[2Jx");
        var e = Assert.Throws<InvalidDataException>(() => Load(Record(4, evil, evil)));
        Assert.DoesNotContain('\u001b', e.Message);
        Assert.Contains(@"\u001B[2Jx", e.Message, StringComparison.Ordinal);
        var made = Assert.Throws<ArgumentException>(() => new Vocabulary(["\u001b[31mred", "\u001b[31mred"]));
        Assert.DoesNotContain('\u001b', made.Message);
    }

    /// <summary>A stream without a length, like a pipe.</summary>
    private sealed class PipeStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
