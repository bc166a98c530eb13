using System.Collections.Generic;
using System.Linq;
using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Emits the batch-1 recurrent step shared by every cell: the recurrent product h·W_hhᵀ fused with the cell update, one
/// chunk of hidden units at a time (16 units on the AVX-512 path, 8 on the AVX2 path), with an exact scalar fallback.
/// </summary>
/// <remarks>
/// <para>
/// Why chunks: a chunk's gate pre-activations are complete as soon as its own product ends, so its cell update (the
/// σ/tanh latency) overlaps the next chunk's FMAs instead of waiting for the whole product. The step writes h' into a
/// second buffer, because later chunks still read h.
/// </para>
/// <para>
/// Order: alternate steps visit the chunks in opposite orders. W_hh is packed chunk-major (each chunk's rows
/// contiguous), so a step starts on the chunks the previous step left in L1 — W_hh is 64 KiB for the reference model,
/// more than a 48 KiB L1, and a cyclic walk over it would miss on every line under LRU. Inside a chunk the k-sum runs
/// from the h units the previous step finished first, so the next step's FMAs can start while the previous step's last
/// chunk is still in its cell update. Each pre-activation is the sum of a few partial sums over k (more
/// independent FMA chains); only the summation order changes, so results equal the plain product to float rounding.
/// </para>
/// </remarks>
internal static class RecurrentStepEmitter
{
    public static void Emit(SourceWriter w, RecurrentPlan L, CellEmitter cell)
    {
        // The LSTM reads c and writes c' to cNext (the same place for Predict, the other copy for a streaming state).
        string cParam = cell.HasCellState ? ", ref float c, ref float cNext" : "";
        string cArg = cell.HasCellState ? ", ref c, ref cNext" : "";
        string biasParam = cell.SeparateRecurrent ? ", ref float biasHh" : "";
        string biasArg = cell.SeparateRecurrent ? ", ref biasHh" : "";
        string chunkArgs = $"ref input{biasArg}, ref w, ref h, ref hNext{cArg}";
        int wideUnits = Simd.Avx512.WholeUnits(L.Hp);
        bool wideTail = wideUnits != L.Hp;
        // The units the wide chunks cover: HP, or HP − 8 when HP is an odd number of 8-unit vectors.
        string wide = wideTail ? $"HP - {L.Hp - wideUnits}" : "HP";
        string wideForward = (wideUnits > 0 ? $"for (nuint u0 = 0; u0 < {wide}; u0 += {Simd.Avx512.Lanes}) StepChunkWide(u0, {chunkArgs}, kDescending: true);" : "")
            + (wideTail ? $" StepChunk({wide}, {chunkArgs}, kDescending: true);" : "");
        string wideReverse = (wideTail ? $"StepChunk({wide}, {chunkArgs}, kDescending: false); " : "")
            + (wideUnits > 0 ? $"for (nuint u0 = {wide}; u0 > 0;) {{ u0 -= {Simd.Avx512.Lanes}; StepChunkWide(u0, {chunkArgs}, kDescending: false); }}" : "");
        string scalarInput = cell.SeparateRecurrent ? "biasHh" : "input";
        // The scalar update works in place: h (and the LSTM's c) move to hNext (cNext) first, so the step writes only
        // those (a streaming step must leave the current state untouched until it commits).
        string scalarUpdate = cell.SeparateRecurrent ? cell.UpdateCall("input", "gates", "hNext", "c") : cell.UpdateCall("gates", "", "hNext", cell.HasCellState ? "cNext" : "c");
        string scalarC = cell.HasCellState ? "\n        if (!LgUnsafe.AreSame(ref c, ref cNext)) LgMarshal.CreateReadOnlySpan(ref c, HP).CopyTo(LgMarshal.CreateSpan(ref cNext, HP));" : "";

        w.Line($$"""
            // Units per chunk of the batch-1 step, and of the chunk-major W_hh (_whhC) packed for it.
            private static int StepChunkWidth => LgMath.IsWideAccelerated ? {{Simd.Avx512.Lanes}} : LgMath.IsNarrowAccelerated && !LgMath.IsAccelerated ? {{Simd.Narrow.Lanes}} : {{Simd.Avx2.Lanes}};

            // One step: h' (into hNext) and, for the LSTM, c from h and the step's input part. w is the unit's W_hh packed
            // chunk-major ({{(L.Hp >= Simd.Avx512.Lanes ? "16-unit chunks with AVX-512, else " : "")}}8-unit chunks): chunk u0's row k, gate q, unit u at u0·{{L.Gates}}·H + k·{{L.Gates}}·width + q·width + u.
            // Forward steps visit the chunks first to last and sum k from last to first; reverse steps the opposite (see the
            // generator's notes: L1 reuse across steps, and the next step starting on the h units finished first).
            private static void Step(ref float input{{biasParam}}, ref float w, ref float whhT, ref float h, ref float hNext{{cParam}}, ref float gates, bool reverse)
            {
                if (LgMath.IsWideAccelerated)
                {
                    if (!reverse) { {{wideForward}} }
                    else { {{wideReverse}} }
                }
                else if (LgMath.IsAccelerated)
                {
                    if (!reverse) { for (nuint u0 = 0; u0 < HP; u0 += 8) StepChunk(u0, {{chunkArgs}}, kDescending: true); }
                    else { for (nuint u0 = HP; u0 > 0;) { u0 -= 8; StepChunk(u0, {{chunkArgs}}, kDescending: false); } }
                }
                else if (LgMath.IsNarrowAccelerated)
                {
                    if (!reverse) { for (nuint u0 = 0; u0 < HP; u0 += 4) StepChunkNarrow(u0, {{chunkArgs}}, kDescending: true); }
                    else { for (nuint u0 = HP; u0 > 0;) { u0 -= 4; StepChunkNarrow(u0, {{chunkArgs}}, kDescending: false); } }
                }
                else
                {
                    // gates = {{(cell.SeparateRecurrent ? "(0, 0, b_hn)" : "input part")}} + W_hh·h, then the cell update in place on a copy of h in hNext.
                    RecurrentProductScalar(ref {{scalarInput}}, ref whhT, ref h, ref gates);
                    LgMarshal.CreateReadOnlySpan(ref h, HP).CopyTo(LgMarshal.CreateSpan(ref hNext, HP));{{scalarC}}
                    {{scalarUpdate}};
                }
            }

            """);
        if (wideUnits > 0) EmitChunk(w, L, cell, "StepChunkWide", Simd.Avx512, biasParam, cParam);
        EmitChunk(w, L, cell, "StepChunk", Simd.Avx2, biasParam, cParam);
        EmitChunk(w, L, cell, "StepChunkNarrow", Simd.Narrow, biasParam, cParam);

        w.Line($$"""
            // gates[j] = input[j] + Σ_k h[k]·W_hhᵀ[k, j] for j < GP, in plain loops (the fallback without AVX2).
            private static void RecurrentProductScalar(ref float input, ref float whhT, ref float h, ref float gates)
            {
                for (nuint j = 0; j < GP; j++) LgUnsafe.Add(ref gates, j) = LgUnsafe.Add(ref input, j);
                for (nuint k = 0; k < HiddenSize; k++)
                {
                    float hk = LgUnsafe.Add(ref h, k);
                    ref float row = ref LgUnsafe.Add(ref whhT, k * WP);
                    for (nuint j = 0; j < GP; j++) LgUnsafe.Add(ref gates, j) += hk * LgUnsafe.Add(ref row, j);
                }
            }

            """);
    }

