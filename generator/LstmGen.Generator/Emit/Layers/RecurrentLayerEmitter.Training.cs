using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Emits training for every cell, layer count and direction count: a batched forward pass that keeps what
/// backpropagation needs, the loss, backpropagation through time layer by layer from the top, with the gate gradients
/// computed in the sequential pass (by the cell's own backward step), and per layer the weight gradients as one GEMM
/// each over all (step, row) pairs that hold a token. Workspace layout per batch of B rows (N = T·B, step-major: index t·B + b; per layer
/// ℓ, a row of a hidden-width block is [forward (HP); reverse (HP)] = DHP floats, of a gate-width block DGP floats):
/// X [N, E] embeddings of the active pairs (those holding a token, listed ascending in the int workspace), packed: row i
/// is the i-th active pair; Y [Layers − 1][N, DHP] the outputs of every layer but the top (the input of the next; packed
/// like X when that layer's forward pass starts); the input-side GEMMs and the weight gradients run on the packed rows;
/// HPrev [Layers][N, DHP] h before the step; (LSTM) CS [Layers][N, DHP] c after it; Act [Layers][N, DGP] gate activations
/// (overwritten by the input-side pre-activation gradients during the backward pass); (GRU) HH [Layers][N, DGP] the
/// recurrent part W_hh·h + (0, 0, b_hn) (overwritten by the recurrent-side gradients); DX [N, max(E, DHP)] ∂L/∂input of
/// the layer just differentiated, which is ∂L/∂Y of the layer below.
/// </summary>
internal static partial class RecurrentLayerEmitter
{
    /// <summary>The training workspace, ComputeGradients, ComputeHiddenGradientNorms, the forward and backward passes and the cell's training kernels.</summary>
    public static void EmitTraining(SourceWriter w, ModelPlan frame, RecurrentPlan L, CellEmitter cell) => new TrainingWriter(w, L, frame, cell).Emit();

    // One model's training code: the cell-specific lines are worked out once, as text (empty where a cell has none),
    // then each part of the emitted code is written by its own method.
    private sealed class TrainingWriter
    {
        private readonly SourceWriter w;
        private readonly RecurrentPlan L;
        private readonly ModelPlan frame;
        private readonly CellEmitter cell;
        private readonly int maxCols;
        private readonly bool lstm, gru, stacked;
        private readonly string hhLocal, csLocal, keepY, forwardCall, passC, backwardCall, cPrevLine, prevHidden, stepHHLocal, clearHH, dyAdd, recName, biasDoc, norms;

