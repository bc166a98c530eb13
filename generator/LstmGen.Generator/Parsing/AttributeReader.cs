using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generator.Parsing;

/// <summary>
/// Reads one attributed class for any model kind: the declaration (class-shape rules), the named arguments with their
/// locations, and the diagnostics so far. Every error is located on the offending argument or array element.
/// </summary>
internal sealed class AttributeReader
{
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly Dictionary<string, (TypedConstant Value, LocationInfo? Location, AttributeArgumentSyntax? Syntax)> _values;
    private readonly DeclarationReader _reader;
    private readonly string _attributeName;
    private readonly string _display;
    private readonly LocationInfo? _attributeLocation;
    private readonly DiagnosticDescriptor _missing;
    private readonly bool _otherModelAttribute;

    /// <param name="missing">
    /// What a missing required argument reports: LSTMGEN007 (a size of a recurrent model) or LSTMGEN020 (a setting of
    /// [TextCnnModel] / [FeedForwardModel]); two ids because the two families document different required sets.
    /// </param>
    public AttributeReader(GeneratorAttributeSyntaxContext context, DiagnosticDescriptor missing, CancellationToken cancellationToken)
    {
        _reader = new DeclarationReader(context, cancellationToken);
        _attributeName = KnownAttributes.ShortName(_reader.Attribute.AttributeClass);
        _attributeLocation = _reader.AttributeLocation;
        _display = _reader.Display;
        _missing = missing;

        // A class declares one model: another model attribute would generate the same members twice. The first in source
        // order stays silent, each later one reports LSTMGEN012 on itself, and nothing else is reported for the class.
        if (HasOtherModelAttributes(out DiagnosticInfo? several))
        {
            _otherModelAttribute = true;
            if (several is not null) _diagnostics.Add(several);
        }
        _reader.CheckShape(Report);
        _values = _reader.NamedArguments();
    }

    public bool Failed => _diagnostics.Count > 0 || _otherModelAttribute;

    public EquatableArray<DiagnosticInfo> Diagnostics => new(_diagnostics.ToArray());

