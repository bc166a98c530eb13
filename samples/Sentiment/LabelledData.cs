using LstmGen.Text;

namespace LstmGen.Samples.Sentiment;

/// <summary>Bad data: the message names the file and line; the program shows it and exits with code 2.</summary>
public sealed class DataException(string message) : Exception(message);

/// <summary>
/// Reads 0/1-labelled sentences from <c>text&lt;TAB&gt;label</c> files such as the UCI sentiment sentences, with the
/// runtime's <see cref="LabelledText.ReadTsv(IEnumerable{string})"/> (encoding, line-length and line-number rules there).
/// </summary>
public static class LabelledData
{
    /// <summary>Longest line, in bytes of UTF-8 without its line break: 1 MiB.</summary>
    public const int MaxLineBytes = LabelledText.MaxLineBytes;

    /// <summary>Reads every file in <paramref name="paths"/> (a folder stands for its <c>*.txt</c> files); labels must be 0 or 1.</summary>
    /// <exception cref="DataException">A path is missing or unreadable, or a file is malformed (file and line in the message).</exception>
    public static List<(string Text, int Label)> Read(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return Convert(() => LabelledText.ReadTsv(paths));
    }

    /// <summary>Reads one file's content from <paramref name="stream"/>; <paramref name="name"/> starts every message.</summary>
    /// <exception cref="DataException">The content is malformed or has no labelled line.</exception>
    public static List<(string Text, int Label)> Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        return Convert(() => LabelledText.ReadTsv(stream, name));
    }

    private static List<(string Text, int Label)> Convert(Func<List<LabelledExample>> read)
    {
        List<LabelledExample> rows;
        try
        {
            rows = read();
        }
        catch (LabelledDataException e)
        {
            throw new DataException(e.Message);
        }
        var result = new List<(string Text, int Label)>(rows.Count);
        foreach (LabelledExample r in rows)
        {
            result.Add(r.Label switch
            {
                "0" => (r.Text, 0),
                "1" => (r.Text, 1),
                _ => throw new DataException($"{r.Source}:{r.Line}: the label must be 0 (negative) or 1 (positive) but is '{LabelledText.Excerpt(r.Label)}'."),
            });
        }
        return result;
    }
}
