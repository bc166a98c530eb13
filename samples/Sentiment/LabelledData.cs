using System.Text;

namespace LstmGen.Samples.Sentiment;

/// <summary>Bad data: the message names the file and line; the program shows it and exits with code 2.</summary>
public sealed class DataException(string message) : Exception(message);

/// <summary>Reads labelled sentences from <c>text&lt;TAB&gt;label</c> files such as the UCI sentiment sentences.</summary>
public static class LabelledData
{
    /// <summary>
    /// Reads every file in <paramref name="paths"/>; a folder stands for its <c>*.txt</c> files in ordinal name order.
    /// Each non-blank line is <c>text&lt;TAB&gt;label</c>: the text is everything before the last tab, the label (0 or 1,
    /// surrounding spaces allowed) everything after it. Lines end at CR, LF or CRLF only, so other characters such as
    /// U+0085 stay part of the text. A UTF-8 byte order mark is skipped.
    /// </summary>
    /// <exception cref="DataException">A path does not exist, a folder has no .txt files, a file cannot be read, or a line is malformed.</exception>
    public static List<(string Text, int Label)> Read(IEnumerable<string> paths)
    {
        var rows = new List<(string Text, int Label)>();
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                string[] files = Directory.GetFiles(path, "*.txt");
                if (files.Length == 0) throw new DataException($"{path}: the folder has no .txt files.");
                Array.Sort(files, StringComparer.Ordinal);
                foreach (string file in files) ReadFile(file, rows);
            }
            else if (File.Exists(path))
            {
                ReadFile(path, rows);
            }
            else
            {
                throw new DataException($"{path}: no such file or folder.");
            }
        }
        return rows;
    }

    private static void ReadFile(string path, List<(string Text, int Label)> rows)
    {
        int before = rows.Count;
        try
        {
            using var reader = new StreamReader(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
            int lineNumber = 0;
            while (reader.ReadLine() is string line)
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                rows.Add(ParseLine(line, path, lineNumber));
            }
        }
        catch (DecoderFallbackException)
        {
            throw new DataException($"{path}: the file is not valid UTF-8 text.");
        }
        catch (IOException e)
        {
            throw new DataException($"{path}: cannot read the file: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DataException($"{path}: cannot read the file: {e.Message}");
        }
        if (rows.Count == before) throw new DataException($"{path}: the file has no labelled lines.");
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

    private static string Excerpt(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