    public void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] args)
    {
        if (!_otherModelAttribute) _diagnostics.Add(new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(args)));
    }

    /// <summary>Whether the attribute sets <paramref name="name"/>.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>Where argument <paramref name="name"/> (which is set) is.</summary>
    public LocationInfo? LocationOf(string name) => _values[name].Location;

    /// <summary>Where argument-independent errors go.</summary>
    public LocationInfo? AttributeLocation => _attributeLocation;

    /// <summary>The class as messages name it.</summary>
    public string DisplayName => _display;

    /// <summary>The attribute's short name.</summary>
    public string AttributeName => _attributeName;

    public int ReadSize(string name, bool required, int fallback)
    {
        if (!_values.TryGetValue(name, out var entry))
        {
            if (required) Report(_missing, _attributeLocation, _display, name, _attributeName);
            return required ? 0 : fallback;
        }
        if (entry.Value.Kind == TypedConstantKind.Error || entry.Value.Value is not int value)
        {
            Report(DiagnosticDescriptors.NotConstant, entry.Location, name);
            return 0;
        }
        if (value <= 0) Report(DiagnosticDescriptors.NonPositiveSize, entry.Location, name, Invariant(value));
        return value;
    }

    public int ReadVocabulary()
    {
        int vocabulary = ReadSize("VocabularySize", required: true, 0);
        if (vocabulary is > 0 and < 3) Report(DiagnosticDescriptors.VocabularyTooSmall, _values["VocabularySize"].Location, Invariant(vocabulary));
        return vocabulary;
    }

    /// <summary>An int[] argument; each non-positive element is reported at the element. Null when unusable.</summary>
    public int[]? ReadSizes(string name, bool required, bool allowEmpty)
    {
        if (!_values.TryGetValue(name, out var entry))
        {
            if (required) Report(_missing, _attributeLocation, _display, name, _attributeName);
            return null;
        }
        if (entry.Value.Kind != TypedConstantKind.Array || entry.Value.IsNull || entry.Value.Values.Any(v => v.Value is not int))
        {
            if (entry.Value.Kind == TypedConstantKind.Array && entry.Value.IsNull && !allowEmpty)
                Report(DiagnosticDescriptors.NoKernelSizes, entry.Location);
            else
                Report(DiagnosticDescriptors.NotConstant, entry.Location, name);
            return null;
        }
        int[] values = entry.Value.Values.Select(v => (int)v.Value!).ToArray();
        if (values.Length == 0 && !allowEmpty) Report(DiagnosticDescriptors.NoKernelSizes, entry.Location);
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] <= 0)
                Report(DiagnosticDescriptors.NonPositiveSize, ElementLocation(name, i), $"{name}[{Invariant(i)}]", Invariant(values[i]));
        }
        return values;
    }

    /// <summary>The location of element <paramref name="index"/> of an array argument, or of the argument when the syntax is not a plain list.</summary>
    public LocationInfo? ElementLocation(string name, int index)
    {
        var entry = _values[name];
        ExpressionSyntax? expression = entry.Syntax?.Expression;
        IReadOnlyList<ExpressionSyntax>? elements = expression switch
        {
            ArrayCreationExpressionSyntax a => a.Initializer?.Expressions,
            ImplicitArrayCreationExpressionSyntax a => a.Initializer.Expressions,
            CollectionExpressionSyntax c when c.Elements.All(e => e is ExpressionElementSyntax) =>
                c.Elements.Cast<ExpressionElementSyntax>().Select(e => e.Expression).ToList(),
            _ => null,
        };
        return elements is not null && index < elements.Count ? LocationInfo.From(elements[index].GetLocation()) : entry.Location;
    }

    public HeadActivation ReadOutput(int outputs)
    {
        if (!_values.TryGetValue("Output", out var entry)) return HeadActivation.Sigmoid;
        if (entry.Value.Kind == TypedConstantKind.Error || entry.Value.Value is null)
        {
            Report(DiagnosticDescriptors.NotConstant, entry.Location, "Output");
            return HeadActivation.Sigmoid;
        }
        if (entry.Value.Value is int raw && raw is >= 0 and <= 2)
        {
            var output = (HeadActivation)raw;
            if (output == HeadActivation.Softmax && outputs == 1) Report(DiagnosticDescriptors.SoftmaxNeedsTwoOutputs, entry.Location, "1");
            return output;
        }
        Report(DiagnosticDescriptors.UnknownOutput, entry.Location, Convert.ToString(entry.Value.Value, CultureInfo.InvariantCulture));
        return HeadActivation.Sigmoid;
    }

    /// <summary>A bool argument; false when absent.</summary>
    public bool ReadFlag(string name)
    {
        if (!_values.TryGetValue(name, out var entry)) return false;
        if (entry.Value.Kind != TypedConstantKind.Error && entry.Value.Value is bool flag) return flag;
        Report(DiagnosticDescriptors.NotConstant, entry.Location, name);
        return false;
    }

    /// <summary>
    /// The parse result: the plan when nothing failed; LSTMGEN005 when an array of the plan would exceed Array.MaxLength
    /// (the largest of the parameters, packed weights and workspace). A null <paramref name="plan"/> means the
    /// sizes were unusable and are already reported.
    /// </summary>
    public ParseResult<ModelPlan> Result(PlanResult? plan)
    {
        if (plan is { Plan: null }) Report(DiagnosticDescriptors.TooLarge, _attributeLocation, Invariant(plan.TooLargeFloats), plan.TooLarge, Invariant(Planner.MaxArrayLength));
        return Failed || plan?.Plan is null ? new ParseResult<ModelPlan>(null, Diagnostics) : new ParseResult<ModelPlan>(plan.Plan, default);
    }

    /// <summary>
    /// True when the class carries more than one model attribute, so nothing is generated for it; LSTMGEN012 in
    /// <paramref name="diagnostic"/> unless this attribute is the first in source order.
    /// </summary>
    private bool HasOtherModelAttributes(out DiagnosticInfo? diagnostic)
    {
        diagnostic = null;
        AttributeData attribute = _reader.Attribute;
        var modelAttributes = _reader.Type.GetAttributes()
            .Where(a => KnownAttributes.ShortName(a.AttributeClass).Length > 0)
            .OrderBy(a => a.ApplicationSyntaxReference?.Span.Start ?? 0)
            .ToList();
        if (modelAttributes.Count <= 1) return false;
        if (ReferenceEquals(modelAttributes[0], attribute) || modelAttributes[0].ApplicationSyntaxReference?.Span == attribute.ApplicationSyntaxReference?.Span)
            return true;
        diagnostic = new DiagnosticInfo(DiagnosticDescriptors.SeveralModelAttributes.Id, _attributeLocation,
            new EquatableArray<string>(new[] { _display, KnownAttributes.ShortName(modelAttributes[0].AttributeClass), _attributeName }));
        return true;
    }

    /// <summary>A number as messages print it: invariant digits and minus sign.</summary>
    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    public DeclarationSpec Declaration() => _reader.Declaration();
}
