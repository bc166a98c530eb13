using LstmGen.Samples.Sentiment;
using static LstmGen.Fuzz.Targets;

namespace LstmGen.Fuzz;

/// <summary>
/// The sentiment sample's data reader: <c>LabelledData.Read(paths)</c> on the input written to a file, and
/// <c>LabelledData.Read(Stream, name)</c> on it through a stream that hands out 1 to 7 bytes per read (so line breaks,
/// CRLF pairs, byte order marks and multi-byte characters fall across reads). Documented failure: <see cref="DataException"/>
/// only, whose message starts with the file name. Both must give the same rows or the same message; rows must be a
/// trimmed, non-empty text on one line with a label of 0 or 1.
/// </summary>
internal static class LabelledDataTarget
{
    /// <summary>Runs the target on one input; returns what Read gave (for the reproduce mode).</summary>
    public static string Run(byte[] data)
    {
        string path = ScratchFile;
        File.WriteAllBytes(path, data);
        string fromFile = Read(() => LabelledData.Read([path]), path);
        var trickle = new TrickleStream(data, seekable: false, TrickleChunk(data));
        string fromStream = Read(() => LabelledData.Read(trickle, path), path);
        Check(fromStream == fromFile, $"Read(path) gave \"{fromFile}\" but Read(Stream) over short reads gave \"{fromStream}\".");
        return fromFile.Length <= 200 ? fromFile : fromFile[..200] + "…";
    }

    // The rows (checked) as one string, or the message.
    private static string Read(Func<List<(string Text, int Label)>> read, string path)
    {
        List<(string Text, int Label)> rows;
        try
        {
            rows = read();
        }
        catch (DataException e)
        {
            Check(e.Message.StartsWith(path, StringComparison.Ordinal), $"A DataException does not name the file: {e.Message}");
            return e.Message;
        }
        Check(rows.Count > 0, "Read returned no rows without an error.");
        foreach ((string text, int label) in rows)
        {
            Check(text.Length > 0 && text == text.Trim(), $"A row's text is empty or not trimmed: \"{text}\".");
            Check(!text.Contains('\n') && !text.Contains('\r'), "A row's text spans lines.");
            Check(label is 0 or 1, $"A row has label {label}.");
        }
        return $"{rows.Count} rows: " + string.Join(" | ", rows.Select(r => $"{r.Label} {r.Text}"));
    }
}
