using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// The text CNN's convolution branches, side by side: packing (Wᵀ for the forward GEMM, W rows for the backward AXPYs),
/// the forward pass (compaction of the non-padding embeddings, one GEMM per branch, then the max-pool) and the backward
/// pass through each branch's winning windows.
/// </summary>
internal static class ConvLayerEmitter
{
    public static void EmitPack(SourceWriter w, int[] ks, int[] packT, int[] packR)
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

    public static void EmitForward(SourceWriter w, int[] ks, int[] packT)
    {
        w.Line($$"""
            // Features of `rows` rows of `rowLength` ids. Each row's non-padding tokens are compacted, in order, into X (row b's
            // n_b embeddings from X row start_b); then every branch convolves and max-pools. With argmax ≥ 0, the ints from
            // there record each feature's winning window, and from ids ≥ 0 the compacted token ids (for the backward pass). With
            // dropEmbedding (training, rowLength = SequenceLength) X is multiplied by this batch's embedding mask before the branches.
            private void ConvFeatures(LgIntSpan tokens, int rows, int rowLength, float[] ws, int x, int c, int features, int[] ints, int ids, int argmax, bool dropEmbedding)
            {
                int n = 0;
                for (int b = 0; b < rows; b++)
                {
                    ints[b] = n;
                    LgIntSpan row = tokens.Slice(b * rowLength, rowLength);
                    for (int t = 0; t < row.Length; t++)
                    {
                        int token = row[t];
                        if (token == 0) continue; // padding is removed, not convolved
                        if (ids >= 0) ints[ids + n] = token;
                        LgArray.Copy(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, ws, x + n * EmbeddingSize, EmbeddingSize);
                        n++;
                    }
                    ints[rows + b] = n - ints[b];
                }
                if (dropEmbedding) DropoutCompacted(rows, n, ws, x);
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
                    for (int s = 0; s < windows; s++) LgArray.Copy(_convBias, branch * FP, ws, c + s * FP, FP);
                    LgGemm.MultiplyAdd(windows, FP, width * EmbeddingSize,
                        new LgReadOnlySpan(ws, x, n * EmbeddingSize), EmbeddingSize,
                        new LgReadOnlySpan(_convT, packT, width * EmbeddingSize * FP), FP,
                        new LgSpan(ws, c, windows * FP), FP);
                }
                for (int b = 0; b < rows; b++)
                {
                    int column = b * HiddenSize + branch * Filters;
                    MaxPool(ws, c + ints[b] * FP, ints[rows + b] - width + 1, features + column, ints, argmax < 0 ? -1 : argmax + column);
                }
            }

            """);
    }

    public static void EmitBackward(SourceWriter w)
    {
        w.Line($$"""
            // For every row b and filter f whose feature won at window a ≥ 0 with gradient g = ∂L/∂y[b, f]: the window is
            // the k·E contiguous floats from X row start_b + a, so ∂L/∂b[f] += g, G[f, :] += g·window and ∂L/∂window += g·W[f, :]
            // are AXPYs of k·E floats. (Only one window per feature gets gradient, so this is n−k+1 times cheaper than a dense
            // GEMM over all windows.)
            private void BranchBackward(int rows, int width, int packR, int branch, int bias, LgSpan gradients, float[] ws, int[] ints)
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
                        LgGemm.Axpy(g, new LgReadOnlySpan(ws, x + window, span), new LgSpan(_gradRows, packR + f * span, span));
                        LgGemm.Axpy(g, new LgReadOnlySpan(_convRows, packR + f * span, span), new LgSpan(ws, dx + window, span));
                    }
                }
            }

            private void UnpackBranch(LgSpan gradients, int weight, int width, int packR)
            {
                for (int f = 0; f < Filters; f++)
                    for (int e = 0; e < EmbeddingSize; e++)
                        for (int j = 0; j < width; j++)
                            gradients[weight + (f * EmbeddingSize + e) * width + j] = _gradRows[packR + f * width * EmbeddingSize + j * EmbeddingSize + e];
            }

            """);
    }
}