    // Row k of the recurrent product goes to partial sum k mod splits, so an LSTM chunk's accumulators and broadcasts fit
    // in the width's registers.
    private static void EmitChunk(SourceWriter w, RecurrentPlan L, CellEmitter cell, string name, Simd d, string biasParam, string cParam)
    {
        string vec = d.Vec, vector = d.Vector;
        int gates = L.Gates, width = d.Lanes;
        int rowFloats = gates * width;
        int splits = d.PartialSums;
        int paired = L.H - L.H % splits; // rows taken splits at a time; the rest go to partial sum 0 at the end
        int[] qs = Enumerable.Range(0, gates).ToArray();
        int[] ss = Enumerable.Range(0, splits).ToArray();
        w.Line($"// {width} units from u0: z_q = init_q + Σ_k h[k]·W_hh[q, k] per gate q ({splits} partial sums), then the cell update.");
        w.Line($"[LgMethodImpl(LgMethodImplOptions.AggressiveInlining)]");
        w.Open($"private static void {name}(nuint u0, ref float input{biasParam}, ref float w, ref float h, ref float hNext{cParam}, bool kDescending)");
        w.Line($"ref float chunk = ref LgUnsafe.Add(ref w, u0 * GateCount * HiddenSize);");
        foreach (int q in qs)
        {
            string init = $"{vector}.LoadUnsafe(ref {cell.StepInit(q)}, u0 + {q} * HP)";
            string accumulators = string.Join(", ", ss.Select(s => $"a{q}{s} = " + (s == 0 ? init : $"{vec}.Zero")));
            w.Line($"{vec} {accumulators};");
        }
        if (paired > 0)
        {
            // Row k of the chunk holds RowFloats = GateCount·lanes floats; rows are taken `splits` at a time up to `pairs`.
            string pairs = paired == L.H ? "HiddenSize" : $"HiddenSize - {L.H - paired}";
            w.Line($"const int RowFloats = GateCount * {width};");
            w.Line($"nint rowStep = kDescending ? -{splits} * RowFloats : {splits} * RowFloats, hStep = kDescending ? {-splits} : {splits};");
            w.Line($"ref float row = ref LgUnsafe.Add(ref chunk, kDescending ? ({pairs} - {splits}) * RowFloats : 0);");
            w.Line($"ref float hk = ref LgUnsafe.Add(ref h, kDescending ? {pairs} - {splits} : 0);");
            w.Open($"for (int k = 0; k < {pairs}; k += {splits})");
            string broadcasts = string.Join(", ", ss.Select(s => $"b{s} = {vector}.Create(" + (s == 0 ? "hk" : $"LgUnsafe.Add(ref hk, {s})") + ")"));
            w.Line($"{vec} {broadcasts};");
            foreach (int s in ss)
                foreach (int q in qs)
                    w.Line($"a{q}{s} = {d.Fma(d.Load("row", $"{s * rowFloats + q * width}"), $"b{s}", $"a{q}{s}")};");
            w.Line($"row = ref LgUnsafe.Add(ref row, rowStep);");
            w.Line($"hk = ref LgUnsafe.Add(ref hk, hStep);");
            w.Close();
        }
        for (int k = paired; k < L.H; k++)
        {
            w.Line($"{vec} b{k - paired}Tail = {vector}.Create(LgUnsafe.Add(ref h, {k}));");
            foreach (int q in qs) w.Line($"a{q}0 = {d.Fma(d.Load("chunk", $"{k * rowFloats + q * width}"), $"b{k - paired}Tail", $"a{q}0")};");
        }
        foreach (int q in qs) w.Line($"{vec} z{q} = {PairwiseSum(ss.Select(s => $"a{q}{s}").ToList())};");
        foreach (string line in cell.ChunkUpdate(d)) w.Line($"{line}");
        w.Close();
        w.Line();
    }

    // (a + b) + (c + d): the partial sums added as a balanced tree.
    private static string PairwiseSum(List<string> terms)
    {
        while (terms.Count > 1)
        {
            var next = new List<string>();
            for (int i = 0; i < terms.Count; i += 2)
                next.Add(i + 1 < terms.Count ? $"({terms[i]} + {terms[i + 1]})" : terms[i]);
            terms = next;
        }
        string sum = terms[0];
        return sum.StartsWith("(") && sum.EndsWith(")") ? sum.Substring(1, sum.Length - 2) : sum;
    }
}
