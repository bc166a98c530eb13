using System.Linq;
using System.Threading;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using static LstmGen.Generator.Parsing.AttributeReader;

namespace LstmGen.Generator.Parsing;

/// <summary>
/// Turns a class marked <c>[TextCnnModel]</c> or <c>[FeedForwardModel]</c> into its spec and the diagnostics that explain
/// what is wrong, read through the <see cref="AttributeReader"/> every model kind shares.
/// </summary>
internal static class BaselineParser
{
    private const long TileRows = KernelSizes.BaselineTileRows;
    private const int Panel = KernelSizes.GemmColumns;

    public static ParseResult<TextCnnSpec> ParseTextCnn(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var r = new AttributeReader(context, DiagnosticDescriptors.MissingSetting, cancellationToken);
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
            long paddedFilters = KernelSizes.RoundUp(filters, Panel);
            long features = (long)filters * kernels.Length;
            long parameters = (long)vocabulary * embedding + outputs * features + outputs;
            long packed = 0;
            foreach (int k in kernels)
            {
                parameters += (long)filters * embedding * k + filters;
                packed += (long)k * embedding * paddedFilters;
            }
            long workspace = TileRows * sequence * (embedding + paddedFilters) + TileRows * (features + 2L * outputs);
            r.CheckSizes((parameters, "its parameters"), (packed, "the packed convolution weights"), (workspace, "the per-thread workspace"));
        }

        if (r.Failed) return new ParseResult<TextCnnSpec>(null, r.Diagnostics);
        var spec = new TextCnnSpec(r.Declaration(), vocabulary, embedding, sequence, new EquatableArray<int>(kernels!), filters, outputs, output);
        return new ParseResult<TextCnnSpec>(spec, default);
    }

    public static ParseResult<FeedForwardSpec> ParseFeedForward(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var r = new AttributeReader(context, DiagnosticDescriptors.MissingSetting, cancellationToken);
        int vocabulary = r.ReadVocabulary();
        int embedding = r.ReadSize("EmbeddingSize", required: true, 0);
        int sequence = r.ReadSize("SequenceLength", required: true, 0);
        int[]? hidden = r.ReadSizes("HiddenSizes", required: true, allowEmpty: true);
        int outputs = r.ReadSize("OutputSize", required: false, 1);
        HeadActivation output = r.ReadOutput(outputs);

        if (vocabulary > 0 && embedding > 0 && sequence > 0 && outputs > 0 && hidden is not null && hidden.All(h => h > 0))
        {
            // Sized as Emit/FeedForwardEmitter.cs sizes it: widths padded to whole GEMM panels.
            long parameters = (long)vocabulary * embedding + outputs;
            long packed = 0, workspace = 0, width = embedding;
            foreach (int h in hidden)
            {
                parameters += (long)h * width + h;
                packed += 2 * KernelSizes.RoundUp(width, Panel) * KernelSizes.RoundUp(h, Panel);
                workspace += TileRows * KernelSizes.RoundUp(width, Panel);
                width = h;
            }
            parameters += outputs * width;
            workspace += TileRows * (KernelSizes.RoundUp(width, Panel) + 2L * outputs);
            r.CheckSizes((parameters, "its parameters"), (packed, "the packed layer weights"), (workspace, "the per-thread workspace"));
        }

        if (r.Failed) return new ParseResult<FeedForwardSpec>(null, r.Diagnostics);
        var spec = new FeedForwardSpec(r.Declaration(), vocabulary, embedding, sequence, new EquatableArray<int>(hidden!), outputs, output);
        return new ParseResult<FeedForwardSpec>(spec, default);
    }
}
