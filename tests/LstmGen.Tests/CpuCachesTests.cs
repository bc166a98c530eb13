namespace LstmGen.Tests;

/// <summary>The cache sizes the kernels block for, and that no blocking choice changes a result.</summary>
public class CpuCachesTests
{
    [Theory]
    [InlineData("48K", 48 << 10)]
    [InlineData("2048K", 2 << 20)]
    [InlineData("2M", 2 << 20)]
    [InlineData("512", 512)]
    [InlineData("", 0)]
    [InlineData("lots", 0)]
    [InlineData("-4K", 0)]
    [InlineData("4G", 0)]
    public void ParseSize_ReadsSysfsSizes(string text, int bytes) => Assert.Equal(bytes, CpuCaches.ParseSize(text));

    [Fact]
    public void Read_TakesL1DataAndL2_AndFallsBack()
    {
        string root = Path.Combine(Path.GetTempPath(), "lstmgen-caches-" + Guid.NewGuid().ToString("N"));
        try
        {
            Write(root, "index0", "1", "Data", "48K");
            Write(root, "index1", "1", "Instruction", "64K");
            Write(root, "index2", "2", "Unified", "2048K");
            Write(root, "index3", "3", "Unified", "260M");
            Assert.Equal((48 << 10, 2 << 20), CpuCaches.Read(root));
            // Nothing readable: the 32 KiB / 1 MiB defaults.
            Assert.Equal((32 << 10, 1 << 20), CpuCaches.Read(Path.Combine(root, "missing")));
        }
        finally { Directory.Delete(root, recursive: true); }

        static void Write(string root, string index, string level, string type, string size)
        {
            string dir = Directory.CreateDirectory(Path.Combine(root, index)).FullName;
            File.WriteAllText(Path.Combine(dir, "level"), level + "\n");
            File.WriteAllText(Path.Combine(dir, "type"), type + "\n");
            File.WriteAllText(Path.Combine(dir, "size"), size + "\n");
        }
    }

    [Fact]
    public void ThisMachine_ReportsPlausibleSizes()
    {
        Assert.InRange(CpuCaches.L1DataBytes, 8 << 10, 1 << 20);
        Assert.InRange(CpuCaches.L2Bytes, 64 << 10, 64 << 20);
    }

    [Theory]
    [InlineData(256, 1 << 20, 256)]   // the reference workload's 4H on a 1 MiB L2 (Zen 4): the old constant
    [InlineData(256, 2 << 20, 512)]   // a 2 MiB L2 (Intel Xeon family 6 model 207)
    [InlineData(256, 512 << 10, 128)] // a 512 KiB L2 (Zen 2)
    [InlineData(1024, 1 << 20, 64)]
    [InlineData(16, 64 << 20, 2048)]
    [InlineData(100_000, 1 << 20, 32)]
    public void KBlockRows_FillsAQuarterOfL2(int n, int l2, int rows) => Assert.Equal(rows, Gemm.KBlockRows(n, l2));

    [Theory]
    [InlineData(KernelPath.Vector256)]
    [InlineData(KernelPath.Vector128)]
    public void Blocking_ForAnyCacheSize_GivesTheSameBits(KernelPath path)
    {
        if (path == KernelPath.Vector256 && !VectorMath.IsAccelerated) return;
        if (path == KernelPath.Vector128 && !VectorMath.IsNarrowAccelerated) return;
        // A weight-gradient shape: k = T·B pairs past several k-blocks of every size tried.
        const int m = 13, n = 48, k = 3000;
        var rng = new Rng(17);
        float[] a = new float[m * k], b = new float[k * n];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextUniform(-1, 1);
        for (int i = 0; i < b.Length; i++) b[i] = rng.NextUniform(-1, 1);
        float[]? first = null;
        foreach (int l2 in (ReadOnlySpan<int>)[256 << 10, 512 << 10, 1 << 20, 2 << 20, 64 << 20])
        {
            var c = new float[m * n];
            Gemm.MultiplyAddOn(path, m, n, k, a, k, b, n, c, n, l2);
            if (first is null) { first = c; continue; }
            for (int i = 0; i < c.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(first[i]) == BitConverter.SingleToInt32Bits(c[i]),
                    $"L2 {l2} B, element {i}: {c[i]:R} against {first[i]:R}");
        }
    }
    // Shapes on both sides of the row counts from which B is packed (96; 48 for a sum over k ≥ 1024, as a weight
    // gradient's), with a column tail, a k past several k-blocks and an A read down its columns (transA) or along its rows.
    public static TheoryData<KernelPath, int, int, int, bool> PackShapes()
    {
        var data = new TheoryData<KernelPath, int, int, int, bool>();
        foreach (var path in new[] { KernelPath.Vector256, KernelPath.Vector128, KernelPath.Scalar })
            foreach (var (m, n, k) in new[] { (95, 48, 70), (96, 48, 70), (200, 72, 1100), (130, 256, 300), (47, 40, 1024), (48, 40, 1024), (64, 32, 1100) })
                foreach (bool transA in new[] { false, true })
                    data.Add(path, m, n, k, transA);
        return data;
    }

    // Packing B, the L1 and L2 sizes that set its panels and chunks, and reading A transposed in place never change a
    // bit: every element is the same FMA sequence over p as the row computed alone (one row never packs) from a
    // row-major copy of A.
    [Theory]
    [MemberData(nameof(PackShapes))]
    public void Packing_CacheSizes_AndTransA_GiveTheBitsOfOneRowAtATime(KernelPath path, int m, int n, int k, bool transA)
    {
        if (path == KernelPath.Vector256 && !VectorMath.IsAccelerated) return;
        if (path == KernelPath.Vector128 && !VectorMath.IsNarrowAccelerated) return;
        var rng = new Rng(m * 7 + n * 3 + k);
        float[] a = new float[m * k], b = new float[k * n], c0 = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextUniform(-1, 1);
        for (int i = 0; i < b.Length; i++) b[i] = rng.NextUniform(-1, 1);
        for (int i = 0; i < c0.Length; i++) c0[i] = rng.NextUniform(-1, 1);
        // The row-major A (m×k) the transposed one (k×m) stands for.
        float[] aT = new float[k * m];
        Gemm.Transpose(m, k, a, k, aT, m);
        var expected = (float[])c0.Clone();
        for (int i = 0; i < m; i++)
            Gemm.MultiplyAddOn(path, 1, n, k, a.AsSpan(i * k, k), k, b, n, expected.AsSpan(i * n, n), n);
        foreach (int l1 in (ReadOnlySpan<int>)[32 << 10, 48 << 10, 80 << 10])
            foreach (int l2 in (ReadOnlySpan<int>)[256 << 10, 2 << 20])
            {
                var c = (float[])c0.Clone();
                if (transA) Gemm.MultiplyAddOn(path, m, n, k, aT, m, b, n, c, n, l2, transA: true, l1Bytes: l1);
                else Gemm.MultiplyAddOn(path, m, n, k, a, k, b, n, c, n, l2, l1Bytes: l1);
                for (int i = 0; i < c.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(c[i]),
                        $"{path} {m}×{n}×{k} transA {transA}, L1 {l1} B, L2 {l2} B, C[{i / n},{i % n}]: {c[i]:R}, one row at a time {expected[i]:R}");
            }
    }
}
