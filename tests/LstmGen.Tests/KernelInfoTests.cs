using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using LstmGen.Tests.Models;

namespace LstmGen.Tests;

/// <summary>
/// KernelInfo reports the path the kernels take. CI runs this project by default and with DOTNET_EnableAVX512=0,
/// DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0, so each switch's effect on the report is checked where it is set.
/// </summary>
public sealed class KernelInfoTests
{
    private static bool Off(string variable) => Environment.GetEnvironmentVariable(variable) == "0";

    [Fact]
    public void Current_FollowsTheEnvironmentSwitches()
    {
        KernelPath path = KernelInfo.Current;
        if (Off("DOTNET_EnableHWIntrinsic")) Assert.Equal(KernelPath.Scalar, path);
        if (Off("DOTNET_EnableAVX2")) Assert.True(path < KernelPath.Vector256, $"AVX2 is off but the path is {path}");
        if (Off("DOTNET_EnableAVX512")) Assert.True(path < KernelPath.Vector512, $"AVX-512 is off but the path is {path}");
        // Without AVX2, x64 (SSE4.1) takes the 128-bit path; .NET 10 switches FMA off with AVX2, so it multiplies, then adds.
        if (Off("DOTNET_EnableAVX2") && !Off("DOTNET_EnableHWIntrinsic") && Sse41.IsSupported)
        {
            Assert.Equal(KernelPath.Vector128, path);
            Assert.Equal(Fma.IsSupported, KernelInfo.FusedMultiplyAdd);
        }
        // The 256-bit path exactly when the hardware gives 8-float vectors with FMA (and no AVX-512).
        bool v256 = Vector256.IsHardwareAccelerated && Fma.IsSupported;
        Assert.Equal(v256, path >= KernelPath.Vector256);
        Assert.Equal(path == KernelPath.Scalar ? 1 : (int)path / 32, KernelInfo.Lanes);
        Assert.Equal((int)path, KernelInfo.VectorBits);
    }

    [Fact]
    public void Describe_NamesThePathAndTheFoldedTable()
    {
        string line = KernelInfo.Describe();
        Assert.StartsWith("LstmGen kernels: ", line);
        Assert.Contains(KernelInfo.Current == KernelPath.Scalar ? "scalar" : KernelInfo.Current.ToString(), line);
        Assert.DoesNotContain('\n', line);
        Assert.Contains("JIT", line); // the tests run under the JIT
        Assert.EndsWith($"L1d {CpuCaches.L1DataBytes >> 10} KiB, L2 {CpuCaches.L2Bytes >> 10} KiB", line);

        var model = new ReferenceModel(seed: 1) { UseFoldedEmbedding = true };
        Assert.True(KernelInfo.IsFolded(model));
        Assert.EndsWith("folded embedding table on", KernelInfo.Describe(model));
        model.UseFoldedEmbedding = false;
        Assert.False(KernelInfo.IsFolded(model));
        Assert.EndsWith("folded embedding table off", KernelInfo.Describe(model));
        Assert.Throws<ArgumentNullException>(() => KernelInfo.IsFolded(null!));
    }
}
