using System;
using System.Threading;
using LstmGen.Generator.Model;
using Microsoft.CodeAnalysis;

namespace LstmGen.Generator.Parsing;

/// <summary>Turns a class marked <c>[LstmModel]</c>, <c>[GruModel]</c> or <c>[RnnModel]</c> into a <see cref="ModelSpec"/> and the diagnostics that explain what is wrong.</summary>
internal static class SpecParser
{
    public static ParseResult<ModelSpec> Parse(GeneratorAttributeSyntaxContext context, CellKind cell, CancellationToken cancellationToken)
    {
        var r = new AttributeReader(context, DiagnosticDescriptors.MissingSize, cancellationToken);
        int vocabulary = r.ReadVocabulary();
        int embedding = r.ReadSize("EmbeddingSize", required: true, 0);
        int hidden = r.ReadSize("HiddenSize", required: true, 0);
        int sequence = r.ReadSize("SequenceLength", required: true, 0);
        int outputs = r.ReadSize("OutputSize", required: false, 1);
        int layers = r.ReadSize("Layers", required: false, 1);
        bool bidirectional = r.ReadFlag("Bidirectional");
        HeadActivation output = r.ReadOutput(outputs);

        if (vocabulary > 0 && embedding > 0 && hidden > 0 && outputs > 0 && sequence > 0 && layers > 0)
            r.CheckSizes(Buffers(cell, vocabulary, embedding, hidden, sequence, outputs, layers, bidirectional ? 2 : 1));

        if (r.Failed) return new ParseResult<ModelSpec>(null, r.Diagnostics);
        var spec = new ModelSpec(r.Declaration(), cell, vocabulary, embedding, hidden, sequence, outputs, output, layers, bidirectional);
        return new ParseResult<ModelSpec>(spec, default);
    }

    // Every array the generated code allocates, sized as Emit/Layout.cs sizes it, in long so nothing wraps.
    private static (long, string)[] Buffers(CellKind cell, long vocabulary, long embedding, long hidden, long sequence, long outputs, long layers, long directions)
    {
        long gateCount = KernelSizes.GateCount(cell);
        long gates = gateCount * hidden;
        long paddedHidden = KernelSizes.RoundUp(hidden, KernelSizes.Lanes);
        long paddedGates = gateCount * paddedHidden;
        long features = directions * hidden;
        // Per (layer, direction): weight_ih [G, input], weight_hh [G, H], two biases; layer 0 reads E, the others D·H.
        long unitParameters0 = gates * embedding + gates * hidden + 2 * gates;
        long unitParametersN = gates * features + gates * hidden + 2 * gates;
        long parameters = vocabulary * embedding + directions * unitParameters0 + (layers - 1) * directions * unitParametersN + outputs * features + outputs;
        long layerGates = directions * paddedGates, layerHidden = directions * paddedHidden;
        // State floats per row: h (and c for the LSTM); gate floats per tile row: the gates (and the GRU's recurrent part).
        long cellState = cell == CellKind.Lstm ? paddedHidden : 0;
        long tileGates = (cell == CellKind.Gru ? 2L : 1L) * paddedGates;
        long layerOutputs = Math.Min(layers - 1, 2L) * sequence * layerHidden;
        const long tile = KernelSizes.RecurrentTileRows;
        long workspace = layerHidden + cellState + paddedGates + sequence * (embedding + layerGates) + layerOutputs
            + tile * (layerHidden + cellState + tileGates + embedding) + tile * layerOutputs;
        return
        [
            (parameters, "its parameters"),
            (vocabulary * layerGates, "the folded embedding table"),
            (embedding * layerGates + (layers - 1) * layerHidden * layerGates, "the packed input weights"),
            (layers * directions * paddedGates * paddedHidden, "the packed recurrent weights"),
            (workspace, "the per-thread workspace"),
        ];
    }
}
