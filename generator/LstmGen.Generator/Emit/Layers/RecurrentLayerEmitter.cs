using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// The recurrent stack (cell × layers × directions), side by side: its packed weights and packing, the folded layer-0
/// table, inference (the single-row body over the fused batch-1 step, RunTile over tiles), and in
/// RecurrentLayerEmitter.Training.cs the training forward and backward passes. Cell-specific lines come from the
/// <see cref="CellEmitter"/>.
/// </summary>
internal static partial class RecurrentLayerEmitter
{
    public static void EmitState(SourceWriter w, ModelPlan P, RecurrentPlan L, CellEmitter cell)
    {
        string inputBias = cell.SeparateRecurrent ? "b_ih + (b_hr, b_hz, 0)" : "b_ih + b_hh";
        w.Line($$"""
            // Per unit u = layer·Directions + direction, W_hhᵀ packed [H, GP] with row stride WP at u·H·WP: row k holds every
            // gate's weight on h_k, so the step broadcasts h_k and FMAs a row.
            private readonly global::LstmGen.AlignedFloats _whhT = new(Layers * Directions * HiddenSize * WP);
            // The same weights chunk-major for the batch-1 step (see Step): per unit at u·H·GP, chunk u0 (StepChunkWidth units,
            // fewer for a last partial chunk) at u0·{{L.Gates}}·H, its row k at k·{{L.Gates}}·width, gate q's units at q·width.
            private readonly global::LstmGen.AlignedFloats _whhC = new(Layers * Directions * HiddenSize * GP);
            // Per layer, W_ihᵀ packed [PackedInputSize, DGP] at PackedInputOffset (both directions side by side), and the
            // input-side bias {{inputBias}} packed [DGP] at layer·DGP.
            private readonly float[] _wihT = new float[{{P.Floats("PackedInput")}}];
            private readonly float[] _bias = new float[Layers * DGP];
            // For backpropagation: W_hh packed [GP, HP] per unit and W_ih packed [DGP, PackedInputSize] per layer.
            private readonly float[] _whhP = new float[Layers * Directions * GP * HP];
            private readonly float[] _wihP = new float[{{P.Floats("PackedInput")}}];

            /// <summary>The recurrent cell: {{cell.Display}}.</summary>
            public global::LstmGen.RecurrentCell Cell => global::LstmGen.RecurrentCell.{{L.Cell}};

            """);
        if (!P.Dense) w.Line($$"""
            // Folded layer-0 input table [V, DGP]: row v = embedding[v]·W_ihᵀ + {{inputBias}} (both directions), built on first use.
            private float[]? _table;
            private int _tableVersion = -1;

            /// <summary>
            /// When true (the default), inference reads the folded table <c>embedding·W_ihᵀ + {{inputBias}}</c> of the first layer
            /// ({{P.V}}×{{L.D * L.G}} floats, built once after parameters change) instead of projecting each embedding; results
            /// agree to float rounding. Layers above the first always project their input (one GEMM over all steps).
            /// </summary>
            public bool UseFoldedEmbedding { get => _owner is null ? _useFolded : _owner._useFolded; set => _useFolded = value; }

            // A snapshot reads its owner's setting.
            private bool _useFolded = true;

            """);
        if (cell.SeparateRecurrent)
        {
            w.Line($"""
                // The recurrent part's bias (0, 0, b_hn) packed [DGP] per layer: b_hn sits inside r ⊙ (W_hn·h + b_hn), so it cannot be folded.
                private readonly float[] _biasHh = new float[Layers * DGP];

                """);
        }
    }

