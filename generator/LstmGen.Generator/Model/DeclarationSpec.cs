namespace LstmGen.Generator.Model;

/// <summary>
/// Where a model class is declared, as plain values: <see cref="Namespace"/> and <see cref="TypeName"/> are C#
/// identifiers (keywords escaped with '@'); <see cref="FullName"/> joins the plain names, for the hint name and comments.
/// </summary>
internal sealed record DeclarationSpec(
    string? Namespace,
    string TypeName,
    string FullName,
    EquatableArray<ContainingTypeSpec> ContainingTypes)
{
    /// <summary>Stable hint name: <c>Namespace.Outer.Type.g.cs</c>.</summary>
    public string HintName => FullName + ".g.cs";
}

/// <summary>What parsing one attributed class yields: a spec when it is valid, and the diagnostics (kept apart from the spec, so a moved location never invalidates cached source).</summary>
internal sealed record ParseResult<TSpec>(TSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics)
    where TSpec : class;

/// <summary>A type that contains the model class: its keyword (class, struct, record, …) and name (escaped with '@' if it is a keyword).</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);
