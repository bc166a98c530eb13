using LstmGen.Generator.Emit;
using LstmGen.Generator.Model;
using LstmGen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generator;

/// <summary>
/// Finds classes marked <c>[LstmModel]</c>, <c>[GruModel]</c>, <c>[RnnModel]</c>, <c>[TextCnnModel]</c> or
/// <c>[FeedForwardModel]</c> (the same registration for each attribute), parses each into a value-equal <see cref="ModelPlan"/>, and emits its
/// fixed-size forward and backward code. Plans and diagnostics travel in separate outputs, so a moved diagnostic location never
/// invalidates cached source.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class LstmModelGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    public static class TrackingNames
    {
        /// <summary>The parsed result per attributed class.</summary>
        public const string Parse = "Parse";
        /// <summary>The valid specs.</summary>
        public const string Specs = "Specs";
        /// <summary>The valid [TextCnnModel] specs.</summary>
        public const string TextCnnSpecs = "TextCnnSpecs";
        /// <summary>The valid [FeedForwardModel] specs.</summary>
        public const string FeedForwardSpecs = "FeedForwardSpecs";
    }

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        Register(context, KnownAttributes.Lstm, (c, ct) => SpecParser.Parse(c, CellKind.Lstm, ct), ModelEmitter.Emit, TrackingNames.Specs);
        Register(context, KnownAttributes.Gru, (c, ct) => SpecParser.Parse(c, CellKind.Gru, ct), ModelEmitter.Emit, TrackingNames.Specs);
        Register(context, KnownAttributes.Rnn, (c, ct) => SpecParser.Parse(c, CellKind.Rnn, ct), ModelEmitter.Emit, TrackingNames.Specs);
        Register(context, KnownAttributes.TextCnn, BaselineParser.ParseTextCnn, ModelEmitter.Emit, TrackingNames.TextCnnSpecs);
        Register(context, KnownAttributes.FeedForward, BaselineParser.ParseFeedForward, ModelEmitter.Emit, TrackingNames.FeedForwardSpecs);
    }

    // One model attribute's pipeline: parse each attributed class to a plan and diagnostics, emit the valid plans, and
    // report the diagnostics from a separate output, so a moved diagnostic location never invalidates cached source.
    private static void Register(
        IncrementalGeneratorInitializationContext context,
        string attributeName,
        System.Func<GeneratorAttributeSyntaxContext, System.Threading.CancellationToken, ParseResult<ModelPlan>> parse,
        System.Func<ModelPlan, string> emit,
        string specsTrackingName)
    {
        IncrementalValuesProvider<ParseResult<ModelPlan>> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(attributeName, predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax, transform: parse)
            .WithTrackingName(TrackingNames.Parse);
        IncrementalValuesProvider<ModelPlan> specs = results
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(specsTrackingName);
        context.RegisterSourceOutput(specs, (spc, spec) => spc.AddSource(spec.HintName, emit(spec)));
        context.RegisterSourceOutput(results.Select(static (r, _) => r.Diagnostics).Where(static d => d.Length > 0), static (spc, list) =>
        {
            foreach (DiagnosticInfo info in list) spc.ReportDiagnostic(info.ToDiagnostic());
        });
    }
}