    public static void EmitPacking(SourceWriter w, ModelPlan P, RecurrentPlan L, CellEmitter cell)
    {
        string inputBias = cell.SeparateRecurrent ? "b_ih + (b_hr, b_hz, 0)" : "b_ih + b_hh";
        // The input-side bias: b_ih plus every b_hh that adds unconditionally (all gates but the GRU's n).
        string biasLines = cell.SeparateRecurrent
            ? $"""
                                // b_hr and b_hz add to r and z unconditionally and fold into the input bias; b_hn stays with W_hn·h.
                                _bias[layer * DGP + col] = p[bih + row] + (gate < 2 ? p[bhh + row] : 0f);
                                _biasHh[layer * DGP + col] = gate < 2 ? 0f : p[bhh + row];
            """
            : $"""
                                _bias[layer * DGP + col] = p[bih + row] + p[bhh + row];
            """;
        w.Line($$"""
            // Packs, per unit, W_hhᵀ, W_hh, W_ihᵀ, W_ih and the input-side bias {{inputBias}} in the padded gate layout
            // (EnsurePacked calls it when parameters changed). Column col = direction·GP + gate·HP + j of a layer's
            // [·, DGP] blocks is PyTorch row gate·H + j of that direction's tensors; padded rows and columns stay zero.
            private void Pack(float[] p)
            {
                for (int layer = 0; layer < Layers; layer++)
                {
                    int inputs = LayerInputSize(layer), packedInputs = PackedInputSize(layer), inputOffset = PackedInputOffset(layer);
                    for (int direction = 0; direction < Directions; direction++)
                    {
                        int unit = layer * Directions + direction, whhT = unit * HiddenSize * WP, whhC = unit * HiddenSize * GP, whhP = unit * GP * HP;
                        int wih = UnitOffset(layer, direction), whh = wih + GateSize * inputs, bih = whh + GateSize * HiddenSize, bhh = bih + GateSize;
                        for (int gate = 0; gate < GateCount; gate++)
                        {
                            for (int j = 0; j < HiddenSize; j++)
                            {
                                int row = gate * HiddenSize + j, unitCol = gate * HP + j, col = direction * GP + unitCol;
                                for (int k = 0; k < HiddenSize; k++) _whhT[whhT + k * WP + unitCol] = _whhP[whhP + unitCol * HP + k] = p[whh + row * HiddenSize + k];
                                for (int k = 0; k < inputs; k++)
                                {
                                    int e = PackedInputRow(layer, k);
                                    _wihT[inputOffset + e * DGP + col] = _wihP[inputOffset + col * packedInputs + e] = p[wih + row * inputs + k];
                                }
            {{biasLines}}
                            }
                        }
                        // The batch-1 step's chunk-major copy of W_hhᵀ (padded units stay zero).
                        for (int u0 = 0; u0 < HP; u0 += StepChunkWidth)
                        {
                            int width = global::System.Math.Min(StepChunkWidth, HP - u0);
                            for (int k = 0; k < HiddenSize; k++)
                                for (int gate = 0; gate < GateCount; gate++)
                                    _whhT.AsSpan(whhT + k * WP + gate * HP + u0, width).CopyTo(_whhC.AsSpan(whhC + u0 * GateCount * HiddenSize + (k * GateCount + gate) * width, width));
                        }
                    }
                }
            }

            """);
        ShellEmitter.EmitCaches(w, intScratch: false, tokens: !P.Dense);
        if (P.Dense) return;
        EmbeddingEmitter.EmitEnsureTable(w, $"""
            // T[v, :] = embedding[v, :]·W_ihᵀ + {inputBias} for every token v and both directions of layer 0: one GEMM,
            // {P.V}×{P.E} by {P.E}×{L.DGp}.
            """, "DGP", "for (int v = 0; v < VocabularySize; v++) LgArray.Copy(_bias, 0, table, v * DGP, DGP);",
            "new LgReadOnlySpan(_wihT, 0, EmbeddingSize * DGP)");
    }

    // Predict: the single-row body, the batch body over tiles, and RunTile.
    public static void EmitPredict(SourceWriter w, ModelPlan P, RecurrentPlan L, CellEmitter cell)
    {
        bool seq = P.ReturnSequences;
        if (P.Dense)
        {
            string single = SourceWriter.Fragment(x => EmitSingleRow(x, L, cell, dense: true, seq));
            DenseInputEmitter.EmitPredict(w, P, single);
            EmitRunTile(w, L, cell, dense: true, seq);
            if (seq) SequenceHeadEmitter.EmitInference(w, P);
            return;
        }
        ShellEmitter.EmitPredict(w, P, SourceWriter.Fragment(x => EmitSingleRow(x, L, cell, dense: false, seq)), ", the recurrent product as one GEMM per step", seq ? SequenceHeadEmitter.BatchBody : """
            float[]? table = UseFoldedEmbedding ? EnsureTable() : null;
            float[] scratch = Scratch();
            for (int row0 = 0; row0 < batch; row0 += TileRows)
            {
                int rows = global::System.Math.Min(TileRows, batch - row0);
                RunTile(tokens.Slice(row0 * SequenceLength, rows * SequenceLength), rows, table, scratch);
                for (int r = 0; r < rows; r++)
                    HeadLogits(ref scratch[ScratchTileH + r * DHP], outputs.Slice((row0 + r) * OutputSize, OutputSize));
            }
            """);
        EmitRunTile(w, L, cell, dense: false, seq);
        if (seq) SequenceHeadEmitter.EmitInference(w, P);
    }

