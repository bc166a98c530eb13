using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen;

/// <summary>
/// Single-precision matrix products on row-major spans with explicit leading dimensions. The AVX2 path is a
/// register-blocked micro-kernel: 6 rows of A × 16 columns of B held in 12 accumulators, so every loaded B vector
/// feeds six FMAs and every broadcast A element two. The 128-bit path (x64 without AVX2, ARM64 AdvSimd) runs the same
/// tiles 8 columns wide in 2 four-float vectors per row, over the same columns and in the same order over p, so with
/// fused multiply-add it gives the 256-bit path's bits.
/// </summary>
public static class Gemm
{
    private const int Mr = 6;
    private const int Nr = 16;
    private const int WideNr = 32;
    private const int NarrowNr = 8;
    // Rows of B per k-block: as many rows of an n-float-wide B as fill a quarter of this core's L2 (256 rows of a
    // 256-float B in a 1 MiB L2), a power of two in [32, 2048]. Blocking never changes a result (see MultiplyAddOn).
    internal static int KBlockRows(int n, int l2Bytes)
    {
        long rows = l2Bytes / 4 / (4L * Math.Max(n, 1));
        return (int)Math.Clamp(1L << BitOperations.Log2((ulong)Math.Max(rows, 1)), 32, 2048);
    }

    /// <summary>C[m×n] += A[m×k] · B[k×n] (row-major, leading dimensions lda, ldb, ldc).</summary>
    /// <remarks>
    /// A is only read, so its rows may overlap (<paramref name="lda"/> &lt; <paramref name="k"/>, at least 1): row i is the
    /// k floats from i·lda. That is how a 1-D convolution reads its sliding windows (im2col) without copying them.
    /// </remarks>
    public static void MultiplyAdd(int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
    {
        MultiplyAddOn(VectorMath.IsAccelerated ? KernelPath.Vector256 : VectorMath.IsNarrowAccelerated ? KernelPath.Vector128 : KernelPath.Scalar,
            m, n, k, a, lda, b, ldb, c, ldc, CpuCaches.L2Bytes, l1Bytes: CpuCaches.L1DataBytes);
    }

    /// <summary>
    /// c = bias + a·B for one row a of k = a.Length floats and B[k×n] (n = c.Length, row-major, ldb = n): the bits of copying
    /// bias into c, then <see cref="MultiplyAdd"/>(1, n, k, a, k, B, n, c, n), without its dispatch and block loops. A
    /// streaming step runs one such row per layer and step, where that overhead costs as much as a small cell.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BiasRowMultiplyAdd(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c)
    {
        int k = a.Length, n = c.Length;
        if (bias.Length < n || b.Length < (long)k * n) ThrowHelper.RowProductTooShort(bias.Length, b.Length, k, n);
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float pbias = ref MemoryMarshal.GetReference(bias);
        ref float pc = ref MemoryMarshal.GetReference(c);
        // Each element is bias + Σ_p a[p]·B[p, j] in p order: the vector paths' one-row kernels on whole 16-column panels
        // (started from the bias instead of c; the widths agree), then element by element, unfused, as MultiplyAdd's
        // column tail and its scalar path.
        nuint j = 0, nFull = VectorMath.IsAccelerated || VectorMath.IsNarrowAccelerated ? (nuint)(n - n % Nr) : 0;
        if (VectorMath.IsAccelerated)
            for (; j < nFull; j += Nr)
                Kernel1x16(k, ref pa, 1, ref Unsafe.Add(ref pb, j), n, ref Unsafe.Add(ref pbias, j), ref Unsafe.Add(ref pc, j));
        else if (VectorMath.IsNarrowAccelerated)
            for (; j < nFull; j += NarrowNr)
                Kernel1x8(k, ref pa, 1, ref Unsafe.Add(ref pb, j), n, ref Unsafe.Add(ref pbias, j), ref Unsafe.Add(ref pc, j));
        for (; j < (nuint)n; j++)
        {
            float acc = Unsafe.Add(ref pbias, j);
            for (nuint p = 0; p < (nuint)k; p++) acc += Unsafe.Add(ref pa, p) * Unsafe.Add(ref pb, p * (nuint)n + j);
            Unsafe.Add(ref pc, j) = acc;
        }
    }

    // MultiplyAdd on a given path (Vector256 means the widest of 256 and 512), checked; tests run the 128-bit path here
    // beside the 256-bit one on the same inputs. With transA, A is stored k×m (element (i, p) at p·lda + i), else m×k.
    internal static void MultiplyAddOn(KernelPath path, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc, int l2Bytes = 1 << 20, bool transA = false,
        int l1Bytes = 32 << 10)
    {
        int kBlock = KBlockRows(n, l2Bytes);
        if (m == 0 || n == 0 || k == 0) return;
        if (transA) CheckExtent(a.Length, k, m, lda, nameof(a));
        else CheckExtent(a.Length, m, k, lda, nameof(a), overlappingRows: true);
        CheckExtent(b.Length, k, n, ldb, nameof(b));
        CheckExtent(c.Length, m, n, ldc, nameof(c));
        ref float pa = ref MemoryMarshal.GetReference(a);
        ref float pb = ref MemoryMarshal.GetReference(b);
        ref float pc = ref MemoryMarshal.GetReference(c);
        // A's element (i, p) is at i·ars + p·aps.
        nuint ars = transA ? 1 : (nuint)lda, aps = transA ? (nuint)lda : 1;
        if (path == KernelPath.Scalar)
        {
            MultiplyAddScalar(m, n, k, ref pa, ars, aps, ref pb, ldb, ref pc, ldc);
            return;
        }
        // Long sums (weight gradients over all T·B pairs) run in blocks of kBlock rows of B: a block of B stays in L2 while
        // every row block of A passes over it, instead of all of B streaming from L3 once per row block. C keeps its
        // running sum between blocks, so each element is the same FMA sequence over p as without blocking.
        bool pack = m >= PackMinRows || (m >= LongSumMinRows && k >= LongSumDepth);
        for (int p0 = 0; p0 < k; p0 += kBlock)
        {
            int kc = Math.Min(kBlock, k - p0);
            ref float ap0 = ref Unsafe.Add(ref pa, (nuint)p0 * aps);
            ref float bp0 = ref Unsafe.Add(ref pb, (nint)p0 * ldb);
            if (path == KernelPath.Vector128) MultiplyAddBlock128(m, n, kc, ref ap0, ars, aps, ref bp0, ldb, ref pc, ldc);
            else MultiplyAddBlock(m, n, kc, ref ap0, ars, aps, ref bp0, ldb, ref pc, ldc, l1Bytes, l2Bytes, pack);
        }
    }

    private static void MultiplyAddScalar(int m, int n, int k, ref float pa, nuint ars, nuint aps, ref float pb, int ldb, ref float pc, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
            {
                float av = Unsafe.Add(ref pa, (nuint)i * ars + (nuint)p * aps);
                for (int j = 0; j < n; j++)
                    Unsafe.Add(ref pc, i * ldc + j) += av * Unsafe.Add(ref pb, p * ldb + j);
            }
    }

    // Columns past the last whole 16-column panel, element by element and unfused, as the scalar path.
    private static void ColumnTail(int m, int n, int k, int nFull, ref float pa, nuint ars, nuint aps, ref float pb, int ldb, ref float pc, int ldc)
    {
        if (nFull == n) return;
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++)
            {
                float av = Unsafe.Add(ref pa, (nuint)i * ars + (nuint)p * aps);
                for (int j = nFull; j < n; j++)
                    Unsafe.Add(ref pc, i * ldc + j) += av * Unsafe.Add(ref pb, p * ldb + j);
            }
    }

