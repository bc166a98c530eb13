using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generator.Parsing;

/// <summary>
/// The attributed class as every model kind's parser reads it: the locations diagnostics point at, the class-shape
/// rules (partial, not static, not generic, partial containers), the named arguments and the declaration spec.
/// </summary>
internal sealed class DeclarationReader
{
    private readonly TypeDeclarationSyntax _declaration;
    private readonly CancellationToken _cancellationToken;
    private readonly List<ContainingTypeSpec> _containing = new();
    private readonly List<string> _containingNames = new();

    public DeclarationReader(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        _cancellationToken = cancellationToken;
        Type = (INamedTypeSymbol)context.TargetSymbol;
        _declaration = (TypeDeclarationSyntax)context.TargetNode;
        Attribute = context.Attributes[0];
        AttributeSyntax = Attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
        AttributeLocation = LocationInfo.From(AttributeSyntax?.GetLocation() ?? _declaration.Identifier.GetLocation());
        NameLocation = LocationInfo.From(_declaration.Identifier.GetLocation());
        Display = Type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);
    }

    public INamedTypeSymbol Type { get; }
    public AttributeData Attribute { get; }
    public AttributeSyntax? AttributeSyntax { get; }
    /// <summary>Where argument-independent errors go: the attribute (or the class name when it has no syntax).</summary>
    public LocationInfo? AttributeLocation { get; }
    /// <summary>Where class-shape errors go: the class name.</summary>
    public LocationInfo? NameLocation { get; }
    /// <summary>The class as messages name it.</summary>
    public string Display { get; }

    /// <summary>Reports each class-shape rule the class breaks, at its name, and collects the containing types.</summary>
    public void CheckShape(System.Action<DiagnosticDescriptor, LocationInfo?, string[]> report)
    {
        if (!_declaration.Modifiers.Any(SyntaxKind.PartialKeyword)) report(DiagnosticDescriptors.NotPartial, NameLocation, new[] { Display });
        if (Type.IsStatic) report(DiagnosticDescriptors.StaticClass, NameLocation, new[] { Display });
        if (_declaration is RecordDeclarationSyntax) report(DiagnosticDescriptors.RecordModel, NameLocation, new[] { Display });
        if (Type.IsFileLocal) report(DiagnosticDescriptors.FileLocalModel, NameLocation, new[] { Display });
        bool generic = Type.TypeParameters.Length > 0;
        for (INamedTypeSymbol? outer = Type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            generic |= outer.TypeParameters.Length > 0;
            bool partial = outer.DeclaringSyntaxReferences
                .Select(reference => reference.GetSyntax(_cancellationToken))
                .OfType<TypeDeclarationSyntax>()
                .Any(d => d.Modifiers.Any(SyntaxKind.PartialKeyword));
            if (!partial) report(DiagnosticDescriptors.ContainingTypeNotPartial, NameLocation, new[] { Display, outer.Name });
            _containing.Insert(0, new ContainingTypeSpec(KeywordOf(outer), EscapeIdentifier(outer.Name)));
            _containingNames.Insert(0, outer.Name);
        }
        if (generic) report(DiagnosticDescriptors.Generic, NameLocation, new[] { Display });
    }

    /// <summary>Named arguments, each with the location of its own syntax so errors point at the offending value.</summary>
    public Dictionary<string, (TypedConstant Value, LocationInfo? Location, AttributeArgumentSyntax? Syntax)> NamedArguments()
    {
        var values = new Dictionary<string, (TypedConstant Value, LocationInfo? Location, AttributeArgumentSyntax? Syntax)>();
        foreach (KeyValuePair<string, TypedConstant> named in Attribute.NamedArguments)
        {
            AttributeArgumentSyntax? argument = AttributeSyntax?.ArgumentList?.Arguments
                .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == named.Key);
            values[named.Key] = (named.Value, LocationInfo.From(argument?.GetLocation()) ?? AttributeLocation, argument);
        }
        return values;
    }

    /// <summary>The declaration spec; call after <see cref="CheckShape"/>, which collects the containing types.</summary>
    public DeclarationSpec Declaration()
    {
        // Code gets escaped identifiers (namespace @class, class @event); the hint name and comments get plain names,
        // because '@' is not allowed in a hint name.
        var namespaceNames = new List<string>();
        for (INamespaceSymbol n = Type.ContainingNamespace; !n.IsGlobalNamespace; n = n.ContainingNamespace) namespaceNames.Insert(0, n.Name);
        string? ns = namespaceNames.Count == 0 ? null : string.Join(".", namespaceNames.Select(EscapeIdentifier));
        string fullName = string.Join(".", namespaceNames.Concat(_containingNames).Concat(new[] { Type.Name }));
        return new DeclarationSpec(ns, EscapeIdentifier(Type.Name), fullName, new EquatableArray<ContainingTypeSpec>(_containing.ToArray()));
    }

    /// <summary>Prefixes '@' to a name that is a keyword or contextual keyword, so it can be written as an identifier.</summary>
    private static string EscapeIdentifier(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;

    private static string KeywordOf(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}