    // One row: its non-padding tokens, layer by layer and direction by direction, each step fused (Step), then the head.
    private static void EmitSingleRow(SourceWriter w, RecurrentPlan L, CellEmitter cell, bool dense, bool seq)
    {
        if (dense) w.Line($"{DenseInputEmitter.SingleRowInput}");
        else w.Line($$"""
            float[]? table = UseFoldedEmbedding ? EnsureTable() : null;
            float[] scratch = Scratch();
            // The n non-padding tokens are the sequence (padding is skipped, so it never changes the result). Unfolded, gather
            // their embeddings and project them for all steps{{(L.D == 2 ? " and both directions" : "")}} in one GEMM: X·W_ihᵀ + b, [n, E] by [E, DGP].
            int n = 0;
            for (int t = 0; t < tokens.Length; t++)
            {
                int token = tokens[t];
                if (token == 0) continue;
                if (table is null)
                {
                    LgArray.Copy(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, scratch, ScratchX + n * EmbeddingSize, EmbeddingSize);
                    LgArray.Copy(_bias, 0, scratch, ScratchXProj + n * DGP, DGP);
                }
                n++;
            }
            if (table is null)
            {
                LgGemm.MultiplyAdd(n, DGP, EmbeddingSize,
                    new LgReadOnlySpan(scratch, ScratchX, n * EmbeddingSize), EmbeddingSize,
                    new LgReadOnlySpan(_wihT, 0, EmbeddingSize * DGP), DGP, new LgSpan(scratch, ScratchXProj, n * DGP), DGP);
            }
            ref float gates = ref scratch[ScratchGates];
            """);
        using (w.Block($"for (int layer = 0; layer < Layers; layer++)"))
        {
            if (L.Layers > 1)
            {
                w.Line($"int layerOutput = ScratchY + layer % 2 * SequenceLength * DHP;");
                using (w.Block($"if (layer > 0)"))
                {
                    w.Line($$"""
                        // Layer ℓ's input part for all n steps and both directions in one GEMM: Y_{ℓ−1}·W_ihᵀ + b ([n, DHP] by [DHP, DGP]).
                        for (int s = 0; s < n; s++) LgArray.Copy(_bias, layer * DGP, scratch, ScratchXProj + s * DGP, DGP);
                        LgGemm.MultiplyAdd(n, DGP, DHP,
                            new LgReadOnlySpan(scratch, ScratchY + (layer - 1) % 2 * SequenceLength * DHP, n * DHP), DHP,
                            new LgReadOnlySpan(_wihT, PackedInputOffset(layer), DHP * DGP), DGP,
                            new LgSpan(scratch, ScratchXProj, n * DGP), DGP);
                        """);
                }
            }
            if (!dense)
            {
                w.Line($"// The layer-0 input part of step s is table row token_s when folded, else row s of the projection.");
                w.Line($"bool folded = layer == 0 && table is not null;");
            }
            using (w.Block($"for (int direction = 0; direction < Directions; direction++)"))
                EmitSingleRowDirection(w, L, cell, dense, seq);
        }
        w.Line($"{(seq ? SequenceHeadEmitter.RowCall(dense) : "HeadLogits(ref scratch[ScratchH], output);")}");
    }