        public TrainingWriter(SourceWriter w, RecurrentPlan L, ModelPlan frame, CellEmitter cell)
        {
            this.w = w; this.L = L; this.frame = frame; this.cell = cell;
            maxCols = System.Math.Max(L.Input, L.DHp);
            lstm = cell.HasCellState; gru = cell.SeparateRecurrent; stacked = L.Layers > 1;

            // Lines that exist only for some cells, as text (empty when absent).
            hhLocal = gru ? ", hh = TrainHH(rows) + layer * n * DGP" : "";
            csLocal = lstm ? ", cs = TrainCS(rows) + layer * n * DHP" : "";
            keepY = stacked ? "\nif (layer < Layers - 1)\n{\n    // Y_t = h for every row: the next layer's input (a padded row's h is unchanged; the layer above skips that step).\n    for (int b = 0; b < rows; b++) global::System.Array.Copy(ws, state + b * DHP, ws, TrainInput(rows, layer + 1) + stepHidden + b * DHP, HP);\n}" : "";
            forwardCall = cell.TrainForwardCall("ws[stepAct + b * DGP]", "ws[stepHH + b * DGP]", "ws[state + b * DHP]", "ws[cPrev]", "ws[cs + stepHidden + b * DHP]");
            // c_t goes straight into the stored states; a padded step passes c_{t−1} through.
            passC = lstm ? "\nelse\n    global::System.Array.Copy(ws, cPrev, ws, cs + stepHidden + b * DHP, HP);" : "";
            backwardCall = cell.TrainBackwardCall(new CellEmitter.BackwardRefs("ws[stepAct + b * DGP]", "ws[stepHH + b * DGP]",
                "ws[hPrev + stepHidden + b * DHP]", "ws[cs + stepHidden + b * DHP]", "ws[cPrev]", "ws[TrainDH(rows) + b * HP]", "ws[TrainDC(rows) + b * HP]"));
            cPrevLine = lstm ? "\nint cPrev = k > 0 ? cs + prevHidden + b * DHP : TrainZero(rows);" : "";
            prevHidden = lstm ? "\n// The state before step t is the one after the step processed just before it (t − 1 forward, t + 1 reverse).\nint prevHidden = (direction == 0 ? t - 1 : t + 1) * rows * DHP + direction * HP;" : "";
            stepHHLocal = gru ? ", stepHH = hh + t * rows * DGP + column" : "";
            clearHH = gru ? "\n    global::System.Array.Clear(ws, stepHH + b * DGP, GP);" : "";
            dyAdd = stacked ? "\nif (layer < Layers - 1)\n{\n    // dh += ∂L/∂y_t from the layer above (its dX; zero at padded steps, whose dZ is zero)\n    for (int b = 0; b < rows; b++)\n        global::LstmGen.Gemm.Axpy(1f, new global::System.ReadOnlySpan<float>(ws, TrainDX(rows) + (t * rows + b) * DHP + direction * HP, HP), new global::System.Span<float>(ws, TrainDH(rows) + b * HP, HP));\n}" : "";
            recName = gru ? "rec" : "act";
            biasDoc = gru ? "∂L/∂b_ih = Σ dZ_x and ∂L/∂b_hh = Σ dZ_h over all pairs" : "∂L/∂b = Σ dZ over all pairs (b_ih and b_hh receive the same gradient)";
            norms = L.D == 2 ? "the top layer's forward direction" : "the top layer";
        }

        public void Emit()
        {
            EmitWorkspace();
            EmitEntryPoints();
            EmitForward();
            EmitBackward();
            EmitLayerGradients();
            cell.EmitTraining(w, L);
        }

        // The workspace blocks in order, each with its length in floats and its shape; absent blocks are not emitted.
        private void EmitWorkspace()
        {
            ShellEmitter.EmitTrainingFields(w, ints: true);
            w.Line($$"""
                // The widest layer input of the training workspace: max(EmbeddingSize, DHP).
                private const int InputColumns = {{maxCols}};
                // Packed gradients of one layer: W_hhᵀ [H, GP] per direction, W_ihᵀ [PackedInputSize, DGP], the biases [DGP].
                private readonly float[] _gradWhhT = new float[Directions * HiddenSize * GP];
                private readonly float[] _gradWihT = new float[InputColumns * DGP];
                private readonly float[] _gradBias = new float[DGP];{{(gru ? "\nprivate readonly float[] _gradBiasHh = new float[DGP];" : "")}}
                // How many of the last training batch's pairs hold a token (the first _pairCount entries of _trainInts).
                private int _pairCount;

                """);
            ShellEmitter.EmitTrainingOffsets(w, frame);
            w.Line($"""
                {(stacked
                    ? "// Layer ℓ's input: the embeddings for layer 0, layer ℓ − 1's outputs above.\nprivate static int TrainInput(int rows, int layer) => layer == 0 ? TrainX(rows) : TrainY(rows) + (layer - 1) * SequenceLength * rows * DHP;"
                    : "// The layer's input: the embeddings.\nprivate static int TrainInput(int rows, int layer) => TrainX(rows);")}

                """);
        }

