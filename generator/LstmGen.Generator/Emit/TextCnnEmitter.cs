using System.Collections.Generic;
using System.Linq;
using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Emits a text CNN: embedding → per kernel width k: Conv1d(E → F, k) → ReLU → global max-pool over time → concatenation
/// → dense head, forward and backward. The convolution of every window is one GEMM per branch: the non-padding
/// embeddings of a row are compacted into a row-major [n, E] block, so window s (k consecutive embeddings) is the k·E
/// contiguous floats from row s, and the im2col matrix is that block read with leading dimension E — nothing is copied.
/// </summary>
internal static class TextCnnEmitter
{
    public static string Emit(ModelPlan plan)
    {
        ConvPlan conv = plan.Find<ConvPlan>()!;
        int v = plan.V, e = plan.E, f = conv.Filters, o = plan.O, d = conv.Features;
        int[] ks = conv.Branches.Select(b => b.Width).ToArray();
        int[] packT = conv.Branches.Select(b => b.PackT).ToArray(), packR = conv.Branches.Select(b => b.PackR).ToArray();
        string widths = string.Join(", ", ks);
        string architecture = $"Embedding({v}, {e}) → Conv1d({e} → {f}, k ∈ {{{widths}}}) → ReLU → max-pool over time → concat({d}) → Dense({o}, {plan.Output})";
        var w = new SourceWriter();
        BaselineShell.Begin(w, plan, architecture,
            $"""
            Generated text CNN: token ids → Embedding({v}, {e}) → for each kernel width k in ({widths}): Conv1d({e} → {f}, k) → ReLU →
            max over time → concatenated ({d} features) → Dense({o}) → {plan.Output}.
            Masking: token 0 is padding and is removed before the convolution (the n non-padding tokens of a sequence are taken in
            order and windows slide over them only), so padding anywhere never changes the result; a branch with k &gt; n has no
            window and contributes zeros. Token 1 is out-of-vocabulary.
            """);
        BaselineShell.EmitCommon(w, plan,
            $"{ks.Length} branches × {f} filters, the concatenated max-pooled features",
            "embedding uniform in [−0.05, 0.05]; convolution kernels Glorot-uniform with Keras' Conv1D fans (fan_in = k·E, fan_out = k·F); dense kernel Glorot-uniform; biases zero.");
        EmitLayout(w, plan, conv, ks);
        EmitPack(w, ks, packT, packR);
        EmitForward(w, ks, packT);
        BaselineShell.EmitPredict(w, plan);
        BaselineShell.EmitTraining(w, plan, "Padding is removed as in Predict, so it receives no gradient.");
        EmitTraining(w, ks, packR);
        BaselineShell.End(w, plan);
        return w.ToString();
    }

    private static void EmitLayout(SourceWriter w, ModelPlan plan, ConvPlan conv, int[] ks)
    {
        w.Line($$"""
            /// <summary>Output channels (filters) of every convolution branch.</summary>
            public const int Filters = {{conv.Filters}};
            /// <summary>Number of convolution branches (kernel widths).</summary>
            public const int KernelCount = {{ks.Length}};

            /// <summary>Kernel width of each convolution branch, in branch order.</summary>
            public static global::System.ReadOnlySpan<int> KernelSizes => new int[] { {{string.Join(", ", ks)}} };

            /// <summary>Always false: the text CNN has no folded embedding table (each window convolves several embeddings), so setting it has no effect.</summary>
            public bool UseFoldedEmbedding { get => false; set { } }

            // Filters padded to FP = {{conv.PaddedFilters}} columns (whole {{KernelSizes.GemmColumns}}-wide GEMM panels); padded columns carry zero weights and are never read.
            private const int FP = {{conv.PaddedFilters}};

            // Packed weights, rebuilt by Pack after parameters change. Branch i of _convT is W_iᵀ as [k·E, FP] (row j·E + e,
            // column f) for the forward GEMM; branch i of _convRows is W_i as [F, k·E] with the same j-major columns, so one
            // filter's weights over a window are contiguous for the backward pass; _convBias holds b_i at i·FP.
            private readonly float[] _convT = new float[{{plan.Floats("ConvT")}}];
            private readonly float[] _convRows = new float[{{plan.Floats("ConvRows")}}];
            private readonly float[] _convBias = new float[KernelCount * FP];
            // ∂L/∂W_i accumulated in the _convRows layout, then unpacked into PyTorch's [F, E, k].
            private readonly float[] _gradRows = new float[{{plan.Floats("ConvRows")}}];

            // Per-thread inference workspace for a tile of TileRows sequences. The int workspace holds each row's first
            // compacted position and token count.
            """);
        ShellEmitter.EmitScratch(w, plan);
        w.Line($"private const int IntScratchLength = 2 * TileRows;");
        w.Line();
        w.Line($"// Training workspace for B rows; the ints hold the winning window of each feature for the backward pass.");
        ShellEmitter.EmitTrainingOffsets(w, plan);
        w.Line();
    }