    // One direction of one layer over the row's n steps, from a zero state.
    private static void EmitSingleRowDirection(SourceWriter w, RecurrentPlan L, CellEmitter cell, bool dense, bool seq)
    {
        if (L.D == 2)
        {
            w.Line($"""
                // The forward direction runs the n steps first to last, the reverse direction last to first, each from a zero state;
                // the head reads the forward direction's h after the last step and the reverse direction's h after the first.
                """);
        }
        else
        {
            w.Line($"// The steps run first to last from a zero state; the head reads h after the last.");
        }
        w.Line($"LgArray.Clear(scratch, ScratchH + direction * HP, HP);");
        if (cell.HasCellState) w.Line($"LgArray.Clear(scratch, ScratchC, HP);");
        w.Line($"ref float h = ref scratch[ScratchH + direction * HP];");
        w.Line($"ref float hNext = ref scratch[ScratchHNext];");
        if (cell.HasCellState) w.Line($"ref float c = ref scratch[ScratchC];");
        w.Line($"ref float whhT = ref _whhT[(layer * Directions + direction) * HiddenSize * WP];");
        w.Line($"ref float whhC = ref _whhC[(layer * Directions + direction) * HiddenSize * GP];");
        if (cell.SeparateRecurrent) w.Line($"ref float biasHh = ref _biasHh[layer * DGP + direction * GP];");
        using (w.Block($"for (int k = 0, s = direction == 0 ? 0 : n - 1; k < {(dense ? "n" : "tokens.Length")}; k++)"))
        {
            if (dense) w.Line($"ref float input = ref scratch[ScratchXProj + s * DGP + direction * GP];");
            else w.Line($"""
                int token = tokens[direction == 0 ? k : tokens.Length - 1 - k];
                if (token == 0) continue; // padding: {cell.State} unchanged
                ref float input = ref folded ? ref table![token * DGP + direction * GP] : ref scratch[ScratchXProj + s * DGP + direction * GP];
                // Fetch the next step's table row while this step computes: the table is far larger than L2.
                if (folded && k + 1 < tokens.Length) LgMath.Prefetch(ref table![tokens[direction == 0 ? k + 1 : tokens.Length - 2 - k] * DGP + direction * GP], GP);
                """);
            // One step: h' into hNext from h, then the two swap (the step reads h while it writes h' chunk by chunk).
            w.Line($"Step(ref input{(cell.SeparateRecurrent ? ", ref biasHh" : "")}, ref whhC, ref whhT, ref h, ref hNext{(cell.HasCellState ? ", ref c, ref c" : "")}, ref gates, reverse: (s & 1) != 0);");
            w.Line($"ref float previous = ref h;");
            w.Line($"h = ref hNext;");
            w.Line($"hNext = ref previous;");
            if (L.Layers > 1)
            {
                w.Line($"// Below the top layer, y_s = h is the next layer's input at step s.");
                w.Line($"if (layer < Layers - 1) LgMarshal.CreateReadOnlySpan(ref h, HP).CopyTo(new LgSpan(scratch, layerOutput + s * DHP + direction * HP, HP));");
            }
            if (seq) SequenceHeadEmitter.EmitSaveRowStep(w, L);
            w.Line($"s += direction == 0 ? 1 : -1;");
        }
        w.Line($"""
            // The head and the layer above read the final h at its place in the workspace.
            if (!LgUnsafe.AreSame(ref h, ref scratch[ScratchH + direction * HP]))
                LgMarshal.CreateReadOnlySpan(ref h, HP).CopyTo(new LgSpan(scratch, ScratchH + direction * HP, HP));
            """);
    }

    // RunTile: one tile of sequences, layer by layer and direction by direction.
    private static void EmitRunTile(SourceWriter w, RecurrentPlan L, CellEmitter cell, bool dense, bool seq)
    {
        string parts = cell.SeparateRecurrent
            ? "X_t·W_ihᵀ + b (or rows of the folded table) and HH = (0, 0, b_hn) + H·W_hhᵀ"
            : "G = X_t·W_ihᵀ + b (or rows of the folded table) + H·W_hhᵀ";
        w.Line($"""
            // One tile of sequences, layer by layer and direction by direction (the reverse direction walks the steps last to
            // first): per step, {parts}, then the cell
            // update for every row whose token is not padding. Row r's state is [h_fwd; h_rev] at ScratchTileH + r·DHP.
            """);
        using (w.Block($"private void RunTile({(dense ? "LgReadOnlySpan inputs, LgIntSpan lengths, int rows, float[] scratch" : "LgIntSpan tokens, int rows, float[]? table, float[] scratch")})"))
        {
            w.Line($"var gates = new LgSpan(scratch, ScratchTileGates, rows * GP);");
            if (cell.SeparateRecurrent) w.Line($"var hh = new LgSpan(scratch, ScratchTileHH, rows * GP);");
            using (w.Block($"for (int layer = 0; layer < Layers; layer++)"))
            {
                w.Line($"LgArray.Clear(scratch, ScratchTileH, TileRows * DHP);");
                if (L.Layers > 1)
                    w.Line($"int tileInput = ScratchTileY + (layer + 1) % 2 * SequenceLength * TileRows * DHP, tileOutput = ScratchTileY + layer % 2 * SequenceLength * TileRows * DHP;");
                using (w.Block($"for (int direction = 0; direction < Directions; direction++)"))
                {
                    w.Line($"int column = direction * GP, state = ScratchTileH + direction * HP;");
                    w.Line($"LgReadOnlySpan whhT = _whhT.AsSpan((layer * Directions + direction) * HiddenSize * WP, HiddenSize * WP);");
                    if (cell.HasCellState) w.Line($"LgArray.Clear(scratch, ScratchTileC, TileRows * HP);");
                    using (w.Block($"for (int k = 0; k < SequenceLength; k++)"))
                        EmitTileStep(w, L, cell, dense, seq);
                }
            }
        }
        w.Line();
    }

