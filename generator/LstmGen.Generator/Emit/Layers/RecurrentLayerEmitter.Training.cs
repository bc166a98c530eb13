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
        private readonly bool lstm, gru, stacked, dense, stateful, seq;
        // The LSTM's c before a row's first step (layer, row b): zero, or the truncated-BPTT initial state.
        private readonly string c0;
        // The batch's sequence parameters and arguments: the token ids, or a dense model's features and lengths.
        // (The training passes name the features `features`: `inputs` is their local for a layer's input width.)
        private readonly string seqParams, seqArgs, entryArgs;
        private readonly string hhLocal, csLocal, forwardCall, backwardCall, prevHidden, stepHHLocal, recName, biasDoc, norms;

        public TrainingWriter(SourceWriter w, RecurrentPlan L, ModelPlan frame, CellEmitter cell)
        {
            this.w = w; this.L = L; this.frame = frame; this.cell = cell;
            maxCols = System.Math.Max(L.Input, L.DHp);
            lstm = cell.HasCellState; gru = cell.SeparateRecurrent; stacked = L.Layers > 1;
            dense = frame.Dense;
            stateful = TruncatedBpttEmitter.Applies(L);
            c0 = stateful ? "TrainC0(rows) + (layer * rows + b) * HP" : "TrainZero(rows)";
            seq = frame.ReturnSequences;
            seqParams = dense ? "LgReadOnlySpan features, LgIntSpan lengths" : "LgIntSpan tokens";
            seqArgs = dense ? "features, lengths" : "tokens";
            entryArgs = dense ? "inputs, lengths" : "tokens";

            // Lines that exist only for some cells, as text (empty when absent).
            hhLocal = gru ? ", hh = TrainHH(rows) + layer * n * DGP" : "";
            csLocal = lstm ? ", cs = TrainCS(rows) + layer * n * DHP" : "";
            forwardCall = cell.TrainForwardCall("ws[stepAct + b * DGP]", "ws[stepHH + b * DGP]", "ws[state + b * DHP]", "ws[cPrev]", "ws[cs + stepHidden + b * DHP]");
            backwardCall = cell.TrainBackwardCall(new CellEmitter.BackwardRefs("ws[stepAct + b * DGP]", "ws[stepHH + b * DGP]",
                "ws[hPrev + stepHidden + b * DHP]", "ws[cs + stepHidden + b * DHP]", "ws[cPrev]", "ws[TrainDH(rows) + b * HP]", "ws[TrainDC(rows) + b * HP]"));
            prevHidden = lstm ? "// The state before step t is the one after the step processed just before it (t − 1 forward, t + 1 reverse).\nint prevHidden = (direction == 0 ? t - 1 : t + 1) * rows * DHP + direction * HP;" : "";
            stepHHLocal = gru ? ", stepHH = hh + t * rows * DGP + column" : "";
            recName = gru ? "rec" : "act";
            biasDoc = gru ? "∂L/∂b_ih = Σ dZ_x and ∂L/∂b_hh = Σ dZ_h over all pairs" : "∂L/∂b = Σ dZ over all pairs (b_ih and b_hh receive the same gradient)";
            norms = L.D == 2 ? "the top layer's forward direction" : "the top layer";
        }

        // Whether row b holds a real step t: a token that is not padding, or (dense) t inside the row's length.
        private string Real(string b, string t) => dense ? $"{t} < lengths[{b}]" : $"tokens[{b} * SequenceLength + {t}] != 0";

        private string Padded(string b, string t) => dense ? $"{t} >= lengths[{b}]" : $"tokens[{b} * SequenceLength + {t}] == 0";

        public void Emit()
        {
            EmitWorkspace();
            EmitEntryPoints();
            EmitForward();
            EmitBackward();
            EmitLayerGradients();
            EmitHiddenGradientNormSum();
            if (seq) SequenceHeadEmitter.EmitTraining(w, frame);
            cell.EmitTraining(w, L);
        }

        // The workspace blocks in order, each with its length in floats and its shape; absent blocks are not emitted.
        private void EmitWorkspace()
        {
            ShellEmitter.EmitTrainingFields(w);
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
            if (seq) SequenceHeadEmitter.EmitTrainingFields(w);
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
            string passDoc = dense
                ? $"Steps past a row's length are never read{(L.Units > 1 ? ", in any layer or direction" : "")}."
                : $"Padded steps (token 0) pass {cell.State} and their gradients through unchanged{(L.Units > 1 ? ", in every layer and direction" : "")}.";
            if (seq)
            {
                SequenceHeadEmitter.EmitEntryPoints(w, frame, L, passDoc, norms, stateful);
                return;
            }
            string noState = stateful ? "default, default, " : "";
            string Body(string states) => $$"""
                float[] ws = _train;
                float loss = TrainForward({{entryArgs}}, rows, targets, outputs, {{states}}ws);
                gradients.Clear();
                TrainBackward({{entryArgs}}, rows, ws, default, gradients);
                // Dense head: ∂L/∂fc.weight = Σ_b dz_b ⊗ features_b, ∂L/∂fc.bias = Σ_b dz_b.
                for (int b = 0; b < rows; b++)
                {
                    for (int o = 0; o < OutputSize; o++)
                    {
                        float dz = ws[TrainDLogits(rows) + b * OutputSize + o];
                        gradients[FcBiasOffset + o] += dz;
                        for (int d = 0; d < Directions; d++)
                            LgGemm.Axpy(dz, new LgReadOnlySpan(ws, TrainH(rows) + b * DHP + d * HP, HiddenSize), gradients.Slice(FcWeightOffset + o * FeatureSize + d * HiddenSize, HiddenSize));
                    }
                }
                return loss;
                """;
            string body = Body(noState);
            string normsBody = $"""
                float loss = TrainForward({entryArgs}, rows, targets, default, {noState}_train);
                TrainBackward({entryArgs}, rows, _train, norms, default);
                return loss;
                """;
            if (stateful) TruncatedBpttEmitter.EmitConstant(w, L, dense);
            if (dense)
            {
                DenseInputEmitter.EmitTrainingEntryPoints(w, frame, passDoc, body, norms, normsBody, stateful ? Body("initialState, finalState, ") : null);
                return;
            }
            ShellEmitter.EmitComputeGradients(w, frame, passDoc, body);
            LogitOffsetEmitter.Emit(w, frame);
            if (stateful) EmitTokenStateOverload(Body("initialState, finalState, "));
            w.Line($$"""
                /// <summary>
                /// Runs the training forward pass and the generated backpropagation through time on a batch of B rows of exactly
                /// {{frame.T}} token ids with B×{{frame.O}} targets, and writes into <paramref name="norms"/> ({{frame.T}} values) the batch mean of
                /// ‖∂ℓ_b/∂h_t‖₂ for every step t, where ℓ_b is row b's loss and h_t the hidden state of {{norms}} after step t. Returns the
                /// batch-mean loss. Weight gradients are not formed; nothing is allocated once the workspace holds B rows.
                /// </summary>
                /// <exception cref="global::System.ArgumentException">Spans of the wrong length, token ids out of range, or targets the loss cannot take.</exception>
                """);
            w.Open($"public float ComputeHiddenGradientNorms(LgIntSpan tokens, LgReadOnlySpan targets, LgSpan norms)");
            string normsCheck = "if (norms.Length != SequenceLength) LgThrow.WrongLength(nameof(norms), norms.Length, SequenceLength, \"SequenceLength\");";
            w.Line($"""
                {ShellEmitter.TrainingPrologue(frame, normsCheck)}
                {normsBody}
                """);
            w.Close();
            w.Line();
        }

        // ComputeGradients with initialState and finalState (truncated BPTT) for a token model.
        private void EmitTokenStateOverload(string body)
        {
            w.Line($"{TruncatedBpttEmitter.Doc(frame, "LgIntSpan, LgReadOnlySpan, LgSpan, LgSpan")}");
            w.Open($"public float ComputeGradients(LgIntSpan tokens, LgReadOnlySpan targets, LgReadOnlySpan initialState, LgSpan finalState, LgSpan gradients, LgSpan outputs)");
            string checks = $"""
                if (gradients.Length != ParameterCount) LgThrow.WrongLength(nameof(gradients), gradients.Length, ParameterCount, "ParameterCount");
                if (!outputs.IsEmpty && outputs.Length != rows * OutputSize) LgThrow.WrongLength(nameof(outputs), outputs.Length, rows * OutputSize, "batch × OutputSize, or empty");
                {TruncatedBpttEmitter.Checks}
                """;
            w.Line($"{ShellEmitter.TrainingPrologue(frame, checks)}\n{body}");
            w.Close();
            w.Line();
        }

        private void EmitForward()
        {
            w.Line($$"""
                // Forward over the batch, layer by layer and direction by direction (the reverse direction walks the steps last to
                // first), keeping X, Y, h_{t−1}{{(lstm ? ", c_t" : "")}}{{(gru ? ", the recurrent parts" : "")}} and the gate activations; returns the batch-mean loss and
                // leaves ∂L/∂z of the head in the DLogits block. The head reads row b of H: [h_fwd; h_rev] of the top layer.
                """);
            using (w.Block($"private float TrainForward({seqParams}, int rows, LgReadOnlySpan targets{(seq ? SequenceHeadEmitter.ClassesParameter : "")}, LgSpan outputs, {(stateful ? "LgReadOnlySpan initialState, LgSpan finalState, " : "")}float[] ws)"))
            {
                w.Line($"int n = SequenceLength * rows;");
                if (lstm && stateful) w.Line($"LgArray.Clear(ws, TrainC0(rows), Layers * rows * HP); // c_{{−1}} = 0 unless initialState gives it");
                else if (lstm) w.Line($"LgArray.Clear(ws, TrainZero(rows), HP); // c_{{−1}} = 0");
                if (dense) w.Line($"{DenseInputEmitter.TrainingInput}");
                else w.Line($$"""
                    // The active pairs q = t·rows + b (token not padding), ascending. The input-side GEMMs run on their rows only:
                    // padding adds nothing to the gradients, and short texts padded to a fixed length are mostly padding.
                    int[] pairs = _trainInts!;
                    int m = 0;
                    for (int q = 0; q < n; q++)
                    {
                        if (tokens[q % rows * SequenceLength + q / rows] != 0) pairs[m++] = q;
                    }
                    _pairCount = m;
                    LgIntSpan active = new(pairs, 0, m);
                    // X row i = the embedding of pair pairs[i], fetching the row of pair pairs[i + 8] ahead.
                    for (int i = 0; i < m; i++)
                    {
                        if (i + 8 < m) LgMath.Prefetch(ref _parameters[EmbeddingWeightOffset + tokens[pairs[i + 8] % rows * SequenceLength + pairs[i + 8] / rows] * EmbeddingSize], EmbeddingSize);
                        int token = tokens[pairs[i] % rows * SequenceLength + pairs[i] / rows];
                        LgArray.Copy(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, ws, TrainX(rows) + i * EmbeddingSize, EmbeddingSize);
                    }
                    BeginDropout(rows, m);
                    """);
                using (w.Block($"for (int layer = 0; layer < Layers; layer++)"))
                    EmitForwardLayer();
                if (seq) w.Line($"{SequenceHeadEmitter.ForwardReturn}");
                else EmitForwardHead();
            }
            w.Line();
        }

        // One layer: its input part for the active pairs in one GEMM, then each direction's steps.
        private void EmitForwardLayer()
        {
            w.Line($"int act = TrainAct(rows) + layer * n * DGP, hPrev = TrainHPrev(rows) + layer * n * DHP{csLocal}{hhLocal};");
            w.Line($"int inputs = PackedInputSize(layer);");
            if (stacked)
            {
                w.Line($"// The layer below left Y in pair order: keep the active pairs' rows, packed like X.");
                w.Line($"if (layer > 0) global::LstmGen.RowPacking.Pack(new LgSpan(ws, TrainInput(rows, layer), n * inputs), inputs, active);");
            }
            w.Line($"if ((layer == 0 & _dropEmb) | _dropIn) DropoutInput(new LgSpan(ws, TrainInput(rows, layer), m * inputs), rows, layer, m);");
            w.Line($"""
                // Act = {(gru ? "b_ih + (b_hr, b_hz, 0)" : "b_ih + b_hh")} + X_ℓ·W_ihᵀ for the active pairs, all steps{(L.D == 2 ? " and both directions" : "")} in one GEMM, then each row moved
                // to its pair (a padded pair's row is never read).{(gru ? " HH = (0, 0, b_hn) for every pair." : "")}
                for (int i = 0; i < m; i++) LgArray.Copy(_bias, layer * DGP, ws, act + i * DGP, DGP);
                """);
            if (gru) w.Line($"for (int r = 0; r < n; r++) LgArray.Copy(_biasHh, layer * DGP, ws, hh + r * DGP, DGP);");
            w.Line($"""
                LgGemm.MultiplyAdd(m, DGP, inputs, new LgReadOnlySpan(ws, TrainInput(rows, layer), n * inputs), inputs,
                    new LgReadOnlySpan(_wihT, PackedInputOffset(layer), inputs * DGP), DGP, new LgSpan(ws, act, n * DGP), DGP);
                global::LstmGen.RowPacking.Unpack(new LgSpan(ws, act, n * DGP), DGP, active, clearOthers: false);
                LgArray.Clear(ws, TrainH(rows), rows * DHP);
                """);
            if (stateful) w.Line($"{TruncatedBpttEmitter.InitialState(lstm)}");
            using (w.Block($"for (int direction = 0; direction < Directions; direction++)"))
            {
                w.Line($"int unit = layer * Directions + direction, column = direction * GP, state = TrainH(rows) + direction * HP;");
                w.Line($"LgReadOnlySpan whhT = _whhT.AsSpan(unit * HiddenSize * WP, HiddenSize * WP);");
                using (w.Block($"for (int k = 0; k < SequenceLength; k++)"))
                    EmitForwardStep();
            }
            if (stateful) w.Line($"{TruncatedBpttEmitter.FinalState(lstm)}");
        }

        // Where step k of a direction (t = k forward, T − 1 − k reverse) keeps its activations and states.
        private void EmitStepLocals()
        {
            w.Line($"int t = direction == 0 ? k : SequenceLength - 1 - k;");
            w.Line($"int stepAct = act + t * rows * DGP + column{stepHHLocal}, stepHidden = t * rows * DHP + direction * HP;");
            if (lstm) w.Line($"{prevHidden}");
        }

        // One step of one direction for every row: keep h_{t−1}, add H·W_hhᵀ, the cell's training step forward.
        private void EmitForwardStep()
        {
            EmitStepLocals();
            w.Line($$"""
                bool any = false;
                for (int b = 0; b < rows; b++)
                {
                    LgArray.Copy(ws, state + b * DHP, ws, hPrev + stepHidden + b * DHP, HP);
                    any |= {{Real("b", "t")}};
                }
                // {{(gru ? "HH_t" : "Act_t")}} += H·W_hhᵀ (not needed when every row is padding here)
                if (any)
                    LgGemm.MultiplyAdd(rows, GP, HiddenSize, _dropRec ? DropoutRecurrentState(ws, state, unit, rows) : new LgReadOnlySpan(ws, state, (rows - 1) * DHP + HP), _dropRec ? HP : DHP,
                        whhT, WP, new LgSpan(ws, {{(gru ? "stepHH" : "stepAct")}}, (rows - 1) * DGP + GP), DGP);
                """);
            using (w.Block($"for (int b = 0; b < rows; b++)"))
            {
                if (lstm) w.Line($"int cPrev = k > 0 ? cs + prevHidden + b * DHP : {c0};");
                w.Line($"if ({Real("b", "t")})");
                w.Line($"    {forwardCall};");
                // c_t goes straight into the stored states; a padded step passes c_{t−1} through.
                if (lstm) w.Line($"else\n    LgArray.Copy(ws, cPrev, ws, cs + stepHidden + b * DHP, HP);");
            }
            if (stacked)
            {
                using SourceWriter.Scope block = w.Block($"if (layer < Layers - 1)");
                w.Line($"// Y_t = h for every row: the next layer's input (a padded row's h is unchanged; the layer above skips that step).");
                w.Line($"for (int b = 0; b < rows; b++) LgArray.Copy(ws, state + b * DHP, ws, TrainInput(rows, layer + 1) + stepHidden + b * DHP, HP);");
            }
            if (seq) SequenceHeadEmitter.EmitSaveTrainingStep(w, L);
        }

        // The head and the loss after the top layer: z = fc.weight·[h_fwd; h_rev] + fc.bias per row.
        private void EmitForwardHead()
        {
            w.Line($$"""
                // Head and loss: z = fc.weight·features + fc.bias; ∂L/∂z = (1/B)·∂ℓ/∂z per row.
                float loss = 0f;
                float scale = 1f / rows;
                if (_dropHead) DropoutHead(ws, rows);{{LogitOffsetEmitter.HeadLocal(frame)}}
                for (int b = 0; b < rows; b++)
                {
                    LgSpan z = new(ws, TrainLogits(rows) + b * OutputSize, OutputSize);
                    HeadLogits(ref ws[TrainH(rows) + b * DHP], z);{{LogitOffsetEmitter.HeadHook(frame)}}
                    loss += global::LstmGen.Training.Losses.RowLossAndGradient(global::LstmGen.OutputActivation.{{frame.Output}}, z, targets.Slice(b * OutputSize, OutputSize),
                        new LgSpan(ws, TrainDLogits(rows) + b * OutputSize, OutputSize), scale);
                    if (!outputs.IsEmpty)
                    {
                        LgSpan y = outputs.Slice(b * OutputSize, OutputSize);
                        z.CopyTo(y);
                        LgMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{frame.Output}}, y);
                    }
                }
                return loss * scale;
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
                """);
            using (w.Block($"private void TrainBackward({seqParams}, int rows, float[] ws, LgSpan norms, LgSpan gradients)"))
            {
                w.Line($"int n = SequenceLength * rows, dh = TrainDH(rows);");
                w.Line($"bool sumBias = !gradients.IsEmpty;");
                using (w.Block($"for (int layer = Layers - 1; layer >= 0; layer--)"))
                {
                    w.Line($"int act = TrainAct(rows) + layer * n * DGP, hPrev = TrainHPrev(rows) + layer * n * DHP{csLocal}{hhLocal};");
                    w.Line($"// {biasDoc}, summed row by row while each step's dZ is in L1.");
                    w.Line($"LgArray.Clear(_gradBias);");
                    if (gru) w.Line($"LgArray.Clear(_gradBiasHh);");
                    using (w.Block($"for (int direction = 0; direction < Directions; direction++)"))
                        EmitBackwardDirection();
                    w.Line($"if (gradients.IsEmpty) return;");
                    w.Line($"LayerGradients({seqArgs}, rows, ws, layer, gradients);");
                }
            }
            w.Line();
        }

        // One direction of one layer, its steps in reverse processing order; the top layer starts from the head's gradient.
        private void EmitBackwardDirection()
        {
            w.Line($"int unit = layer * Directions + direction, column = direction * GP;");
            w.Line($"var whhP = new LgReadOnlySpan(_whhP, unit * GP * HP, GP * HP);");
            w.Line($"LgArray.Clear(ws, dh, rows * HP);");
            if (lstm) w.Line($"LgArray.Clear(ws, TrainDC(rows), rows * HP);");
            if (!seq) w.Line($$"""
                if (layer == Layers - 1)
                {
                    // dh = fc.weight[:, direction's columns]ᵀ·dz
                    for (int b = 0; b < rows; b++)
                    {
                        for (int o = 0; o < OutputSize; o++)
                        {
                            float dz = ws[TrainDLogits(rows) + b * OutputSize + o];
                            LgGemm.Axpy(dz, new LgReadOnlySpan(_parameters, FcWeightOffset + o * FeatureSize + direction * HiddenSize, HiddenSize), new LgSpan(ws, dh + b * HP, HiddenSize));
                        }
                    }
                    if (_dropHead) DropoutHeadGradient(ws, dh, direction, rows);
                }
                """);
            using (w.Block($"for (int k = SequenceLength - 1; k >= 0; k--)"))
                EmitBackwardStep();
        }

        // One step backward for every row: dh from the layer above, the cell's training step backward, dh_{t−1} += dZ_h·W_hh.
        private void EmitBackwardStep()
        {
            EmitStepLocals();
            if (stacked)
            {
                using SourceWriter.Scope block = w.Block($"if (layer < Layers - 1)");
                w.Line($"""
                    // dh += ∂L/∂y_t from the layer above (its dX; zero at padded steps, whose dZ is zero)
                    for (int b = 0; b < rows; b++)
                        LgGemm.Axpy(1f, new LgReadOnlySpan(ws, TrainDX(rows) + (t * rows + b) * DHP + direction * HP, HP), new LgSpan(ws, TrainDH(rows) + b * HP, HP));
                    """);
            }
            if (seq) SequenceHeadEmitter.EmitInjectStep(w, L);
            w.Line($"if (!norms.IsEmpty && direction == 0) norms[t] = HiddenGradientNormSum(new LgReadOnlySpan(ws, dh, rows * HP));");
            w.Line($"bool any = false;");
            using (w.Block($"for (int b = 0; b < rows; b++)"))
            {
                using (w.Block($"if ({Padded("b", "t")})"))
                {
                    w.Line($"// no gradient flows into a padded step's weights");
                    w.Line($"LgArray.Clear(ws, stepAct + b * DGP, GP);");
                    if (gru) w.Line($"LgArray.Clear(ws, stepHH + b * DGP, GP);");
                    w.Line($"continue;");
                }
                w.Line($"any = true;");
                if (lstm) w.Line($"int cPrev = k > 0 ? cs + prevHidden + b * DHP : {c0};");
                w.Line($"{backwardCall};");
                using (w.Block($"if (sumBias)"))
                {
                    w.Line($"LgGemm.Axpy(1f, new LgReadOnlySpan(ws, stepAct + b * DGP, GP), new LgSpan(_gradBias, column, GP));");
                    if (gru) w.Line($"LgGemm.Axpy(1f, new LgReadOnlySpan(ws, stepHH + b * DGP, GP), new LgSpan(_gradBiasHh, column, GP));");
                }
            }
            w.Line($$"""
                if (!any || k == 0) continue;
                // dh_{t−1} += dZ_h·W_hh (W_hh packed [GP, HP]); with recurrent dropout m ⊙ (dZ_h·W_hh)
                if (_dropRec)
                    DropoutRecurrentGradient(new LgReadOnlySpan(ws, {{(gru ? "stepHH" : "stepAct")}}, (rows - 1) * DGP + GP), whhP, ws, dh, unit, rows);
                else
                    LgGemm.MultiplyAdd(rows, HP, GP, new LgReadOnlySpan(ws, {{(gru ? "stepHH" : "stepAct")}}, (rows - 1) * DGP + GP), DGP,
                        whhP, HP, new LgSpan(ws, dh, rows * HP), HP);
                """);
        }

        private void EmitLayerGradients()
        {
        string text = $$"""
                // Layer ℓ's parameter gradients over all N = T·B (step, row) pairs, one GEMM each with the left factor read
                // down its columns (MultiplyAddTransA, no transposed copy): ∂L/∂W_hhᵀ = H_prevᵀ·dZ_h per direction, ∂L/∂W_ihᵀ = X_ℓᵀ·dZ_x for both directions at once
                // ({{(gru ? "dZ_x = input-side gradients, dZ_h = recurrent-side gradients" : "the same dZ for both")}}), summed over the active pairs only (a padded pair's dZ is 0),
                // whose rows are packed first; then ∂L/∂X_ℓ = dZ_x·W_ih for the active pairs, which is scattered into the embedding
                // rows for layer 0 and unpacked into ∂L/∂Y of the layer below otherwise. (The bias gradients were summed in the
                // backward pass.)
                private void LayerGradients({{seqParams}}, int rows, float[] ws, int layer, LgSpan gradients)
                {
                    int n = SequenceLength * rows, inputs = LayerInputSize(layer), packedInputs = PackedInputSize(layer), m = _pairCount;
                    LgIntSpan active = new(_trainInts!, 0, m);
                    var act = new LgSpan(ws, TrainAct(rows) + layer * n * DGP, n * DGP);{{(gru ? "\n    var rec = new LgSpan(ws, TrainHH(rows) + layer * n * DGP, n * DGP);\n    global::LstmGen.RowPacking.Pack(rec, DGP, active);" : "")}}
                    var hPrev = new LgSpan(ws, TrainHPrev(rows) + layer * n * DHP, n * DHP);
                    global::LstmGen.RowPacking.Pack(act, DGP, active);
                    global::LstmGen.RowPacking.Pack(hPrev, DHP, active);
                    if (_dropRec) DropoutPackedStates(hPrev, rows, layer, active);
                    LgArray.Clear(_gradWhhT);
                    for (int direction = 0; direction < Directions; direction++)
                    {
                        LgGemm.MultiplyAddTransA(HiddenSize, GP, m, hPrev.Slice(direction * HP), DHP, {{recName}}.Slice(direction * GP), DGP,
                            new LgSpan(_gradWhhT, direction * HiddenSize * GP, HiddenSize * GP), GP);
                    }
                    LgArray.Clear(_gradWihT);
                    LgGemm.MultiplyAddTransA(packedInputs, DGP, m, new LgReadOnlySpan(ws, TrainInput(rows, layer), n * packedInputs), packedInputs, act, DGP, _gradWihT, DGP);
                    // Unpack the padded gate layout into PyTorch's [{{L.Gates}}H, ·] rows of each direction's tensors, one transposed block per
                    // gate: W_hh[gate·H + j, k] = (∂L/∂W_hhᵀ)[k, gate·HP + j], and the same for W_ih over each run of contiguous packed
                    // input rows (the whole input for layer 0; each direction's H outputs of the layer below otherwise).
                    int segments = layer == 0 ? 1 : Directions, segment = inputs / segments;
                    for (int direction = 0; direction < Directions; direction++)
                    {
                        int wih = UnitOffset(layer, direction), whh = wih + GateSize * inputs, bih = whh + GateSize * HiddenSize, bhh = bih + GateSize;
                        for (int gate = 0; gate < GateCount; gate++)
                        {
                            LgGemm.Transpose(HiddenSize, HiddenSize, global::System.MemoryExtensions.AsSpan(_gradWhhT, direction * HiddenSize * GP + gate * HP), GP,
                                gradients.Slice(whh + gate * HiddenSize * HiddenSize), HiddenSize);
                            for (int s = 0; s < segments; s++)
                            {
                                LgGemm.Transpose(segment, HiddenSize, global::System.MemoryExtensions.AsSpan(_gradWihT, PackedInputRow(layer, s * segment) * DGP + direction * GP + gate * HP), DGP,
                                    gradients.Slice(wih + gate * HiddenSize * inputs + s * segment), inputs);
                            }
                            for (int j = 0; j < HiddenSize; j++)
                            {
                                gradients[bih + gate * HiddenSize + j] = _gradBias[direction * GP + gate * HP + j];
                                gradients[bhh + gate * HiddenSize + j] = {{(gru ? "_gradBiasHh" : "_gradBias")}}[direction * GP + gate * HP + j];
                            }
                        }
                    }
                {{(dense ? "    // Layer 0's input is the features: no gradient flows into them.\n    if (layer == 0) return;\n" : "")}}    // ∂L/∂x for the active pairs: dX = dZ_x·W_ih ([m, DGP] by [DGP, PackedInputSize]).
                    var dx = new LgSpan(ws, TrainDX(rows), n * packedInputs);
                    dx.Slice(0, (layer == 0 ? m : n) * packedInputs).Clear();
                    LgGemm.MultiplyAdd(m, packedInputs, DGP, act, DGP,
                        new LgReadOnlySpan(_wihP, PackedInputOffset(layer), DGP * packedInputs), packedInputs, dx, packedInputs);
                    if ((layer == 0 & _dropEmb) | _dropIn) DropoutInput(dx, rows, layer, m);
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
                        LgGemm.Axpy(1f, dx.Slice(i * EmbeddingSize, EmbeddingSize), gradients.Slice(EmbeddingWeightOffset + token * EmbeddingSize, EmbeddingSize));
                    }
                }

                """;
            // A dense model returned before layer 0's dX: the embedding scatter is the token models' only.
            const string scatter = "    // Scatter dX into the embedding rows";
            if (dense) text = text.Substring(0, text.IndexOf(scatter, System.StringComparison.Ordinal)) + "}\n";
            w.Line($"{text}");
        }

        // The per-step norms behind ComputeHiddenGradientNorms.
        private void EmitHiddenGradientNormSum()
        {
            w.Line($$"""
                // Σ over rows of ‖dh_b‖₂ (rows of HP floats; padded lanes are 0), accumulated in double.
                private static float HiddenGradientNormSum(LgReadOnlySpan dh)
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
