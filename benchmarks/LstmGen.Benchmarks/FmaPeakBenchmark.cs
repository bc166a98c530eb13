using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

/// <summary>
/// Single-thread fp32 FMA peak: <see cref="Chains"/> independent FMA dependency chains, enough to cover FMA latency × FMA
/// ports on current x64 cores (4-5 cycles × 2 ports), run <see cref="Iterations"/> times. <see cref="FmaPeak"/> uses the
/// widest accelerated vectors (<see cref="Lanes"/>); <see cref="FmaPeakAvx2"/> always uses Vector256, the AVX2 peak that
/// earlier reports divided by.
/// </summary>
[MemoryDiagnoser]
public class FmaPeakBenchmark
{
    /// <summary>Independent accumulator chains in the kernel.</summary>
    public const int Chains = 12;

    /// <summary>Loop trip count of one kernel call.</summary>
    public const int Iterations = 1_000_000;

    /// <summary>fp32 lanes of the AVX2 kernel (Vector256).</summary>
    public const int Avx2Lanes = 8;

    /// <summary>FLOPs of one <see cref="FmaPeakAvx2"/> call: 2 (mul+add) · 8 lanes · chains · iterations.</summary>
    public const double Avx2FlopsPerInvoke = 2.0 * Avx2Lanes * Chains * Iterations;

    /// <summary>
    /// Whether <see cref="FmaPeak"/> runs the Vector512 kernel. Evaluated in the calling process; the benchmark processes
    /// inherit its environment (DOTNET_EnableAVX512F, DOTNET_PreferredVectorBitWidth), so they choose the same.
    /// </summary>
    public static bool UsesVector512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    /// <summary>
    /// Whether <see cref="FmaPeak"/> runs the Vector128 kernel: without AVX2 + FMA (DOTNET_EnableAVX2=0, or ARM64), where
    /// LstmGen's 128-bit path runs; its multiply-add is VectorMath.MultiplyAdd, fused only where the hardware has FMA.
    /// </summary>
    public static bool UsesVector128 => !(Fma.IsSupported && Vector256.IsHardwareAccelerated) && VectorMath.IsNarrowAccelerated;

    /// <summary>fp32 lanes of the <see cref="FmaPeak"/> kernel: 16 with AVX-512, 8 with AVX2, 4 on the 128-bit path.</summary>
    public static int Lanes => UsesVector512 ? 16 : UsesVector128 ? 4 : Avx2Lanes;

    /// <summary>The instruction set of the <see cref="FmaPeak"/> kernel, for the report: "AVX-512", "AVX2", "128-bit …".</summary>
    public static string IsaName => UsesVector512 ? "AVX-512" : UsesVector128 ? (VectorMath.IsNarrowFused ? "128-bit FMA" : "128-bit mul+add") : "AVX2";

    /// <summary>FLOPs of one <see cref="FmaPeak"/> call: 2 (mul+add) · <see cref="Lanes"/> · chains · iterations.</summary>
    public static double FlopsPerInvoke => 2.0 * Lanes * Chains * Iterations;

    [GlobalSetup]
    public void Setup()
    {
        if ((!Fma.IsSupported || !Vector256.IsHardwareAccelerated) && !UsesVector128)
            throw new PlatformNotSupportedException("FmaPeak needs AVX2 + FMA or hardware Vector128.");
    }

    /// <summary>One call of the widest kernel (<see cref="FlopsPerInvoke"/> FLOPs): the machine's peak.</summary>
    [Benchmark]
    public float FmaPeak() => UsesVector512 ? Kernel512(Iterations) : UsesVector128 ? Kernel128(Iterations) : Kernel256(Iterations);

    /// <summary>One call of the Vector256 kernel (<see cref="Avx2FlopsPerInvoke"/> FLOPs), whatever the machine supports.</summary>
    [Benchmark]
    public float FmaPeakAvx2() => Kernel256(Iterations);

    // Both kernels: a ← a·m + b converges to b/(1−m) ≈ 1, so no overflow, no denormals, and every FMA depends on the
    // previous one in its chain; distinct start values keep the JIT from merging chains, so only the 12 run in parallel.

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Kernel256(int iterations)
    {
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

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Kernel128(int iterations)
    {
        Vector128<float> m = Vector128.Create(0.9999999f);
        Vector128<float> b = Vector128.Create(1e-7f);
        Vector128<float> a0 = Vector128.Create(1.00f), a1 = Vector128.Create(1.01f), a2 = Vector128.Create(1.02f);
        Vector128<float> a3 = Vector128.Create(1.03f), a4 = Vector128.Create(1.04f), a5 = Vector128.Create(1.05f);
        Vector128<float> a6 = Vector128.Create(1.06f), a7 = Vector128.Create(1.07f), a8 = Vector128.Create(1.08f);
        Vector128<float> a9 = Vector128.Create(1.09f), a10 = Vector128.Create(1.10f), a11 = Vector128.Create(1.11f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = VectorMath.MultiplyAdd(a0, m, b);
            a1 = VectorMath.MultiplyAdd(a1, m, b);
            a2 = VectorMath.MultiplyAdd(a2, m, b);
            a3 = VectorMath.MultiplyAdd(a3, m, b);
            a4 = VectorMath.MultiplyAdd(a4, m, b);
            a5 = VectorMath.MultiplyAdd(a5, m, b);
            a6 = VectorMath.MultiplyAdd(a6, m, b);
            a7 = VectorMath.MultiplyAdd(a7, m, b);
            a8 = VectorMath.MultiplyAdd(a8, m, b);
            a9 = VectorMath.MultiplyAdd(a9, m, b);
            a10 = VectorMath.MultiplyAdd(a10, m, b);
            a11 = VectorMath.MultiplyAdd(a11, m, b);
        }
        Vector128<float> sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        return Vector128.Sum(sum);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Kernel512(int iterations)
    {
        Vector512<float> m = Vector512.Create(0.9999999f);
        Vector512<float> b = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1.00f), a1 = Vector512.Create(1.01f), a2 = Vector512.Create(1.02f);
        Vector512<float> a3 = Vector512.Create(1.03f), a4 = Vector512.Create(1.04f), a5 = Vector512.Create(1.05f);
        Vector512<float> a6 = Vector512.Create(1.06f), a7 = Vector512.Create(1.07f), a8 = Vector512.Create(1.08f);
        Vector512<float> a9 = Vector512.Create(1.09f), a10 = Vector512.Create(1.10f), a11 = Vector512.Create(1.11f);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, b);
            a1 = Avx512F.FusedMultiplyAdd(a1, m, b);
            a2 = Avx512F.FusedMultiplyAdd(a2, m, b);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, b);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, b);
            a5 = Avx512F.FusedMultiplyAdd(a5, m, b);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, b);
            a7 = Avx512F.FusedMultiplyAdd(a7, m, b);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, b);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, b);
            a10 = Avx512F.FusedMultiplyAdd(a10, m, b);
            a11 = Avx512F.FusedMultiplyAdd(a11, m, b);
        }
        Vector512<float> sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        return Vector512.Sum(sum);
    }
}