    // One step of a tile: each row's input part, the input-side GEMM when not folded, H·W_hhᵀ, the cell update.
    private static void EmitTileStep(SourceWriter w, RecurrentPlan L, CellEmitter cell, bool dense, bool seq)
    {
        if (dense) w.Line($"{DenseInputEmitter.TileStepInput(cell.SeparateRecurrent)}");
        else
        {
        w.Line($$"""
            int t = direction == 0 ? k : SequenceLength - 1 - k;
            bool any = false;
            for (int r = 0; r < rows; r++)
            {
                int token = tokens[r * SequenceLength + t];
                any |= token != 0;
                if (layer == 0 && table is not null)
                {
                    LgArray.Copy(table, token * DGP + column, scratch, ScratchTileGates + r * GP, GP);
                    // Fetch this row's next table row while the step's GEMM runs.
                    if (k + 1 < SequenceLength) LgMath.Prefetch(ref table[tokens[r * SequenceLength + (direction == 0 ? t + 1 : t - 1)] * DGP + column], GP);
                }
                else
                {
                    LgArray.Copy(_bias, layer * DGP + column, scratch, ScratchTileGates + r * GP, GP);
                    if (layer == 0) LgArray.Copy(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, scratch, ScratchTileX + r * EmbeddingSize, EmbeddingSize);
                }
            """);
        if (cell.SeparateRecurrent) w.Line($"    LgArray.Copy(_biasHh, layer * DGP + column, scratch, ScratchTileHH + r * GP, GP); // HH = (0, 0, b_hn)");
        w.Line($$"""
            }
            if (!any) continue;
            if (layer == 0 && table is null)
            {
                LgGemm.MultiplyAdd(rows, GP, EmbeddingSize, new LgReadOnlySpan(scratch, ScratchTileX, rows * EmbeddingSize), EmbeddingSize,
                    new LgReadOnlySpan(_wihT, column, EmbeddingSize * DGP - column), DGP, gates, GP);
            }
            """);
        }
        if (L.Layers > 1)
        {
            using SourceWriter.Scope block = w.Block($"else if (layer > 0)");
            w.Line($"""
                // X_t = row t of layer ℓ − 1's outputs [rows, DHP]
                LgGemm.MultiplyAdd(rows, GP, DHP, new LgReadOnlySpan(scratch, tileInput + t * rows * DHP, rows * DHP), DHP,
                    new LgReadOnlySpan(_wihT, PackedInputOffset(layer) + column, DHP * DGP - column), DGP, gates, GP);
                """);
        }
        w.Line($"""
            LgGemm.MultiplyAdd(rows, GP, HiddenSize,
                new LgReadOnlySpan(scratch, state, (rows - 1) * DHP + HP), DHP, whhT, WP, {(cell.SeparateRecurrent ? "hh" : "gates")}, GP);
            """);
        using (w.Block($"for (int r = 0; r < rows; r++)"))
        {
            if (dense) w.Line($"if (t >= lengths[r]) continue; // past the row's length: its {cell.State} unchanged");
            else w.Line($"if (tokens[r * SequenceLength + t] == 0) continue; // padding: this row's {cell.State} unchanged");
            w.Line($"{cell.UpdateCall("scratch[ScratchTileGates + r * GP]", "scratch[ScratchTileHH + r * GP]", "scratch[state + r * DHP]", "scratch[ScratchTileC + r * HP]")};");
        }
        if (L.Layers > 1)
        {
            using SourceWriter.Scope block = w.Block($"if (layer < Layers - 1)");
            w.Line($"""
                // Y_t = h for every row (a padded row's h is unchanged; the layer above skips that step).
                for (int r = 0; r < rows; r++)
                    LgArray.Copy(scratch, state + r * DHP, scratch, tileOutput + (t * rows + r) * DHP + direction * HP, HP);
                """);
        }
        if (seq) SequenceHeadEmitter.EmitSaveTileStep(w, L);
    }
}
