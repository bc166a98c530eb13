using System.Linq;
using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>Emits a recurrent model (LSTM, GRU, RNN; stacked, bidirectional): its tensors, constants, packing, folded table and Predict bodies, inside the shared <see cref="ShellEmitter"/> frame.</summary>
internal static class ModelEmitter
{
    /// <summary>The generator's version (major.minor.build of its assembly, set by &lt;Version&gt; in the project), written into every file.</summary>
    public static readonly string Version = typeof(ModelEmitter).Assembly.GetName().Version!.ToString(3);

    /// <summary>The generated file of any model: the recurrent emitter below, or the text CNN's or the feed-forward model's.</summary>
    public static string Emit(ModelPlan plan)
        => plan.Find<RecurrentPlan>() is { } recurrent ? EmitRecurrent(plan, recurrent)
            : plan.Find<ConvPlan>() is not null ? TextCnnEmitter.Emit(plan) : FeedForwardEmitter.Emit(plan);

    private static string EmitRecurrent(ModelPlan P, RecurrentPlan L)
    {
        CellEmitter cell = CellEmitter.For(L.Cell);
        var w = new SourceWriter();
        if (P.Dense)
        {
            ShellEmitter.Begin(w, P, $"Input({P.E}) → {cell.Display}({L.H}) → Dense({P.O}, {P.Output})",
                $"""
                Generated {cell.Display} model: {P.E} float features per step → {cell.Display}({L.H}) ({(P.ReturnSequences ? "hidden state at every step" : "final hidden state")}) → Dense({P.O}) → {P.Output}{(P.ReturnSequences ? " at every step" : "")}.
                Cell: {cell.Formula}.
                Each row has a length (PyTorch packed sequences): row b is its first lengths[b] steps; the rest is never read.
                """, SequenceHeadEmitter.Interfaces(P, "IDenseRecurrentModel" + (TruncatedBpttEmitter.Applies(L) ? ", global::LstmGen.Training.IDenseTruncatedBpttModel" : "")), wide: Simd.Avx512.WholeUnits(L.Hp) > 0);
        }
        else
        {
            ShellEmitter.Begin(w, P, $"Embedding({P.V}, {P.E}) → {cell.Display}({L.H}) → Dense({P.O}, {P.Output})",
                $"""
                Generated {cell.Display} model: token ids → Embedding({P.V}, {P.E}) → {cell.Display}({L.H}) ({(P.ReturnSequences ? "hidden state at every step" : "final hidden state")}) → Dense({P.O}) → {P.Output}{(P.ReturnSequences ? " at every step" : "")}.
                Cell: {cell.Formula}.
                Token 0 is padding and is masked (a padded step leaves {cell.State} unchanged); token 1 is out-of-vocabulary.
                """, SequenceHeadEmitter.Interfaces(P, "IRecurrentModel" + (TruncatedBpttEmitter.Applies(L) ? ", global::LstmGen.Training.ITruncatedBpttModel" : "") + LogitOffsetEmitter.Interface(P)), wide: Simd.Avx512.WholeUnits(L.Hp) > 0);
        }
        EmitConstants(w, P, L, cell);
        ShellEmitter.EmitParameters(w, P, "The model's sizes.", intScratch: false, P.Dense ? "" : EmbeddingEmitter.PrepareFoldedTable);
        RecurrentLayerEmitter.EmitState(w, P, L, cell);
        EmitInitialization(w, P, cell);
        RecurrentLayerEmitter.EmitPacking(w, P, L, cell);
        RecurrentLayerEmitter.EmitPredict(w, P, L, cell);
        RecurrentStepEmitter.Emit(w, L, cell);
        StreamingEmitter.Emit(w, P, L, cell); // unidirectional only
        cell.EmitInference(w, L);
        HeadEmitter.Emit(w, P.Output, L);
        RecurrentLayerEmitter.EmitTraining(w, P, L, cell);
        DropoutEmitter.Emit(w, L, P.Dense, P.ReturnSequences);
        ShellEmitter.End(w, P);
        return w.ToString();
    }

