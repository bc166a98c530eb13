using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LstmGen.Generator.Parsing;

/// <summary>Turns an attributed class into a <see cref="ModelSpec"/> and the diagnostics that explain what is wrong.</summary>
internal static class SpecParser
{
    private const long MaxArrayLength = 0x7FFFFFC7; // Array.MaxLength
    private const long TileRows = Emit.Layout.TileRows;

    /// <summary>The model attributes a class may carry, by metadata name, with their short names for messages.</summary>
    private static readonly (string MetadataName, string ShortName)[] s_modelAttributes =
    {
        (LstmModelGenerator.AttributeName, "LstmModel"),
        (LstmModelGenerator.GruAttributeName, "GruModel"),
        (LstmModelGenerator.RnnAttributeName, "RnnModel"),
        (BaselineParser.TextCnnAttribute, "TextCnnModel"),
        (BaselineParser.FeedForwardAttribute, "FeedForwardModel"),
    };

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CellKind cell, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var reader = new DeclarationReader(context, cancellationToken);
        INamedTypeSymbol type = reader.Type;
        AttributeData attribute = reader.Attribute;
        LocationInfo? attributeLocation = reader.AttributeLocation;
        string display = reader.Display;

        if (HasOtherModelAttributes(type, attribute, attributeLocation, display, out DiagnosticInfo? several))
            return new ParseResult(null, several is null ? default : new EquatableArray<DiagnosticInfo>(new[] { several }));