    private static void EmitPack(SourceWriter w, int[] ks, int[] packT, int[] packR)
    {
        w.Open($"private void Pack(float[] p)");
        for (int i = 0; i < ks.Length; i++)
            w.Line($"PackBranch(p, Conv{i}WeightOffset, Conv{i}BiasOffset, width: {ks[i]}, packT: {packT[i]}, packR: {packR[i]}, branch: {i});");
        w.Close();
        w.Line($$"""

            // _convT[packT + (j·E + e)·FP + f] = _convRows[packR + f·k·E + j·E + e] = W[f, e, j];  _convBias[branch·FP + f] = b[f].
            private void PackBranch(float[] p, int weight, int bias, int width, int packT, int packR, int branch)
            {
                for (int f = 0; f < Filters; f++)
                {
                    for (int e = 0; e < EmbeddingSize; e++)
                    {
                        for (int j = 0; j < width; j++)
                        {
                            float value = p[weight + (f * EmbeddingSize + e) * width + j];
                            _convT[packT + (j * EmbeddingSize + e) * FP + f] = value;
                            _convRows[packR + f * width * EmbeddingSize + j * EmbeddingSize + e] = value;
                        }
                    }
                    _convBias[branch * FP + f] = p[bias + f];
                }
            }

            """);
    }