    private static void EmitConstants(SourceWriter w, ModelPlan P, RecurrentPlan L, CellEmitter cell)
    {
        ShellEmitter.EmitConstants(w, P, $" (the {cell.Display} input size)", $"""
            /// <summary>Number of {cell.Display} hidden units per layer and direction (PyTorch <c>hidden_size</c>).</summary>
            public const int HiddenSize = {L.H};
            /// <summary>Stacked recurrent layers (PyTorch <c>num_layers</c>).</summary>
            public const int Layers = {L.Layers};
            /// <summary>Directions per layer: 1, or 2 when bidirectional (PyTorch <c>bidirectional=True</c>).</summary>
            public const int Directions = {L.D};
            /// <summary>Directions·HiddenSize: the width of the features the head reads and of the input of every layer above the first.</summary>
            public const int FeatureSize = {L.F};
            /// <summary>Fused gate width {L.Gates}·HiddenSize (gate order {Planner.GateOrder(L.Cell)}).</summary>
            public const int GateSize = {L.G};
            """);
        string m = L.Cell.ToString();
        w.Line($"""
            // Packed layout for the kernels: each gate's {L.H} units padded to HP = {L.Hp} lanes (whole Vector256s), so
            // vector loops never need a tail. Padded lanes carry zero weights: their {cell.State} stay exactly 0.
            private const int HP = {L.Hp};
            private const int GP = {L.Gp};
            // Row stride of the packed W_hhᵀ: {(L.Wp == L.Gp ? "GP (a row is not a whole number of KiB)" : "GP + 16, so the rows of a GEMM panel do not share a few L1 sets")}.
            private const int WP = {L.Wp};
            // A layer's widths over both directions: each row of a layer-output sequence is [h_fwd (HP); h_rev (HP)], each row
            // of a layer's input part [gates_fwd (GP); gates_rev (GP)], so one GEMM projects a layer's input for both directions.
            private const int DHP = {L.DHp};
            private const int DGP = {L.DGp};

            // Per-thread workspace, one float[] carved into: h per direction{(cell.HasCellState ? ", c" : "")}, gates (batch 1); gathered embeddings and
            // the input part of every step{(L.Layers > 1 ? "; the layer-output sequences (two alternate)" : "")}; then the same for a tile of {P.TileRows} sequences{(cell.SeparateRecurrent ? ", plus the tile's recurrent part" : "")}.
            """);
        ShellEmitter.EmitScratch(w, P);
        w.Line($"""

            // Gates per cell, and the parameters of one unit of layer 0 (weight_ih [GateSize, E], weight_hh, two biases) and above.
            private const int GateCount = {L.Gates};
            private const int UnitParameters0 = {L.UnitSize0};
            private const int UnitParametersN = {L.UnitSizeN};

            // Offset of unit (layer, direction)'s weight_ih [GateSize, LayerInputSize(layer)] in the parameters (PyTorch order:
            // l0, l0_reverse, l1, …); weight_hh [GateSize, HiddenSize], bias_ih and bias_hh [GateSize] follow it.
            private static int UnitOffset(int layer, int direction)
                => layer == 0 ? {m}WeightIhOffset + direction * UnitParameters0 : {m}WeightIhOffset + Directions * UnitParameters0 + ((layer - 1) * Directions + direction) * UnitParametersN;

            // PyTorch input width of a layer: EmbeddingSize for layer 0, FeatureSize above.
            private static int LayerInputSize(int layer) => layer == 0 ? EmbeddingSize : FeatureSize;

            // Packed input rows of a layer (EmbeddingSize, or DHP: each direction's h padded to HP) and where the layer's
            // W_ihᵀ [rows, DGP] and W_ih [DGP, rows] start in _wihT and _wihP.
            private static int PackedInputSize(int layer) => layer == 0 ? EmbeddingSize : DHP;
            private static int PackedInputOffset(int layer) => layer == 0 ? 0 : EmbeddingSize * DGP + (layer - 1) * DHP * DGP;

            // The packed input row of PyTorch input column k: k for layer 0; above, column k is unit k mod H of direction ⌊k/H⌋.
            private static int PackedInputRow(int layer, int k) => layer == 0 ? k : k / HiddenSize * HP + k % HiddenSize;

            """);
    }

    private static void EmitInitialization(SourceWriter w, ModelPlan P, CellEmitter cell)
    {
        string biasStatement = cell.BiasInitStatement("bih");
        string biasInit = biasStatement.Length > 0 ? "\n        " + biasStatement : "";
        ShellEmitter.EmitResetParameters(w,
            $"{(P.Dense ? "" : "embedding uniform in\n[−0.05, 0.05]; ")}input kernel Glorot-uniform; recurrent kernel orthogonal;\n{cell.BiasInitText}; dense kernel Glorot-uniform, bias zero.",
            $$"""
            {{(P.Dense ? "// No embedding: layer 0 reads the features." : ShellEmitter.InitLines(P.Tensors.Where(t => t.Name == "embedding.weight")))}}
            // Per unit, in PyTorch order: W_ih Glorot-uniform (fan-in = the layer's input width), W_hh orthogonal.
            for (int layer = 0; layer < Layers; layer++)
            {
                for (int direction = 0; direction < Directions; direction++)
                {
                    int ih = UnitOffset(layer, direction), hh = ih + GateSize * LayerInputSize(layer){{(biasInit.Length > 0 ? ", bih = hh + GateSize * HiddenSize" : "")}};
                    global::LstmGen.Initializers.GlorotUniform(p.Slice(ih, GateSize * LayerInputSize(layer)), LayerInputSize(layer), GateSize, ref rng);
                    global::LstmGen.Initializers.Orthogonal(p.Slice(hh, GateSize * HiddenSize), GateSize, HiddenSize, ref rng);{{biasInit}}
                }
            }
            {{ShellEmitter.InitLines(P.Tensors.Where(t => t.Name == "fc.weight"))}}
            """);
    }
}
