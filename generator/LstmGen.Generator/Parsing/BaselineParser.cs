using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generator.Parsing;

/// <summary>
/// Turns a class marked <c>[TextCnnModel]</c> or <c>[FeedForwardModel]</c> into its spec and the diagnostics that explain
/// what is wrong. The class-shape rules (partial, not static, not generic, partial containers) are those of
/// <see cref="SpecParser"/>; every size error is located on the offending argument or array element.
/// </summary>
internal static class BaselineParser
{
    public const string TextCnnAttribute = "LstmGen.TextCnnModelAttribute";
    public const string FeedForwardAttribute = "LstmGen.FeedForwardModelAttribute";
    private const long MaxArrayLength = 0x7FFFFFC7; // Array.MaxLength

    /// <summary>Rows per tile in batched inference of these models (Emit/BaselineShell.cs).</summary>
    public const int TileRows = 8;

    public static ParseResult<TextCnnSpec> ParseTextCnn(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var r = new Reader(context, "TextCnnModel", cancellationToken);
        int vocabulary = r.ReadVocabulary();
        int embedding = r.ReadSize("EmbeddingSize", required: true, 0);
        int sequence = r.ReadSize("SequenceLength", required: true, 0);
        int[]? kernels = r.ReadSizes("KernelSizes", required: true, allowEmpty: false);
        int filters = r.ReadSize("Filters", required: true, 0);
        int outputs = r.ReadSize("OutputSize", required: false, 1);
        HeadActivation output = r.ReadOutput(outputs);

        if (kernels is not null && sequence > 0)
        {
            for (int i = 0; i < kernels.Length; i++)
            {
                if (kernels[i] > sequence)
                    r.Report(DiagnosticDescriptors.KernelWiderThanSequence, r.ElementLocation("KernelSizes", i),
                        Invariant(i), Invariant(kernels[i]), Invariant(sequence));
            }
        }

        if (vocabulary > 0 && embedding > 0 && sequence > 0 && filters > 0 && outputs > 0 && kernels is { Length: > 0 } && kernels.All(k => k > 0))
        {
            // Every array the generated code allocates, sized as Emit/TextCnnEmitter.cs sizes it (in long, so nothing wraps).
            long paddedFilters = (filters + 15L) / 16 * 16;
            long features = (long)filters * kernels.Length;
            long parameters = (long)vocabulary * embedding + outputs * features + outputs;
            long packed = 0;
            foreach (int k in kernels)
            {
                parameters += (long)filters * embedding * k + filters;
                packed += (long)k * embedding * paddedFilters;
            }
            long workspace = TileRows * (long)sequence * (embedding + paddedFilters) + TileRows * (features + 2L * outputs);
            r.CheckSizes(parameters, packed, "the packed convolution weights", workspace);
        }

        if (r.Failed) return new ParseResult<TextCnnSpec>(null, r.Diagnostics);
        var spec = new TextCnnSpec(r.Declaration(), vocabulary, embedding, sequence, new EquatableArray<int>(kernels!), filters, outputs, output);
        return new ParseResult<TextCnnSpec>(spec, default);
    }

    public static ParseResult<FeedForwardSpec> ParseFeedForward(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var r = new Reader(context, "FeedForwardModel", cancellationToken);
        int vocabulary = r.ReadVocabulary();
        int embedding = r.ReadSize("EmbeddingSize", required: true, 0);
        int sequence = r.ReadSize("SequenceLength", required: true, 0);
        int[]? hidden = r.ReadSizes("HiddenSizes", required: true, allowEmpty: true);
        int outputs = r.ReadSize("OutputSize", required: false, 1);
        HeadActivation output = r.ReadOutput(outputs);

        if (vocabulary > 0 && embedding > 0 && sequence > 0 && outputs > 0 && hidden is not null && hidden.All(h => h > 0))
        {
            // Sized as Emit/FeedForwardEmitter.cs sizes it: widths padded to 16 columns for the GEMM kernel.
            long parameters = (long)vocabulary * embedding + outputs;
            long packed = 0, workspace = 0, width = embedding;
            foreach (int h in hidden)
            {
                parameters += (long)h * width + h;
                packed += 2 * ((width + 15) / 16 * 16) * ((h + 15L) / 16 * 16);
                workspace += TileRows * ((width + 15) / 16 * 16);
                width = h;
            }
            parameters += outputs * width;
            workspace += TileRows * ((width + 15) / 16 * 16 + 2L * outputs);
            r.CheckSizes(parameters, packed, "the packed layer weights", workspace);
        }

        if (r.Failed) return new ParseResult<FeedForwardSpec>(null, r.Diagnostics);
        var spec = new FeedForwardSpec(r.Declaration(), vocabulary, embedding, sequence, new EquatableArray<int>(hidden!), outputs, output);
        return new ParseResult<FeedForwardSpec>(spec, default);
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads one attributed class: its declaration, named arguments with their locations, and the diagnostics so far.</summary>
    private sealed class Reader
    {
        private readonly List<DiagnosticInfo> _diagnostics = new();
        private readonly Dictionary<string, (TypedConstant Value, LocationInfo? Location, AttributeArgumentSyntax? Syntax)> _values;
        private readonly DeclarationReader _reader;
        private readonly string _attributeName;
        private readonly string _display;
        private readonly LocationInfo? _attributeLocation;
        private readonly bool _otherModelAttribute;

        public Reader(GeneratorAttributeSyntaxContext context, string attributeName, CancellationToken cancellationToken)
        {
            _reader = new DeclarationReader(context, cancellationToken);
            _attributeName = attributeName;
            _attributeLocation = _reader.AttributeLocation;
            _display = _reader.Display;
            _reader.CheckShape(Report);

            // A class declares one model: another model attribute would generate the same members twice (LSTMGEN012).
            if (SpecParser.HasOtherModelAttributes(_reader.Type, _reader.Attribute, _attributeLocation, _display, out DiagnosticInfo? several))
            {
                _otherModelAttribute = true;
                if (several is not null) _diagnostics.Add(several);
            }

            _values = _reader.NamedArguments();
        }

        public bool Failed => _diagnostics.Count > 0 || _otherModelAttribute;

        public EquatableArray<DiagnosticInfo> Diagnostics => new(_diagnostics.ToArray());

        public void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] args)
            => _diagnostics.Add(new DiagnosticInfo(descriptor.Id, location, new EquatableArray<string>(args)));

        public int ReadSize(string name, bool required, int fallback)
        {
            if (!_values.TryGetValue(name, out var entry))
            {
                if (required) Report(DiagnosticDescriptors.MissingSetting, _attributeLocation, _display, name, _attributeName);
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
                if (required) Report(DiagnosticDescriptors.MissingSetting, _attributeLocation, _display, name, _attributeName);
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

        public void CheckSizes(long parameters, long packed, string packedWhat, long workspace)
        {
            (long Floats, string What)? tooLarge =
                parameters > MaxArrayLength ? (parameters, "its parameters")
                : packed > MaxArrayLength ? (packed, packedWhat)
                : workspace > MaxArrayLength ? (workspace, "the per-thread workspace")
                : null;
            if (tooLarge is { } large)
                Report(DiagnosticDescriptors.TooLarge, _attributeLocation, Invariant(large.Floats), large.What, Invariant(MaxArrayLength));
        }

        public DeclarationSpec Declaration() => _reader.Declaration();
    }
}
