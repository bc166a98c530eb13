using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LstmGen.Benchmarks;

/// <summary>
/// What FMA rate a kernel can reach when its operands come from memory (<c>--roofline</c>), beside the register-only peak
/// of <see cref="FmaPeakBenchmark"/>: a matrix-vector product that reads every weight once per FMA (the batch-1 step's
/// W_hh walk), from a buffer of a given size, so L1-resident or streamed from L2; and an 8-row register block that
/// reuses two weight vectors over eight broadcast rows (the GEMM micro-kernels' shape), its B panel L1-resident. Then each
/// dense streaming model's <c>Step</c> and the reference model's batch-1 step beside the streaming rate for their W_hh.
/// A diagnostic for the closing notes, not a published row.
/// </summary>
public static class Roofline
{
    private const int Accumulators = 16;

    /// <summary>Prints the ceilings and the steps beside them.</summary>
    public static void Run()
    {
        if (!VectorMath.IsAccelerated) { Console.WriteLine("--roofline needs AVX2 + FMA."); return; }
        var fma = new FmaPeakBenchmark();
        var peak = new Probe(() => fma.FmaPeak(), FmaPeakBenchmark.FlopsPerInvoke);
        Console.WriteLine($"{ResultsReport.CpuName()}; L1d {CpuCaches.L1DataBytes >> 10} KiB, L2 {CpuCaches.L2Bytes >> 10} KiB");
        Console.WriteLine("Ceilings: medians over 15 rounds, each round timing every kernel one after the other, so a shared host's drift");
        Console.WriteLine("cancels in the ratios to the peak.");
        int[] kib = [4, 16, 64, 256];
        var probes = new List<Probe> { peak, Blocked() };
        probes.AddRange(kib.Select(k => Streaming(k << 10, alternate: false)));
        probes.AddRange(kib.Select(k => Streaming(k << 10, alternate: true)));
        var (times, ofFirst) = Interleaved(probes);
        double peakGflops = peak.Flops / times[0] / 1e9;
        Console.WriteLine($"{FmaPeakBenchmark.IsaName} register-only FMA peak: {peakGflops:F1} GFLOP/s");
        Console.WriteLine($"8-row register block, B from L1 (the GEMM kernels' shape): {probes[1].Flops / times[1] / 1e9,6:F1} GFLOP/s = {Share(1):P0} of peak");
        for (int i = 0; i < kib.Length; i++)
        {
            int first = i + 2, back = i + 2 + kib.Length;
            Console.WriteLine($"matrix-vector, each weight read once, {kib[i],3} KiB of weights: {probes[first].Flops / times[first] / 1e9,6:F1} GFLOP/s = {Share(first),4:P0} of peak passing first to last, {probes[back].Flops / times[back] / 1e9,6:F1} = {Share(back),4:P0} alternating");
        }
        double Share(int i) => probes[i].Flops / peak.Flops / ofFirst[i];

        Console.WriteLine("Steps beside the matrix-vector product over their W_hh alone, read once per step as the step reads it:");
        var dense = new DenseStepBenchmarks();
        dense.Setup();
        // Each call steps 100 samples (DenseStepBenchmarks' OperationsPerInvoke).
        StepRow("dense H 8, Step", 8, () => dense.Dense_Step_H8(), 100);
        StepRow("dense H 16, Step", 16, () => dense.Dense_Step_H16(), 100);
        StepRow("dense H 32, Step", 32, () => dense.Dense_Step_H32(), 100);
        StepRow("dense H 64, Step", 64, () => dense.Dense_Step_H64(), 100);
        var reference = new ReferenceModel { UseFoldedEmbedding = true };
        int[] tokens = new int[ReferenceModel.SequenceLength];
        var rng = new Random(1);
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(1, ReferenceModel.VocabularySize);
        StepRow("reference, batch-1 Predict, per step", ReferenceModel.HiddenSize, () => reference.Predict(tokens), ReferenceModel.SequenceLength);

        void StepRow(string name, int hidden, Action run, int steps)
        {
            // 20 calls per timed sample, so a sample is tens of microseconds at least.
            const int Calls = 20;
            steps *= Calls;
            double flops = 2.0 * 4 * hidden * hidden * steps;
            // Alternating, as the steps visit W_hh's chunks in opposite orders on alternate steps.
            var stream = Streaming(4 * hidden * hidden * sizeof(float), alternate: true, steps);
            Action once = run;
            run = () => { for (int c = 0; c < Calls; c++) once(); };
            // Each timed alone after a second of warm-up, not interleaved: heavy 512-bit FMAs (the peak and streaming
            // kernels) can lower the clock for a while after them, which would slow a 256-bit step that follows.
            double t = PeerRows.Median(run, 201), ts = PeerRows.Median(stream.Run, 201);
            Console.WriteLine($"  {name,-38} {t / steps * 1e9,7:F1} ns; recurrent product {flops / t / 1e9 / peakGflops,4:P0} of peak; its {4 * hidden * hidden * sizeof(float) >> 10,2} KiB of W_hh streamed alone {ts / steps * 1e9,6:F1} ns = {ts / t,4:P0} of the step");
        }
    }

