using System;
using System.Globalization;
using System.Text;

namespace LstmGen.Generator.Emit;

/// <summary>
/// The one indented writer every emitter uses. It only accepts <see cref="FormattableString"/>, formatted with the
/// invariant culture, so no number can ever be printed with a culture's digits or minus sign.
/// </summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _builder = new();
    private int _indent;

    /// <summary>Writes an empty line.</summary>
    public void Line() => _builder.Append('\n');

    /// <summary>Writes one or more lines at the current indentation.</summary>
    public void Line(FormattableString text)
    {
        string formatted = text.ToString(CultureInfo.InvariantCulture).Replace("\r\n", "\n");
        foreach (string line in formatted.Split('\n'))
        {
            if (line.Length > 0) _builder.Append(' ', _indent * 4).Append(line);
            _builder.Append('\n');
        }
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace, then indents.</summary>
    public void Open(FormattableString? header)
    {
        if (header is not null) Line(header);
        Line($"{{");
        _indent++;
    }

    /// <summary>Outdents and writes a closing brace.</summary>
    public void Close()
    {
        _indent--;
        Line($"}}");
    }

    /// <summary>
    /// Writes <paramref name="header"/> (if any) and an opening brace and indents until the returned scope is disposed:
    /// <c>using (w.Block($"for (…)")) { … }</c>.
    /// </summary>
    public Scope Block(FormattableString? header = null)
    {
        Open(header);
        return new Scope(this);
    }

    /// <summary>Closes the block <see cref="Block"/> opened.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly SourceWriter _writer;

        public Scope(SourceWriter writer) => _writer = writer;

        public void Dispose() => _writer.Close();
    }

    /// <summary>What <paramref name="write"/> writes from indentation 0, without the last newline: a body for another writer's template.</summary>
    public static string Fragment(Action<SourceWriter> write)
    {
        var w = new SourceWriter();
        write(w);
        return w.ToString().TrimEnd('\n');
    }

    public override string ToString() => _builder.ToString();
}
