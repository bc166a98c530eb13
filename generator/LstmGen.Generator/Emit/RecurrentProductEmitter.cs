using System.Collections.Generic;
using System.Linq;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Emits the recurrent product shared by every cell: gates = input + h·W_hhᵀ over the packed gate width, register-blocked
/// ("broadcast h_k, FMA a row of W_hhᵀ" into a block of accumulators), with an AVX-512 path (blocks of 16 zmm), an AVX2
/// path (blocks of 8 ymm) and an exact scalar fallback.
/// </summary>
/// <remarks>
/// Alternate steps walk W_hhᵀ in opposite directions (blocks and rows reversed). W_hhᵀ is H·GP floats — 64 KiB for the
/// reference model, more than a 48 KiB L1 — and a cyclic walk over more lines than a cache set holds misses on every
/// line under LRU, while the reverse walk starts with the lines the previous step touched last. Only the order of the
/// k-sum changes (ascending or descending), so the result is the same product up to float rounding.
/// </remarks>
internal static class RecurrentProductEmitter
{
    /// <summary>One register block: <paramref name="Vectors"/> accumulators of the path's width from column
    /// <paramref name="Column"/>, plus one 8-float accumulator after them when <paramref name="NarrowTail"/>.</summary>
    private sealed record Block(int Column, int Vectors, bool NarrowTail);

    public static void Emit(SourceWriter w, Layout L)
    {
        w.Line($$"""
            // gates[j] = input[j] + Σ_k h[k]·W_hhᵀ[k, j] for j < {{L.Gp}}: the only sequential work per step. With reverse, k runs
            // from last to first (and the column blocks in reverse order): the caller alternates it step by step, so each
            // step starts on the part of W_hhᵀ the previous one left in L1.
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void RecurrentProduct(ref float input, ref float whhT, ref float h, ref float gates, bool reverse)
            {
                if (LgMath.IsWideAccelerated) RecurrentProductWide(ref input, ref whhT, ref h, ref gates, reverse);
                else if (LgMath.IsAccelerated) RecurrentProductVector(ref input, ref whhT, ref h, ref gates, reverse);
                else RecurrentProductScalar(ref input, ref whhT, ref h, ref gates);
            }

            """);

        // AVX-512: blocks of 16 zmm; a gate width that is an odd number of 8-float vectors ends on one ymm.
        int wideVectors = L.Gp / Layout.WideLanes;
        bool narrowTail = L.Gp % Layout.WideLanes != 0;
        EmitPath(w, "RecurrentProductWide", "LgWide", "LgWideVector", "LgWideFma.FusedMultiplyAdd", Layout.WideLanes,
            Blocks(wideVectors, Layout.WideBlockVectors, Layout.WideLanes, narrowTail));
        EmitPath(w, "RecurrentProductVector", "LgVec", "LgVector", "LgFma.MultiplyAdd", Layout.Lanes,
            Blocks(L.Gp / Layout.Lanes, Layout.BlockVectors, Layout.Lanes, narrowTail: false));

        w.Line($$"""
            private static void RecurrentProductScalar(ref float input, ref float whhT, ref float h, ref float gates)
            {
                for (nuint j = 0; j < GP; j++) LgUnsafe.Add(ref gates, j) = LgUnsafe.Add(ref input, j);
                for (nuint k = 0; k < HiddenSize; k++)
                {
                    float hk = LgUnsafe.Add(ref h, k);
                    ref float row = ref LgUnsafe.Add(ref whhT, k * GP);
                    for (nuint j = 0; j < GP; j++) LgUnsafe.Add(ref gates, j) += hk * LgUnsafe.Add(ref row, j);
                }
            }

            """);
    }

