using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

/// <summary>
/// Single-thread fp32 FMA peak: <see cref="Chains"/> independent Vector256 FMA dependency chains, enough to cover
/// FMA latency × FMA ports on current x64 cores (4-5 cycles × 2 ports), run <see cref="Iterations"/> times.
/// </summary>
[MemoryDiagnoser]
public class FmaPeakBenchmark
{
    /// <summary>Independent accumulator chains in the kernel.</summary>
    public const int Chains = 12;

    /// <summary>Loop trip count of one kernel call.</summary>
    public const int Iterations = 1_000_000;

    /// <summary>FLOPs of one call: 2 (mul+add) · 8 lanes · chains · iterations.</summary>
    public const double FlopsPerInvoke = 2.0 * 8 * Chains * Iterations;

    [GlobalSetup]
    public void Setup()
    {
        if (!Fma.IsSupported || !Vector256.IsHardwareAccelerated)
            throw new PlatformNotSupportedException("FmaPeak needs AVX2 + FMA.");
    }

    /// <summary>One kernel call (<see cref="FlopsPerInvoke"/> FLOPs).</summary>
    [Benchmark]
    public float FmaPeak() => Kernel(Iterations);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Kernel(int iterations)
    {
        // a ← a·m + b converges to b/(1−m) ≈ 1: no overflow, no denormals, and every FMA depends on the previous one
        // in its chain, so only the 12 chains run in parallel.
        Vector256<float> m = Vector256.Create(0.9999999f);
        Vector256<float> b = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1.00f), a1 = Vector256.Create(1.01f), a2 = Vector256.Create(1.02f);
        Vector256<float> a3 = Vector256.Create(1.03f), a4 = Vector256.Create(1.04f), a5 = Vector256.Create(1.05f);
        Vector256<float> a6 = Vector256.Create(1.06f), a7 = Vector256.Create(1.07f), a8 = Vector256.Create(1.08f);
        Vector256<float> a9 = Vector256.Create(1.09f), a10 = Vector256.Create(1.10f), a11 = Vector256.Create(1.11f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, b);
            a1 = Fma.MultiplyAdd(a1, m, b);
            a2 = Fma.MultiplyAdd(a2, m, b);
            a3 = Fma.MultiplyAdd(a3, m, b);
            a4 = Fma.MultiplyAdd(a4, m, b);
            a5 = Fma.MultiplyAdd(a5, m, b);
            a6 = Fma.MultiplyAdd(a6, m, b);
            a7 = Fma.MultiplyAdd(a7, m, b);
            a8 = Fma.MultiplyAdd(a8, m, b);
            a9 = Fma.MultiplyAdd(a9, m, b);
            a10 = Fma.MultiplyAdd(a10, m, b);
            a11 = Fma.MultiplyAdd(a11, m, b);
        }
        Vector256<float> sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        return Vector256.Sum(sum);
    }
}
