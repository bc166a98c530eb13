namespace LstmGen.Generator.Emit;

/// <summary>
/// The embedding layer's one fusion, the folded table: <c>T = fill + embedding·W</c> for the first layer that reads the
/// embeddings (the recurrent layer 0's input part, the feed-forward model's first hidden layer), built once per parameter
/// version. The plan decides whether a model folds (<c>EmbeddingPlan.Folded</c>).
/// </summary>
internal static class EmbeddingEmitter
{
    /// <summary>A new snapshot of a model with a folded table builds it at once when folding is on, so no reader waits for it.</summary>
    public const string PrepareFoldedTable = "if (snapshot.UseFoldedEmbedding) snapshot.EnsureTable();";

    /// <summary>
    /// EnsureTable: the folded table <c>T = fill + embedding·W</c> [VocabularySize, <paramref name="width"/>], rebuilt
    /// after the packed weights when parameters changed. The model declares <c>_table</c> and <c>_tableVersion</c>.
    /// </summary>
    public static void EmitEnsureTable(SourceWriter w, string comment, string width, string fill, string weights)
    {
        w.Line($$"""
            {{comment}}
            private float[] EnsureTable()
            {
                float[]? table = _table;
                if (table is not null && global::System.Threading.Volatile.Read(ref _tableVersion) == _store.Version) return table;
                lock (_cacheLock)
                {
                    EnsurePacked();
                    int version = _packedVersion;
                    table = _table ??= new float[VocabularySize * {{width}}];
                    if (_tableVersion == version) return table;
                    {{fill}}
                    LgGemm.MultiplyAdd(VocabularySize, {{width}}, EmbeddingSize,
                        new LgReadOnlySpan(_parameters, EmbeddingWeightOffset, VocabularySize * EmbeddingSize), EmbeddingSize,
                        {{weights}}, {{width}}, table, {{width}});
                    global::System.Threading.Volatile.Write(ref _tableVersion, version);
                    return table;
                }
            }

            """);
    }

    /// <summary>The feed-forward model's fold: the table embedding·hidden.0.weightᵀ and the first layer read from it.</summary>
    public static void EmitFeedForwardFold(SourceWriter w, int packT, int packB)
    {
        EmitEnsureTable(w, "// Table[v, :] = embedding[v, :]·hidden.0.weightᵀ for every token v: one GEMM, [V, E] by [E, A1].",
            "A1", "LgArray.Clear(table);", $"new LgReadOnlySpan(_packed, {packT}, EmbeddingSize * A1)");
        w.Line($$"""
            // Folded first layer: a1[b, :] = ReLU(b0 + (1/n_b)·Σ_{t: token ≠ 0} Table[token_t, :]) (just b0 when n_b = 0).
            private void FoldedFirstLayer(LgIntSpan tokens, int rows, int rowLength, float[] table, float[] ws, int a1)
            {
                for (int b = 0; b < rows; b++)
                {
                    LgSpan z = new(ws, a1 + b * A1, A1);
                    int n = SumTokenRows(tokens.Slice(b * rowLength, rowLength), table, 0, A1, z);
                    if (n > 0) LgMath.Scale(z, 1f / n);
                    LgGemm.Axpy(1f, new LgReadOnlySpan(_packed, {{packB}}, A1), z);
                }
                Relu(new LgSpan(ws, a1, rows * A1));
            }

            """);
    }
}
