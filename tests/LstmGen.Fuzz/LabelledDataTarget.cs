using LstmGen.Samples.Sentiment;
using static LstmGen.Fuzz.Targets;

namespace LstmGen.Fuzz;

/// <summary>
/// The sentiment sample's data reader, <c>LabelledData.Read</c>, on the input written to a file. Documented failure:
/// <see cref="DataException"/> only, whose message names the file. Rows that are read must be a trimmed, non-empty text
/// on one line and a label of 0 or 1.
/// </summary>
internal static class LabelledDataTarget
{
    /// <summary>Runs the target on one input; returns what Read gave (for the reproduce mode).</summary>
    public static string Run(byte[] data)
    {
        string path = ScratchFile;
        File.WriteAllBytes(path, data);
        List<(string Text, int Label)> rows;
        try
        {
            rows = LabelledData.Read([path]);
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
        return $"{rows.Count} rows";
    }
}
