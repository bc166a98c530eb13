using System.Threading;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace LstmGen.Generator.Parsing;

/// <summary>Turns a class marked <c>[LstmModel]</c>, <c>[GruModel]</c> or <c>[RnnModel]</c> into a <see cref="ModelPlan"/> and the diagnostics that explain what is wrong.</summary>
internal static class SpecParser
{
    public static ParseResult<ModelPlan> Parse(GeneratorAttributeSyntaxContext context, CellKind cell, CancellationToken cancellationToken)
    {
        var r = new AttributeReader(context, DiagnosticDescriptors.MissingSize, cancellationToken);
        // Dense inputs (InputSize) or tokens (VocabularySize and EmbeddingSize): exactly one of the two.
        bool dense = r.Has("InputSize");
        if (dense && (r.Has("VocabularySize") || r.Has("EmbeddingSize")))
            r.Report(DiagnosticDescriptors.InputSizeWithTokens, r.LocationOf("InputSize"), r.DisplayName, r.Has("VocabularySize") ? "VocabularySize" : "EmbeddingSize");
        else if (!dense && !r.Has("VocabularySize") && !r.Has("EmbeddingSize"))
            r.Report(DiagnosticDescriptors.NoInput, r.AttributeLocation, r.DisplayName, r.AttributeName);
        int vocabulary = dense ? 1 : r.Has("VocabularySize") || r.Has("EmbeddingSize") ? r.ReadVocabulary() : 0;
        int embedding = dense ? r.ReadSize("InputSize", required: true, 0) : r.Has("VocabularySize") || r.Has("EmbeddingSize") ? r.ReadSize("EmbeddingSize", required: true, 0) : 0;
        int hidden = r.ReadSize("HiddenSize", required: true, 0);
        int sequence = r.ReadSize("SequenceLength", required: true, 0);
        int outputs = r.ReadSize("OutputSize", required: false, 1);
        int layers = r.ReadSize("Layers", required: false, 1);
        bool bidirectional = r.ReadFlag("Bidirectional");
        bool sequences = r.ReadFlag("ReturnSequences");
        HeadActivation output = r.ReadOutput(outputs);

        PlanResult? plan = vocabulary > 0 && embedding > 0 && hidden > 0 && outputs > 0 && sequence > 0 && layers > 0
            ? Planner.Recurrent(r.Declaration(), cell + "Model", cell, vocabulary, embedding, hidden, sequence, outputs, output, layers, bidirectional ? 2 : 1, dense, sequences)
            : null;
        return r.Result(plan);
    }
}