    // A kernel call and the FLOPs it performs.
    private sealed record Probe(Action Run, double Flops);

    // Median time of each probe, and median over rounds of each probe's time over the first's in the same round.
    private static (double[] Times, double[] OfFirst) Interleaved(IReadOnlyList<Probe> probes, int rounds = 15)
    {
        foreach (var probe in probes) PeerRows.Median(probe.Run, 3);
        var times = new double[probes.Count][];
        for (int i = 0; i < probes.Count; i++) times[i] = new double[rounds];
        for (int r = 0; r < rounds; r++)
            for (int i = 0; i < probes.Count; i++) times[i][r] = PeerRows.Median(probes[i].Run, 5, warm: 0);
        double Median(IEnumerable<double> v) { var a = v.Order().ToArray(); return a[a.Length / 2]; }
        return (times.Select(Median).ToArray(), times.Select(t => Median(t.Select((x, r) => x / times[0][r]))).ToArray());
    }

    // The streaming product over `bytes` of weights, `passes` passes per call (by default about 4 M FLOPs), each first to
    // last, or alternate passes last to first (which finds the end of the previous pass still in L1).
    private static Probe Streaming(int bytes, bool alternate, int passes = 0)
    {
        // Whole blocks of 16 vectors, the kernel's unit, so the FLOPs counted are the FLOPs done.
        int block = Accumulators * (VectorMath.IsWideAccelerated ? Vector512<float>.Count : Vector256<float>.Count);
        int floats = Math.Max(bytes / sizeof(float) / block, 1) * block;
        var w = new AlignedFloats(floats);
        for (int i = 0; i < floats; i++) w[i] = 1e-3f * (i % 13);
        var x = new float[64];
        for (int i = 0; i < x.Length; i++) x[i] = 1e-2f * i;
        if (passes == 0) passes = Math.Max(1, (1 << 21) / floats);
        Action run = VectorMath.IsWideAccelerated
            ? () => StreamKernel<Wide, Vector512<float>>(ref w[0], floats, x, passes, alternate)
            : () => StreamKernel<Narrow, Vector256<float>>(ref w[0], floats, x, passes, alternate);
        return new Probe(run, 2.0 * floats * passes);
    }

    // The 8-row register block over an L1-resident 256-row B panel.
    private static Probe Blocked()
    {
        const int K = 256, Rows = 8, Passes = 512;
        int vectors = VectorMath.IsWideAccelerated ? Vector512<float>.Count : Vector256<float>.Count;
        var b = new AlignedFloats(K * 2 * vectors);
        for (int i = 0; i < b.Length; i++) b[i] = 1e-3f * (i % 7);
        var a = new float[K * Rows];
        for (int i = 0; i < a.Length; i++) a[i] = 1e-3f * (i % 5);
        Action run = VectorMath.IsWideAccelerated
            ? () => BlockKernel<Wide, Vector512<float>>(ref a[0], ref b[0], K, Passes)
            : () => BlockKernel<Narrow, Vector256<float>>(ref a[0], ref b[0], K, Passes);
        return new Probe(run, 2.0 * K * Rows * 2 * vectors * Passes);
    }

