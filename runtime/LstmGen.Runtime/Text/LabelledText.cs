using System.Globalization;
using System.Text;

namespace LstmGen.Text;

/// <summary>One labelled text read from a file, with where it came from.</summary>
/// <param name="Text">The text (trimmed).</param>
/// <param name="Label">The label as written (trimmed).</param>
/// <param name="Source">The file (or stream name) it was read from.</param>
/// <param name="Line">The 1-based line it starts on.</param>
public readonly record struct LabelledExample(string Text, string Label, string Source, int Line);

/// <summary>Bad labelled data: the message starts with <c>file:line:</c> (or the file alone when no line applies).</summary>
public sealed class LabelledDataException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public LabelledDataException(string message, string source, int line, Exception? inner = null) : base(message, inner)
    {
        FileName = source;
        Line = line;
    }

    /// <summary>The file or stream name.</summary>
    public string FileName { get; }

    /// <summary>The 1-based line, or 0 when the error is about the whole file.</summary>
    public int Line { get; }
}

/// <summary>
/// Reads labelled texts: <c>text&lt;TAB&gt;label</c> lines (the UCI sentiment sentences' format) and CSV with quoted fields
/// (RFC 4180: fields in double quotes may hold commas, line breaks and doubled quotes <c>""</c>).
/// </summary>
/// <remarks>
/// Files are UTF-8 (a UTF-8 byte order mark is skipped); a UTF-16 or UTF-32 byte order mark is refused with a message saying
/// so. A line may hold at most <see cref="MaxLineBytes"/> bytes (1 MiB); a longer one (for example a binary file or
/// <c>/dev/zero</c>) fails with the file and line as soon as the limit is passed, so memory stays bounded whatever the input.
/// Lines end at CR, LF or CRLF only, so other characters such as U+0085 stay part of the text. Every error is a
/// <see cref="LabelledDataException"/> whose message starts with <c>file:line:</c>.
/// </remarks>
public static class LabelledText
{
    /// <summary>Longest line, in bytes of UTF-8 without its line break: 1 MiB.</summary>
    public const int MaxLineBytes = 1 << 20;

    /// <summary>
    /// Reads every file in <paramref name="paths"/>; a folder stands for its <c>*.txt</c> files in ordinal name order. Each
    /// non-blank line is <c>text&lt;TAB&gt;label</c>: the text is everything before the last tab, the label everything after
    /// it, both trimmed; neither may be empty.
    /// </summary>
    /// <exception cref="LabelledDataException">A path does not exist, a folder has no .txt files, a file cannot be read, is
    /// not UTF-8, has a line longer than <see cref="MaxLineBytes"/> or a malformed line, or has no labelled line.</exception>
    public static List<LabelledExample> ReadTsv(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var rows = new List<LabelledExample>();
        foreach (string path in paths)
        {
            foreach (string file in FilesOf(path))
            {
                int before = rows.Count;
                WithFile(file, stream => ReadTsvLines(stream, file, rows));
                if (rows.Count == before) throw new LabelledDataException($"{file}: the file has no labelled lines.", file, 0);
            }
        }
        return rows;
    }

    /// <summary>Reads the <c>text&lt;TAB&gt;label</c> lines of one file's content; <paramref name="name"/> starts every message.</summary>
    /// <exception cref="LabelledDataException">See <see cref="ReadTsv(IEnumerable{string})"/>.</exception>
    public static List<LabelledExample> ReadTsv(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var rows = new List<LabelledExample>();
        ReadTsvLines(stream, name, rows);
        if (rows.Count == 0) throw new LabelledDataException($"{name}: the file has no labelled lines.", name, 0);
        return rows;
    }

