using System.Text;

namespace LstmGen.Samples.Sentiment;

/// <summary>Bad data: the message names the file and line; the program shows it and exits with code 2.</summary>
public sealed class DataException(string message) : Exception(message);

/// <summary>Reads labelled sentences from <c>text&lt;TAB&gt;label</c> files such as the UCI sentiment sentences.</summary>
/// <remarks>
/// Files are UTF-8 (a UTF-8 byte order mark is skipped). A file that starts with a UTF-16 or UTF-32 byte order mark is
/// refused with a message saying so, rather than silently decoded another way. A line may hold at most
/// <see cref="MaxLineBytes"/> bytes (1 MiB); a longer one (for example from a binary file or <c>/dev/zero</c>) fails with the
/// file and line number as soon as the limit is passed, so memory stays bounded whatever the input.
/// </remarks>
public static class LabelledData
{
    /// <summary>Longest line, in bytes of UTF-8 without its line break: 1 MiB.</summary>
    public const int MaxLineBytes = 1 << 20;

    /// <summary>
    /// Reads every file in <paramref name="paths"/>; a folder stands for its <c>*.txt</c> files in ordinal name order.
    /// Each non-blank line is <c>text&lt;TAB&gt;label</c>: the text is everything before the last tab, the label (0 or 1,
    /// surrounding spaces allowed) everything after it. Lines end at CR, LF or CRLF only, so other characters such as
    /// U+0085 stay part of the text. See the remarks for the encoding and the line length limit.
    /// </summary>
    /// <exception cref="DataException">A path does not exist, a folder has no .txt files, a file cannot be read, is not
    /// UTF-8, has a line longer than <see cref="MaxLineBytes"/>, or a line is malformed.</exception>
    public static List<(string Text, int Label)> Read(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var rows = new List<(string Text, int Label)>();
        foreach (string path in paths)
        {
            string[]? files = null;
            try
            {
                if (Directory.Exists(path))
                {
                    files = Directory.GetFiles(path, "*.txt");
                    if (files.Length == 0) throw new DataException($"{path}: the folder has no .txt files.");
                    Array.Sort(files, StringComparer.Ordinal);
                }
                else if (!File.Exists(path))
                {
                    throw new DataException($"{path}: no such file or folder.");
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new DataException($"{path}: cannot read the folder: {e.Message}");
            }
            foreach (string file in files ?? [path]) ReadFile(file, rows);
        }
        return rows;
    }

    /// <summary>
    /// Reads the labelled lines of one file's content from <paramref name="stream"/> (as <see cref="Read(IEnumerable{string})"/>
    /// reads each file); <paramref name="name"/> starts every message.
    /// </summary>
    /// <exception cref="DataException">The content is not UTF-8, has a line longer than <see cref="MaxLineBytes"/>, has a
    /// malformed line, or has no labelled line.</exception>
    public static List<(string Text, int Label)> Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var rows = new List<(string Text, int Label)>();
        ReadLines(stream, name, rows);
        if (rows.Count == 0) throw new DataException($"{name}: the file has no labelled lines.");
        return rows;
    }