        // ComputeGradients (forward, backward, the dense head's gradients) and ComputeHiddenGradientNorms.
        private void EmitEntryPoints()
        {
            ShellEmitter.EmitComputeGradients(w, frame,
                $"Padded steps (token 0) pass {cell.State} and their gradients through unchanged{(L.Units > 1 ? ", in every layer and direction" : "")}.", ints: true, """
                float[] ws = _train;
                float loss = TrainForward(tokens, rows, targets, outputs, ws);
                gradients.Clear();
                TrainBackward(tokens, rows, ws, default, gradients);
                // Dense head: ∂L/∂fc.weight = Σ_b dz_b ⊗ features_b, ∂L/∂fc.bias = Σ_b dz_b.
                for (int b = 0; b < rows; b++)
                {
                    for (int o = 0; o < OutputSize; o++)
                    {
                        float dz = ws[TrainDLogits(rows) + b * OutputSize + o];
                        gradients[FcBiasOffset + o] += dz;
                        for (int d = 0; d < Directions; d++)
                            global::LstmGen.Gemm.Axpy(dz, new global::System.ReadOnlySpan<float>(ws, TrainH(rows) + b * DHP + d * HP, HiddenSize), gradients.Slice(FcWeightOffset + o * FeatureSize + d * HiddenSize, HiddenSize));
                    }
                }
                return loss;
                """);
            w.Line($$"""
                /// <summary>
                /// Runs the training forward pass and the generated backpropagation through time on a batch of B rows of exactly
                /// {{frame.T}} token ids with B×{{frame.O}} targets, and writes into <paramref name="norms"/> ({{frame.T}} values) the batch mean of
                /// ‖∂ℓ_b/∂h_t‖₂ for every step t, where ℓ_b is row b's loss and h_t the hidden state of {{norms}} after step t. Returns the
                /// batch-mean loss. Weight gradients are not formed; nothing is allocated once the workspace holds B rows.
                /// </summary>
                /// <exception cref="global::System.ArgumentException">Spans of the wrong length, token ids out of range, or targets the loss cannot take.</exception>
                """);
            w.Open($"public float ComputeHiddenGradientNorms(global::System.ReadOnlySpan<int> tokens, global::System.ReadOnlySpan<float> targets, global::System.Span<float> norms)");
            string normsCheck = "if (norms.Length != SequenceLength) global::LstmGen.ThrowHelper.WrongLength(nameof(norms), norms.Length, SequenceLength, \"SequenceLength\");";
            w.Line($"""
                {ShellEmitter.TrainingPrologue(frame, ints: true, normsCheck)}
                float loss = TrainForward(tokens, rows, targets, default, _train);
                TrainBackward(tokens, rows, _train, norms, default);
                return loss;
                """);
            w.Close();
            w.Line();
        }

