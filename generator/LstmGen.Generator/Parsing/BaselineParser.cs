using System.Linq;
using System.Threading;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;
using static LstmGen.Generator.Parsing.AttributeReader;

namespace LstmGen.Generator.Parsing;

/// <summary>
/// Turns a class marked <c>[TextCnnModel]</c> or <c>[FeedForwardModel]</c> into its <see cref="ModelPlan"/> and the diagnostics that explain
/// what is wrong, read through the <see cref="AttributeReader"/> every model kind shares.
/// </summary>
internal static class BaselineParser
{
    public static ParseResult<ModelPlan> ParseTextCnn(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
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

        PlanResult? plan = vocabulary > 0 && embedding > 0 && sequence > 0 && filters > 0 && outputs > 0 && kernels is { Length: > 0 } && kernels.All(k => k > 0)
            ? Planner.TextCnn(r.Declaration(), vocabulary, embedding, sequence, kernels, filters, outputs, output)
            : null;
        return r.Result(plan);
    }

    public static ParseResult<ModelPlan> ParseFeedForward(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var r = new AttributeReader(context, DiagnosticDescriptors.MissingSetting, cancellationToken);
        int vocabulary = r.ReadVocabulary();
        int embedding = r.ReadSize("EmbeddingSize", required: true, 0);
        int sequence = r.ReadSize("SequenceLength", required: true, 0);
        int[]? hidden = r.ReadSizes("HiddenSizes", required: true, allowEmpty: true);
        int outputs = r.ReadSize("OutputSize", required: false, 1);
        HeadActivation output = r.ReadOutput(outputs);

        PlanResult? plan = vocabulary > 0 && embedding > 0 && sequence > 0 && outputs > 0 && hidden is not null && hidden.All(h => h > 0)
            ? Planner.FeedForward(r.Declaration(), vocabulary, embedding, sequence, hidden, outputs, output)
            : null;
        return r.Result(plan);
    }
}
