using LstmGen.Testing;
using LstmGen.Samples.Sentiment;

namespace LstmGen.Text.Tests;

public class LabelledDataTests
{
    private static string TempFile(string contents)
    {
        string path = Path.Combine(Path.GetTempPath(), "lstmgen-data-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllText(path, contents);
        return path;
    }

    [Fact]
    public void ReadsTextTabLabelLines_SkippingBlankLines()
    {
        string path = TempFile("Great movie.\t1\r\n\r\nAwful, just awful.  \t0\nTabs\tinside\t 1 \n");
        try
        {
            Assert.Equal([("Great movie.", 1), ("Awful, just awful.", 0), ("Tabs\tinside", 1)], LabelledData.Read([path]));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("good\t1\nno tab here\n", ":2: expected 'text<TAB>label'")]
    [InlineData("good\t1\nbad\t2\n", ":2: the label must be 0 (negative) or 1 (positive) but is '2'")]
    [InlineData("good\tpositive\n", ":1: the label must be 0")]
    [InlineData("good\t1\n\t0\n", ":2: the text before the tab is empty")]
    [InlineData("good\t\n", ":1: the label after the tab is empty")]
    [InlineData("\n\n", "no labelled lines")]
    public void MalformedFiles_NameTheFileAndLine(string contents, string expected)
    {
        string path = TempFile(contents);
        try
        {
            var e = Assert.Throws<DataException>(() => LabelledData.Read([path]));
            Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingFile_IsNamed()
    {
        var e = Assert.Throws<DataException>(() => LabelledData.Read(["/no/such/file.txt"]));
        Assert.Contains("/no/such/file.txt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidUtf8_IsNamed()
    {
        string path = Path.Combine(Path.GetTempPath(), "lstmgen-data-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllBytes(path, [(byte)'o', (byte)'k', 0xFF, 0xFE, 0x80, (byte)'\t', (byte)'1']);
        try
        {
            Assert.Contains("UTF-8", Assert.Throws<DataException>(() => LabelledData.Read([path])).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string TempBytes(byte[] contents)
    {
        string path = Path.Combine(Path.GetTempPath(), "lstmgen-data-" + Guid.NewGuid().ToString("N") + ".txt");
        File.WriteAllBytes(path, contents);
        return path;
    }

    [Fact]
    public void ALineLongerThanTheLimit_FailsWithTheLineNumber_InBoundedMemory()
    {
        // Line 2 is 12 MiB of NUL bytes without a line break, like /dev/zero or a binary file.
        byte[] contents = [.. "good\t1\n"u8, .. new byte[12 << 20], .. "\t0\n"u8];
        string path = TempBytes(contents);
        try
        {
            LabelledData.Read(new MemoryStream("warm\t1\n"u8.ToArray()), "warm-up");
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<DataException>(() => LabelledData.Read([path]));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.StartsWith(path + ":2: the line is longer than 1,048,576 bytes", e.Message, StringComparison.Ordinal);
            Assert.True(allocated < 4 << 20, $"allocated {allocated:N0} bytes"); // about 3 MiB: the 1 MiB line buffer, grown by doubling
            // Exactly at the limit is accepted.
            File.WriteAllBytes(path, [.. "good\t1\r\n"u8, .. Enumerable.Repeat((byte)'a', LabelledData.MaxLineBytes - 2), .. "\t0"u8]);
            List<(string Text, int Label)> rows = LabelledData.Read([path]);
            Assert.Equal(2, rows.Count);
            Assert.Equal(LabelledData.MaxLineBytes - 2, rows[1].Text.Length);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void DevZero_FailsFast()
    {
        if (!File.Exists("/dev/zero")) return;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<DataException>(() => LabelledData.Read(["/dev/zero"]));
        Assert.StartsWith("/dev/zero:1: the line is longer than", e.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE }, "UTF-16 little-endian")]
    [InlineData(new byte[] { 0xFE, 0xFF }, "UTF-16 big-endian")]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x00, 0x00 }, "UTF-32 little-endian")]
    [InlineData(new byte[] { 0x00, 0x00, 0xFE, 0xFF }, "UTF-32 big-endian")]
    public void OtherByteOrderMarks_AreRefused_NotFollowed(byte[] bom, string name)
    {
        // A well-formed file in that encoding: before issue 15 it was silently decoded as such.
        System.Text.Encoding encoding = name switch
        {
            "UTF-16 little-endian" => new System.Text.UnicodeEncoding(bigEndian: false, byteOrderMark: false),
            "UTF-16 big-endian" => new System.Text.UnicodeEncoding(bigEndian: true, byteOrderMark: false),
            "UTF-32 little-endian" => new System.Text.UTF32Encoding(bigEndian: false, byteOrderMark: false),
            _ => new System.Text.UTF32Encoding(bigEndian: true, byteOrderMark: false),
        };
        string path = TempBytes([.. bom, .. encoding.GetBytes("good\t1\nbad\t0\n")]);
        try
        {
            var e = Assert.Throws<DataException>(() => LabelledData.Read([path]));
            Assert.StartsWith($"{path}: the file starts with a {name} byte order mark, but only UTF-8 is read", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AUtf8ByteOrderMark_IsSkipped_AndBadUtf8IsNamedByLine()
    {
        string path = TempBytes([0xEF, 0xBB, 0xBF, .. "good\t1\rbad\t0\r\nok\t1\n"u8, 0xC3, 0x28, .. "\t0\n"u8]);
        try
        {
            var e = Assert.Throws<DataException>(() => LabelledData.Read([path]));
            Assert.Equal($"{path}:4: the line is not valid UTF-8 text.", e.Message);
            File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "good\t1\rbad\t0\r\nok\t1"u8]);
            Assert.Equal([("good", 1), ("bad", 0), ("ok", 1)], LabelledData.Read([path]));
            // The stream entry point reads the same way.
            Assert.Equal([("good", 1), ("bad", 0), ("ok", 1)], LabelledData.Read(new MemoryStream(File.ReadAllBytes(path)), "x"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ControlCharactersFromTheData_AreEscapedInMessages()
    {
        string path = TempFile("good\t1\n\u001b[2J\u001b]0;x\u0007 no tab\n");
        try
        {
            var e = Assert.Throws<DataException>(() => LabelledData.Read([path]));
            Assert.DoesNotContain('\u001b', e.Message);
            Assert.Contains(@"\u001B[2J\u001B]0;x\u0007 no tab", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [SharedDataFact]
    public void UciSentences_AreReadWhole()
    {
        Assert.True(SharedData.UciFolder is not null, "CI requires ../shared/data/uci-sentiment-labelled-sentences, and it is missing.");
        List<(string Text, int Label)> rows = LabelledData.Read([SharedData.UciFolder]);
        // 3 files × 1,000 lines, exactly balanced; the IMDb file's U+0085 characters stay inside sentences.
        Assert.Equal(3000, rows.Count);
        Assert.Equal(1500, rows.Count(r => r.Label == 1));
        Assert.Contains(rows, r => r.Text.Contains('\u0085', StringComparison.Ordinal));
        TextVectorizer tv = TextVectorizer.Adapt(rows.Select(r => r.Text), maxSize: 10_000);
        Assert.InRange(tv.Vocabulary.Count, 4000, 10_000);
        Assert.All(rows, r => Assert.NotEmpty(tv.Tokenize(r.Text)));
    }
}
