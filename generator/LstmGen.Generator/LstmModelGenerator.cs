using System.Collections.Immutable;
using LstmGen.Generator.Emit;
using LstmGen.Generator.Model;
using LstmGen.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LstmGen.Generator;

/// <summary>
/// Finds classes marked <c>[LstmModel]</c>, <c>[GruModel]</c>, <c>[RnnModel]</c>, <c>[TextCnnModel]</c> or
/// <c>[FeedForwardModel]</c> (one registration per attribute), parses each into a value-equal spec, and emits its
/// fixed-size forward and backward code. Specs and diagnostics travel in separate outputs, so a moved diagnostic location never
/// invalidates cached source.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class LstmModelGenerator : IIncrementalGenerator
{
    /// <summary>Fully qualified metadata name of the LSTM attribute.</summary>
    public const string AttributeName = "LstmGen.LstmModelAttribute";
    /// <summary>Fully qualified metadata name of the GRU attribute.</summary>
    public const string GruAttributeName = "LstmGen.GruModelAttribute";
    /// <summary>Fully qualified metadata name of the simple-RNN attribute.</summary>
    public const string RnnAttributeName = "LstmGen.RnnModelAttribute";

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
        Register(context, AttributeName, CellKind.Lstm);
        Register(context, GruAttributeName, CellKind.Gru);
        Register(context, RnnAttributeName, CellKind.Rnn);
        RegisterBaseline(context, BaselineParser.TextCnnAttribute, BaselineParser.ParseTextCnn,
            static spec => spec.Declaration.HintName, TextCnnEmitter.Emit, TrackingNames.TextCnnSpecs);
        RegisterBaseline(context, BaselineParser.FeedForwardAttribute, BaselineParser.ParseFeedForward,
            static spec => spec.Declaration.HintName, FeedForwardEmitter.Emit, TrackingNames.FeedForwardSpecs);
    }

    private static void Register(IncrementalGeneratorInitializationContext context, string attributeName, CellKind cell)
    {
        IncrementalValuesProvider<ParseResult> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                attributeName,
                predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                transform: (ctx, ct) => SpecParser.Parse(ctx, cell, ct))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<ModelSpec> specs = results
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(TrackingNames.Specs);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = results
            .Select(static (r, _) => r.Diagnostics)
            .Where(static d => d.Length > 0);

        context.RegisterSourceOutput(specs, static (spc, spec) => spc.AddSource(spec.HintName, ModelEmitter.Emit(spec)));
        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (DiagnosticInfo info in list) spc.ReportDiagnostic(info.ToDiagnostic());
        });
    }

    // The same pipeline for a non-recurrent model attribute ([TextCnnModel], [FeedForwardModel]): parse to a spec and
    // diagnostics, emit valid specs; diagnostics go to the shared diagnostics output shape, separate from the specs.
    private static void RegisterBaseline<TSpec>(
        IncrementalGeneratorInitializationContext context,
        string attributeName,
        System.Func<GeneratorAttributeSyntaxContext, System.Threading.CancellationToken, ParseResult<TSpec>> parse,
        System.Func<TSpec, string> hintName,
        System.Func<TSpec, string> emit,
        string specsTrackingName)
        where TSpec : class
    {
        IncrementalValuesProvider<ParseResult<TSpec>> results = context.SyntaxProvider
            .ForAttributeWithMetadataName(attributeName, predicate: static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax, transform: parse);
        IncrementalValuesProvider<TSpec> specs = results
            .Where(static r => r.Spec is not null)
            .Select(static (r, _) => r.Spec!)
            .WithTrackingName(specsTrackingName);
        context.RegisterSourceOutput(specs, (spc, spec) => spc.AddSource(hintName(spec), emit(spec)));
        context.RegisterSourceOutput(results.Select(static (r, _) => r.Diagnostics).Where(static d => d.Length > 0), static (spc, list) =>
        {
            foreach (DiagnosticInfo info in list) spc.ReportDiagnostic(info.ToDiagnostic());
        });
    }
}
