using System.Globalization;
using System.Text;

namespace LstmGen.Serialization;

/// <summary>
/// Makes text read from a file (a model type name, a parameter name, a vocabulary word) safe to put in an exception
/// message that may reach a terminal: control characters (C0, DEL, C1, so also ESC and every escape sequence), format
/// characters (bidirectional overrides, zero-width joiners), line and paragraph separators and unpaired surrogates are
/// written as <c>\uXXXX</c>, a backslash as <c>\\</c>, and long text is cut.
/// </summary>
internal static class Printable
{
    /// <summary>Longest excerpt, in characters of the original text, before it is cut with "…".</summary>
    public const int DefaultMaxChars = 200;

    /// <summary>The escaped form of <paramref name="text"/>, cut after <paramref name="maxChars"/> characters.</summary>
    public static string Escape(string text, int maxChars = DefaultMaxChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        bool cut = text.Length > maxChars;
        ReadOnlySpan<char> s = cut ? text.AsSpan(0, maxChars) : text;
        if (!cut && !NeedsEscape(s)) return text;
        var sb = new StringBuilder(s.Length + 16);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                // A valid pair: printable unless it encodes a format character (for example U+E0001 LANGUAGE TAG).
                if (IsUnsafe(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, s[i + 1]))))
                    sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}\\u{(int)s[i + 1]:X4}");
                else
                    sb.Append(c).Append(s[i + 1]);
                i++;
            }
            else if (c == '\\') sb.Append("\\\\");
            else if (char.IsSurrogate(c) || IsUnsafe(CharUnicodeInfo.GetUnicodeCategory(c)))
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else sb.Append(c);
        }
        if (cut) sb.Append("…");
        return sb.ToString();
    }

    private static bool NeedsEscape(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
            if (c == '\\' || c >= 0xD800 || IsUnsafe(CharUnicodeInfo.GetUnicodeCategory(c))) return true;
        return false;
    }

    private static bool IsUnsafe(UnicodeCategory category) => category is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate;
}
