using System.Linq;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Emits the recurrent product shared by every cell: gates = input + h·W_hhᵀ over the packed gate width, register-blocked
/// ("broadcast h_k, FMA a row of W_hhᵀ" into 8 accumulators), unrolled over the gate dimension with a compile-time
/// remainder block, with an exact scalar fallback.
/// </summary>
internal static class RecurrentProductEmitter
{
    public static void Emit(SourceWriter w, Layout L)
    {
        int vectors = L.Gp / Layout.Lanes;
        int fullBlocks = vectors / Layout.BlockVectors;
        int remainder = vectors % Layout.BlockVectors;
        int blockWidth = Layout.BlockVectors * Layout.Lanes;

        w.Line($$"""
            // gates[j] = input[j] + Σ_k h[k]·W_hhᵀ[k, j] for j < {{L.Gp}} ({{vectors}} vectors): the only sequential work per step.
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void RecurrentProduct(ref float input, ref float whhT, ref float h, ref float gates)
            {
                if (LgMath.IsAccelerated) RecurrentProductVector(ref input, ref whhT, ref h, ref gates);
                else RecurrentProductScalar(ref input, ref whhT, ref h, ref gates);
            }

            """);

        w.Open($"private static void RecurrentProductVector(ref float input, ref float whhT, ref float h, ref float gates)");
        if (fullBlocks > 0)
        {
            w.Line($"// {fullBlocks} block(s) of {Layout.BlockVectors} accumulators ({blockWidth} gates): broadcast h[k], FMA {Layout.BlockVectors} vectors of row k.");
            w.Open($"for (nuint col = 0; col < {fullBlocks * blockWidth}; col += {blockWidth})");
            EmitBlock(w, L, Layout.BlockVectors, "col");
            w.Close();
        }
        if (remainder > 0)
        {
            w.Line($"// Remainder block: {remainder} accumulator(s) at column {fullBlocks * blockWidth}.");
            w.Open($"");
            w.Line($"const nuint col = {fullBlocks * blockWidth};");
            EmitBlock(w, L, remainder, "col");
            w.Close();
        }
        w.Close();
        w.Line();

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

    private static void EmitBlock(SourceWriter w, Layout L, int count, string col)
    {
        int[] ids = Enumerable.Range(0, count).ToArray();
        foreach (int v in ids) w.Line($"LgVec a{v} = LgVector.LoadUnsafe(ref input, {col} + {v * Layout.Lanes});");
        w.Line($"nuint row = {col};");
        w.Open($"for (nuint k = 0; k < HiddenSize; k++, row += GP)");
        w.Line($"LgVec hk = LgVector.Create(LgUnsafe.Add(ref h, k));");
        foreach (int v in ids) w.Line($"a{v} = LgFma.MultiplyAdd(LgVector.LoadUnsafe(ref whhT, row + {v * Layout.Lanes}), hk, a{v});");
        w.Close();
        foreach (int v in ids) w.Line($"LgVector.StoreUnsafe(a{v}, ref gates, {col} + {v * Layout.Lanes});");
    }

}