        private void EmitForward()
        {
            w.Line($$"""
                // Forward over the batch, layer by layer and direction by direction (the reverse direction walks the steps last to
                // first), keeping X, Y, h_{t−1}{{(lstm ? ", c_t" : "")}}{{(gru ? ", the recurrent parts" : "")}} and the gate activations; returns the batch-mean loss and
                // leaves ∂L/∂z of the head in the DLogits block. The head reads row b of H: [h_fwd; h_rev] of the top layer.
                private float TrainForward(global::System.ReadOnlySpan<int> tokens, int rows, global::System.ReadOnlySpan<float> targets, global::System.Span<float> outputs, float[] ws)
                {
                    int n = SequenceLength * rows;{{(lstm ? "\n    global::System.Array.Clear(ws, TrainZero(rows), HP); // c_{−1} = 0" : "")}}
                    // The active pairs q = t·rows + b (token not padding), ascending. The input-side GEMMs run on their rows only:
                    // padding adds nothing to the gradients, and short texts padded to a fixed length are mostly padding.
                    int[] pairs = _trainInts!;
                    int m = 0;
                    for (int q = 0; q < n; q++)
                    {
                        if (tokens[q % rows * SequenceLength + q / rows] != 0) pairs[m++] = q;
                    }
                    _pairCount = m;
                    global::System.ReadOnlySpan<int> active = new(pairs, 0, m);
                    // X row i = the embedding of pair pairs[i], fetching the row of pair pairs[i + 8] ahead.
                    for (int i = 0; i < m; i++)
                    {
                        if (i + 8 < m) LgMath.Prefetch(ref _parameters[EmbeddingWeightOffset + tokens[pairs[i + 8] % rows * SequenceLength + pairs[i + 8] / rows] * EmbeddingSize], EmbeddingSize);
                        int token = tokens[pairs[i] % rows * SequenceLength + pairs[i] / rows];
                        global::System.Array.Copy(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, ws, TrainX(rows) + i * EmbeddingSize, EmbeddingSize);
                    }
                    for (int layer = 0; layer < Layers; layer++)
                    {
                        int act = TrainAct(rows) + layer * n * DGP, hPrev = TrainHPrev(rows) + layer * n * DHP{{csLocal}}{{hhLocal}};
                        int inputs = PackedInputSize(layer);{{(stacked ? "\n        // The layer below left Y in pair order: keep the active pairs' rows, packed like X.\n        if (layer > 0) global::LstmGen.RowPacking.Pack(new global::System.Span<float>(ws, TrainInput(rows, layer), n * inputs), inputs, active);" : "")}}
                        // Act = {{(gru ? "b_ih + (b_hr, b_hz, 0)" : "b_ih + b_hh")}} + X_ℓ·W_ihᵀ for the active pairs, all steps{{(L.D == 2 ? " and both directions" : "")}} in one GEMM, then each row moved
                        // to its pair (a padded pair's row is never read).{{(gru ? " HH = (0, 0, b_hn) for every pair." : "")}}
                        for (int i = 0; i < m; i++) global::System.Array.Copy(_bias, layer * DGP, ws, act + i * DGP, DGP);{{(gru ? "\n        for (int r = 0; r < n; r++) global::System.Array.Copy(_biasHh, layer * DGP, ws, hh + r * DGP, DGP);" : "")}}
                        global::LstmGen.Gemm.MultiplyAdd(m, DGP, inputs, new global::System.ReadOnlySpan<float>(ws, TrainInput(rows, layer), n * inputs), inputs,
                            new global::System.ReadOnlySpan<float>(_wihT, PackedInputOffset(layer), inputs * DGP), DGP, new global::System.Span<float>(ws, act, n * DGP), DGP);
                        global::LstmGen.RowPacking.Unpack(new global::System.Span<float>(ws, act, n * DGP), DGP, active, clearOthers: false);
                        global::System.Array.Clear(ws, TrainH(rows), rows * DHP);
                        for (int direction = 0; direction < Directions; direction++)
                        {
                            int unit = layer * Directions + direction, column = direction * GP, state = TrainH(rows) + direction * HP;
                            global::System.ReadOnlySpan<float> whhT = _whhT.AsSpan(unit * HiddenSize * GP, HiddenSize * GP);
                            for (int k = 0; k < SequenceLength; k++)
                            {
                                int t = direction == 0 ? k : SequenceLength - 1 - k;
                                int stepAct = act + t * rows * DGP + column{{stepHHLocal}}, stepHidden = t * rows * DHP + direction * HP;{{SourceWriter.Indent(prevHidden, 16)}}
                                bool any = false;
                                for (int b = 0; b < rows; b++)
                                {
                                    global::System.Array.Copy(ws, state + b * DHP, ws, hPrev + stepHidden + b * DHP, HP);
                                    any |= tokens[b * SequenceLength + t] != 0;
                                }
                                // {{(gru ? "HH_t" : "Act_t")}} += H·W_hhᵀ (not needed when every row is padding here)
                                if (any)
                                    global::LstmGen.Gemm.MultiplyAdd(rows, GP, HiddenSize, new global::System.ReadOnlySpan<float>(ws, state, (rows - 1) * DHP + HP), DHP,
                                        whhT, GP, new global::System.Span<float>(ws, {{(gru ? "stepHH" : "stepAct")}}, (rows - 1) * DGP + GP), DGP);
                                for (int b = 0; b < rows; b++)
                                {{{SourceWriter.Indent(cPrevLine, 20)}}
                                    if (tokens[b * SequenceLength + t] != 0)
                                        {{forwardCall}};{{SourceWriter.Indent(passC, 20)}}
                                }{{SourceWriter.Indent(keepY, 16)}}
                            }
                        }
                    }
                    // Head and loss: z = fc.weight·features + fc.bias; ∂L/∂z = (1/B)·∂ℓ/∂z per row.
                    float loss = 0f;
                    float scale = 1f / rows;
                    for (int b = 0; b < rows; b++)
                    {
                        global::System.Span<float> z = new(ws, TrainLogits(rows) + b * OutputSize, OutputSize);
                        HeadLogits(ref ws[TrainH(rows) + b * DHP], z);
                        loss += global::LstmGen.Training.Losses.RowLossAndGradient(global::LstmGen.OutputActivation.{{frame.Output}}, z, targets.Slice(b * OutputSize, OutputSize),
                            new global::System.Span<float>(ws, TrainDLogits(rows) + b * OutputSize, OutputSize), scale);
                        if (!outputs.IsEmpty)
                        {
                            global::System.Span<float> y = outputs.Slice(b * OutputSize, OutputSize);
                            z.CopyTo(y);
                            global::LstmGen.VectorMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{frame.Output}}, y);
                        }
                    }
                    return loss * scale;
                }

                """);
        }

