using System.Reflection;
using System.Text;
using LstmGen.Text;

namespace LstmGen.Samples.TextGen;

/// <summary>
/// Characters as token ids: 0 is padding (never produced), 1 stands for any character outside the vocabulary, and ids
/// 2 … <see cref="Size"/> − 1 are the training text's most frequent characters, most frequent first (ties by code point).
/// </summary>
public sealed class CharVocabulary
{
    private readonly Dictionary<char, int> _ids = [];
    private readonly char[] _chars;

    /// <summary>Builds the vocabulary of at most <paramref name="size"/> ids (at least 3) from <paramref name="text"/>.</summary>
    public CharVocabulary(string text, int size)
        : this(Frequent(text, size))
    {
        int covered = 0;
        foreach (char c in text) covered += _ids.ContainsKey(c) ? 1 : 0;
        Covered = covered / (double)Math.Max(1, text.Length);
    }

    private CharVocabulary(char[] chars)
    {
        _chars = ['\0', '\uFFFD', .. chars];
        for (int i = 2; i < _chars.Length; i++) _ids[_chars[i]] = i;
        Size = _chars.Length;
    }

    /// <summary>The characters as a word vocabulary of one-character words (for the model file).</summary>
    public Vocabulary ToVocabulary() => new(_chars[2..].Select(c => c.ToString()));

    /// <summary>The characters of a vocabulary written by <see cref="ToVocabulary"/>.</summary>
    /// <exception cref="ArgumentException">A word is not one character.</exception>
    public static CharVocabulary FromVocabulary(Vocabulary vocabulary)
    {
        IReadOnlyList<string> words = vocabulary.Words;
        var chars = new char[words.Count - 2];
        for (int i = 2; i < words.Count; i++)
            chars[i - 2] = words[i].Length == 1 ? words[i][0] : throw new ArgumentException($"Id {i} is \"{words[i]}\", not one character: not a character vocabulary.", nameof(vocabulary));
        return new CharVocabulary(chars);
    }

    // The most frequent characters (surrogate halves left out: they stand for nothing alone), ties by code point.
    private static char[] Frequent(string text, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 3);
        var counts = new Dictionary<char, int>();
        foreach (char c in text) if (!char.IsSurrogate(c)) counts[c] = counts.GetValueOrDefault(c) + 1;
        return [.. counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key).Take(size - 2).Select(p => p.Key)];
    }

    /// <summary>Number of ids, padding and out-of-vocabulary included.</summary>
    public int Size { get; }

    /// <summary>Share of the training text's characters that have their own id (NaN when loaded from a vocabulary).</summary>
    public double Covered { get; } = double.NaN;

    /// <summary>The id of <paramref name="c"/> (1 when it has none).</summary>
    public int IdOf(char c) => _ids.TryGetValue(c, out int id) ? id : 1;

    /// <summary>The character of <paramref name="id"/> (U+FFFD for the out-of-vocabulary id and unused ids).</summary>
    public char CharOf(int id) => id >= 2 && id < _chars.Length ? _chars[id] : '\uFFFD';

    /// <summary>Every character of <paramref name="text"/> as an id.</summary>
    public int[] Encode(string text)
    {
        var ids = new int[text.Length];
        for (int i = 0; i < text.Length; i++) ids[i] = IdOf(text[i]);
        return ids;
    }
}

/// <summary>Where the training text comes from: a file, or the project's own documentation built into the sample.</summary>
public static class CharCorpus
{
    /// <summary>The text of <paramref name="path"/> (UTF-8, line ends normalised to \n), or the built-in corpus when null.</summary>
    public static (string Text, string Source) Load(string? path)
    {
        if (path is not null) return (Normalise(File.ReadAllText(path, Encoding.UTF8)), path);
        // The Markdown files of the repository, embedded at build time (see TextGen.csproj), in name order.
        Assembly assembly = typeof(CharCorpus).Assembly;
        var builder = new StringBuilder();
        string[] names = [.. assembly.GetManifestResourceNames().Where(n => n.StartsWith("corpus/", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        foreach (string name in names)
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!, Encoding.UTF8);
            builder.Append(Normalise(reader.ReadToEnd())).Append('\n');
        }
        return (builder.ToString(), $"the project's documentation ({names.Length} Markdown files)");
    }

    private static string Normalise(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
}