    // Rows from which B's whole panels are first copied into one contiguous buffer (see MultiplyAddBlock); a long sum (a
    // weight gradient over all T·B pairs) packs from LongSumMinRows, since every row block would otherwise stream its
    // strided panel of LongSumDepth or more rows from L2.
    private const int PackMinRows = 96, LongSumMinRows = 48, LongSumDepth = 1024;

    [ThreadStatic] private static float[]? t_packedB;

    // C[m×n] += A·B[k×n] on the vector path, k ≤ the k-block. Every kernel sums each element over p in the same FMA order,
    // so neither the panel width, the row block a row falls in, nor the loop order changes a result.
    private static void MultiplyAddBlock(int m, int n, int k, ref float pa, nuint ars, nuint aps, ref float pb, int ldb, ref float pc, int ldc, int l1Bytes, int l2Bytes, bool pack)
    {
        int nFull = n - n % Nr;
        // AVX-512: 32-column panels (8-row blocks, 16 zmm accumulators), then 16-column panels for the rest.
        int nWide = VectorMath.IsWideAccelerated ? n - n % WideNr : 0;
        if (pack && nFull > 0)
        {
            // Many rows: B is copied, kc rows at a time, into contiguous kc×width panels (a strided panel of a B whose row
            // length is a power of two falls into a few L1 sets), kc such that a 32-wide panel fills half of L1. Then, for
            // row chunks of A that fill a quarter of L2, panels outermost: the panel stays in L1 while the chunk's row
            // blocks pass, and A is read from memory once per k-block, not once per panel.
            int kc = Math.Max(32, l1Bytes / 2 / (4 * WideNr) / 32 * 32);
            int chunk = Math.Max(24, l2Bytes / 4 / (4 * kc) / 24 * 24);
            float[] packed = t_packedB is { } t && t.Length >= kc * nFull ? t : t_packedB = new float[kc * nFull];
            ref float pp = ref MemoryMarshal.GetArrayDataReference(packed);
            for (int p0 = 0; p0 < k; p0 += kc)
            {
                int kp = Math.Min(kc, k - p0);
                ref float bp = ref Unsafe.Add(ref pb, (nint)p0 * ldb);
                ref float ap = ref Unsafe.Add(ref pa, (nuint)p0 * aps);
                // Panel [j0, j0 + w) is kp rows of w floats at j0·kp.
                for (int j0 = 0; j0 < nWide; j0 += WideNr) PackPanel(kp, WideNr, ref Unsafe.Add(ref bp, j0), ldb, ref Unsafe.Add(ref pp, (nint)j0 * kp));
                for (int j0 = nWide; j0 < nFull; j0 += Nr) PackPanel(kp, Nr, ref Unsafe.Add(ref bp, j0), ldb, ref Unsafe.Add(ref pp, (nint)j0 * kp));
                for (int i0 = 0; i0 < m; i0 += chunk)
                {
                    int rows = Math.Min(chunk, m - i0);
                    ref float ai = ref Unsafe.Add(ref ap, (nuint)i0 * ars);
                    ref float ci = ref Unsafe.Add(ref pc, (nint)i0 * ldc);
                    for (int j0 = 0; j0 < nWide; j0 += WideNr)
                        WidePanel(rows, kp, ref ai, ars, aps, ref Unsafe.Add(ref pp, (nint)j0 * kp), WideNr, ref Unsafe.Add(ref ci, j0), ldc);
                    for (int j0 = nWide; j0 < nFull; j0 += Nr)
                        Panel(rows, kp, ref ai, ars, aps, ref Unsafe.Add(ref pp, (nint)j0 * kp), Nr, ref Unsafe.Add(ref ci, j0), ldc);
                }
            }
        }
        else
        {
            // Few rows: column panels outermost, read in place; a k×width panel of B stays in L1 while the row blocks pass.
            for (int j0 = 0; j0 < nWide; j0 += WideNr)
                WidePanel(m, k, ref pa, ars, aps, ref Unsafe.Add(ref pb, j0), ldb, ref Unsafe.Add(ref pc, j0), ldc);
            for (int j0 = nWide; j0 < nFull; j0 += Nr)
                Panel(m, k, ref pa, ars, aps, ref Unsafe.Add(ref pb, j0), ldb, ref Unsafe.Add(ref pc, j0), ldc);
        }
        ColumnTail(m, n, k, nFull, ref pa, ars, aps, ref pb, ldb, ref pc, ldc);
    }