    // One vector width for the kernels below (static abstract members: the JIT specialises each kernel per struct).
    private interface ILanes<TV>
    {
        static abstract int Count { get; }
        static abstract TV Zero { get; }
        static abstract TV Load(ref float p, nuint at);
        static abstract TV Broadcast(float x);
        static abstract TV Fma(TV a, TV b, TV c);
        static abstract float Sum(TV a);
    }

    private readonly struct Wide : ILanes<Vector512<float>>
    {
        public static int Count => Vector512<float>.Count;
        public static Vector512<float> Zero => Vector512<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float p, nuint at) => Vector512.LoadUnsafe(ref p, at);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float x) => Vector512.Create(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
        public static float Sum(Vector512<float> a) => Vector512.Sum(a);
    }

    private readonly struct Narrow : ILanes<Vector256<float>>
    {
        public static int Count => Vector256<float>.Count;
        public static Vector256<float> Zero => Vector256<float>.Zero;
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float p, nuint at) => Vector256.LoadUnsafe(ref p, at);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float x) => Vector256.Create(x);
        [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
        public static float Sum(Vector256<float> a) => Vector256.Sum(a);
    }

    // acc_j += w[16·k + j] · x[k] for 16 accumulator vectors: every weight vector is loaded for exactly one FMA, as the
    // batch-1 step loads each W_hh vector once per step.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float StreamKernel<TL, TV>(ref float w, int floats, float[] x, int passes, bool alternate) where TL : struct, ILanes<TV> where TV : struct
    {
        TV a0 = TL.Zero, a1 = TL.Zero, a2 = TL.Zero, a3 = TL.Zero, a4 = TL.Zero, a5 = TL.Zero, a6 = TL.Zero, a7 = TL.Zero, a8 = TL.Zero, a9 = TL.Zero, a10 = TL.Zero, a11 = TL.Zero, a12 = TL.Zero, a13 = TL.Zero, a14 = TL.Zero, a15 = TL.Zero;
        nuint stride = (nuint)(Accumulators * TL.Count), blocks = (nuint)floats / stride;
        for (int pass = 0; pass < passes; pass++)
        {
            bool back = alternate && (pass & 1) != 0;
            nint step = back ? -(nint)stride : (nint)stride;
            ref float p = ref Unsafe.Add(ref w, back ? (blocks - 1) * stride : 0);
            for (nuint k = 0; k < blocks; k++)
            {
                TV b = TL.Broadcast(x[(int)(k & 63)]);
                a0 = TL.Fma(TL.Load(ref p, 0 * (nuint)TL.Count), b, a0);
                a1 = TL.Fma(TL.Load(ref p, 1 * (nuint)TL.Count), b, a1);
                a2 = TL.Fma(TL.Load(ref p, 2 * (nuint)TL.Count), b, a2);
                a3 = TL.Fma(TL.Load(ref p, 3 * (nuint)TL.Count), b, a3);
                a4 = TL.Fma(TL.Load(ref p, 4 * (nuint)TL.Count), b, a4);
                a5 = TL.Fma(TL.Load(ref p, 5 * (nuint)TL.Count), b, a5);
                a6 = TL.Fma(TL.Load(ref p, 6 * (nuint)TL.Count), b, a6);
                a7 = TL.Fma(TL.Load(ref p, 7 * (nuint)TL.Count), b, a7);
                a8 = TL.Fma(TL.Load(ref p, 8 * (nuint)TL.Count), b, a8);
                a9 = TL.Fma(TL.Load(ref p, 9 * (nuint)TL.Count), b, a9);
                a10 = TL.Fma(TL.Load(ref p, 10 * (nuint)TL.Count), b, a10);
                a11 = TL.Fma(TL.Load(ref p, 11 * (nuint)TL.Count), b, a11);
                a12 = TL.Fma(TL.Load(ref p, 12 * (nuint)TL.Count), b, a12);
                a13 = TL.Fma(TL.Load(ref p, 13 * (nuint)TL.Count), b, a13);
                a14 = TL.Fma(TL.Load(ref p, 14 * (nuint)TL.Count), b, a14);
                a15 = TL.Fma(TL.Load(ref p, 15 * (nuint)TL.Count), b, a15);
                p = ref Unsafe.Add(ref p, step);
            }
        }
        return TL.Sum(a0) + TL.Sum(a1) + TL.Sum(a2) + TL.Sum(a3) + TL.Sum(a4) + TL.Sum(a5) + TL.Sum(a6) + TL.Sum(a7) + TL.Sum(a8) + TL.Sum(a9) + TL.Sum(a10) + TL.Sum(a11) + TL.Sum(a12) + TL.Sum(a13) + TL.Sum(a14) + TL.Sum(a15);
    }

    // c_ij += a[8·p + i] · B[p, j] for 8 rows and two vectors of columns: each loaded B vector serves 8 FMAs, as in the
    // GEMM micro-kernels (A stored 8 floats per p, so the broadcasts read consecutive floats).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float BlockKernel<TL, TV>(ref float a, ref float b, int k, int passes) where TL : struct, ILanes<TV> where TV : struct
    {
        TV c00 = TL.Zero, c01 = TL.Zero, c10 = TL.Zero, c11 = TL.Zero, c20 = TL.Zero, c21 = TL.Zero, c30 = TL.Zero, c31 = TL.Zero, c40 = TL.Zero, c41 = TL.Zero, c50 = TL.Zero, c51 = TL.Zero, c60 = TL.Zero, c61 = TL.Zero, c70 = TL.Zero, c71 = TL.Zero;
        for (int pass = 0; pass < passes; pass++)
        {
            ref float pa = ref a, pb = ref b;
            for (int p = 0; p < k; p++)
            {
                TV b0 = TL.Load(ref pb, 0), b1 = TL.Load(ref pb, (nuint)TL.Count), r;
                r = TL.Broadcast(Unsafe.Add(ref pa, 0)); c00 = TL.Fma(r, b0, c00); c01 = TL.Fma(r, b1, c01);
                r = TL.Broadcast(Unsafe.Add(ref pa, 1)); c10 = TL.Fma(r, b0, c10); c11 = TL.Fma(r, b1, c11);
                r = TL.Broadcast(Unsafe.Add(ref pa, 2)); c20 = TL.Fma(r, b0, c20); c21 = TL.Fma(r, b1, c21);
                r = TL.Broadcast(Unsafe.Add(ref pa, 3)); c30 = TL.Fma(r, b0, c30); c31 = TL.Fma(r, b1, c31);
                r = TL.Broadcast(Unsafe.Add(ref pa, 4)); c40 = TL.Fma(r, b0, c40); c41 = TL.Fma(r, b1, c41);
                r = TL.Broadcast(Unsafe.Add(ref pa, 5)); c50 = TL.Fma(r, b0, c50); c51 = TL.Fma(r, b1, c51);
                r = TL.Broadcast(Unsafe.Add(ref pa, 6)); c60 = TL.Fma(r, b0, c60); c61 = TL.Fma(r, b1, c61);
                r = TL.Broadcast(Unsafe.Add(ref pa, 7)); c70 = TL.Fma(r, b0, c70); c71 = TL.Fma(r, b1, c71);
                pa = ref Unsafe.Add(ref pa, 8);
                pb = ref Unsafe.Add(ref pb, 2 * TL.Count);
            }
        }
        return TL.Sum(c00) + TL.Sum(c01) + TL.Sum(c10) + TL.Sum(c11) + TL.Sum(c20) + TL.Sum(c21) + TL.Sum(c30) + TL.Sum(c31) + TL.Sum(c40) + TL.Sum(c41) + TL.Sum(c50) + TL.Sum(c51) + TL.Sum(c60) + TL.Sum(c61) + TL.Sum(c70) + TL.Sum(c71);
    }
}