        private void EmitBackward()
        {
        w.Line($$"""
                // Backpropagation through time, layer by layer from the top; within a layer, each direction against its processing
                // order. dh holds ∂L/∂h_t on entry to step t: the top layer starts from fc.weightᵀ·dz (its direction's columns),
                // the layers below add ∂L/∂y_t, the layer above's input gradient, at every step. Per step and unpadded row, the
                // cell's backward step turns the stored activations into the pre-activation gradients and leaves in dh the part of
                // ∂L/∂h_{t−1} that bypasses W_hh; then dh += dZ_h·W_hh for all rows in one GEMM (padded rows have dZ_h = 0, so their
                // dh{{(lstm ? " and dc" : "")}} pass through unchanged). After a layer's pass, LayerGradients forms its weight gradients and the
                // gradient of its input. With empty gradients only the top layer runs and, when norms is not empty,
                // norms[t] = Σ_b ‖∂L/∂h_{b,t}‖₂ of {{norms}} (the hook behind ComputeHiddenGradientNorms; with the
                // batch-mean loss this is the batch mean of the per-row norms).
                private void TrainBackward(global::System.ReadOnlySpan<int> tokens, int rows, float[] ws, global::System.Span<float> norms, global::System.Span<float> gradients)
                {
                    int n = SequenceLength * rows, dh = TrainDH(rows);
                    bool sumBias = !gradients.IsEmpty;
                    for (int layer = Layers - 1; layer >= 0; layer--)
                    {
                        int act = TrainAct(rows) + layer * n * DGP, hPrev = TrainHPrev(rows) + layer * n * DHP{{csLocal}}{{hhLocal}};
                        // {{biasDoc}}, summed row by row while each step's dZ is in L1.
                        global::System.Array.Clear(_gradBias);{{(gru ? "\n        global::System.Array.Clear(_gradBiasHh);" : "")}}
                        for (int direction = 0; direction < Directions; direction++)
                        {
                            int unit = layer * Directions + direction, column = direction * GP;
                            var whhP = new global::System.ReadOnlySpan<float>(_whhP, unit * GP * HP, GP * HP);
                            global::System.Array.Clear(ws, dh, rows * HP);{{(lstm ? "\n            global::System.Array.Clear(ws, TrainDC(rows), rows * HP);" : "")}}
                            if (layer == Layers - 1)
                            {
                                // dh = fc.weight[:, direction's columns]ᵀ·dz
                                for (int b = 0; b < rows; b++)
                                {
                                    for (int o = 0; o < OutputSize; o++)
                                    {
                                        float dz = ws[TrainDLogits(rows) + b * OutputSize + o];
                                        global::LstmGen.Gemm.Axpy(dz, new global::System.ReadOnlySpan<float>(_parameters, FcWeightOffset + o * FeatureSize + direction * HiddenSize, HiddenSize), new global::System.Span<float>(ws, dh + b * HP, HiddenSize));
                                    }
                                }
                            }
                            for (int k = SequenceLength - 1; k >= 0; k--)
                            {
                                int t = direction == 0 ? k : SequenceLength - 1 - k;
                                int stepAct = act + t * rows * DGP + column{{stepHHLocal}}, stepHidden = t * rows * DHP + direction * HP;{{SourceWriter.Indent(prevHidden + dyAdd, 16)}}
                                if (!norms.IsEmpty && direction == 0) norms[t] = HiddenGradientNormSum(new global::System.ReadOnlySpan<float>(ws, dh, rows * HP));
                                bool any = false;
                                for (int b = 0; b < rows; b++)
                                {
                                    if (tokens[b * SequenceLength + t] == 0)
                                    {
                                        // no gradient flows into a padded step's weights
                                        global::System.Array.Clear(ws, stepAct + b * DGP, GP);{{SourceWriter.Indent(clearHH, 20)}}
                                        continue;
                                    }
                                    any = true;{{SourceWriter.Indent(cPrevLine, 20)}}
                                    {{backwardCall}};
                                    if (sumBias)
                                    {
                                        global::LstmGen.Gemm.Axpy(1f, new global::System.ReadOnlySpan<float>(ws, stepAct + b * DGP, GP), new global::System.Span<float>(_gradBias, column, GP));{{(gru ? "\n                global::LstmGen.Gemm.Axpy(1f, new global::System.ReadOnlySpan<float>(ws, stepHH + b * DGP, GP), new global::System.Span<float>(_gradBiasHh, column, GP));" : "")}}
                                    }
                                }
                                if (!any || k == 0) continue;
                                // dh_{t−1} += dZ_h·W_hh (W_hh packed [GP, HP])
                                global::LstmGen.Gemm.MultiplyAdd(rows, HP, GP, new global::System.ReadOnlySpan<float>(ws, {{(gru ? "stepHH" : "stepAct")}}, (rows - 1) * DGP + GP), DGP,
                                    whhP, HP, new global::System.Span<float>(ws, dh, rows * HP), HP);
                            }
                        }
                        if (gradients.IsEmpty) return;
                        LayerGradients(tokens, rows, ws, layer, gradients);
                    }
                }

                """);
        }

