namespace LstmGen.Tests;

/// <summary>The runtime's SIMD math and GEMM against plain double-precision references.</summary>
public class KernelTests
{
    [Fact]
    public void VectorActivationsAreAccurate()
    {
        if (!VectorMath.IsAccelerated) return; // the scalar path uses MathF and is covered by the model tests
        double maxExp = 0, maxSig = 0, maxTanh = 0;
        for (double x = -90; x <= 90; x += 0.0037)
        {
            var v = System.Runtime.Intrinsics.Vector256.Create((float)x);
            double xf = (float)x;
            if (xf is > -87 and < 88)
                maxExp = Math.Max(maxExp, Math.Abs(VectorMath.Exp(v)[0] / Math.Exp(xf) - 1));
            maxSig = Math.Max(maxSig, Math.Abs(VectorMath.Sigmoid(v)[0] - 1 / (1 + Math.Exp(-xf))));
            maxTanh = Math.Max(maxTanh, Math.Abs(VectorMath.Tanh(v)[0] - Math.Tanh(xf)));
        }
        // Bounds documented on VectorMath: exp relative 2e-7 (a few ulp), sigmoid and tanh absolute 2e-7.
        Assert.True(maxExp < 2e-7, $"exp relative error {maxExp:E2}");
        Assert.True(maxSig < 2e-7, $"sigmoid absolute error {maxSig:E2}");
        Assert.True(maxTanh < 2e-7, $"tanh absolute error {maxTanh:E2}");
        Assert.Equal(0f, VectorMath.Tanh(System.Runtime.Intrinsics.Vector256.Create(0f))[0]);
        Assert.Equal(1f, VectorMath.Tanh(System.Runtime.Intrinsics.Vector256.Create(1e30f))[0]);
        Assert.Equal(-1f, VectorMath.Tanh(System.Runtime.Intrinsics.Vector256.Create(float.MinValue))[0]);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(6, 16, 5)]
    [InlineData(7, 17, 3)]
    [InlineData(13, 40, 9)]
    [InlineData(32, 256, 64)]
    [InlineData(100, 264, 128)]
    [InlineData(2, 16, 7)]
    [InlineData(3, 32, 4)]
    [InlineData(4, 16, 9)]
    [InlineData(5, 48, 2)]
    [InlineData(8, 16, 11)]
    [InlineData(11, 32, 6)]
    public void GemmMatchesReference(int m, int n, int k)
    {
        var rng = new Rng(m * 1000 + n * 10 + k);
        int lda = k + 3, ldb = n + 5, ldc = n + 2;
        float[] a = new float[m * lda], b = new float[k * ldb], c = new float[m * ldc];
        Initializers.Uniform(a, -1, 1, ref rng);
        Initializers.Uniform(b, -1, 1, ref rng);
        Initializers.Uniform(c, -1, 1, ref rng);
        var expected = new double[m * ldc];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                double acc = c[i * ldc + j];
                if (j < n) for (int p = 0; p < k; p++) acc += (double)a[i * lda + p] * b[p * ldb + j];
                expected[i * ldc + j] = acc;
            }
        Gemm.MultiplyAdd(m, n, k, a, lda, b, ldb, c, ldc);
        for (int i = 0; i < c.Length; i++) Assert.True(Math.Abs(c[i] - expected[i]) <= 1e-5 * (1 + k), $"element {i}: {c[i]} vs {expected[i]}");
    }

    [Fact]
    public void GemmRowsDoNotDependOnTheirRowBlock()
    {
        // Every kernel (6-, 4-, 2- and 1-row) sums over p in the same order, so each row of a 1…13-row product is
        // bit-identical to that row computed alone: batched and single-sequence paths agree exactly.
        const int n = 32, k = 19;
        var rng = new Rng(5);
        float[] a = new float[13 * k], b = new float[k * n];
        Initializers.Uniform(a, -1, 1, ref rng);
        Initializers.Uniform(b, -1, 1, ref rng);
        for (int m = 1; m <= 13; m++)
        {
            var all = new float[m * n];
            Gemm.MultiplyAdd(m, n, k, a, k, b, n, all, n);
            for (int i = 0; i < m; i++)
            {
                var alone = new float[n];
                Gemm.MultiplyAdd(1, n, k, a.AsSpan(i * k, k), k, b, n, alone, n);
                Assert.True(alone.AsSpan().SequenceEqual(all.AsSpan(i * n, n)), $"row {i} of {m}");
            }
        }
    }

    [Fact]
    public void GemmTransAMatchesReference()
    {
        var rng = new Rng(5);
        const int m = 9, n = 21, k = 13;
        float[] a = new float[k * m], b = new float[k * n], c = new float[m * n];
        Initializers.Uniform(a, -1, 1, ref rng);
        Initializers.Uniform(b, -1, 1, ref rng);
        Gemm.MultiplyAddTransA(m, n, k, a, m, b, n, c, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++) acc += (double)a[p * m + i] * b[p * n + j];
                Assert.Equal(acc, c[i * n + j], 4);
            }
    }

    [Fact]
    public void GemmRejectsSpansThatAreTooShort()
    {
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyAdd(2, 2, 2, new float[3], 2, new float[4], 2, new float[4], 2));
    }

    [Fact]
    public void RngIsStableAcrossRuns()
    {
        // Pinned values (computed independently from the SplitMix64 definition): initial weights and shuffles must
        // never change silently between library or .NET versions.
        var rng = new Rng(0);
        Assert.Equal(0x5cc60547776902baUL, rng.NextUInt64());
        Assert.Equal(0x2a4c004b6ae97d7fUL, rng.NextUInt64());
        Assert.Equal(0xcc24a91bff411214UL, new Rng(123).NextUInt64());
    }
}