    /// <summary>
    /// Reads a CSV file: records of comma-separated fields (RFC 4180 quoting; a quoted field may span lines), blank lines
    /// skipped. With <paramref name="header"/> the first record names the columns, and <paramref name="textColumn"/> /
    /// <paramref name="labelColumn"/> may be given as names; otherwise they are 0-based indices ("0", "1", …).
    /// </summary>
    /// <exception cref="LabelledDataException">The file cannot be read, is not UTF-8, has an over-long line, an unclosed
    /// quote, a quote inside an unquoted field, a record with too few fields, an empty text or label, or no record.</exception>
    public static List<LabelledExample> ReadCsv(string path, string textColumn = "text", string labelColumn = "label", bool header = true, char separator = ',')
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        List<LabelledExample>? rows = null;
        WithFile(path, stream => rows = ReadCsv(stream, path, textColumn, labelColumn, header, separator));
        return rows!;
    }

    /// <inheritdoc cref="ReadCsv(string, string, string, bool, char)"/>
    public static List<LabelledExample> ReadCsv(Stream stream, string name, string textColumn = "text", string labelColumn = "label", bool header = true, char separator = ',')
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(textColumn);
        ArgumentNullException.ThrowIfNull(labelColumn);
        if (separator is '"' or '\r' or '\n') throw new ArgumentOutOfRangeException(nameof(separator), separator, "The separator cannot be a quote or a line break.");
        var rows = new List<LabelledExample>();
        int textIndex = -1, labelIndex = -1;
        if (!header)
        {
            textIndex = ColumnIndex(textColumn, name);
            labelIndex = ColumnIndex(labelColumn, name);
        }
        var record = new List<string>();
        var field = new StringBuilder();
        bool inQuotes = false, quotedField = false, afterQuote = false;
        int recordLine = 0, fields = -1;
        void EndField()
        {
            record.Add(field.ToString());
            field.Clear();
            quotedField = afterQuote = false;
        }
        void EndRecord(int line)
        {
            EndField();
            if (record.Count == 1 && record[0].Length == 0 && !quotedField) { record.Clear(); return; } // a blank line
            if (textIndex < 0)
            {
                textIndex = record.FindIndex(c => string.Equals(c.Trim(), textColumn, StringComparison.OrdinalIgnoreCase));
                labelIndex = record.FindIndex(c => string.Equals(c.Trim(), labelColumn, StringComparison.OrdinalIgnoreCase));
                if (textIndex < 0 || labelIndex < 0)
                    throw new LabelledDataException($"{name}:{line}: the header ({Excerpt(string.Join(separator, record))}) has no column '{Excerpt(textIndex < 0 ? textColumn : labelColumn)}'.", name, line);
                fields = record.Count;
                record.Clear();
                return;
            }
            int needed = Math.Max(textIndex, labelIndex) + 1;
            if (record.Count < needed)
                throw new LabelledDataException($"{name}:{line}: the record has {record.Count} field{(record.Count == 1 ? "" : "s")} but column {needed - 1} is needed{(fields > 0 ? $" (the header has {fields})" : "")}.", name, line);
            string text = record[textIndex].Trim(), label = record[labelIndex].Trim();
            if (text.Length == 0) throw new LabelledDataException($"{name}:{line}: the text field is empty.", name, line);
            if (label.Length == 0) throw new LabelledDataException($"{name}:{line}: the label field is empty.", name, line);
            rows.Add(new LabelledExample(text, label, name, line));
            record.Clear();
        }
        int lastLine = 0;
        ReadLines(stream, name, (line, number) =>
        {
            lastLine = number;
            if (!inQuotes) recordLine = number;
            else field.Append('\n'); // the line break inside a quoted field
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (inQuotes)
                {
                    if (c != '"') { field.Append(c); continue; }
                    if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; continue; }
                    inQuotes = false;
                    afterQuote = true;
                    continue;
                }
                if (c == separator) { EndField(); continue; }
                if (c == '"')
                {
                    if (field.Length > 0 && field.ToString().Trim().Length > 0 || afterQuote)
                        throw new LabelledDataException($"{name}:{number}: a quote inside an unquoted field (column {record.Count}); quote the whole field and double quotes inside it.", name, number);
                    field.Clear();
                    inQuotes = quotedField = true;
                    continue;
                }
                if (afterQuote && !char.IsWhiteSpace(c))
                    throw new LabelledDataException($"{name}:{number}: text after the closing quote of column {record.Count}.", name, number);
                if (!afterQuote) field.Append(c);
            }
            if (!inQuotes) EndRecord(recordLine);
        });
        if (inQuotes) throw new LabelledDataException($"{name}:{recordLine}: the quoted field opened on this line is never closed (the file ends at line {lastLine}).", name, recordLine);
        if (rows.Count == 0) throw new LabelledDataException($"{name}: the file has no labelled records.", name, 0);
        return rows;
    }

    private static int ColumnIndex(string column, string name)
    {
        if (int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out int index)) return index;
        throw new LabelledDataException($"{name}: without a header, columns are 0-based numbers, not '{Excerpt(column)}'.", name, 0);
    }

    private static IEnumerable<string> FilesOf(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                string[] files = Directory.GetFiles(path, "*.txt");
                if (files.Length == 0) throw new LabelledDataException($"{path}: the folder has no .txt files.", path, 0);
                Array.Sort(files, StringComparer.Ordinal);
                return files;
            }
            if (!File.Exists(path)) throw new LabelledDataException($"{path}: no such file or folder.", path, 0);
            return [path];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new LabelledDataException($"{path}: cannot read the folder: {e.Message}", path, 0, e);
        }
    }

    private static void WithFile(string path, Action<Stream> read)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            read(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new LabelledDataException($"{path}: cannot read the file: {e.Message}", path, 0, e);
        }
    }

    private static void ReadTsvLines(Stream stream, string name, List<LabelledExample> rows) => ReadLines(stream, name, (line, number) =>
    {
        if (string.IsNullOrWhiteSpace(line)) return;
        int tab = line.LastIndexOf('\t');
        if (tab < 0)
            throw new LabelledDataException($"{name}:{number}: expected 'text<TAB>label' but the line has no tab: {Excerpt(line)}", name, number);
        string text = line[..tab].Trim();
        string label = line[(tab + 1)..].Trim();
        if (text.Length == 0) throw new LabelledDataException($"{name}:{number}: the text before the tab is empty.", name, number);
        if (label.Length == 0) throw new LabelledDataException($"{name}:{number}: the label after the tab is empty.", name, number);
        rows.Add(new LabelledExample(text, label, name, number));
    });

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Splits the bytes at CR, LF and CRLF (in UTF-8 these bytes never occur inside a multi-byte character), then decodes
    // each line on its own, so that an invalid byte is reported with its line number and no line can grow past the limit.
    private static void ReadLines(Stream stream, string path, Action<string, int> onLine)
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
                    throw new LabelledDataException($"{path}:{lineNumber}: the line is longer than {MaxLineBytes:N0} bytes (1 MiB), the limit; is this a text file of labelled lines?", path, lineNumber);
                if (lineLength + part.Length > line.Length)
                    Array.Resize(ref line, Math.Min(MaxLineBytes, Math.Max(lineLength + part.Length, 2 * line.Length)));
                part.CopyTo(line.AsSpan(lineLength));
                lineLength += part.Length;
                if (end < 0) break;
                onLine(Decode(line.AsSpan(0, lineLength), path, lineNumber), lineNumber);
                lineLength = 0;
                lineNumber++;
                afterCr = rest[end] == (byte)'\r';
                rest = rest[(end + 1)..];
            }
            n = stream.Read(chunk);
            start = 0;
        }
        if (lineLength > 0) onLine(Decode(line.AsSpan(0, lineLength), path, lineNumber), lineNumber);
    }

    private static string Decode(ReadOnlySpan<byte> bytes, string path, int lineNumber)
    {
        try
        {
            return s_utf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new LabelledDataException($"{path}:{lineNumber}: the line is not valid UTF-8 text.", path, lineNumber, e);
        }
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
            throw new LabelledDataException($"{path}: the file starts with a {other} byte order mark, but only UTF-8 is read; convert it (for example: iconv -f {(other.StartsWith("UTF-16", StringComparison.Ordinal) ? "UTF-16" : "UTF-32")} -t UTF-8).", path, 0);
        return 0;
    }

    /// <summary>
    /// Splits labelled rows into a training and a test part, stratified by label and seeded (see
    /// <see cref="Training.DataSplit.Stratified"/>): round(n_c·<paramref name="testFraction"/>) rows of each label c go to the test part.
    /// Both parts keep the rows' order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> outside [0, 1).</exception>
    public static (List<LabelledExample> Train, List<LabelledExample> Test) Split(IReadOnlyList<LabelledExample> rows, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int[] classes = [.. rows.Select(r => ids.TryGetValue(r.Label, out int id) ? id : ids[r.Label] = ids.Count)];
        Training.SplitIndices split = Training.DataSplit.Stratified(classes, 0, testFraction, seed);
        return ([.. split.Train.Select(i => rows[i])], [.. split.Test.Select(i => rows[i])]);
    }

    /// <summary>The start of a text for a message, with control and format characters (so also terminal escape sequences) shown as \uXXXX.</summary>
    public static string Excerpt(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        string cut = s.Length <= 60 ? s : s[..57] + "...";
        var sb = new StringBuilder(cut.Length);
        foreach (char c in cut)
        {
            if (char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format)
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