    private static void EmitForward(SourceWriter w, int[] ks, int[] packT)
    {
        w.Line($$"""
            // Features of `rows` rows of `rowLength` ids. Each row's non-padding tokens are compacted, in order, into X (row b's
            // n_b embeddings from X row start_b); then every branch convolves and max-pools. With argmax ≥ 0, the ints from
            // there record each feature's winning window, and from ids ≥ 0 the compacted token ids (for the backward pass).
            private void ConvFeatures(global::System.ReadOnlySpan<int> tokens, int rows, int rowLength, float[] ws, int x, int c, int features, int[] ints, int ids, int argmax)
            {
                int n = 0;
                for (int b = 0; b < rows; b++)
                {
                    ints[b] = n;
                    global::System.ReadOnlySpan<int> row = tokens.Slice(b * rowLength, rowLength);
                    for (int t = 0; t < row.Length; t++)
                    {
                        int token = row[t];
                        if (token == 0) continue; // padding is removed, not convolved
                        if (ids >= 0) ints[ids + n] = token;
                        global::System.Array.Copy(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, ws, x + n * EmbeddingSize, EmbeddingSize);
                        n++;
                    }
                    ints[rows + b] = n - ints[b];
                }
            """);
        for (int i = 0; i < ks.Length; i++)
            w.Line($"    ConvBranch(n, rows, width: {ks[i]}, packT: {packT[i]}, branch: {i}, ws, x, c, features, ints, argmax);");
        w.Line($$"""
            }

            // Branch with kernel width k: C[s, f] = b[f] + Σ_{j<k} Σ_e W[f, e, j]·X[s + j, e] for every start s ≤ n − k. Window s
            // is the k·E contiguous floats from X row s, so this is one GEMM [n−k+1, k·E]·[k·E, FP] reading X with leading
            // dimension E. Windows that straddle two rows are computed with the rest and never read. Then, per row b,
            // feature[b, branch·F + f] = ReLU(max_s C[s, f]) over the row's own windows start_b ≤ s ≤ start_b + n_b − k.
            private void ConvBranch(int n, int rows, int width, int packT, int branch, float[] ws, int x, int c, int features, int[] ints, int argmax)
            {
                int windows = n - width + 1;
                if (windows > 0)
                {
                    for (int s = 0; s < windows; s++) global::System.Array.Copy(_convBias, branch * FP, ws, c + s * FP, FP);
                    global::LstmGen.Gemm.MultiplyAdd(windows, FP, width * EmbeddingSize,
                        new global::System.ReadOnlySpan<float>(ws, x, n * EmbeddingSize), EmbeddingSize,
                        new global::System.ReadOnlySpan<float>(_convT, packT, width * EmbeddingSize * FP), FP,
                        new global::System.Span<float>(ws, c, windows * FP), FP);
                }
                for (int b = 0; b < rows; b++)
                {
                    int column = b * HiddenSize + branch * Filters;
                    MaxPool(ws, c + ints[b] * FP, ints[rows + b] - width + 1, features + column, ints, argmax < 0 ? -1 : argmax + column);
                }
            }

            // y[f] = max(0, max_{s < windows} C[s, f]) (ReLU commutes with max). With argmax ≥ 0 also a[f] = the first s that
            // attains the maximum, or −1 when y[f] = 0 (ReLU inactive, or no window at all): then no gradient flows.
            // Vectorised over 8 filters at a time; the scalar path makes the same choices.
            private static void MaxPool(float[] ws, int c, int windows, int y, int[] ints, int argmax)
            {
                if (windows <= 0)
                {
                    global::System.Array.Clear(ws, y, Filters);
                    if (argmax >= 0) global::System.Array.Fill(ints, -1, argmax, Filters);
                    return;
                }
                int f = 0;
                if (LgMath.IsAccelerated)
                {
                    ref float cr = ref ws[c];
                    for (; f + 8 <= Filters; f += 8)
                    {
                        LgVec m = LgVector.LoadUnsafe(ref cr, (nuint)f);
                        global::System.Runtime.Intrinsics.Vector256<int> at = global::System.Runtime.Intrinsics.Vector256<int>.Zero;
                        for (int s = 1; s < windows; s++)
                        {
                            LgVec value = LgVector.LoadUnsafe(ref cr, (nuint)(s * FP + f));
                            LgVec greater = LgVector.GreaterThan(value, m);
                            m = LgVector.ConditionalSelect(greater, value, m);
                            at = LgVector.ConditionalSelect(LgVector.AsInt32(greater), LgVector.Create(s), at);
                        }
                        LgVec active = LgVector.GreaterThan(m, LgVec.Zero);
                        LgVector.StoreUnsafe(m & active, ref ws[y], (nuint)f);
                        if (argmax >= 0) LgVector.StoreUnsafe(LgVector.ConditionalSelect(LgVector.AsInt32(active), at, LgVector.Create(-1)), ref ints[argmax], (nuint)f);
                    }
                }
                for (; f < Filters; f++)
                {
                    float m = ws[c + f];
                    int at = 0;
                    for (int s = 1; s < windows; s++)
                    {
                        float value = ws[c + s * FP + f];
                        if (value > m) { m = value; at = s; }
                    }
                    bool active = m > 0f;
                    ws[y + f] = active ? m : 0f;
                    if (argmax >= 0) ints[argmax + f] = active ? at : -1;
                }
            }

            // Up to TileRows rows: features, then the dense head per row.
            private void Infer(global::System.ReadOnlySpan<int> tokens, int rows, int rowLength, global::System.Span<float> outputs, float[] scratch, int[] ints)
            {
                ConvFeatures(tokens, rows, rowLength, scratch, ScratchX, ScratchC, ScratchFeatures, ints, ids: -1, argmax: -1);
                for (int b = 0; b < rows; b++) Head(ref scratch[ScratchFeatures + b * HiddenSize], outputs.Slice(b * OutputSize, OutputSize));
            }

            """);
    }

