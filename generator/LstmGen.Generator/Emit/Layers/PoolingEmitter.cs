namespace LstmGen.Generator.Emit;

/// <summary>
/// Pooling over the sequence: the text CNN's global max over time (with the winning window for the backward pass) and the
/// feed-forward model's mean of the non-padding embeddings.
/// </summary>
internal static class PoolingEmitter
{
    public static void EmitMaxPool(SourceWriter w)
    {
        w.Line($$"""
            // y[f] = max(0, max_{s < windows} C[s, f]) (ReLU commutes with max). With argmax ≥ 0 also a[f] = the first s that
            // attains the maximum, or −1 when y[f] = 0 (ReLU inactive, or no window at all): then no gradient flows.
            // Vectorised over 8 filters at a time; the scalar path makes the same choices.
            private static void MaxPool(float[] ws, int c, int windows, int y, int[] ints, int argmax)
            {
                if (windows <= 0)
                {
                    LgArray.Clear(ws, y, Filters);
                    if (argmax >= 0) LgArray.Fill(ints, -1, argmax, Filters);
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

            """);
    }

    /// <summary>MeanEmbedding, and SumTokenRows, which it shares with the folded first layer (the table's rows in place of the embeddings).</summary>
    public static void EmitMeanEmbedding(SourceWriter w)
    {
        w.Line($$"""
            // target = Σ source[offset + token·width …] over the row's non-padding tokens (padding is left out), written into
            // target's first width floats after clearing all of it; returns the number of those tokens.
            private static int SumTokenRows(LgIntSpan row, float[] source, int offset, int width, LgSpan target)
            {
                target.Clear();
                int n = 0;
                for (int t = 0; t < row.Length; t++)
                {
                    int token = row[t];
                    if (token == 0) continue;
                    LgGemm.Axpy(1f, new LgReadOnlySpan(source, offset + token * width, width), target.Slice(0, width));
                    n++;
                }
                return n;
            }

            // a0[b, :] = (1/n_b)·Σ_{t: token ≠ 0} embedding[token_t] over the n_b non-padding tokens of row b (zeros when n_b = 0);
            // padded columns zero. Stores n_b in ints[counts + b].
            private void MeanEmbedding(LgIntSpan tokens, int rows, int rowLength, float[] ws, int a0, int[] ints, int counts)
            {
                for (int b = 0; b < rows; b++)
                {
                    LgSpan mean = new(ws, a0 + b * A0, A0);
                    int n = SumTokenRows(tokens.Slice(b * rowLength, rowLength), _parameters, EmbeddingWeightOffset, EmbeddingSize, mean);
                    if (n > 0) LgMath.Scale(mean, 1f / n);
                    ints[counts + b] = n;
                }
            }

            """);
    }
}