    private static void ReadFile(string path, List<(string Text, int Label)> rows)
    {
        int before = rows.Count;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            ReadLines(stream, path, rows);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new DataException($"{path}: cannot read the file: {e.Message}");
        }
        if (rows.Count == before) throw new DataException($"{path}: the file has no labelled lines.");
    }

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Splits the bytes at CR, LF and CRLF (in UTF-8 these bytes never occur inside a multi-byte character), then decodes
    // each line on its own, so that an invalid byte is reported with its line number and no line can grow past the limit.
    private static void ReadLines(Stream stream, string path, List<(string Text, int Label)> rows)
    {
        byte[] chunk = new byte[1 << 16];
        byte[] line = new byte[4096];
        int lineLength = 0, lineNumber = 1;
        bool afterCr = false;
        int n = stream.ReadAtLeast(chunk, 4, throwOnEndOfStream: false);
        int start = StartOfText(chunk.AsSpan(0, n), path);
        while (n > 0)
        {
            ReadOnlySpan<byte> rest = chunk.AsSpan(start, n - start);
            while (!rest.IsEmpty)
            {
                if (afterCr)
                {
                    afterCr = false;
                    if (rest[0] == (byte)'\n') { rest = rest[1..]; continue; } // the LF of a CRLF
                }
                int end = rest.IndexOfAny((byte)'\r', (byte)'\n');
                ReadOnlySpan<byte> part = end < 0 ? rest : rest[..end];
                if (lineLength + part.Length > MaxLineBytes)
                    throw new DataException($"{path}:{lineNumber}: the line is longer than {MaxLineBytes:N0} bytes (1 MiB), the limit; is this a text file of 'text<TAB>label' lines?");
                if (lineLength + part.Length > line.Length)
                    Array.Resize(ref line, Math.Min(MaxLineBytes, Math.Max(lineLength + part.Length, 2 * line.Length)));
                part.CopyTo(line.AsSpan(lineLength));
                lineLength += part.Length;
                if (end < 0) break;
                AddLine(line.AsSpan(0, lineLength), path, lineNumber, rows);
                lineLength = 0;
                lineNumber++;
                afterCr = rest[end] == (byte)'\r';
                rest = rest[(end + 1)..];
            }
            n = stream.Read(chunk);
            start = 0;
        }
        if (lineLength > 0) AddLine(line.AsSpan(0, lineLength), path, lineNumber, rows);
    }

    // Where the text starts after a UTF-8 byte order mark; other byte order marks are refused, not followed.
    private static int StartOfText(ReadOnlySpan<byte> head, string path)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) return 3;
        string? other =
            head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE, 0x00, 0x00]) ? "UTF-32 little-endian" :
            head.StartsWith((ReadOnlySpan<byte>)[0x00, 0x00, 0xFE, 0xFF]) ? "UTF-32 big-endian" :
            head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) ? "UTF-16 little-endian" :
            head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]) ? "UTF-16 big-endian" : null;
        if (other is not null)
            throw new DataException($"{path}: the file starts with a {other} byte order mark, but only UTF-8 is read; convert it (for example: iconv -f {(other.StartsWith("UTF-16", StringComparison.Ordinal) ? "UTF-16" : "UTF-32")} -t UTF-8).");
        return 0;
    }

    private static void AddLine(ReadOnlySpan<byte> bytes, string path, int lineNumber, List<(string Text, int Label)> rows)
    {
        string line;
        try
        {
            line = s_utf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new DataException($"{path}:{lineNumber}: the line is not valid UTF-8 text.");
        }
        if (string.IsNullOrWhiteSpace(line)) return;
        rows.Add(ParseLine(line, path, lineNumber));
    }

    /// <summary>Parses one <c>text&lt;TAB&gt;label</c> line.</summary>
    /// <exception cref="DataException">The line is malformed; the message gives <paramref name="path"/> and <paramref name="lineNumber"/>.</exception>
    public static (string Text, int Label) ParseLine(string line, string path, int lineNumber)
    {
        int tab = line.LastIndexOf('\t');
        if (tab < 0)
            throw new DataException($"{path}:{lineNumber}: expected 'text<TAB>label' but the line has no tab: {Excerpt(line)}");
        string text = line[..tab].Trim();
        string label = line[(tab + 1)..].Trim();
        if (text.Length == 0)
            throw new DataException($"{path}:{lineNumber}: the text before the tab is empty.");
        return label switch
        {
            "0" => (text, 0),
            "1" => (text, 1),
            _ => throw new DataException($"{path}:{lineNumber}: the label must be 0 (negative) or 1 (positive) but is '{Excerpt(label)}'."),
        };
    }

    // The start of a line for a message, with control characters (so also terminal escape sequences) shown as \uXXXX.
    private static string Excerpt(string s)
    {
        string cut = s.Length <= 60 ? s : s[..57] + "...";
        var sb = new StringBuilder(cut.Length);
        foreach (char c in cut)
        {
            if (char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