    private static void EmitTraining(SourceWriter w, int[] ks, int[] packR)
    {
        w.Line($$"""
            // Forward over the batch, keeping X, the compacted ids, the features and each feature's winning window.
            private float TrainForward(global::System.ReadOnlySpan<int> tokens, int rows, global::System.ReadOnlySpan<float> targets, global::System.Span<float> outputs, float[] ws, int[] ints)
            {
                ConvFeatures(tokens, rows, SequenceLength, ws, TrainX(rows), TrainC(rows), TrainFeatures(rows), ints, TrainIds(rows), TrainArgmax(rows));
                return HeadForward(rows, ws, TrainFeatures(rows), HiddenSize, TrainLogits(rows), targets, outputs);
            }

            // Head, then each branch (max-pool routes every feature's gradient to its winning window), then the embedding rows.
            private void TrainBackward(global::System.ReadOnlySpan<int> tokens, int rows, global::System.Span<float> gradients, float[] ws, int[] ints)
            {
                HeadBackward(rows, ws, TrainFeatures(rows), HiddenSize, TrainLogits(rows), TrainDFeatures(rows), gradients);
                int n = ints[rows - 1] + ints[2 * rows - 1];
                global::System.Array.Clear(ws, TrainDX(rows), n * EmbeddingSize);
                global::System.Array.Clear(_gradRows);
            """);
        for (int i = 0; i < ks.Length; i++)
            w.Line($"    BranchBackward(rows, width: {ks[i]}, packR: {packR[i]}, branch: {i}, Conv{i}BiasOffset, gradients, ws, ints);");
        w.Line($$"""
                // ∂L/∂embedding[id_p] += ∂L/∂X[p] for every compacted position p (padding rows get nothing).
                for (int p = 0; p < n; p++)
                {
                    global::LstmGen.Gemm.Axpy(1f, new global::System.ReadOnlySpan<float>(ws, TrainDX(rows) + p * EmbeddingSize, EmbeddingSize),
                        gradients.Slice(EmbeddingWeightOffset + ints[TrainIds(rows) + p] * EmbeddingSize, EmbeddingSize));
                }
                // ∂L/∂convs.i.weight[f, e, j] = G_i[f, j·E + e]: unpack the j-major accumulator into PyTorch's [F, E, k].
            """);
        for (int i = 0; i < ks.Length; i++)
            w.Line($"    UnpackBranch(gradients, Conv{i}WeightOffset, width: {ks[i]}, packR: {packR[i]});");
        w.Line($$"""
            }

            // For every row b and filter f whose feature won at window a ≥ 0 with gradient g = ∂L/∂y[b, f]: the window is
            // the k·E contiguous floats from X row start_b + a, so ∂L/∂b[f] += g, G[f, :] += g·window and ∂L/∂window += g·W[f, :]
            // are AXPYs of k·E floats. (Only one window per feature gets gradient, so this is n−k+1 times cheaper than a dense
            // GEMM over all windows.)
            private void BranchBackward(int rows, int width, int packR, int branch, int bias, global::System.Span<float> gradients, float[] ws, int[] ints)
            {
                int span = width * EmbeddingSize;
                int x = TrainX(rows), dx = TrainDX(rows), dy = TrainDFeatures(rows), argmax = TrainArgmax(rows);
                for (int b = 0; b < rows; b++)
                {
                    for (int f = 0; f < Filters; f++)
                    {
                        int column = b * HiddenSize + branch * Filters + f;
                        int a = ints[argmax + column];
                        float g = ws[dy + column];
                        if (a < 0 || g == 0f) continue;
                        int window = (ints[b] + a) * EmbeddingSize;
                        gradients[bias + f] += g;
                        global::LstmGen.Gemm.Axpy(g, new global::System.ReadOnlySpan<float>(ws, x + window, span), new global::System.Span<float>(_gradRows, packR + f * span, span));
                        global::LstmGen.Gemm.Axpy(g, new global::System.ReadOnlySpan<float>(_convRows, packR + f * span, span), new global::System.Span<float>(ws, dx + window, span));
                    }
                }
            }

            private void UnpackBranch(global::System.Span<float> gradients, int weight, int width, int packR)
            {
                for (int f = 0; f < Filters; f++)
                    for (int e = 0; e < EmbeddingSize; e++)
                        for (int j = 0; j < width; j++)
                            gradients[weight + (f * EmbeddingSize + e) * width + j] = _gradRows[packR + f * width * EmbeddingSize + j * EmbeddingSize + e];
            }

            """);
    }
}
