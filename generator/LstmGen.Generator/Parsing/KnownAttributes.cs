using Microsoft.CodeAnalysis;

namespace LstmGen.Generator.Parsing;

/// <summary>The model attributes the generator reads: metadata names and the short names messages use.</summary>
internal static class KnownAttributes
{
    public const string Lstm = "LstmGen.LstmModelAttribute";
    public const string Gru = "LstmGen.GruModelAttribute";
    public const string Rnn = "LstmGen.RnnModelAttribute";
    public const string TextCnn = "LstmGen.TextCnnModelAttribute";
    public const string FeedForward = "LstmGen.FeedForwardModelAttribute";

    private static readonly string[] s_all = { Lstm, Gru, Rnn, TextCnn, FeedForward };

    /// <summary>"LstmModel", "TextCnnModel", … for a model attribute class; empty for any other attribute.</summary>
    public static string ShortName(INamedTypeSymbol? attributeClass)
    {
        if (attributeClass is null) return "";
        string name = attributeClass.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted));
        foreach (string known in s_all)
        {
            // "LstmGen.LstmModelAttribute" → "LstmModel"
            if (name == known) return known.Substring("LstmGen.".Length, known.Length - "LstmGen.".Length - "Attribute".Length);
        }
        return "";
    }
}
