using System.Linq;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Emits the LSTM step: the recurrent product (register-blocked, unrolled over the gate dimension with a compile-time
/// remainder block) and the cell update, each with an AVX2+FMA body and an exact scalar fallback.
/// </summary>
internal static class LstmCellEmitter
{
    public static void Emit(SourceWriter w, Layout L)
    {
        EmitRecurrentProduct(w, L);
        EmitCellUpdate(w, L);
    }

    private static void EmitRecurrentProduct(SourceWriter w, Layout L)
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

    private static void EmitCellUpdate(SourceWriter w, Layout L)
        => EmitCellStep(w, "CellUpdate", "i = σ(gᵢ), f = σ(g_f), g = tanh(g_g), o = σ(g_o); c' = f⊙c + i⊙g; h' = o⊙tanh(c').", keepActivations: false);

    /// <summary>
    /// One cell step over the gate pre-activations. With <paramref name="keepActivations"/> the pre-activations are
    /// overwritten by i, f, g, o, which the backward pass reads.
    /// </summary>
    internal static void EmitCellStep(SourceWriter w, string name, string comment, bool keepActivations)
    {
        string vectorStore = keepActivations ? """
                        LgVector.StoreUnsafe(i, ref gates, j);
                        LgVector.StoreUnsafe(f, ref gates, HP + j);
                        LgVector.StoreUnsafe(g, ref gates, 2 * HP + j);
                        LgVector.StoreUnsafe(o, ref gates, 3 * HP + j);

            """ : "";
        string scalarStore = keepActivations ? """
                        LgUnsafe.Add(ref gates, j) = i;
                        LgUnsafe.Add(ref gates, HP + j) = f;
                        LgUnsafe.Add(ref gates, 2 * HP + j) = g;
                        LgUnsafe.Add(ref gates, 3 * HP + j) = o;

            """ : "";
        w.Line($$"""
            // {{comment}}
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void {{name}}(ref float gates, ref float h, ref float c)
            {
                if (LgMath.IsAccelerated)
                {
                    for (nuint j = 0; j < HP; j += 8)
                    {
                        LgVec i = LgMath.Sigmoid(LgVector.LoadUnsafe(ref gates, j));
                        LgVec f = LgMath.Sigmoid(LgVector.LoadUnsafe(ref gates, HP + j));
                        LgVec g = LgMath.Tanh(LgVector.LoadUnsafe(ref gates, 2 * HP + j));
                        LgVec o = LgMath.Sigmoid(LgVector.LoadUnsafe(ref gates, 3 * HP + j));
            {{vectorStore}}            LgVec cNew = LgFma.MultiplyAdd(f, LgVector.LoadUnsafe(ref c, j), i * g);
                        LgVector.StoreUnsafe(cNew, ref c, j);
                        LgVector.StoreUnsafe(o * LgMath.Tanh(cNew), ref h, j);
                    }
                }
                else
                {
                    for (nuint j = 0; j < HiddenSize; j++)
                    {
                        float i = LgMath.Sigmoid(LgUnsafe.Add(ref gates, j));
                        float f = LgMath.Sigmoid(LgUnsafe.Add(ref gates, HP + j));
                        float g = LgMath.Tanh(LgUnsafe.Add(ref gates, 2 * HP + j));
                        float o = LgMath.Sigmoid(LgUnsafe.Add(ref gates, 3 * HP + j));
            {{scalarStore}}            float cNew = f * LgUnsafe.Add(ref c, j) + i * g;
                        LgUnsafe.Add(ref c, j) = cNew;
                        LgUnsafe.Add(ref h, j) = o * LgMath.Tanh(cNew);
                    }
                }
            }

            """);
    }
}
