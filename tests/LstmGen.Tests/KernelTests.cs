namespace LstmGen.Tests;

/// <summary>The runtime's SIMD math and GEMM against plain double-precision references.</summary>
public class KernelTests
{
    [Fact]
    public void VectorActivationsAreAccurate()
    {
        if (!VectorMath.IsAccelerated) return; // the scalar path uses MathF and is covered by the model tests
        double maxExp = 0, maxSig = 0, maxTanh = 0;
        // Every 389th float of either sign, from the smallest subnormal to the largest finite (about 11 million inputs).
        for (uint bits = 1; bits < 0x7F800000u; bits += 389)
        {
            float a = BitConverter.UInt32BitsToSingle(bits);
            foreach (float xf in (ReadOnlySpan<float>)[a, -a])
            {
                var v = System.Runtime.Intrinsics.Vector256.Create(xf);
                if (xf is > -87 and < 88)
                    maxExp = Math.Max(maxExp, Math.Abs(VectorMath.Exp(v)[0] / Math.Exp(xf) - 1));
                maxSig = Math.Max(maxSig, Math.Abs(VectorMath.Sigmoid(v)[0] - 1 / (1 + Math.Exp(-(double)xf))));
                maxTanh = Math.Max(maxTanh, Math.Abs(VectorMath.Tanh(v)[0] - Math.Tanh(xf)));
            }
        }
        // Bounds documented on VectorMath: exp relative 2e-7 (a few ulp); sigmoid absolute 2.0e-7 and tanh 3.1e-7 measured
        // over every 97th float (the rational forms' float rounding), asserted with a little margin.
        Assert.True(maxExp < 2e-7, $"exp relative error {maxExp:E2}");
        Assert.True(maxSig < 2.5e-7, $"sigmoid absolute error {maxSig:E2}");
        Assert.True(maxTanh < 3.5e-7, $"tanh absolute error {maxTanh:E2}");
        Assert.Equal(0f, VectorMath.Tanh(System.Runtime.Intrinsics.Vector256.Create(0f))[0]);
        Assert.Equal(0.5f, VectorMath.Sigmoid(System.Runtime.Intrinsics.Vector256.Create(0f))[0]);
        // Saturation: ±∞ and huge inputs give (nearly) ±1, 1 and 0; NaN stays NaN, in every width.
        foreach (float big in (ReadOnlySpan<float>)[1e30f, float.MaxValue, float.PositiveInfinity])
        {
            Assert.InRange(VectorMath.Tanh(System.Runtime.Intrinsics.Vector256.Create(big))[0], 1f - 2e-7f, 1f);
            Assert.InRange(VectorMath.Tanh(System.Runtime.Intrinsics.Vector256.Create(-big))[0], -1f, -1f + 2e-7f);
            Assert.InRange(VectorMath.Sigmoid(System.Runtime.Intrinsics.Vector256.Create(big))[0], 1f - 1e-7f, 1f);
            Assert.InRange(VectorMath.Sigmoid(System.Runtime.Intrinsics.Vector256.Create(-big))[0], 0f, 1e-7f);
        }
        Assert.True(float.IsNaN(VectorMath.Tanh(System.Runtime.Intrinsics.Vector256.Create(float.NaN))[0]));
        Assert.True(float.IsNaN(VectorMath.Sigmoid(System.Runtime.Intrinsics.Vector256.Create(float.NaN))[0]));
        Assert.True(float.IsNaN(VectorMath.Exp(System.Runtime.Intrinsics.Vector256.Create(float.NaN))[0]));
        Assert.True(float.IsNaN(VectorMath.Tanh(System.Runtime.Intrinsics.Vector128.Create(float.NaN))[0]));
        Assert.True(float.IsNaN(VectorMath.Sigmoid(System.Runtime.Intrinsics.Vector128.Create(float.NaN))[0]));
        Assert.True(float.IsNaN(VectorMath.Tanh(System.Runtime.Intrinsics.Vector512.Create(float.NaN))[0]));
        Assert.True(float.IsNaN(VectorMath.Sigmoid(System.Runtime.Intrinsics.Vector512.Create(float.NaN))[0]));
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
    [InlineData(15, 80, 7)]
    [InlineData(9, 48, 5)]
    [InlineData(19, 80, 700)]
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
    public void GemmLongSumsEqualTheSameSumInPieces()
    {
        // A long k runs in k-blocks with C carrying the running sum, so C += A·B over k = 700 equals seven calls of
        // k = 100 on consecutive slices bit for bit (both are the same FMA sequence over p for every element).
        const int m = 19, n = 80, k = 700, piece = 100;
        var rng = new Rng(11);
        float[] a = new float[m * k], b = new float[k * n], whole = new float[m * n];
        Initializers.Uniform(a, -1, 1, ref rng);
        Initializers.Uniform(b, -1, 1, ref rng);
        Initializers.Uniform(whole, -1, 1, ref rng);
        float[] pieces = (float[])whole.Clone();
        Gemm.MultiplyAdd(m, n, k, a, k, b, n, whole, n);
        for (int p0 = 0; p0 < k; p0 += piece)
            Gemm.MultiplyAdd(m, n, piece, a.AsSpan(p0), k, b.AsSpan(p0 * n), n, pieces, n);
        Assert.True(whole.AsSpan().SequenceEqual(pieces));
    }

    [Fact]
    public void GemmColumnsDoNotDependOnTheirPanel()
    {
        // With AVX-512, 32-column panels run the zmm kernels and a 16-column rest the ymm ones; every element is the
        // same FMA sequence over p, so each 16-column slice equals that slice computed alone (always ymm) bit for bit.
        const int n = 80, k = 23;
        var rng = new Rng(9);
        for (int m = 1; m <= 15; m++)
        {
            float[] a = new float[m * k], b = new float[k * n], all = new float[m * n];
            Initializers.Uniform(a, -1, 1, ref rng);
            Initializers.Uniform(b, -1, 1, ref rng);
            Initializers.Uniform(all, -1, 1, ref rng);
            float[] initial = (float[])all.Clone();
            Gemm.MultiplyAdd(m, n, k, a, k, b, n, all, n);
            for (int j = 0; j < n; j += 16)
            {
                var slice = new float[m * 16];
                for (int i = 0; i < m; i++) Array.Copy(initial, i * n + j, slice, i * 16, 16);
                Gemm.MultiplyAdd(m, 16, k, a, k, b.AsSpan(j), n, slice, 16);
                for (int i = 0; i < m; i++)
                    Assert.True(slice.AsSpan(i * 16, 16).SequenceEqual(all.AsSpan(i * n + j, 16)), $"m {m}, row {i}, columns {j}…{j + 15}");
            }
        }
    }

    [Theory]
    [InlineData(1, 32)]
    [InlineData(1, 17)]
    [InlineData(7, 64)]
    [InlineData(64, 256)]
    [InlineData(300, 48)]
    [InlineData(3, 5)]
    public void BiasRowMultiplyAdd_GivesCopyThenMultiplyAddsBits(int k, int n)
    {
        // The streaming steps' one-row product must be Predict's GEMM row bit for bit, on whichever path this process runs
        // (CI runs this with AVX-512, AVX2 and intrinsics switched off in turn).
        var rng = new Rng(k * 1000 + n);
        float[] a = Random(k, ref rng), b = Random(k * n, ref rng), bias = Random(n, ref rng);
        var expected = (float[])bias.Clone();
        Gemm.MultiplyAdd(1, n, k, a, k, b, n, expected, n);
        var actual = new float[n];
        Gemm.BiasRowMultiplyAdd(a, b, bias, actual);
        for (int j = 0; j < n; j++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[j]) == BitConverter.SingleToInt32Bits(actual[j]),
                $"column {j}: {actual[j]:R}, the GEMM gives {expected[j]:R}");
        Assert.Throws<ArgumentException>(() => Gemm.BiasRowMultiplyAdd(a, b.AsSpan(1), bias, actual));
        Assert.Throws<ArgumentException>(() => Gemm.BiasRowMultiplyAdd(a, b, bias.AsSpan(1), actual));

        static float[] Random(int count, ref Rng rng)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++) values[i] = rng.NextUniform(-1, 1);
            return values;
        }
    }

    [Fact]
    public void WideActivationsEqualTheAvx2Ones()
    {
        if (!VectorMath.IsWideAccelerated) return; // no AVX-512 here: the AVX2 path is the only vector path
        // The 16-lane forms run the same operations lane for lane as the 8-lane ones, so they agree bit for bit; the
        // 8-lane forms' accuracy is asserted above. Each vector holds 16 different inputs across [-100, 100] and specials.
        var inputs = new List<float> { 0f, -0f, 1e30f, -1e30f, float.MaxValue, float.MinValue, 88.3f, -87.3f, 1e-30f, -1e-30f };
        for (double x = -100; x <= 100; x += 0.00391) inputs.Add((float)x);
        while (inputs.Count % 16 != 0) inputs.Add(0.5f);
        float[] xs = inputs.ToArray();
        for (int i = 0; i < xs.Length; i += 16)
        {
            var wide = System.Runtime.Intrinsics.Vector512.Create(xs.AsSpan(i, 16));
            var lo = System.Runtime.Intrinsics.Vector256.Create(xs.AsSpan(i, 8));
            var hi = System.Runtime.Intrinsics.Vector256.Create(xs.AsSpan(i + 8, 8));
            AssertSame(VectorMath.Exp(wide), VectorMath.Exp(lo), VectorMath.Exp(hi), "exp", xs, i);
            AssertSame(VectorMath.Sigmoid(wide), VectorMath.Sigmoid(lo), VectorMath.Sigmoid(hi), "sigmoid", xs, i);
            AssertSame(VectorMath.Tanh(wide), VectorMath.Tanh(lo), VectorMath.Tanh(hi), "tanh", xs, i);
        }

        static void AssertSame(System.Runtime.Intrinsics.Vector512<float> wide, System.Runtime.Intrinsics.Vector256<float> lo,
            System.Runtime.Intrinsics.Vector256<float> hi, string name, float[] xs, int at)
        {
            for (int l = 0; l < 16; l++)
            {
                float expected = l < 8 ? lo[l] : hi[l - 8];
                Assert.True(BitConverter.SingleToInt32Bits(wide[l]) == BitConverter.SingleToInt32Bits(expected),
                    $"{name}({xs[at + l]:R}): 16-lane {wide[l]:R}, 8-lane {expected:R}");
            }
        }
    }

    // Every row kernel (8, 6, 4, 2, 1 rows) on A stored k×m: 9×21 takes the 16-column panels only, 19×80 the 32-column
    // ones on AVX-512 (8 + 8 + 2 + 1 rows) beside a 16-column one, 100 rows the packed path.
    [Theory]
    [InlineData(9, 21, 13)]
    [InlineData(19, 80, 37)]
    [InlineData(100, 48, 300)]
    public void GemmTransAMatchesReference(int m, int n, int k)
    {
        var rng = new Rng(5);
        float[] a = new float[k * m], b = new float[k * n], c = new float[m * n];
        Initializers.Uniform(a, -1, 1, ref rng);
        Initializers.Uniform(b, -1, 1, ref rng);
        Gemm.MultiplyAddTransA(m, n, k, a, m, b, n, c, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double acc = 0;
                for (int p = 0; p < k; p++) acc += (double)a[p * m + i] * b[p * n + j];
                Assert.True(Math.Abs(c[i * n + j] - acc) <= 1e-5 * (1 + k), $"({i}, {j}): {c[i * n + j]} vs {acc}");
            }
    }

    [Theory]
    [InlineData(1, 1, 1, 1)]
    [InlineData(8, 8, 8, 8)]
    [InlineData(7, 9, 9, 7)]
    [InlineData(16, 64, 72, 20)]     // whole blocks, with leading dimensions wider than the matrices
    [InlineData(3200, 128, 128, 3200)] // the training shape: all (step, row) pairs by the embedding size
    [InlineData(37, 33, 41, 45)]     // partial blocks on both edges
    public void TransposeMatchesAPlainLoopExactly(int rows, int cols, int lds, int ldd)
    {
        var rng = new Rng(7);
        float[] src = new float[(rows - 1) * lds + cols];
        Initializers.Uniform(src, -1, 1, ref rng);
        float[] dst = new float[(cols - 1) * ldd + rows + 3];
        dst.AsSpan().Fill(float.NaN); // floats outside the transpose must stay untouched
        Gemm.Transpose(rows, cols, src, lds, dst, ldd);
        var expected = new float[dst.Length];
        expected.AsSpan().Fill(float.NaN);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) expected[c * ldd + r] = src[r * lds + c];
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), dst.Select(BitConverter.SingleToInt32Bits));
        Assert.Throws<ArgumentException>(() => Gemm.Transpose(rows, cols, src, lds, dst.AsSpan(0, dst.Length - 4), ldd));
    }

    [Theory]
    [InlineData(20, 3, new[] { 0, 1, 2 })]          // nothing moves
    [InlineData(20, 3, new[] { 2, 5, 6, 11, 19 })]  // gaps everywhere, last row included
    [InlineData(9, 8, new[] { 1, 3, 4 })]           // unlisted rows after the last listed one
    [InlineData(4, 5, new int[0])]
    public void RowPackingMovesListedRowsAndBack(int total, int width, int[] rows)
    {
        var rng = new Rng(3);
        float[] original = new float[total * width];
        Initializers.Uniform(original, -1, 1, ref rng);
        float[] m = (float[])original.Clone();
        RowPacking.Pack(m, width, rows);
        for (int i = 0; i < rows.Length; i++)
            Assert.Equal(original.AsSpan(rows[i] * width, width).ToArray(), m.AsSpan(i * width, width).ToArray());
        float[] kept = (float[])m.Clone();
        RowPacking.Unpack(m, width, rows, clearOthers: false);
        float[] cleared = (float[])kept.Clone();
        RowPacking.Unpack(cleared, width, rows, clearOthers: true);
        int end = rows.Length == 0 ? 0 : rows[^1] + 1;
        for (int r = 0; r < total; r++)
        {
            int i = Array.IndexOf(rows, r);
            float[] want = i >= 0 ? kept.AsSpan(i * width, width).ToArray()
                : r < end ? new float[width] : kept.AsSpan(r * width, width).ToArray();
            Assert.Equal(want, cleared.AsSpan(r * width, width).ToArray());
            if (i >= 0) Assert.Equal(want, m.AsSpan(r * width, width).ToArray());
        }
        Assert.Throws<ArgumentException>(() => RowPacking.Pack(m, width, [3, 3]));
        Assert.Throws<ArgumentException>(() => RowPacking.Unpack(m, width, [total], clearOthers: true));
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

/// <summary>The 64-byte-aligned buffers the generated kernels stream weights from.</summary>
public class AlignedFloatsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(16384)]
    [InlineData(100_000)]
    public void ElementZeroIsOnA64ByteBoundaryAndTheBufferIsZeroed(int length)
    {
        for (int attempt = 0; attempt < 20; attempt++)
        {
            var buffer = new AlignedFloats(length);
            Assert.Equal(length, buffer.Length);
            Assert.InRange(buffer.Offset, 0, 15);
            Assert.True(buffer.Array.Length >= buffer.Offset + length);
            // The array is on the pinned object heap, so its address is stable.
            long address = System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(buffer.Array, buffer.Offset);
            Assert.Equal(0, address % AlignedFloats.Alignment);
            if (length > 0) Assert.All(buffer.AsSpan(0, length).ToArray(), x => Assert.Equal(0f, x));
            _ = new float[attempt * 3 + 1]; // shift later allocations
        }
    }

    [Fact]
    public void IndexingIsBoundsCheckedAgainstTheLogicalLength()
    {
        var buffer = new AlignedFloats(10);
        buffer[9] = 3f;
        Assert.Equal(3f, buffer.Array[buffer.Offset + 9]);
        Assert.Throws<IndexOutOfRangeException>(() => buffer[10]);
        Assert.Throws<IndexOutOfRangeException>(() => buffer[-1]);
        Assert.Throws<IndexOutOfRangeException>(() => buffer.AsSpan(5, 6));
        Assert.Equal(5, buffer.AsSpan(5, 5).Length);
    }
}