    private static void PackPanel(int k, int w, ref float b, int ldb, ref float dst)
    {
        for (int p = 0; p < k; p++)
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, (nint)p * ldb), w).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref dst, p * w), w));
    }

    // Rows [0, m) of one 32-column panel: blocks of 8, then 4, 2, 1.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WidePanel(int m, int k, ref float pa, nuint ars, nuint aps, ref float bj, int ldb, ref float cj, int ldc)
    {
        int lda = (int)ars;
        int i = 0;
        while (i < m)
        {
            int rest = m - i;
            ref float ai = ref Unsafe.Add(ref pa, (nuint)i * ars);
            ref float cij = ref Unsafe.Add(ref cj, i * ldc);
            if (rest >= 8) { Kernel8x32(k, ref ai, lda, aps, ref bj, ldb, ref cij, ldc); i += 8; }
            else if (rest >= 4) { Kernel4x32(k, ref ai, lda, aps, ref bj, ldb, ref cij, ldc); i += 4; }
            else if (rest >= 2) { Kernel2x32(k, ref ai, lda, aps, ref bj, ldb, ref cij, ldc); i += 2; }
            else { Kernel1x32(k, ref ai, aps, ref bj, ldb, ref cij); i++; }
        }
    }

    // Rows [0, m) of one 16-column panel: blocks of 6, with 4- and 2-row blocks for the rest (8 left → 4 + 4, so a 32-row
    // tile is 6·4 + 4·2): the 1-row kernel has only 2 FMA chains and runs at a quarter of the 6-row kernel's rate.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Panel(int m, int k, ref float pa, nuint ars, nuint aps, ref float bj, int ldb, ref float cj, int ldc)
    {
        int lda = (int)ars;
        int i = 0;
        while (i < m)
        {
            int rest = m - i;
            ref float ai = ref Unsafe.Add(ref pa, (nuint)i * ars);
            ref float cij = ref Unsafe.Add(ref cj, i * ldc);
            if (rest >= Mr && rest != 8) { Kernel6x16(k, ref ai, lda, aps, ref bj, ldb, ref cij, ldc); i += Mr; }
            else if (rest >= 4) { Kernel4x16(k, ref ai, lda, aps, ref bj, ldb, ref cij, ldc); i += 4; }
            else if (rest >= 2) { Kernel2x16(k, ref ai, lda, aps, ref bj, ldb, ref cij, ldc); i += 2; }
            else { Kernel1x16(k, ref ai, aps, ref bj, ldb, ref cij, ref cij); i++; }
        }
    }

    // The 128-bit form of MultiplyAddBlock: the 256-bit path's columns (whole 16-column panels, the rest scalar) in 8-column
    // panels, rows in blocks of 6, 4, 2, 1 as there, so each element is the same multiply-add sequence over p.
    private static void MultiplyAddBlock128(int m, int n, int k, ref float pa, nuint ars, nuint aps, ref float pb, int ldb, ref float pc, int ldc)
    {
        int nFull = n - n % Nr, lda = (int)ars;
        for (int j = 0; j < nFull; j += NarrowNr)
        {
            int i = 0;
            while (i < m)
            {
                int rest = m - i;
                ref float ai = ref Unsafe.Add(ref pa, (nuint)i * ars);
                ref float bj = ref Unsafe.Add(ref pb, j);
                ref float cij = ref Unsafe.Add(ref pc, i * ldc + j);
                if (rest >= Mr && rest != 8) { Kernel6x8(k, ref ai, lda, aps, ref bj, ldb, ref cij, ldc); i += Mr; }
                else if (rest >= 4) { Kernel4x8(k, ref ai, lda, aps, ref bj, ldb, ref cij, ldc); i += 4; }
                else if (rest >= 2) { Kernel2x8(k, ref ai, lda, aps, ref bj, ldb, ref cij, ldc); i += 2; }
                else { Kernel1x8(k, ref ai, aps, ref bj, ldb, ref cij, ref cij); i++; }
            }
        }
        ColumnTail(m, n, k, nFull, ref pa, ars, aps, ref pb, ldb, ref pc, ldc);
    }

    /// <summary>C[m×n] += Aᵀ · B where A is stored k×m (row-major, leading dimension lda): used for weight gradients.</summary>
    /// <remarks>
    /// The same kernels as <see cref="MultiplyAdd"/>, reading A down its columns: every element of C gets the same FMA
    /// sequence over p as <see cref="Transpose"/> followed by <see cref="MultiplyAdd"/>, without the copy.
    /// </remarks>
    public static void MultiplyAddTransA(int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc)
    {
        MultiplyAddOn(VectorMath.IsAccelerated ? KernelPath.Vector256 : VectorMath.IsNarrowAccelerated ? KernelPath.Vector128 : KernelPath.Scalar,
            m, n, k, a, lda, b, ldb, c, ldc, CpuCaches.L2Bytes, transA: true, CpuCaches.L1DataBytes);
    }

    /// <summary>dst[c·ldd + r] = src[r·lds + c] for r &lt; rows, c &lt; cols: B = Aᵀ for an A of rows × cols.</summary>
    public static void Transpose(int rows, int cols, ReadOnlySpan<float> src, int lds, Span<float> dst, int ldd)
    {
        if (rows == 0 || cols == 0) return;
        CheckExtent(src.Length, rows, cols, lds, nameof(src));
        CheckExtent(dst.Length, cols, rows, ldd, nameof(dst));
        ref float ps = ref MemoryMarshal.GetReference(src);
        ref float pd = ref MemoryMarshal.GetReference(dst);
        int r8 = 0, c8 = 0;
        if (VectorMath.IsAccelerated)
        {
            // 8×8 blocks in registers; the scalar loops below take the rows and columns past the last whole block.
            r8 = rows - rows % 8;
            c8 = cols - cols % 8;
            for (int r = 0; r < r8; r += 8)
                for (int c = 0; c < c8; c += 8)
                    Transpose8x8(ref Unsafe.Add(ref ps, (nint)r * lds + c), lds, ref Unsafe.Add(ref pd, (nint)c * ldd + r), ldd);
        }
        for (int r = 0; r < rows; r++)
        {
            // Row r's columns past c8, or all of them when the row is past r8.
            for (int c = r < r8 ? c8 : 0; c < cols; c++)
                Unsafe.Add(ref pd, (nint)c * ldd + r) = Unsafe.Add(ref ps, (nint)r * lds + c);
        }
    }

    // Rows a..h of an 8×8 block become its columns: pairs interleaved (unpack), then quads (shuffle), then 128-bit halves.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(ref float s, int lds, ref float d, int ldd)
    {
        nuint ls = (nuint)lds, ld = (nuint)ldd;
        Vector256<float> a = Vector256.LoadUnsafe(ref s), b = Vector256.LoadUnsafe(ref s, ls);
        Vector256<float> c = Vector256.LoadUnsafe(ref s, 2 * ls), e = Vector256.LoadUnsafe(ref s, 3 * ls);
        Vector256<float> f = Vector256.LoadUnsafe(ref s, 4 * ls), g = Vector256.LoadUnsafe(ref s, 5 * ls);
        Vector256<float> h = Vector256.LoadUnsafe(ref s, 6 * ls), k = Vector256.LoadUnsafe(ref s, 7 * ls);
        // t0 = a0 b0 a1 b1 | a4 b4 a5 b5, t1 = a2 b2 a3 b3 | a6 b6 a7 b7, and so on for the other pairs.
        Vector256<float> t0 = Avx.UnpackLow(a, b), t1 = Avx.UnpackHigh(a, b);
        Vector256<float> t2 = Avx.UnpackLow(c, e), t3 = Avx.UnpackHigh(c, e);
        Vector256<float> t4 = Avx.UnpackLow(f, g), t5 = Avx.UnpackHigh(f, g);
        Vector256<float> t6 = Avx.UnpackLow(h, k), t7 = Avx.UnpackHigh(h, k);
        // u0 = a0 b0 c0 e0 | a4 b4 c4 e4 (column 0 of rows 0–3 | column 4), u1 columns 1 | 5, u2 2 | 6, u3 3 | 7.
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref d);
        Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref d, ld);
        Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref d, 2 * ld);
        Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref d, 3 * ld);
        Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref d, 4 * ld);
        Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref d, 5 * ld);
        Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref d, 6 * ld);
        Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref d, 7 * ld);
    }

    /// <summary>y += alpha · x.</summary>
    public static void Axpy(float alpha, ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length != y.Length) throw new ArgumentException("Spans differ in length.", nameof(y));
        ref float px = ref MemoryMarshal.GetReference(x);
        ref float py = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (VectorMath.IsAccelerated)
        {
            Vector256<float> va = Vector256.Create(alpha);
            for (; i + 8 <= x.Length; i += 8)
                Fma.MultiplyAdd(va, Vector256.LoadUnsafe(ref px, (nuint)i), Vector256.LoadUnsafe(ref py, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
        }
        // Four at a time after the eight (and alone on the 128-bit path), then one at a time, fused wherever the vectors
        // are: an element's operation depends neither on the width nor on where the span starts or ends, so a sum taken
        // over any split of the span into pieces gives the same bits.
        if (VectorMath.IsNarrowAccelerated)
        {
            Vector128<float> va = Vector128.Create(alpha);
            for (; i + 4 <= x.Length; i += 4)
                VectorMath.MultiplyAdd(va, Vector128.LoadUnsafe(ref px, (nuint)i), Vector128.LoadUnsafe(ref py, (nuint)i)).StoreUnsafe(ref py, (nuint)i);
        }
        if (VectorMath.IsNarrowFused)
            for (; i < x.Length; i++) Unsafe.Add(ref py, i) = MathF.FusedMultiplyAdd(alpha, Unsafe.Add(ref px, i), Unsafe.Add(ref py, i));
        else
            for (; i < x.Length; i++) Unsafe.Add(ref py, i) += alpha * Unsafe.Add(ref px, i);
    }

    private static void CheckExtent(int length, int rows, int cols, int ld, string name, bool overlappingRows = false)
    {
        if (overlappingRows ? ld < 1 : ld < cols)
            throw new ArgumentOutOfRangeException(name, overlappingRows ? $"Leading dimension {ld} is not positive." : $"Leading dimension {ld} is smaller than the {cols} columns.");
        if ((long)(rows - 1) * ld + cols > length) throw new ArgumentException($"A {rows}×{cols} matrix with leading dimension {ld} does not fit in {length} elements.", name);
    }

    // Every kernel walks A by one row base (two for 6 and 8 rows) and B by one pointer, each advanced one step of p; the
    // other rows sit at fixed offsets from a base. The loop then computes no addresses: the per-row address arithmetic of
    // base + row + p took about a third of the issue slots of a 5-wide front end (Intel Ice Lake), for 16 FMAs per step.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel6x16(int k, ref float a, int lda, nuint ap, ref float b, int ldb, ref float c, int ldc)
    {
        nuint l1 = (nuint)lda, l2 = 2 * l1, l3 = 3 * l1;
        nuint c1 = (nuint)ldc, c2 = 2 * c1, c3 = 3 * c1, c4 = 4 * c1, c5 = 5 * c1;
        Vector256<float> c00 = Vector256.LoadUnsafe(ref c), c01 = Vector256.LoadUnsafe(ref c, 8);
        Vector256<float> c10 = Vector256.LoadUnsafe(ref c, c1), c11 = Vector256.LoadUnsafe(ref c, c1 + 8);
        Vector256<float> c20 = Vector256.LoadUnsafe(ref c, c2), c21 = Vector256.LoadUnsafe(ref c, c2 + 8);
        Vector256<float> c30 = Vector256.LoadUnsafe(ref c, c3), c31 = Vector256.LoadUnsafe(ref c, c3 + 8);
        Vector256<float> c40 = Vector256.LoadUnsafe(ref c, c4), c41 = Vector256.LoadUnsafe(ref c, c4 + 8);
        Vector256<float> c50 = Vector256.LoadUnsafe(ref c, c5), c51 = Vector256.LoadUnsafe(ref c, c5 + 8);
        ref float a0 = ref a, a3 = ref Unsafe.Add(ref a, l3), bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref bp), b1 = Vector256.LoadUnsafe(ref bp, 8);
            Vector256<float> av = Vector256.Create(a0);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(Unsafe.Add(ref a0, l1));
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(Unsafe.Add(ref a0, l2));
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a3);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(Unsafe.Add(ref a3, l1));
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(Unsafe.Add(ref a3, l2));
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            a3 = ref Unsafe.AddByteOffset(ref a3, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 8);
        c10.StoreUnsafe(ref c, c1); c11.StoreUnsafe(ref c, c1 + 8);
        c20.StoreUnsafe(ref c, c2); c21.StoreUnsafe(ref c, c2 + 8);
        c30.StoreUnsafe(ref c, c3); c31.StoreUnsafe(ref c, c3 + 8);
        c40.StoreUnsafe(ref c, c4); c41.StoreUnsafe(ref c, c4 + 8);
        c50.StoreUnsafe(ref c, c5); c51.StoreUnsafe(ref c, c5 + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel4x16(int k, ref float a, int lda, nuint ap, ref float b, int ldb, ref float c, int ldc)
    {
        nuint l1 = (nuint)lda, l2 = 2 * l1, l3 = 3 * l1;
        nuint c1 = (nuint)ldc, c2 = 2 * c1, c3 = 3 * c1;
        Vector256<float> c00 = Vector256.LoadUnsafe(ref c), c01 = Vector256.LoadUnsafe(ref c, 8);
        Vector256<float> c10 = Vector256.LoadUnsafe(ref c, c1), c11 = Vector256.LoadUnsafe(ref c, c1 + 8);
        Vector256<float> c20 = Vector256.LoadUnsafe(ref c, c2), c21 = Vector256.LoadUnsafe(ref c, c2 + 8);
        Vector256<float> c30 = Vector256.LoadUnsafe(ref c, c3), c31 = Vector256.LoadUnsafe(ref c, c3 + 8);
        ref float a0 = ref a, bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref bp), b1 = Vector256.LoadUnsafe(ref bp, 8);
            Vector256<float> av = Vector256.Create(a0);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(Unsafe.Add(ref a0, l1));
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(Unsafe.Add(ref a0, l2));
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(Unsafe.Add(ref a0, l3));
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 8);
        c10.StoreUnsafe(ref c, c1); c11.StoreUnsafe(ref c, c1 + 8);
        c20.StoreUnsafe(ref c, c2); c21.StoreUnsafe(ref c, c2 + 8);
        c30.StoreUnsafe(ref c, c3); c31.StoreUnsafe(ref c, c3 + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel2x16(int k, ref float a, int lda, nuint ap, ref float b, int ldb, ref float c, int ldc)
    {
        nuint l1 = (nuint)lda, c1 = (nuint)ldc;
        Vector256<float> c00 = Vector256.LoadUnsafe(ref c), c01 = Vector256.LoadUnsafe(ref c, 8);
        Vector256<float> c10 = Vector256.LoadUnsafe(ref c, c1), c11 = Vector256.LoadUnsafe(ref c, c1 + 8);
        ref float a0 = ref a, bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Vector256.LoadUnsafe(ref bp), b1 = Vector256.LoadUnsafe(ref bp, 8);
            Vector256<float> av = Vector256.Create(a0);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(Unsafe.Add(ref a0, l1));
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 8);
        c10.StoreUnsafe(ref c, c1); c11.StoreUnsafe(ref c, c1 + 8);
    }

    // c = init + a·B for one row (init and c may be the same floats).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x16(int k, ref float a, nuint ap, ref float b, int ldb, ref float init, ref float c)
    {
        Vector256<float> c0 = Vector256.LoadUnsafe(ref init), c1 = Vector256.LoadUnsafe(ref init, 8);
        ref float a0 = ref a, bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector256<float> av = Vector256.Create(a0);
            c0 = Fma.MultiplyAdd(av, Vector256.LoadUnsafe(ref bp), c0);
            c1 = Fma.MultiplyAdd(av, Vector256.LoadUnsafe(ref bp, 8), c1);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c0.StoreUnsafe(ref c); c1.StoreUnsafe(ref c, 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel8x32(int k, ref float a, int lda, nuint ap, ref float b, int ldb, ref float c, int ldc)
    {
        nuint l1 = (nuint)lda, l2 = 2 * l1, l3 = 3 * l1, l4 = 4 * l1;
        nuint c1 = (nuint)ldc, c2 = 2 * c1, c3 = 3 * c1, c4 = 4 * c1, c5 = 5 * c1, c6 = 6 * c1, c7 = 7 * c1;
        Vector512<float> c00 = Vector512.LoadUnsafe(ref c), c01 = Vector512.LoadUnsafe(ref c, 16);
        Vector512<float> c10 = Vector512.LoadUnsafe(ref c, c1), c11 = Vector512.LoadUnsafe(ref c, c1 + 16);
        Vector512<float> c20 = Vector512.LoadUnsafe(ref c, c2), c21 = Vector512.LoadUnsafe(ref c, c2 + 16);
        Vector512<float> c30 = Vector512.LoadUnsafe(ref c, c3), c31 = Vector512.LoadUnsafe(ref c, c3 + 16);
        Vector512<float> c40 = Vector512.LoadUnsafe(ref c, c4), c41 = Vector512.LoadUnsafe(ref c, c4 + 16);
        Vector512<float> c50 = Vector512.LoadUnsafe(ref c, c5), c51 = Vector512.LoadUnsafe(ref c, c5 + 16);
        Vector512<float> c60 = Vector512.LoadUnsafe(ref c, c6), c61 = Vector512.LoadUnsafe(ref c, c6 + 16);
        Vector512<float> c70 = Vector512.LoadUnsafe(ref c, c7), c71 = Vector512.LoadUnsafe(ref c, c7 + 16);
        ref float a0 = ref a, a4 = ref Unsafe.Add(ref a, l4), bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref bp), b1 = Vector512.LoadUnsafe(ref bp, 16);
            Vector512<float> av = Vector512.Create(a0);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(Unsafe.Add(ref a0, l1));
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(Unsafe.Add(ref a0, l2));
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20); c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(Unsafe.Add(ref a0, l3));
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30); c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a4);
            c40 = Avx512F.FusedMultiplyAdd(av, b0, c40); c41 = Avx512F.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(Unsafe.Add(ref a4, l1));
            c50 = Avx512F.FusedMultiplyAdd(av, b0, c50); c51 = Avx512F.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(Unsafe.Add(ref a4, l2));
            c60 = Avx512F.FusedMultiplyAdd(av, b0, c60); c61 = Avx512F.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(Unsafe.Add(ref a4, l3));
            c70 = Avx512F.FusedMultiplyAdd(av, b0, c70); c71 = Avx512F.FusedMultiplyAdd(av, b1, c71);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            a4 = ref Unsafe.AddByteOffset(ref a4, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 16);
        c10.StoreUnsafe(ref c, c1); c11.StoreUnsafe(ref c, c1 + 16);
        c20.StoreUnsafe(ref c, c2); c21.StoreUnsafe(ref c, c2 + 16);
        c30.StoreUnsafe(ref c, c3); c31.StoreUnsafe(ref c, c3 + 16);
        c40.StoreUnsafe(ref c, c4); c41.StoreUnsafe(ref c, c4 + 16);
        c50.StoreUnsafe(ref c, c5); c51.StoreUnsafe(ref c, c5 + 16);
        c60.StoreUnsafe(ref c, c6); c61.StoreUnsafe(ref c, c6 + 16);
        c70.StoreUnsafe(ref c, c7); c71.StoreUnsafe(ref c, c7 + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel4x32(int k, ref float a, int lda, nuint ap, ref float b, int ldb, ref float c, int ldc)
    {
        nuint l1 = (nuint)lda, l2 = 2 * l1, l3 = 3 * l1;
        nuint c1 = (nuint)ldc, c2 = 2 * c1, c3 = 3 * c1;
        Vector512<float> c00 = Vector512.LoadUnsafe(ref c), c01 = Vector512.LoadUnsafe(ref c, 16);
        Vector512<float> c10 = Vector512.LoadUnsafe(ref c, c1), c11 = Vector512.LoadUnsafe(ref c, c1 + 16);
        Vector512<float> c20 = Vector512.LoadUnsafe(ref c, c2), c21 = Vector512.LoadUnsafe(ref c, c2 + 16);
        Vector512<float> c30 = Vector512.LoadUnsafe(ref c, c3), c31 = Vector512.LoadUnsafe(ref c, c3 + 16);
        ref float a0 = ref a, bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref bp), b1 = Vector512.LoadUnsafe(ref bp, 16);
            Vector512<float> av = Vector512.Create(a0);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(Unsafe.Add(ref a0, l1));
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(Unsafe.Add(ref a0, l2));
            c20 = Avx512F.FusedMultiplyAdd(av, b0, c20); c21 = Avx512F.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(Unsafe.Add(ref a0, l3));
            c30 = Avx512F.FusedMultiplyAdd(av, b0, c30); c31 = Avx512F.FusedMultiplyAdd(av, b1, c31);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 16);
        c10.StoreUnsafe(ref c, c1); c11.StoreUnsafe(ref c, c1 + 16);
        c20.StoreUnsafe(ref c, c2); c21.StoreUnsafe(ref c, c2 + 16);
        c30.StoreUnsafe(ref c, c3); c31.StoreUnsafe(ref c, c3 + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel2x32(int k, ref float a, int lda, nuint ap, ref float b, int ldb, ref float c, int ldc)
    {
        nuint l1 = (nuint)lda;
        nuint c1 = (nuint)ldc;
        Vector512<float> c00 = Vector512.LoadUnsafe(ref c), c01 = Vector512.LoadUnsafe(ref c, 16);
        Vector512<float> c10 = Vector512.LoadUnsafe(ref c, c1), c11 = Vector512.LoadUnsafe(ref c, c1 + 16);
        ref float a0 = ref a, bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref bp), b1 = Vector512.LoadUnsafe(ref bp, 16);
            Vector512<float> av = Vector512.Create(a0);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(Unsafe.Add(ref a0, l1));
            c10 = Avx512F.FusedMultiplyAdd(av, b0, c10); c11 = Avx512F.FusedMultiplyAdd(av, b1, c11);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 16);
        c10.StoreUnsafe(ref c, c1); c11.StoreUnsafe(ref c, c1 + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x32(int k, ref float a, nuint ap, ref float b, int ldb, ref float c)
    {
        Vector512<float> c00 = Vector512.LoadUnsafe(ref c), c01 = Vector512.LoadUnsafe(ref c, 16);
        ref float a0 = ref a, bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector512<float> b0 = Vector512.LoadUnsafe(ref bp), b1 = Vector512.LoadUnsafe(ref bp, 16);
            Vector512<float> av = Vector512.Create(a0);
            c00 = Avx512F.FusedMultiplyAdd(av, b0, c00); c01 = Avx512F.FusedMultiplyAdd(av, b1, c01);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 16);
    }

    // The 128-bit tiles: rows × 8 columns in 2 four-float vectors per row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel6x8(int k, ref float a, int lda, nuint ap, ref float b, int ldb, ref float c, int ldc)
    {
        nuint l1 = (nuint)lda, l2 = 2 * l1, l3 = 3 * l1;
        nuint c1 = (nuint)ldc, c2 = 2 * c1, c3 = 3 * c1, c4 = 4 * c1, c5 = 5 * c1;
        Vector128<float> c00 = Vector128.LoadUnsafe(ref c), c01 = Vector128.LoadUnsafe(ref c, 4);
        Vector128<float> c10 = Vector128.LoadUnsafe(ref c, c1), c11 = Vector128.LoadUnsafe(ref c, c1 + 4);
        Vector128<float> c20 = Vector128.LoadUnsafe(ref c, c2), c21 = Vector128.LoadUnsafe(ref c, c2 + 4);
        Vector128<float> c30 = Vector128.LoadUnsafe(ref c, c3), c31 = Vector128.LoadUnsafe(ref c, c3 + 4);
        Vector128<float> c40 = Vector128.LoadUnsafe(ref c, c4), c41 = Vector128.LoadUnsafe(ref c, c4 + 4);
        Vector128<float> c50 = Vector128.LoadUnsafe(ref c, c5), c51 = Vector128.LoadUnsafe(ref c, c5 + 4);
        ref float a0 = ref a, a3 = ref Unsafe.Add(ref a, l3), bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.LoadUnsafe(ref bp), b1 = Vector128.LoadUnsafe(ref bp, 4);
            Vector128<float> av = Vector128.Create(a0);
            c00 = VectorMath.MultiplyAdd(av, b0, c00); c01 = VectorMath.MultiplyAdd(av, b1, c01);
            av = Vector128.Create(Unsafe.Add(ref a0, l1));
            c10 = VectorMath.MultiplyAdd(av, b0, c10); c11 = VectorMath.MultiplyAdd(av, b1, c11);
            av = Vector128.Create(Unsafe.Add(ref a0, l2));
            c20 = VectorMath.MultiplyAdd(av, b0, c20); c21 = VectorMath.MultiplyAdd(av, b1, c21);
            av = Vector128.Create(a3);
            c30 = VectorMath.MultiplyAdd(av, b0, c30); c31 = VectorMath.MultiplyAdd(av, b1, c31);
            av = Vector128.Create(Unsafe.Add(ref a3, l1));
            c40 = VectorMath.MultiplyAdd(av, b0, c40); c41 = VectorMath.MultiplyAdd(av, b1, c41);
            av = Vector128.Create(Unsafe.Add(ref a3, l2));
            c50 = VectorMath.MultiplyAdd(av, b0, c50); c51 = VectorMath.MultiplyAdd(av, b1, c51);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            a3 = ref Unsafe.AddByteOffset(ref a3, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 4);
        c10.StoreUnsafe(ref c, c1); c11.StoreUnsafe(ref c, c1 + 4);
        c20.StoreUnsafe(ref c, c2); c21.StoreUnsafe(ref c, c2 + 4);
        c30.StoreUnsafe(ref c, c3); c31.StoreUnsafe(ref c, c3 + 4);
        c40.StoreUnsafe(ref c, c4); c41.StoreUnsafe(ref c, c4 + 4);
        c50.StoreUnsafe(ref c, c5); c51.StoreUnsafe(ref c, c5 + 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel4x8(int k, ref float a, int lda, nuint ap, ref float b, int ldb, ref float c, int ldc)
    {
        nuint l1 = (nuint)lda, l2 = 2 * l1, l3 = 3 * l1;
        nuint c1 = (nuint)ldc, c2 = 2 * c1, c3 = 3 * c1;
        Vector128<float> c00 = Vector128.LoadUnsafe(ref c), c01 = Vector128.LoadUnsafe(ref c, 4);
        Vector128<float> c10 = Vector128.LoadUnsafe(ref c, c1), c11 = Vector128.LoadUnsafe(ref c, c1 + 4);
        Vector128<float> c20 = Vector128.LoadUnsafe(ref c, c2), c21 = Vector128.LoadUnsafe(ref c, c2 + 4);
        Vector128<float> c30 = Vector128.LoadUnsafe(ref c, c3), c31 = Vector128.LoadUnsafe(ref c, c3 + 4);
        ref float a0 = ref a, bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.LoadUnsafe(ref bp), b1 = Vector128.LoadUnsafe(ref bp, 4);
            Vector128<float> av = Vector128.Create(a0);
            c00 = VectorMath.MultiplyAdd(av, b0, c00); c01 = VectorMath.MultiplyAdd(av, b1, c01);
            av = Vector128.Create(Unsafe.Add(ref a0, l1));
            c10 = VectorMath.MultiplyAdd(av, b0, c10); c11 = VectorMath.MultiplyAdd(av, b1, c11);
            av = Vector128.Create(Unsafe.Add(ref a0, l2));
            c20 = VectorMath.MultiplyAdd(av, b0, c20); c21 = VectorMath.MultiplyAdd(av, b1, c21);
            av = Vector128.Create(Unsafe.Add(ref a0, l3));
            c30 = VectorMath.MultiplyAdd(av, b0, c30); c31 = VectorMath.MultiplyAdd(av, b1, c31);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 4);
        c10.StoreUnsafe(ref c, c1); c11.StoreUnsafe(ref c, c1 + 4);
        c20.StoreUnsafe(ref c, c2); c21.StoreUnsafe(ref c, c2 + 4);
        c30.StoreUnsafe(ref c, c3); c31.StoreUnsafe(ref c, c3 + 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel2x8(int k, ref float a, int lda, nuint ap, ref float b, int ldb, ref float c, int ldc)
    {
        nuint l1 = (nuint)lda;
        nuint c1 = (nuint)ldc;
        Vector128<float> c00 = Vector128.LoadUnsafe(ref c), c01 = Vector128.LoadUnsafe(ref c, 4);
        Vector128<float> c10 = Vector128.LoadUnsafe(ref c, c1), c11 = Vector128.LoadUnsafe(ref c, c1 + 4);
        ref float a0 = ref a, bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.LoadUnsafe(ref bp), b1 = Vector128.LoadUnsafe(ref bp, 4);
            Vector128<float> av = Vector128.Create(a0);
            c00 = VectorMath.MultiplyAdd(av, b0, c00); c01 = VectorMath.MultiplyAdd(av, b1, c01);
            av = Vector128.Create(Unsafe.Add(ref a0, l1));
            c10 = VectorMath.MultiplyAdd(av, b0, c10); c11 = VectorMath.MultiplyAdd(av, b1, c11);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 4);
        c10.StoreUnsafe(ref c, c1); c11.StoreUnsafe(ref c, c1 + 4);
    }

    // c = init + a·B for one row (init and c may be the same floats).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Kernel1x8(int k, ref float a, nuint ap, ref float b, int ldb, ref float init, ref float c)
    {
        Vector128<float> c00 = Vector128.LoadUnsafe(ref init), c01 = Vector128.LoadUnsafe(ref init, 4);
        ref float a0 = ref a, bp = ref b;
        nint aStep = (nint)ap * sizeof(float), bStep = (nint)ldb * sizeof(float);
        for (int p = 0; p < k; p++)
        {
            Vector128<float> b0 = Vector128.LoadUnsafe(ref bp), b1 = Vector128.LoadUnsafe(ref bp, 4);
            Vector128<float> av = Vector128.Create(a0);
            c00 = VectorMath.MultiplyAdd(av, b0, c00); c01 = VectorMath.MultiplyAdd(av, b1, c01);
            a0 = ref Unsafe.AddByteOffset(ref a0, aStep);
            bp = ref Unsafe.AddByteOffset(ref bp, bStep);
        }
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 4);
    }
}