        void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] args)
            => diagnostics.Add(new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(args)));

        reader.CheckShape(Report);
        var values = reader.NamedArguments();

        int ReadSize(string name, bool required, int fallback)
        {
            if (!values.TryGetValue(name, out var entry))
            {
                if (required) Report(DiagnosticDescriptors.MissingSize, attributeLocation, display, name, ShortName(attribute.AttributeClass));
                return required ? 0 : fallback;
            }
            if (entry.Value.Kind == TypedConstantKind.Error || entry.Value.Value is not int value)
            {
                Report(DiagnosticDescriptors.NotConstant, entry.Location, name);
                return 0;
            }
            if (value <= 0) Report(DiagnosticDescriptors.NonPositiveSize, entry.Location, name, value.ToString(CultureInfo.InvariantCulture));
            return value;
        }

        int vocabulary = ReadSize("VocabularySize", required: true, 0);
        int embedding = ReadSize("EmbeddingSize", required: true, 0);
        int hidden = ReadSize("HiddenSize", required: true, 0);
        int sequence = ReadSize("SequenceLength", required: true, 0);
        int outputs = ReadSize("OutputSize", required: false, 1);
        int layers = ReadSize("Layers", required: false, 1);
        bool bidirectional = false;
        if (values.TryGetValue("Bidirectional", out var bidirectionalEntry))
        {
            if (bidirectionalEntry.Value.Kind == TypedConstantKind.Error || bidirectionalEntry.Value.Value is not bool flag)
                Report(DiagnosticDescriptors.NotConstant, bidirectionalEntry.Location, "Bidirectional");
            else
                bidirectional = flag;
        }

        if (vocabulary is > 0 and < 3) Report(DiagnosticDescriptors.VocabularyTooSmall, values["VocabularySize"].Location, vocabulary.ToString(CultureInfo.InvariantCulture));

        HeadActivation output = HeadActivation.Sigmoid;
        if (values.TryGetValue("Output", out var outputEntry))
        {
            if (outputEntry.Value.Kind == TypedConstantKind.Error || outputEntry.Value.Value is null)
            {
                Report(DiagnosticDescriptors.NotConstant, outputEntry.Location, "Output");
            }
            else if (outputEntry.Value.Value is int raw && raw is >= 0 and <= 2)
            {
                output = (HeadActivation)raw;
                if (output == HeadActivation.Softmax && outputs == 1)
                    Report(DiagnosticDescriptors.SoftmaxNeedsTwoOutputs, outputEntry.Location, "1");
            }
            else
            {
                // Invariant, like every other number in a message: a culture's minus sign (U+2212) must not leak in.
                Report(DiagnosticDescriptors.UnknownOutput, outputEntry.Location, Convert.ToString(outputEntry.Value.Value, CultureInfo.InvariantCulture));
            }
        }

        if (vocabulary > 0 && embedding > 0 && hidden > 0 && outputs > 0 && sequence > 0 && layers > 0)
        {
            // Every array the generated code allocates, sized exactly as Emit/Layout.cs sizes it (in long, so nothing wraps).
            long directions = bidirectional ? 2 : 1;
            long gateCount = Emit.Layout.GateCount(cell);
            long gates = gateCount * hidden;
            long paddedHidden = (hidden + 7L) / 8 * 8;
            long paddedGates = gateCount * paddedHidden;
            long features = directions * hidden;
            // Per (layer, direction): weight_ih [G, input], weight_hh [G, H], two biases; layer 0 reads E, the others D·H.
            long unitParameters0 = gates * embedding + gates * hidden + 2 * gates;
            long unitParametersN = gates * features + gates * hidden + 2 * gates;
            long parameters = (long)vocabulary * embedding + directions * unitParameters0 + (layers - 1) * directions * unitParametersN
                + (long)outputs * features + outputs;
            long layerGates = directions * paddedGates, layerHidden = directions * paddedHidden;
            long table = vocabulary * layerGates;
            long packedInput = embedding * layerGates + (layers - 1) * layerHidden * layerGates;
            long packedRecurrent = layers * directions * paddedGates * paddedHidden;
            // State floats per row: h (and c for the LSTM); gate floats per tile row: the gates (and the GRU's recurrent part).
            long cellState = cell == CellKind.Lstm ? paddedHidden : 0;
            long tileGates = (cell == CellKind.Gru ? 2L : 1L) * paddedGates;
            long layerOutputs = Math.Min(layers - 1, 2L) * sequence * layerHidden;
            long workspace = layerHidden + cellState + paddedGates + (long)sequence * (embedding + layerGates) + layerOutputs
                + TileRows * (layerHidden + cellState + tileGates + embedding) + TileRows * layerOutputs;
            (long Floats, string What)? tooLarge =
                parameters > MaxArrayLength ? (parameters, "its parameters")
                : table > MaxArrayLength ? (table, "the folded embedding table")
                : packedInput > MaxArrayLength ? (packedInput, "the packed input weights")
                : packedRecurrent > MaxArrayLength ? (packedRecurrent, "the packed recurrent weights")
                : workspace > MaxArrayLength ? (workspace, "the per-thread workspace")
                : null;
            if (tooLarge is { } large)
                Report(DiagnosticDescriptors.TooLarge, attributeLocation, large.Floats.ToString(CultureInfo.InvariantCulture), large.What, MaxArrayLength.ToString(CultureInfo.InvariantCulture));
        }

        if (diagnostics.Count > 0)
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));

        DeclarationSpec d = reader.Declaration();
        var spec = new ModelSpec(d.Namespace, d.TypeName, d.FullName, d.ContainingTypes,
            cell, vocabulary, embedding, hidden, sequence, outputs, output, layers, bidirectional);
        return new ParseResult(spec, default);
    }

    /// <summary>
    /// True when the class carries more than one model attribute, so nothing is generated for it. The first (in source
    /// order) stays silent and each later one gets LSTMGEN012 in <paramref name="diagnostic"/>, so the error appears once
    /// per extra attribute, on that attribute. Shared by every model kind's parser.
    /// </summary>
    internal static bool HasOtherModelAttributes(INamedTypeSymbol type, AttributeData attribute, LocationInfo? attributeLocation, string display, out DiagnosticInfo? diagnostic)
    {
        diagnostic = null;
        var modelAttributes = type.GetAttributes()
            .Where(a => ShortName(a.AttributeClass).Length > 0)
            .OrderBy(a => a.ApplicationSyntaxReference?.Span.Start ?? 0)
            .ToList();
        if (modelAttributes.Count <= 1) return false;
        if (ReferenceEquals(modelAttributes[0], attribute) || modelAttributes[0].ApplicationSyntaxReference?.Span == attribute.ApplicationSyntaxReference?.Span)
            return true;
        diagnostic = new DiagnosticInfo(DiagnosticDescriptors.SeveralModelAttributes.Id, attributeLocation,
            new EquatableArray<string>(new[] { display, ShortName(modelAttributes[0].AttributeClass), ShortName(attribute.AttributeClass) }));
        return true;
    }

    /// <summary>The short name ("LstmModel", "TextCnnModel", …) of a model attribute class; empty for any other attribute.</summary>
    private static string ShortName(INamedTypeSymbol? attributeClass)
    {
        if (attributeClass is null) return "";
        string name = attributeClass.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithGlobalNamespaceStyle(SymbolDisplayGlobalNamespaceStyle.Omitted));
        foreach ((string metadataName, string shortName) in s_modelAttributes)
        {
            if (name == metadataName) return shortName;
        }
        return "";
    }

    /// <summary>Prefixes '@' to a name that is a keyword or contextual keyword, so it can be written as an identifier.</summary>
    internal static string EscapeIdentifier(string name)
        => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;

    internal static string KeywordOf(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };
}
