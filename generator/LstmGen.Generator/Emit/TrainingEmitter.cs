using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Emits training for every cell: a batched forward pass that keeps what backpropagation needs, the loss,
/// backpropagation through time with the gate gradients computed in the sequential pass (by the cell's own backward
/// step), and the weight gradients as one GEMM each over all time steps and rows. Workspace layout per batch of B rows
/// (N = T·B, step-major: index t·B + b): X [N, E] embeddings, HPrev [N, HP] h before the step, (LSTM) CS [N, HP] c after
/// it, Act [N, GP] gate activations (overwritten by the input-side pre-activation gradients during the backward pass),
/// (GRU) HH [N, GP] the recurrent part W_hh·h + (0, 0, b_hn) (overwritten by the recurrent-side gradients).
/// </summary>
internal static class TrainingEmitter
{
    public static void Emit(SourceWriter w, Layout L, ModelSpec spec, CellEmitter cell)
    {
        int maxCols = System.Math.Max(L.E, L.Hp);
        string m = cell.Member;
        bool lstm = cell.HasCellState, gru = cell.SeparateRecurrent;

        // The workspace blocks in order, each with its length in floats; absent blocks are not emitted.
        var blocks = new System.Collections.Generic.List<(string Name, string Length)>
        {
            ("X", "SequenceLength * rows * EmbeddingSize"),
            ("HPrev", "SequenceLength * rows * HP"),
        };
        if (lstm) blocks.Add(("CS", "SequenceLength * rows * HP"));
        blocks.Add(("Act", "SequenceLength * rows * GP"));
        if (gru) blocks.Add(("HH", "SequenceLength * rows * GP"));
        blocks.Add(("DX", "SequenceLength * rows * EmbeddingSize"));
        blocks.Add(("Transpose", $"SequenceLength * rows * {maxCols}"));
        blocks.Add(("H", "rows * HP"));
        if (lstm) blocks.Add(("C", "rows * HP"));
        blocks.Add(("DH", "rows * HP"));
        if (lstm) blocks.Add(("DC", "rows * HP"));
        blocks.Add(("Logits", "rows * OutputSize"));
        blocks.Add(("DLogits", "rows * OutputSize"));
        if (lstm) blocks.Add(("Zero", "HP"));
        var offsets = new System.Text.StringBuilder();
        string previous = "0";
        foreach ((string name, string length) in blocks)
        {
            offsets.Append($"private static int Train{name}(int rows) => {previous};\n");
            previous = $"Train{name}(rows) + {length}";
        }
        offsets.Append($"private static int TrainLength(int rows) => {previous};");

        // Recurrent-side gradients: a separate block for the GRU, the input-side ones otherwise.
        string recBlock = gru ? "TrainHH" : "TrainAct";
        w.Line($$"""
            // ---------------------------------------------------------------- training
            private float[]? _train;
            private int _trainRows;
            // Packed gradients of W_hhᵀ [H, GP], W_ihᵀ [E, GP] and the packed biases [GP].
            private readonly float[] _gradWhhT = new float[HiddenSize * GP];
            private readonly float[] _gradWihT = new float[EmbeddingSize * GP];
            private readonly float[] _gradBias = new float[GP];{{(gru ? "\nprivate readonly float[] _gradBiasHh = new float[GP];" : "")}}

            {{offsets}}

            /// <summary>
            /// Forward and backward pass for a batch of B rows of exactly {{L.T}} token ids, with B×{{L.O}} targets. Overwrites
            /// <paramref name="gradients"/> ({{L.ParameterCount}} values, layout of <see cref="Layout"/>) with ∂L/∂θ of the batch-mean
            /// loss L ({{LossName(spec.Output)}}) and returns L. If <paramref name="outputs"/> is not empty it receives the B×{{L.O}}
            /// activated outputs. Padded steps (token 0) pass {{cell.State}} and their gradients through unchanged. B is a runtime
            /// argument; the training workspace grows to the largest B seen, then nothing is allocated.
            /// </summary>
            /// <exception cref="global::System.ArgumentException">Spans of the wrong length, token ids out of range, or targets the loss cannot take.</exception>
            public float ComputeGradients(global::System.ReadOnlySpan<int> tokens, global::System.ReadOnlySpan<float> targets, global::System.Span<float> gradients, global::System.Span<float> outputs)
            {
                if (tokens.Length == 0 || tokens.Length % SequenceLength != 0) global::LstmGen.ThrowHelper.NotWholeRows(nameof(tokens), tokens.Length, SequenceLength);
                int rows = tokens.Length / SequenceLength;
                if (gradients.Length != ParameterCount) global::LstmGen.ThrowHelper.WrongLength(nameof(gradients), gradients.Length, ParameterCount, "ParameterCount");
                if (!outputs.IsEmpty && outputs.Length != rows * OutputSize) global::LstmGen.ThrowHelper.WrongLength(nameof(outputs), outputs.Length, rows * OutputSize, "batch × OutputSize, or empty");
                ValidateTokens(tokens, nameof(tokens), batched: true);
                global::LstmGen.Training.Losses.ValidateTargets(global::LstmGen.OutputActivation.{{spec.Output}}, OutputSize, rows, targets, nameof(targets));
                EnsurePacked();
                if (_train is null || _trainRows < rows)
                {
                    _train = new float[TrainLength(rows)];
                    _trainRows = rows;
                }
                float[] ws = _train;
                int n = SequenceLength * rows;
                float loss = TrainForward(tokens, rows, targets, outputs, ws);
                TrainBackward(tokens, rows, ws, default);

                // ∂L/∂W_ih, ∂L/∂W_hh over all N = T·B (step, row) pairs: one GEMM each, Aᵀ·dZ with A transposed first
                // ({{(gru ? "dZ_x = input-side gradients for W_ih, dZ_h = recurrent-side gradients for W_hh" : "the same dZ for both")}}).
                var act = new global::System.ReadOnlySpan<float>(ws, TrainAct(rows), n * GP);{{(gru ? "\n    var rec = new global::System.ReadOnlySpan<float>(ws, TrainHH(rows), n * GP);" : "")}}
                var tr = new global::System.Span<float>(ws, TrainTranspose(rows), n * {{maxCols}});
                global::System.Array.Clear(_gradWhhT);
                global::System.Array.Clear(_gradWihT);
                Transpose(new global::System.ReadOnlySpan<float>(ws, TrainHPrev(rows), n * HP), n, HP, HiddenSize, tr);
                global::LstmGen.Gemm.MultiplyAdd(HiddenSize, GP, n, tr, n, {{(gru ? "rec" : "act")}}, GP, _gradWhhT, GP);
                Transpose(new global::System.ReadOnlySpan<float>(ws, TrainX(rows), n * EmbeddingSize), n, EmbeddingSize, EmbeddingSize, tr);
                global::LstmGen.Gemm.MultiplyAdd(EmbeddingSize, GP, n, tr, n, act, GP, _gradWihT, GP);
                {{(gru
                    ? "// ∂L/∂b_ih = Σ dZ_x, ∂L/∂b_hh = Σ dZ_h over all pairs.\nglobal::System.Array.Clear(_gradBias);\nglobal::System.Array.Clear(_gradBiasHh);\nfor (int r = 0; r < n; r++)\n{\n    global::LstmGen.Gemm.Axpy(1f, act.Slice(r * GP, GP), _gradBias);\n    global::LstmGen.Gemm.Axpy(1f, rec.Slice(r * GP, GP), _gradBiasHh);\n}"
                    : "// ∂L/∂b = Σ dZ over all pairs (b_ih and b_hh receive the same gradient).\nglobal::System.Array.Clear(_gradBias);\nfor (int r = 0; r < n; r++) global::LstmGen.Gemm.Axpy(1f, act.Slice(r * GP, GP), _gradBias);").Replace("\n", "\n    ")}}
                // ∂L/∂x for every pair: dX = dZ·W_ih, then scattered into the embedding rows that were used.
                var dx = new global::System.Span<float>(ws, TrainDX(rows), n * EmbeddingSize);
                dx.Clear();
                global::LstmGen.Gemm.MultiplyAdd(n, EmbeddingSize, GP, act, GP, _wihP, EmbeddingSize, dx, EmbeddingSize);

                gradients.Clear();
                for (int t = 0; t < SequenceLength; t++)
                {
                    for (int b = 0; b < rows; b++)
                    {
                        int token = tokens[b * SequenceLength + t];
                        if (token == 0) continue;
                        global::LstmGen.Gemm.Axpy(1f, dx.Slice((t * rows + b) * EmbeddingSize, EmbeddingSize), gradients.Slice(EmbeddingWeightOffset + token * EmbeddingSize, EmbeddingSize));
                    }
                }
                // Unpack the padded gate layout into PyTorch's [{{L.Gates}}H, ·] rows.
                for (int gate = 0; gate < {{L.Gates}}; gate++)
                {
                    for (int j = 0; j < HiddenSize; j++)
                    {
                        int row = gate * HiddenSize + j, col = gate * HP + j;
                        for (int k = 0; k < HiddenSize; k++) gradients[{{m}}WeightHhOffset + row * HiddenSize + k] = _gradWhhT[k * GP + col];
                        for (int e = 0; e < EmbeddingSize; e++) gradients[{{m}}WeightIhOffset + row * EmbeddingSize + e] = _gradWihT[e * GP + col];
                        gradients[{{m}}BiasIhOffset + row] = _gradBias[col];
                        gradients[{{m}}BiasHhOffset + row] = {{(gru ? "_gradBiasHh" : "_gradBias")}}[col];
                    }
                }
                // Dense head: ∂L/∂fc.weight = Σ_b dz_b ⊗ h_b, ∂L/∂fc.bias = Σ_b dz_b.
                for (int b = 0; b < rows; b++)
                {
                    for (int o = 0; o < OutputSize; o++)
                    {
                        float dz = ws[TrainDLogits(rows) + b * OutputSize + o];
                        gradients[FcBiasOffset + o] += dz;
                        global::LstmGen.Gemm.Axpy(dz, new global::System.ReadOnlySpan<float>(ws, TrainH(rows) + b * HP, HiddenSize), gradients.Slice(FcWeightOffset + o * HiddenSize, HiddenSize));
                    }
                }
                return loss;
            }

            // Forward over the batch, keeping X, h_{t−1}{{(lstm ? ", c_t" : "")}}{{(gru ? ", the recurrent parts" : "")}} and the gate activations; returns the batch-mean loss and
            // leaves ∂L/∂z of the head in the DLogits block.
            private float TrainForward(global::System.ReadOnlySpan<int> tokens, int rows, global::System.ReadOnlySpan<float> targets, global::System.Span<float> outputs, float[] ws)
            {
                int n = SequenceLength * rows;
                int xOff = TrainX(rows), actOff = TrainAct(rows), hOff = TrainH(rows){{(lstm ? ", cOff = TrainC(rows)" : "")}}{{(gru ? ", hhOff = TrainHH(rows)" : "")}};
                // Gather x for every (t, b) and set Act = {{(gru ? "b_ih + (b_hr, b_hz, 0)" : "b_ih + b_hh")}}; then Act += X·W_ihᵀ for all steps in one GEMM.
                for (int t = 0; t < SequenceLength; t++)
                {
                    for (int b = 0; b < rows; b++)
                    {
                        int token = tokens[b * SequenceLength + t], r = t * rows + b;
                        global::System.Array.Copy(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, ws, xOff + r * EmbeddingSize, EmbeddingSize);
                        global::System.Array.Copy(_bias, 0, ws, actOff + r * GP, GP);{{(gru ? "\n            global::System.Array.Copy(_biasHh, 0, ws, hhOff + r * GP, GP); // HH = (0, 0, b_hn)" : "")}}
                    }
                }
                global::LstmGen.Gemm.MultiplyAdd(n, GP, EmbeddingSize, new global::System.ReadOnlySpan<float>(ws, xOff, n * EmbeddingSize), EmbeddingSize,
                    _wihT, GP, new global::System.Span<float>(ws, actOff, n * GP), GP);
                global::System.Array.Clear(ws, hOff, rows * HP);{{(lstm ? "\nglobal::System.Array.Clear(ws, cOff, rows * HP);\nglobal::System.Array.Clear(ws, TrainZero(rows), HP);" : "").Replace("\n", "\n    ")}}
                for (int t = 0; t < SequenceLength; t++)
                {
                    int stepAct = actOff + t * rows * GP{{(gru ? ", stepHH = hhOff + t * rows * GP" : "")}};
                    global::System.Array.Copy(ws, hOff, ws, TrainHPrev(rows) + t * rows * HP, rows * HP);
                    // {{(gru ? "HH_t" : "Act_t")}} += H·W_hhᵀ
                    global::LstmGen.Gemm.MultiplyAdd(rows, GP, HiddenSize, new global::System.ReadOnlySpan<float>(ws, hOff, rows * HP), HP,
                        _whhT, GP, new global::System.Span<float>(ws, {{(gru ? "stepHH" : "stepAct")}}, rows * GP), GP);
                    for (int b = 0; b < rows; b++)
                    {
                        if (tokens[b * SequenceLength + t] != 0)
                            {{cell.TrainForwardCall("ws[stepAct + b * GP]", "ws[stepHH + b * GP]", "ws[hOff + b * HP]", "ws[cOff + b * HP]")}};
                    }{{(lstm ? "\nglobal::System.Array.Copy(ws, cOff, ws, TrainCS(rows) + t * rows * HP, rows * HP);" : "").Replace("\n", "\n        ")}}
                }
                // Head and loss: z = fc.weight·h + fc.bias; ∂L/∂z = (1/B)·∂ℓ/∂z per row.
                float loss = 0f;
                float scale = 1f / rows;
                for (int b = 0; b < rows; b++)
                {
                    global::System.Span<float> z = new(ws, TrainLogits(rows) + b * OutputSize, OutputSize);
                    global::System.ReadOnlySpan<float> hidden = new(ws, hOff + b * HP, HiddenSize);
                    for (int o = 0; o < OutputSize; o++)
                        z[o] = _parameters[FcBiasOffset + o] + global::LstmGen.VectorMath.Dot(new global::System.ReadOnlySpan<float>(_parameters, FcWeightOffset + o * HiddenSize, HiddenSize), hidden);
                    loss += global::LstmGen.Training.Losses.RowLossAndGradient(global::LstmGen.OutputActivation.{{spec.Output}}, z, targets.Slice(b * OutputSize, OutputSize),
                        new global::System.Span<float>(ws, TrainDLogits(rows) + b * OutputSize, OutputSize), scale);
                    if (!outputs.IsEmpty)
                    {
                        global::System.Span<float> y = outputs.Slice(b * OutputSize, OutputSize);
                        z.CopyTo(y);
                        global::LstmGen.VectorMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{spec.Output}}, y);
                    }
                }
                return loss * scale;
            }

            // Backpropagation through time. dh holds ∂L/∂h_t on entry to step t. Per step (last to first) and unpadded row,
            // the cell's backward step turns the stored activations into the pre-activation gradients and leaves in dh the
            // part of ∂L/∂h_{t−1} that bypasses W_hh; then dh += dZ_h·W_hh for all rows in one GEMM (padded rows have dZ_h = 0,
            // so their dh{{(lstm ? " and dc" : "")}} pass through unchanged). When norms is not empty, norms[t] = Σ_b ‖∂L/∂h_{b,t}‖₂ (the hook
            // behind ComputeHiddenGradientNorms; with the batch-mean loss this is the batch mean of the per-row norms).
            private void TrainBackward(global::System.ReadOnlySpan<int> tokens, int rows, float[] ws, global::System.Span<float> norms)
            {
                int dhOff = TrainDH(rows), actOff = TrainAct(rows){{(lstm ? ", dcOff = TrainDC(rows), csOff = TrainCS(rows)" : "")}}{{(gru ? ", hhOff = TrainHH(rows), hPrevOff = TrainHPrev(rows)" : "")}};
                global::System.Array.Clear(ws, dhOff, rows * HP);{{(lstm ? "\nglobal::System.Array.Clear(ws, dcOff, rows * HP);" : "").Replace("\n", "\n    ")}}
                // dh_T = fc.weightᵀ·dz
                for (int b = 0; b < rows; b++)
                {
                    for (int o = 0; o < OutputSize; o++)
                    {
                        float dz = ws[TrainDLogits(rows) + b * OutputSize + o];
                        global::LstmGen.Gemm.Axpy(dz, new global::System.ReadOnlySpan<float>(_parameters, FcWeightOffset + o * HiddenSize, HiddenSize), new global::System.Span<float>(ws, dhOff + b * HP, HiddenSize));
                    }
                }
                for (int t = SequenceLength - 1; t >= 0; t--)
                {
                    if (!norms.IsEmpty) norms[t] = HiddenGradientNormSum(new global::System.ReadOnlySpan<float>(ws, dhOff, rows * HP));
                    int stepAct = actOff + t * rows * GP{{(gru ? ", stepHH = hhOff + t * rows * GP" : "")}};
                    bool any = false;
                    for (int b = 0; b < rows; b++)
                    {
                        if (tokens[b * SequenceLength + t] == 0)
                        {
                            // no gradient flows into a padded step's weights
                            global::System.Array.Clear(ws, stepAct + b * GP, GP);{{(gru ? "\n                global::System.Array.Clear(ws, stepHH + b * GP, GP);" : "")}}
                            continue;
                        }
                        any = true;{{(lstm ? "\n            int cPrev = t > 0 ? csOff + ((t - 1) * rows + b) * HP : TrainZero(rows);" : "")}}
                        {{cell.TrainBackwardCall(new CellEmitter.BackwardRefs("ws[stepAct + b * GP]", "ws[stepHH + b * GP]", "ws[hPrevOff + (t * rows + b) * HP]", "ws[csOff + (t * rows + b) * HP]", "ws[cPrev]", "ws[dhOff + b * HP]", "ws[dcOff + b * HP]"))}};
                    }
                    if (!any || t == 0) continue;
                    // dh_{t−1} += dZ_h·W_hh (W_hh packed [GP, HP])
                    global::LstmGen.Gemm.MultiplyAdd(rows, HP, GP, new global::System.ReadOnlySpan<float>(ws, {{(gru ? "stepHH" : "stepAct")}}, rows * GP), GP,
                        _whhP, HP, new global::System.Span<float>(ws, dhOff, rows * HP), HP);
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

            /// <summary>
            /// Runs the training forward pass and the generated backpropagation through time on a batch of B rows of exactly
            /// {{L.T}} token ids with B×{{L.O}} targets, and writes into <paramref name="norms"/> ({{L.T}} values) the batch mean of
            /// ‖∂ℓ_b/∂h_t‖₂ for every step t, where ℓ_b is row b's loss and h_t the hidden state after step t. Returns the
            /// batch-mean loss. Weight gradients are not formed; nothing is allocated once the workspace holds B rows.
            /// </summary>
            /// <exception cref="global::System.ArgumentException">Spans of the wrong length, token ids out of range, or targets the loss cannot take.</exception>
            public float ComputeHiddenGradientNorms(global::System.ReadOnlySpan<int> tokens, global::System.ReadOnlySpan<float> targets, global::System.Span<float> norms)
            {
                if (tokens.Length == 0 || tokens.Length % SequenceLength != 0) global::LstmGen.ThrowHelper.NotWholeRows(nameof(tokens), tokens.Length, SequenceLength);
                int rows = tokens.Length / SequenceLength;
                if (norms.Length != SequenceLength) global::LstmGen.ThrowHelper.WrongLength(nameof(norms), norms.Length, SequenceLength, "SequenceLength");
                ValidateTokens(tokens, nameof(tokens), batched: true);
                global::LstmGen.Training.Losses.ValidateTargets(global::LstmGen.OutputActivation.{{spec.Output}}, OutputSize, rows, targets, nameof(targets));
                EnsurePacked();
                if (_train is null || _trainRows < rows)
                {
                    _train = new float[TrainLength(rows)];
                    _trainRows = rows;
                }
                float loss = TrainForward(tokens, rows, targets, default, _train);
                TrainBackward(tokens, rows, _train, norms);
                return loss;
            }

            // dst[c, r] = src[r, c] for r < n, c < cols (src leading dimension ld).
            private static void Transpose(global::System.ReadOnlySpan<float> src, int n, int ld, int cols, global::System.Span<float> dst)
            {
                for (int r0 = 0; r0 < n; r0 += 16)
                {
                    int r1 = global::System.Math.Min(n, r0 + 16);
                    for (int c = 0; c < cols; c++)
                        for (int r = r0; r < r1; r++) dst[c * n + r] = src[r * ld + c];
                }
            }

            """);
        cell.EmitTraining(w, L);
    }

    private static string LossName(HeadActivation output) => output switch
    {
        HeadActivation.Sigmoid => "binary cross-entropy from logits",
        HeadActivation.Softmax => "softmax cross-entropy",
        _ => "mean squared error",
    };
}
