using LstmGen.Training;

namespace LstmGen.Benchmarks;

/// <summary>
/// Where a training step's time goes (<c>--phases</c>): the reference model's one-thread step on 32 dense random rows,
/// beside its matrix products run alone with the step's shapes and leading dimensions, the Adam update and the gradient
/// clear, each timed by the peer rows' median-of-n loop in the same process, with GFLOP/s and the share of this run's
/// one-core FMA peak. What the parts leave of the whole is the rest: cell updates, scatter, packing, elementwise work.
/// A diagnostic, not a published figure (BenchmarkDotNet's rows are those).
/// </summary>
public static class TrainingPhases
{
    private const int B = BenchmarkData.Batch, T = ReferenceModel.SequenceLength;
    private const int E = ReferenceModel.EmbeddingSize, H = ReferenceModel.HiddenSize, G = ReferenceModel.GateSize, M = B * T;
    // The generated model's row stride of its packed W_hhᵀ (its private WP: GP + 16, as a row of 256 floats is 1 KiB).
    private const int Wp = G + 16;

    /// <summary>Prints one line per phase and the rest.</summary>
    public static void Run()
    {
        var fma = new FmaPeakBenchmark();
        double peak = FmaPeakBenchmark.FlopsPerInvoke / PeerRows.Median(() => fma.FmaPeak(), 15, warm: 3) / 1e9;
        var rng = new Random(1);
        int[] tokens = new int[M];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = rng.Next(1, ReferenceModel.VocabularySize);
        var targets = new float[B];
        for (int i = 0; i < B; i += 2) targets[i] = 1f;
        using var step = new TrainingStep(new ReferenceModel(seed: 1), new Adam(), threads: 1);
        double whole = PeerRows.Median(() => step.Run(tokens, targets), 30);
        Console.WriteLine($"{FmaPeakBenchmark.IsaName} one-core FMA peak {peak:F1} GFLOP/s; L1d {CpuCaches.L1DataBytes >> 10} KiB, L2 {CpuCaches.L2Bytes >> 10} KiB");
        Console.WriteLine($"training step, batch {B}, T {T}, one thread: {whole * 1e3:F2} ms");

        double parts = 0;
        void Phase(string name, double flops, Action run, int repeats = 1)
        {
            double t = PeerRows.Median(() => { for (int r = 0; r < repeats; r++) run(); }, 30, warm: 3);
            parts += t;
            string rate = flops > 0 ? $"{flops * repeats / t / 1e9,6:F1} GFLOP/s {100 * flops * repeats / t / 1e9 / peak,5:F1} % of peak" : new string(' ', 32);
            Console.WriteLine($"  {name,-44} {t * 1e3,7:F3} ms  {rate}  {100 * t / whole,5:F1} % of the step");
        }
        float[] Filled(int n) { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)rng.NextDouble() - 0.5f; return a; }
        float[] x = Filled(M * E), wihT = Filled(E * G), gates = new float[M * G], h = Filled(M * H), whhT = Filled(H * Wp),
            whh = Filled(G * H), dh = new float[B * H], gWhh = new float[H * G], gWih = new float[E * G], dx = new float[M * E], wih = Filled(G * E);
        // Forward: X·W_ihᵀ for all (step, row) pairs; per step H·W_hhᵀ. Backward: per step dZ·W_hh; then the weight
        // gradients Hᵀ·dZ and Xᵀ·dZ over all pairs, and dX = dZ·W_ih for the embedding rows.
        Phase("forward X·W_ihᵀ [3200×128]·[128×256]", 2.0 * M * E * G, () => Gemm.MultiplyAdd(M, G, E, x, E, wihT, G, gates, G));
        Phase("forward H·W_hhᵀ [32×64]·[64×256], ×100", 2.0 * B * H * G, () => Gemm.MultiplyAdd(B, G, H, h, H, whhT, Wp, gates, G), T);
        Phase("backward dZ·W_hh [32×256]·[256×64], ×100", 2.0 * B * G * H, () => Gemm.MultiplyAdd(B, H, G, gates, G, whh, H, dh, H), T);
        Phase("∂W_hhᵀ = Hᵀ·dZ [64×3200]·[3200×256]", 2.0 * H * M * G, () => Gemm.MultiplyAddTransA(H, G, M, h, H, gates, G, gWhh, G));
        Phase("∂W_ihᵀ = Xᵀ·dZ [128×3200]·[3200×256]", 2.0 * E * M * G, () => Gemm.MultiplyAddTransA(E, G, M, x, E, gates, G, gWih, G));
        Phase("dX = dZ·W_ih [3200×256]·[256×128]", 2.0 * M * G * E, () => Gemm.MultiplyAdd(M, E, G, gates, G, wih, E, dx, E));
        float[] parameters = Filled(ReferenceModel.ParameterCount), gradients = Filled(ReferenceModel.ParameterCount);
        var adam = new Adam();
        Phase($"Adam over all {ReferenceModel.ParameterCount:N0} parameters", 0, () => adam.Step(parameters, gradients));
        Phase("clearing the gradient", 0, () => gradients.AsSpan().Clear());
        Console.WriteLine($"  {"rest (cells, scatter, packing, elementwise)",-44} {(whole - parts) * 1e3,7:F3} ms  {new string(' ', 32)}  {100 * (whole - parts) / whole,5:F1} % of the step");
        // Sparse-row Adam updates the LSTM, the head and only the batch's embedding rows.
        using var lazy = new TrainingStep(new ReferenceModel(seed: 1), new Adam(lazy: true), threads: 1);
        double lazyStep = PeerRows.Median(() => lazy.Run(tokens, targets), 30);
        int distinct = tokens.Distinct().Count();
        Console.WriteLine($"the same step with new Adam(lazy: true) ({distinct:N0} of {ReferenceModel.VocabularySize:N0} embedding rows in the batch): "
            + $"{lazyStep * 1e3:F2} ms, {whole / lazyStep:F2}× the dense step");
    }
}
