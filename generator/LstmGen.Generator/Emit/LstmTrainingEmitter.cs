using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Emits training: a batched forward pass that keeps what backpropagation needs, the loss, backpropagation through
/// time with the gate gradients computed in the sequential pass, and the weight gradients as one GEMM each over all
/// time steps and rows. Workspace layout per batch of B rows (N = T·B, step-major: index t·B + b):
/// X [N, E] embeddings, HPrev [N, HP] h before the step, CS [N, HP] c after it, Act [N, GP] gate activations
/// (overwritten by the pre-activation gradients dZ during the backward pass).
/// </summary>
internal static class LstmTrainingEmitter
{
    public static void Emit(SourceWriter w, Layout L, ModelSpec spec)
    {
        int maxCols = System.Math.Max(L.E, L.Hp);
        w.Line($$"""
            // ---------------------------------------------------------------- training
            private float[]? _train;
            private int _trainRows;
            // Packed gradients of W_hhᵀ [H, GP], W_ihᵀ [E, GP] and the summed bias [GP].
            private readonly float[] _gradWhhT = new float[HiddenSize * GP];
            private readonly float[] _gradWihT = new float[EmbeddingSize * GP];
            private readonly float[] _gradBias = new float[GP];

            private static int TrainX(int rows) => 0;
            private static int TrainHPrev(int rows) => TrainX(rows) + SequenceLength * rows * EmbeddingSize;
            private static int TrainCS(int rows) => TrainHPrev(rows) + SequenceLength * rows * HP;
            private static int TrainAct(int rows) => TrainCS(rows) + SequenceLength * rows * HP;
            private static int TrainDX(int rows) => TrainAct(rows) + SequenceLength * rows * GP;
            private static int TrainTranspose(int rows) => TrainDX(rows) + SequenceLength * rows * EmbeddingSize;
            private static int TrainH(int rows) => TrainTranspose(rows) + SequenceLength * rows * {{maxCols}};
            private static int TrainC(int rows) => TrainH(rows) + rows * HP;
            private static int TrainDH(int rows) => TrainC(rows) + rows * HP;
            private static int TrainDC(int rows) => TrainDH(rows) + rows * HP;
            private static int TrainDHNext(int rows) => TrainDC(rows) + rows * HP;
            private static int TrainLogits(int rows) => TrainDHNext(rows) + rows * HP;
            private static int TrainDLogits(int rows) => TrainLogits(rows) + rows * OutputSize;
            private static int TrainZero(int rows) => TrainDLogits(rows) + rows * OutputSize;
            private static int TrainLength(int rows) => TrainZero(rows) + HP;

            /// <summary>
            /// Forward and backward pass for a batch of B rows of exactly {{L.T}} token ids, with B×{{L.O}} targets. Overwrites
            /// <paramref name="gradients"/> ({{L.ParameterCount}} values, layout of <see cref="Layout"/>) with ∂L/∂θ of the batch-mean
            /// loss L ({{LossName(spec.Output)}}) and returns L. If <paramref name="outputs"/> is not empty it receives the B×{{L.O}}
            /// activated outputs. Padded steps (token 0) pass h, c and their gradients through unchanged. B is a runtime
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
                TrainBackward(tokens, rows, ws);

                // ∂L/∂W_ih, ∂L/∂W_hh over all N = T·B (step, row) pairs: one GEMM each, Aᵀ·dZ with A transposed first.
                var act = new global::System.ReadOnlySpan<float>(ws, TrainAct(rows), n * GP);
                var tr = new global::System.Span<float>(ws, TrainTranspose(rows), n * {{maxCols}});
                global::System.Array.Clear(_gradWhhT);
                global::System.Array.Clear(_gradWihT);
                Transpose(new global::System.ReadOnlySpan<float>(ws, TrainHPrev(rows), n * HP), n, HP, HiddenSize, tr);
                global::LstmGen.Gemm.MultiplyAdd(HiddenSize, GP, n, tr, n, act, GP, _gradWhhT, GP);
                Transpose(new global::System.ReadOnlySpan<float>(ws, TrainX(rows), n * EmbeddingSize), n, EmbeddingSize, EmbeddingSize, tr);
                global::LstmGen.Gemm.MultiplyAdd(EmbeddingSize, GP, n, tr, n, act, GP, _gradWihT, GP);
                // ∂L/∂b = Σ dZ over all pairs (b_ih and b_hh receive the same gradient).
                global::System.Array.Clear(_gradBias);
                for (int r = 0; r < n; r++) global::LstmGen.Gemm.Axpy(1f, act.Slice(r * GP, GP), _gradBias);
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
                // Unpack the padded gate layout into PyTorch's [4H, ·] rows.
                for (int gate = 0; gate < 4; gate++)
                {
                    for (int j = 0; j < HiddenSize; j++)
                    {
                        int row = gate * HiddenSize + j, col = gate * HP + j;
                        for (int k = 0; k < HiddenSize; k++) gradients[LstmWeightHhOffset + row * HiddenSize + k] = _gradWhhT[k * GP + col];
                        for (int e = 0; e < EmbeddingSize; e++) gradients[LstmWeightIhOffset + row * EmbeddingSize + e] = _gradWihT[e * GP + col];
                        gradients[LstmBiasIhOffset + row] = _gradBias[col];
                        gradients[LstmBiasHhOffset + row] = _gradBias[col];
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

            // Forward over the batch, keeping X, h_{t−1}, c_t and the gate activations; returns the batch-mean loss and leaves
            // ∂L/∂z of the head in the DLogits block.
            private float TrainForward(global::System.ReadOnlySpan<int> tokens, int rows, global::System.ReadOnlySpan<float> targets, global::System.Span<float> outputs, float[] ws)
            {
                int n = SequenceLength * rows;
                int xOff = TrainX(rows), actOff = TrainAct(rows), hOff = TrainH(rows), cOff = TrainC(rows);
                // Gather x for every (t, b) and set Act = b_ih + b_hh; then Act += X·W_ihᵀ for all steps in one GEMM.
                for (int t = 0; t < SequenceLength; t++)
                {
                    for (int b = 0; b < rows; b++)
                    {
                        int token = tokens[b * SequenceLength + t], r = t * rows + b;
                        global::System.Array.Copy(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, ws, xOff + r * EmbeddingSize, EmbeddingSize);
                        global::System.Array.Copy(_bias, 0, ws, actOff + r * GP, GP);
                    }
                }
                global::LstmGen.Gemm.MultiplyAdd(n, GP, EmbeddingSize, new global::System.ReadOnlySpan<float>(ws, xOff, n * EmbeddingSize), EmbeddingSize,
                    _wihT, GP, new global::System.Span<float>(ws, actOff, n * GP), GP);
                global::System.Array.Clear(ws, hOff, rows * HP);
                global::System.Array.Clear(ws, cOff, rows * HP);
                global::System.Array.Clear(ws, TrainZero(rows), HP);
                for (int t = 0; t < SequenceLength; t++)
                {
                    int stepAct = actOff + t * rows * GP;
                    global::System.Array.Copy(ws, hOff, ws, TrainHPrev(rows) + t * rows * HP, rows * HP);
                    // Act_t += H·W_hhᵀ
                    global::LstmGen.Gemm.MultiplyAdd(rows, GP, HiddenSize, new global::System.ReadOnlySpan<float>(ws, hOff, rows * HP), HP,
                        _whhT, GP, new global::System.Span<float>(ws, stepAct, rows * GP), GP);
                    for (int b = 0; b < rows; b++)
                    {
                        if (tokens[b * SequenceLength + t] != 0)
                            TrainCellForward(ref ws[stepAct + b * GP], ref ws[hOff + b * HP], ref ws[cOff + b * HP]);
                    }
                    global::System.Array.Copy(ws, cOff, ws, TrainCS(rows) + t * rows * HP, rows * HP);
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

            // Backpropagation through time. Per step (last to first) and unpadded row: the gate gradients dZ from dh and dc,
            // written over the activations; then dh_{t−1} = W_hhᵀ·dZ for all rows in one GEMM. Padded rows pass dh, dc through.
            private void TrainBackward(global::System.ReadOnlySpan<int> tokens, int rows, float[] ws)
            {
                int dhOff = TrainDH(rows), dcOff = TrainDC(rows), nextOff = TrainDHNext(rows), actOff = TrainAct(rows), csOff = TrainCS(rows);
                global::System.Array.Clear(ws, dhOff, rows * HP);
                global::System.Array.Clear(ws, dcOff, rows * HP);
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
                    int stepAct = actOff + t * rows * GP;
                    bool any = false;
                    for (int b = 0; b < rows; b++)
                    {
                        if (tokens[b * SequenceLength + t] == 0)
                        {
                            global::System.Array.Clear(ws, stepAct + b * GP, GP); // no gradient flows into a padded step's weights
                            continue;
                        }
                        any = true;
                        int cPrev = t > 0 ? csOff + ((t - 1) * rows + b) * HP : TrainZero(rows);
                        TrainCellBackward(ref ws[stepAct + b * GP], ref ws[csOff + (t * rows + b) * HP], ref ws[cPrev], ref ws[dhOff + b * HP], ref ws[dcOff + b * HP]);
                    }
                    if (!any || t == 0) continue;
                    global::System.Array.Clear(ws, nextOff, rows * HP);
                    global::LstmGen.Gemm.MultiplyAdd(rows, HP, GP, new global::System.ReadOnlySpan<float>(ws, stepAct, rows * GP), GP,
                        _whhP, HP, new global::System.Span<float>(ws, nextOff, rows * HP), HP);
                    for (int b = 0; b < rows; b++)
                    {
                        if (tokens[b * SequenceLength + t] != 0) global::System.Array.Copy(ws, nextOff + b * HP, ws, dhOff + b * HP, HP);
                    }
                }
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
        LstmCellEmitter.EmitCellStep(w, "TrainCellForward", "As CellUpdate, but the gate pre-activations are replaced by their activations i, f, g, o for the backward pass.", keepActivations: true);
        EmitCellBackward(w);
    }

    private static string LossName(HeadActivation output) => output switch
    {
        HeadActivation.Sigmoid => "binary cross-entropy from logits",
        HeadActivation.Softmax => "softmax cross-entropy",
        _ => "mean squared error",
    };

    private static void EmitCellBackward(SourceWriter w)
    {
        w.Line($$"""
            // With τ = tanh(c_t):  dc += dh·o·(1 − τ²);  dz_o = dh·τ·o(1 − o);  dz_i = dc·g·i(1 − i);
            // dz_f = dc·c_{t−1}·f(1 − f);  dz_g = dc·i·(1 − g²);  then dc ← dc·f for step t − 1. dZ overwrites the activations.
            private static void TrainCellBackward(ref float act, ref float c, ref float cPrev, ref float dh, ref float dc)
            {
                if (LgMath.IsAccelerated)
                {
                    LgVec one = LgVec.One;
                    for (nuint j = 0; j < HP; j += 8)
                    {
                        LgVec i = LgVector.LoadUnsafe(ref act, j);
                        LgVec f = LgVector.LoadUnsafe(ref act, HP + j);
                        LgVec g = LgVector.LoadUnsafe(ref act, 2 * HP + j);
                        LgVec o = LgVector.LoadUnsafe(ref act, 3 * HP + j);
                        LgVec tau = LgMath.Tanh(LgVector.LoadUnsafe(ref c, j));
                        LgVec dhv = LgVector.LoadUnsafe(ref dh, j);
                        LgVec dcv = LgFma.MultiplyAdd(dhv * o, one - tau * tau, LgVector.LoadUnsafe(ref dc, j));
                        LgVector.StoreUnsafe(dcv * g * i * (one - i), ref act, j);
                        LgVector.StoreUnsafe(dcv * LgVector.LoadUnsafe(ref cPrev, j) * f * (one - f), ref act, HP + j);
                        LgVector.StoreUnsafe(dcv * i * (one - g * g), ref act, 2 * HP + j);
                        LgVector.StoreUnsafe(dhv * tau * o * (one - o), ref act, 3 * HP + j);
                        LgVector.StoreUnsafe(dcv * f, ref dc, j);
                    }
                }
                else
                {
                    for (nuint j = 0; j < HP; j++)
                    {
                        float i = LgUnsafe.Add(ref act, j);
                        float f = LgUnsafe.Add(ref act, HP + j);
                        float g = LgUnsafe.Add(ref act, 2 * HP + j);
                        float o = LgUnsafe.Add(ref act, 3 * HP + j);
                        float tau = LgMath.Tanh(LgUnsafe.Add(ref c, j));
                        float dhv = LgUnsafe.Add(ref dh, j);
                        float dcv = LgUnsafe.Add(ref dc, j) + dhv * o * (1f - tau * tau);
                        LgUnsafe.Add(ref act, j) = dcv * g * i * (1f - i);
                        LgUnsafe.Add(ref act, HP + j) = dcv * LgUnsafe.Add(ref cPrev, j) * f * (1f - f);
                        LgUnsafe.Add(ref act, 2 * HP + j) = dcv * i * (1f - g * g);
                        LgUnsafe.Add(ref act, 3 * HP + j) = dhv * tau * o * (1f - o);
                        LgUnsafe.Add(ref dc, j) = dcv * f;
                    }
                }
            }

            """);
    }
}