    private static List<Block> Blocks(int vectors, int perBlock, int lanes, bool narrowTail)
    {
        var blocks = new List<Block>();
        for (int v = 0; v < vectors; v += perBlock)
            blocks.Add(new Block(v * lanes, System.Math.Min(perBlock, vectors - v), false));
        if (narrowTail)
        {
            // The 8-float tail joins the last block when it has a free register, else forms a block of its own.
            if (blocks.Count > 0 && blocks[blocks.Count - 1].Vectors < perBlock) blocks[blocks.Count - 1] = blocks[blocks.Count - 1] with { NarrowTail = true };
            else blocks.Add(new Block(vectors * lanes, 0, true));
        }
        return blocks;
    }

    private static void EmitPath(SourceWriter w, string name, string vec, string vector, string fma, int lanes, List<Block> blocks)
    {
        w.Open($"private static void {name}(ref float input, ref float whhT, ref float h, ref float gates, bool reverse)");
        if (blocks.Count == 1)
        {
            w.Line($"{name}Block0(ref input, ref whhT, ref h, ref gates, reverse);");
        }
        else
        {
            string Calls(IEnumerable<int> order) => string.Join(" ", order.Select(b => $"{name}Block{b}(ref input, ref whhT, ref h, ref gates, reverse);"));
            w.Line($"if (reverse) {{ {Calls(Enumerable.Range(0, blocks.Count).Reverse())} }}");
            w.Line($"else {{ {Calls(Enumerable.Range(0, blocks.Count))} }}");
        }
        w.Close();
        w.Line();
        for (int b = 0; b < blocks.Count; b++) EmitBlock(w, $"{name}Block{b}", vec, vector, fma, lanes, blocks[b]);
    }

    private static void EmitBlock(SourceWriter w, string name, string vec, string vector, string fma, int lanes, Block block)
    {
        int[] ids = Enumerable.Range(0, block.Vectors).ToArray();
        int tailOffset = block.Vectors * lanes;
        string tail = block.NarrowTail ? $" and one 8-float vector" : "";
        w.Line($"// Columns {block.Column}…{block.Column + tailOffset + (block.NarrowTail ? 8 : 0) - 1}: {block.Vectors} accumulator(s){tail}; per k, broadcast h[k] and FMA that part of row k.");
        w.Line($"[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
        w.Open($"private static void {name}(ref float input, ref float whhT, ref float h, ref float gates, bool reverse)");
        w.Line($"const nuint col = {block.Column};");
        foreach (int v in ids) w.Line($"{vec} a{v} = {vector}.LoadUnsafe(ref input, col + {v * lanes});");
        if (block.NarrowTail) w.Line($"LgVec t0 = LgVector.LoadUnsafe(ref input, col + {tailOffset});");
        w.Line($"// Forward: rows 0, 1, …, H − 1; reverse: H − 1, …, 0 (row and h pointers step by ±GP and ±1).");
        w.Line($"nint rowStep = reverse ? -GP : GP, hStep = reverse ? -1 : 1;");
        w.Line($"ref float row = ref LgUnsafe.Add(ref whhT, (reverse ? (HiddenSize - 1) * GP : 0) + (nint)col);");
        w.Line($"ref float hk = ref LgUnsafe.Add(ref h, reverse ? HiddenSize - 1 : 0);");
        w.Open($"for (int k = 0; k < HiddenSize; k++)");
        w.Line($"{vec} b = {vector}.Create(hk);");
        foreach (int v in ids) w.Line($"a{v} = {fma}({vector}.LoadUnsafe(ref row, {v * lanes}), b, a{v});");
        if (block.NarrowTail) w.Line($"t0 = LgFma.MultiplyAdd(LgVector.LoadUnsafe(ref row, {tailOffset}), LgVector.Create(hk), t0);");
        w.Line($"row = ref LgUnsafe.Add(ref row, rowStep);");
        w.Line($"hk = ref LgUnsafe.Add(ref hk, hStep);");
        w.Close();
        foreach (int v in ids) w.Line($"{vector}.StoreUnsafe(a{v}, ref gates, col + {v * lanes});");
        if (block.NarrowTail) w.Line($"LgVector.StoreUnsafe(t0, ref gates, col + {tailOffset});");
        w.Close();
        w.Line();
    }
}
