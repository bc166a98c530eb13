using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LstmGen;

/// <summary>The vector width the generated and runtime kernels run at in this process.</summary>
public enum KernelPath
{
    /// <summary>The exact scalar loops (no usable SIMD: for example <c>DOTNET_EnableHWIntrinsic=0</c>).</summary>
    Scalar = 0,

    /// <summary>128-bit vectors, 4 floats: SSE4.1/AVX without AVX2 on x64, AdvSimd (NEON) on ARM64.</summary>
    Vector128 = 128,

    /// <summary>256-bit vectors, 8 floats: AVX2 + FMA.</summary>
    Vector256 = 256,

    /// <summary>512-bit vectors, 16 floats: AVX-512F (with AVX2 + FMA for the 8-float tails).</summary>
    Vector512 = 512,
}

/// <summary>
/// Which kernel path runs, so a slow deployment is visible: the vector width, the instruction set behind it, whether the
/// vectors use fused multiply-add, and whether a model's inference reads its folded embedding table. The answer is fixed
/// for the life of the process (the JIT, or NativeAOT at publish time, decides it; <c>DOTNET_EnableAVX512=0</c>,
/// <c>DOTNET_EnableAVX2=0</c> and <c>DOTNET_EnableHWIntrinsic=0</c> step it down).
/// </summary>
public static class KernelInfo
{
    /// <summary>The widest kernel path this process runs.</summary>
    public static KernelPath Current =>
        VectorMath.IsWideAccelerated ? KernelPath.Vector512
        : VectorMath.IsAccelerated ? KernelPath.Vector256
        : VectorMath.IsNarrowAccelerated ? KernelPath.Vector128
        : KernelPath.Scalar;

    /// <summary>Bits per vector of <see cref="Current"/>: 512, 256, 128, or 0 on the scalar path.</summary>
    public static int VectorBits => (int)Current;

    /// <summary>Floats per vector of <see cref="Current"/> (1 on the scalar path).</summary>
    public static int Lanes => Current == KernelPath.Scalar ? 1 : (int)Current / 32;

    /// <summary>
    /// Whether the vector kernels round a·b + c once (hardware FMA). Always true on the 256- and 512-bit paths; on the
    /// 128-bit path true with ARM64 AdvSimd or x64 FMA3, false on x64 CPUs without FMA (multiply, then add).
    /// </summary>
    public static bool FusedMultiplyAdd => Current switch
    {
        KernelPath.Scalar => false,
        KernelPath.Vector128 => VectorMath.IsNarrowFused,
        _ => true,
    };

    /// <summary>The instruction set behind <see cref="Current"/>: "AVX-512F + FMA", "AVX2 + FMA", "AdvSimd", "SSE4.1", "none", ….</summary>
    public static string InstructionSet => Current switch
    {
        KernelPath.Vector512 => "AVX-512F + FMA",
        KernelPath.Vector256 => "AVX2 + FMA",
        KernelPath.Vector128 when AdvSimd.IsSupported => "AdvSimd",
        KernelPath.Vector128 when Fma.IsSupported => "AVX + FMA",
        KernelPath.Vector128 when Avx.IsSupported => "AVX",
        KernelPath.Vector128 => "SSE4.1",
        _ => "none",
    };

    /// <summary>True when this process is NativeAOT-compiled (its instruction set was fixed at publish time).</summary>
    public static bool IsNativeAot => !RuntimeFeature.IsDynamicCodeSupported;

    /// <summary>
    /// Whether <paramref name="model"/>'s inference reads its folded embedding table (<see cref="ISequenceModel.UseFoldedEmbedding"/>;
    /// false for models that have none).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public static bool IsFolded(ISequenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.UseFoldedEmbedding;
    }

    /// <summary>
    /// One line for a log or a sample's first output, e.g.
    /// <c>LstmGen kernels: Vector256 (8 floats, AVX2 + FMA), X64, JIT, L1d 32 KiB, L2 1024 KiB</c> (the per-core caches the
    /// kernels block for); a scalar path says that it is slow.
    /// </summary>
    public static string Describe()
    {
        string path = Current == KernelPath.Scalar
            ? "scalar (no usable SIMD: expect several times slower)"
            : $"{Current} ({Lanes} floats, {InstructionSet}{(FusedMultiplyAdd ? "" : ", no FMA")})";
        return $"LstmGen kernels: {path}, {RuntimeInformation.ProcessArchitecture}, {(IsNativeAot ? "NativeAOT" : "JIT")}, " +
            $"L1d {CpuCaches.L1DataBytes >> 10} KiB, L2 {CpuCaches.L2Bytes >> 10} KiB";
    }

    /// <summary><see cref="Describe()"/> plus whether <paramref name="model"/> runs folded.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    public static string Describe(ISequenceModel model)
        => $"{Describe()}, folded embedding table {(IsFolded(model) ? "on" : "off")}";
}