        private void EmitLayerGradients()
        {
        w.Line($$"""
                // Layer ℓ's parameter gradients over all N = T·B (step, row) pairs, one GEMM each with the left factor transposed
                // first: ∂L/∂W_hhᵀ = H_prevᵀ·dZ_h per direction, ∂L/∂W_ihᵀ = X_ℓᵀ·dZ_x for both directions at once
                // ({{(gru ? "dZ_x = input-side gradients, dZ_h = recurrent-side gradients" : "the same dZ for both")}}), summed over the active pairs only (a padded pair's dZ is 0),
                // whose rows are packed first; then ∂L/∂X_ℓ = dZ_x·W_ih for the active pairs, which is scattered into the embedding
                // rows for layer 0 and unpacked into ∂L/∂Y of the layer below otherwise. (The bias gradients were summed in the
                // backward pass.)
                private void LayerGradients(global::System.ReadOnlySpan<int> tokens, int rows, float[] ws, int layer, global::System.Span<float> gradients)
                {
                    int n = SequenceLength * rows, inputs = InputSize(layer), packedInputs = PackedInputSize(layer), m = _pairCount;
                    global::System.ReadOnlySpan<int> active = new(_trainInts!, 0, m);
                    var act = new global::System.Span<float>(ws, TrainAct(rows) + layer * n * DGP, n * DGP);{{(gru ? "\n    var rec = new global::System.Span<float>(ws, TrainHH(rows) + layer * n * DGP, n * DGP);\n    global::LstmGen.RowPacking.Pack(rec, DGP, active);" : "")}}
                    var hPrev = new global::System.Span<float>(ws, TrainHPrev(rows) + layer * n * DHP, n * DHP);
                    global::LstmGen.RowPacking.Pack(act, DGP, active);
                    global::LstmGen.RowPacking.Pack(hPrev, DHP, active);
                    var tr = new global::System.Span<float>(ws, TrainTranspose(rows), n * InputColumns);
                    global::System.Array.Clear(_gradWhhT);
                    for (int direction = 0; direction < Directions; direction++)
                    {
                        global::LstmGen.Gemm.Transpose(m, HiddenSize, hPrev.Slice(direction * HP), DHP, tr, m);
                        global::LstmGen.Gemm.MultiplyAdd(HiddenSize, GP, m, tr, m, {{recName}}.Slice(direction * GP), DGP,
                            new global::System.Span<float>(_gradWhhT, direction * HiddenSize * GP, HiddenSize * GP), GP);
                    }
                    global::System.Array.Clear(_gradWihT);
                    global::LstmGen.Gemm.Transpose(m, packedInputs, new global::System.ReadOnlySpan<float>(ws, TrainInput(rows, layer), n * packedInputs), packedInputs, tr, m);
                    global::LstmGen.Gemm.MultiplyAdd(packedInputs, DGP, m, tr, m, act, DGP, _gradWihT, DGP);
                    // Unpack the padded gate layout into PyTorch's [{{L.Gates}}H, ·] rows of each direction's tensors, one transposed block per
                    // gate: W_hh[gate·H + j, k] = (∂L/∂W_hhᵀ)[k, gate·HP + j], and the same for W_ih over each run of contiguous packed
                    // input rows (the whole input for layer 0; each direction's H outputs of the layer below otherwise).
                    int segments = layer == 0 ? 1 : Directions, segment = inputs / segments;
                    for (int direction = 0; direction < Directions; direction++)
                    {
                        int wih = UnitOffset(layer, direction), whh = wih + GateSize * inputs, bih = whh + GateSize * HiddenSize, bhh = bih + GateSize;
                        for (int gate = 0; gate < {{L.Gates}}; gate++)
                        {
                            global::LstmGen.Gemm.Transpose(HiddenSize, HiddenSize, global::System.MemoryExtensions.AsSpan(_gradWhhT, direction * HiddenSize * GP + gate * HP), GP,
                                gradients.Slice(whh + gate * HiddenSize * HiddenSize), HiddenSize);
                            for (int s = 0; s < segments; s++)
                            {
                                global::LstmGen.Gemm.Transpose(segment, HiddenSize, global::System.MemoryExtensions.AsSpan(_gradWihT, PackedInputRow(layer, s * segment) * DGP + direction * GP + gate * HP), DGP,
                                    gradients.Slice(wih + gate * HiddenSize * inputs + s * segment), inputs);
                            }
                            for (int j = 0; j < HiddenSize; j++)
                            {
                                gradients[bih + gate * HiddenSize + j] = _gradBias[direction * GP + gate * HP + j];
                                gradients[bhh + gate * HiddenSize + j] = {{(gru ? "_gradBiasHh" : "_gradBias")}}[direction * GP + gate * HP + j];
                            }
                        }
                    }
                    // ∂L/∂x for the active pairs: dX = dZ_x·W_ih ([m, DGP] by [DGP, PackedInputSize]).
                    var dx = new global::System.Span<float>(ws, TrainDX(rows), n * packedInputs);
                    dx.Slice(0, (layer == 0 ? m : n) * packedInputs).Clear();
                    global::LstmGen.Gemm.MultiplyAdd(m, packedInputs, DGP, act, DGP,
                        new global::System.ReadOnlySpan<float>(_wihP, PackedInputOffset(layer), DGP * packedInputs), packedInputs, dx, packedInputs);
                    if (layer > 0)
                    {
                        // ∂L/∂Y of the layer below, in pair order (zero at padded pairs).
                        global::LstmGen.RowPacking.Unpack(dx, packedInputs, active, clearOthers: true);
                        return;
                    }
                    // Scatter dX into the embedding rows, fetching the row of pair pairs[i + 8] ahead (rows are random and mostly
                    // not in cache).
                    for (int i = 0; i < m; i++)
                    {
                        if (i + 8 < m) LgMath.Prefetch(ref gradients[EmbeddingWeightOffset + tokens[active[i + 8] % rows * SequenceLength + active[i + 8] / rows] * EmbeddingSize], EmbeddingSize);
                        int token = tokens[active[i] % rows * SequenceLength + active[i] / rows];
                        global::LstmGen.Gemm.Axpy(1f, dx.Slice(i * EmbeddingSize, EmbeddingSize), gradients.Slice(EmbeddingWeightOffset + token * EmbeddingSize, EmbeddingSize));
                    }
                }

                // Σ over rows of ‖dh_b‖₂ (rows of HP floats; padded lanes are 0), accumulated in double.
                private static float HiddenGradientNormSum(global::System.ReadOnlySpan<float> dh)
                {
                    double total = 0;
                    for (int r = 0; r < dh.Length; r += HP)
                    {
                        double sum = 0;
                        for (int j = 0; j < HiddenSize; j++) sum += (double)dh[r + j] * dh[r + j];
                        total += global::System.Math.Sqrt(sum);
                    }
                    return (float)total;
                }

                """);
        }
    }
}
