using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace LstmGen;

/// <summary>
/// Activation functions for generated kernels: vectorised approximations for the 128-bit (SSE/AVX, ARM64 AdvSimd), AVX2 and
/// AVX-512 paths (the same operations lane for lane, so the widths give identical results where the 128-bit path has
/// FMA) and exact scalar
/// forms for the fallback path and for reference code.
/// </summary>
/// <remarks>
/// The vector <see cref="Exp(Vector256{float})"/> uses range reduction <c>x = n·ln2 + r</c>, |r| ≤ ln2/2, a degree-6
/// polynomial for e^r and an exponent-bit shift for 2^n; inputs are clamped to [-87.3, 88.3] so results never
/// overflow to infinity or underflow to denormals (relative error 2e-7). Sigmoid and tanh, which sit on the recurrent
/// critical path of every step, are rational, not exp-based: tanh(x) = x·P(x²)/Q(x²) (degree 5 each, by Estrin's scheme)
/// and σ(x) = ½ + ½·tanh(x/2), about 40 cycles of latency instead of 80–90. Measured maximum absolute error over every
/// 97th float: 2.0e-7 for sigmoid, 3.1e-7 for tanh, from the float rounding of P and Q (the fit itself is 1.3e-10; the
/// tests scan every 389th float). NaN propagates; ±∞ saturate.
/// </remarks>
public static class VectorMath
{
    private const float ExpHigh = 88.3f; // keeps n ≤ 127, a finite 2^n
    private const float ExpLow = -87.3f;
    private const float Log2E = 1.44269504088896341f;
    // ln 2 split in a part exact in few bits and a remainder, so n·ln2 is subtracted without rounding loss.
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;

    // tanh(x) ≈ x·P(x²)/Q(x²) on |x| ≤ 10, P and Q of degree 5 (p0 = q0 = 1): a minimax fit of the relative error
    // (1.3e-10 in exact arithmetic, far below float rounding). Past ±10, tanh rounds to ±1 in float.
    private const float TanhLimit = 10f;
    private const float P1 = 0.14062551283517358f, P2 = 0.004377197495274693f, P3 = 4.1026624960088166e-5f;
    private const float P4 = 1.0413613613368876e-7f, P5 = 3.247823808615168e-11f;
    private const float Q1 = 0.47395884480911266f, Q2 = 0.029030148076082566f, Q3 = 4.914822234753341e-4f;
    private const float Q4 = 2.4887984195941878e-6f, Q5 = 2.693604564024101e-9f;

    /// <summary>True when the AVX2+FMA kernels can run on this machine.</summary>
    public static bool IsAccelerated
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector256.IsHardwareAccelerated && Fma.IsSupported;
    }

    /// <summary>
    /// True when the AVX-512 kernels can run: 16-lane vectors that the JIT compiles to zmm instructions (false under
    /// <c>DOTNET_EnableAVX512=0</c>, and under NativeAOT unless the target instruction set includes AVX-512).
    /// </summary>
    public static bool IsWideAccelerated
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && IsAccelerated;
    }

    /// <summary>
    /// True when the 128-bit kernels can run: 4-lane vectors in hardware, with SSE4.1 (for rounding) on x64 or AdvSimd on
    /// ARM64. The generated and runtime kernels take this path when <see cref="IsAccelerated"/> is false: x64 CPUs without
    /// AVX2 (or <c>DOTNET_EnableAVX2=0</c>, or NativeAOT's default x86-64-v2), and every ARM64 CPU.
    /// </summary>
    public static bool IsNarrowAccelerated
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128.IsHardwareAccelerated && (Sse41.IsSupported || AdvSimd.Arm64.IsSupported);
    }

    /// <summary>
    /// True when <see cref="MultiplyAdd(Vector128{float}, Vector128{float}, Vector128{float})"/> is fused (x64 FMA3 or ARM64
    /// AdvSimd). Without it the 128-bit path rounds the product and the sum separately, so its results differ from the
    /// wider paths' in the last bits (they stay within the tested tolerances of the double reference).
    /// </summary>
    public static bool IsNarrowFused
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fma.IsSupported || AdvSimd.IsSupported;
    }

    /// <summary>
    /// a·b + c for four lanes: one rounding where the hardware fuses it (<see cref="IsNarrowFused"/>), else a·b rounded,
    /// then the sum (a software-emulated fused form would be far slower than the scalar loops).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
        => IsNarrowFused ? Vector128.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>
    /// Hints the CPU to bring <paramref name="count"/> floats from <paramref name="start"/> into L1, one 64-byte line at a
    /// time, so a later read does not wait on L2/L3. Only a hint: it never faults and changes no value (a stale address
    /// after the GC moved the array is harmless), and it does nothing without SSE.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Prefetch(ref float start, int count)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < count; i += 16) Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref start, i)));
    }

    /// <summary>e^x for eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        // MinNative/MaxNative are one instruction (Min/Max add IEEE NaN and signed-zero fix-ups, 3× the latency); with the
        // constant first, a NaN x is what they return, so NaN propagates.
        x = Vector256.MinNative(Vector256.Create(ExpHigh), Vector256.MaxNative(Vector256.Create(ExpLow), x));
        // n = round(x / ln 2)
        Vector256<float> n = Avx.RoundToNearestInteger(x * Vector256.Create(Log2E));
        // r = x - n·ln2, in two steps for accuracy
        Vector256<float> r = Fma.MultiplyAddNegated(n, Vector256.Create(Ln2Hi), x);
        r = Fma.MultiplyAddNegated(n, Vector256.Create(Ln2Lo), r);
        // e^r ≈ 1 + r + r²·P(r), P a degree-5 minimax polynomial
        Vector256<float> p = Vector256.Create(1.9875691500e-4f);
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.3981999507e-3f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(8.3334519073e-3f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(4.1665795894e-2f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(1.6666665459e-1f));
        p = Fma.MultiplyAdd(p, r, Vector256.Create(5.0000001201e-1f));
        Vector256<float> r2 = r * r;
        Vector256<float> er = Fma.MultiplyAdd(p, r2, r + Vector256<float>.One);
        // 2^n from the exponent bits: (n + 127) << 23
        Vector256<int> bits = (Avx.ConvertToVector256Int32(n) + Vector256.Create(127)) << 23;
        return er * bits.AsSingle();
    }

    /// <summary>σ(x) = ½ + ½·tanh(x/2) for eight lanes, by <see cref="Tanh(Vector256{float})"/>'s rational form (absolute error ≤ 2e-7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
        // ½·tanh(x/2) = x·P(x²/4)/(4·Q(x²/4)): the tanh coefficients scaled by powers of ¼ (exactly: powers of two)
        => Rational(x, 2 * TanhLimit, 0.25f, 0.25f) + Vector256.Create(0.5f);

    /// <summary>tanh(x) = x·P(x²)/Q(x²) for eight lanes, P and Q of degree 5, on x clamped to ±<see cref="TanhLimit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) => Rational(x, TanhLimit, 1f, 1f);

    // x·lead·P(s·x²)/Q(s·x²) on x clamped to ±limit (constant arguments: the JIT folds the scaled coefficients).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Rational(Vector256<float> x, float limit, float s, float lead)
    {
        // x² is clamped (not x, then squared) so the square starts at once; the clamped x is needed one multiply later.
        // MinNative(c, v) returns v when v is NaN, so NaN propagates.
        Vector256<float> y = Vector256.MinNative(Vector256.Create(limit * limit), x * x);
        Vector256<float> xc = Vector256.MinNative(Vector256.Create(limit), Vector256.MaxNative(Vector256.Create(-limit), x));
        Vector256<float> y2 = y * y, y4 = y2 * y2;
        // Estrin: P = (p0 + p1·y) + y²·(p2 + p3·y) + y⁴·(p4 + p5·y), likewise Q: 3 FMAs deep after y⁴, not 5
        Vector256<float> p = Vector256.FusedMultiplyAdd(y4, Vector256.FusedMultiplyAdd(Vector256.Create(lead * P5 * (s * s * s * s * s)), y, Vector256.Create(lead * P4 * (s * s * s * s))),
            Vector256.FusedMultiplyAdd(y2, Vector256.FusedMultiplyAdd(Vector256.Create(lead * P3 * (s * s * s)), y, Vector256.Create(lead * P2 * (s * s))), Vector256.FusedMultiplyAdd(Vector256.Create(lead * P1 * s), y, Vector256.Create(lead))));
        Vector256<float> q = Vector256.FusedMultiplyAdd(y4, Vector256.FusedMultiplyAdd(Vector256.Create(Q5 * (s * s * s * s * s)), y, Vector256.Create(Q4 * (s * s * s * s))),
            Vector256.FusedMultiplyAdd(y2, Vector256.FusedMultiplyAdd(Vector256.Create(Q3 * (s * s * s)), y, Vector256.Create(Q2 * (s * s))), Vector256.FusedMultiplyAdd(Vector256.Create(Q1 * s), y, Vector256<float>.One)));
        return xc * p / q;
    }

    /// <summary>
    /// e^x for sixteen lanes: the operations of the eight-lane form, through the portable Vector512 API only, so without
    /// AVX-512 it runs in software (lane by lane, exactly) and gives the eight-lane form's bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.MinNative(Vector512.Create(ExpHigh), Vector512.MaxNative(Vector512.Create(ExpLow), x));
        // n = round(x / ln 2), ties to even as RoundToNearestInteger
        Vector512<float> n = Vector512.Round(x * Vector512.Create(Log2E));
        // r = x - n·ln2, in two steps for accuracy; −n·c + x is the FMA the eight-lane form's MultiplyAddNegated computes
        Vector512<float> r = Vector512.FusedMultiplyAdd(-n, Vector512.Create(Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(-n, Vector512.Create(Ln2Lo), r);
        // e^r ≈ 1 + r + r²·P(r), P a degree-5 minimax polynomial
        Vector512<float> p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(5.0000001201e-1f));
        Vector512<float> r2 = r * r;
        Vector512<float> er = Vector512.FusedMultiplyAdd(p, r2, r + Vector512<float>.One);
        // 2^n from the exponent bits: (n + 127) << 23 (n is a whole number in [−126, 128], so the native conversion, without
        // the saturating fix-up, is exact)
        Vector512<int> bits = (Vector512.ConvertToInt32Native(n) + Vector512.Create(127)) << 23;
        return er * bits.AsSingle();
    }

    /// <summary>σ(x) = ½ + ½·tanh(x/2) for sixteen lanes, by <see cref="Tanh(Vector512{float})"/>'s rational form (absolute error ≤ 2e-7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x)
        // ½·tanh(x/2) = x·P(x²/4)/(4·Q(x²/4)): the tanh coefficients scaled by powers of ¼ (exactly: powers of two)
        => Rational(x, 2 * TanhLimit, 0.25f, 0.25f) + Vector512.Create(0.5f);

    /// <summary>tanh(x) = x·P(x²)/Q(x²) for sixteen lanes, P and Q of degree 5, on x clamped to ±<see cref="TanhLimit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x) => Rational(x, TanhLimit, 1f, 1f);

    // x·lead·P(s·x²)/Q(s·x²) on x clamped to ±limit (constant arguments: the JIT folds the scaled coefficients).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Rational(Vector512<float> x, float limit, float s, float lead)
    {
        // x² is clamped (not x, then squared) so the square starts at once; the clamped x is needed one multiply later.
        // MinNative(c, v) returns v when v is NaN, so NaN propagates.
        Vector512<float> y = Vector512.MinNative(Vector512.Create(limit * limit), x * x);
        Vector512<float> xc = Vector512.MinNative(Vector512.Create(limit), Vector512.MaxNative(Vector512.Create(-limit), x));
        Vector512<float> y2 = y * y, y4 = y2 * y2;
        // Estrin: P = (p0 + p1·y) + y²·(p2 + p3·y) + y⁴·(p4 + p5·y), likewise Q: 3 FMAs deep after y⁴, not 5
        Vector512<float> p = Vector512.FusedMultiplyAdd(y4, Vector512.FusedMultiplyAdd(Vector512.Create(lead * P5 * (s * s * s * s * s)), y, Vector512.Create(lead * P4 * (s * s * s * s))),
            Vector512.FusedMultiplyAdd(y2, Vector512.FusedMultiplyAdd(Vector512.Create(lead * P3 * (s * s * s)), y, Vector512.Create(lead * P2 * (s * s))), Vector512.FusedMultiplyAdd(Vector512.Create(lead * P1 * s), y, Vector512.Create(lead))));
        Vector512<float> q = Vector512.FusedMultiplyAdd(y4, Vector512.FusedMultiplyAdd(Vector512.Create(Q5 * (s * s * s * s * s)), y, Vector512.Create(Q4 * (s * s * s * s))),
            Vector512.FusedMultiplyAdd(y2, Vector512.FusedMultiplyAdd(Vector512.Create(Q3 * (s * s * s)), y, Vector512.Create(Q2 * (s * s))), Vector512.FusedMultiplyAdd(Vector512.Create(Q1 * s), y, Vector512<float>.One)));
        return xc * p / q;
    }

    /// <summary>
    /// e^x for four lanes: the operations of the eight-lane form through the portable Vector128 API (SSE4.1/AVX on x64,
    /// AdvSimd on ARM64), with <see cref="MultiplyAdd(Vector128{float}, Vector128{float}, Vector128{float})"/> for each FMA.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        x = Vector128.MinNative(Vector128.Create(ExpHigh), Vector128.MaxNative(Vector128.Create(ExpLow), x));
        // n = round(x / ln 2), ties to even as RoundToNearestInteger
        Vector128<float> n = Vector128.Round(x * Vector128.Create(Log2E));
        // r = x - n·ln2, in two steps for accuracy (n·Ln2Hi is exact, so the first step loses nothing unfused)
        Vector128<float> r = MultiplyAdd(-n, Vector128.Create(Ln2Hi), x);
        r = MultiplyAdd(-n, Vector128.Create(Ln2Lo), r);
        // e^r ≈ 1 + r + r²·P(r), P a degree-5 minimax polynomial
        Vector128<float> p = Vector128.Create(1.9875691500e-4f);
        p = MultiplyAdd(p, r, Vector128.Create(1.3981999507e-3f));
        p = MultiplyAdd(p, r, Vector128.Create(8.3334519073e-3f));
        p = MultiplyAdd(p, r, Vector128.Create(4.1665795894e-2f));
        p = MultiplyAdd(p, r, Vector128.Create(1.6666665459e-1f));
        p = MultiplyAdd(p, r, Vector128.Create(5.0000001201e-1f));
        Vector128<float> r2 = r * r;
        Vector128<float> er = MultiplyAdd(p, r2, r + Vector128<float>.One);
        // 2^n from the exponent bits: (n + 127) << 23 (n is a whole number in [−126, 128]: the native conversion is exact)
        Vector128<int> bits = (Vector128.ConvertToInt32Native(n) + Vector128.Create(127)) << 23;
        return er * bits.AsSingle();
    }

    /// <summary>σ(x) = ½ + ½·tanh(x/2) for four lanes, by <see cref="Tanh(Vector128{float})"/>'s rational form (absolute error ≤ 2e-7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x)
        // ½·tanh(x/2) = x·P(x²/4)/(4·Q(x²/4)): the tanh coefficients scaled by powers of ¼ (exactly: powers of two)
        => Rational(x, 2 * TanhLimit, 0.25f, 0.25f) + Vector128.Create(0.5f);

    /// <summary>tanh(x) = x·P(x²)/Q(x²) for four lanes, P and Q of degree 5, on x clamped to ±<see cref="TanhLimit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x) => Rational(x, TanhLimit, 1f, 1f);

    // x·lead·P(s·x²)/Q(s·x²) on x clamped to ±limit (constant arguments: the JIT folds the scaled coefficients).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Rational(Vector128<float> x, float limit, float s, float lead)
    {
        // x² is clamped (not x, then squared) so the square starts at once; the clamped x is needed one multiply later.
        // MinNative(c, v) returns v when v is NaN, so NaN propagates.
        Vector128<float> y = Vector128.MinNative(Vector128.Create(limit * limit), x * x);
        Vector128<float> xc = Vector128.MinNative(Vector128.Create(limit), Vector128.MaxNative(Vector128.Create(-limit), x));
        Vector128<float> y2 = y * y, y4 = y2 * y2;
        // Estrin: P = (p0 + p1·y) + y²·(p2 + p3·y) + y⁴·(p4 + p5·y), likewise Q: 3 FMAs deep after y⁴, not 5
        Vector128<float> p = MultiplyAdd(y4, MultiplyAdd(Vector128.Create(lead * P5 * (s * s * s * s * s)), y, Vector128.Create(lead * P4 * (s * s * s * s))),
            MultiplyAdd(y2, MultiplyAdd(Vector128.Create(lead * P3 * (s * s * s)), y, Vector128.Create(lead * P2 * (s * s))), MultiplyAdd(Vector128.Create(lead * P1 * s), y, Vector128.Create(lead))));
        Vector128<float> q = MultiplyAdd(y4, MultiplyAdd(Vector128.Create(Q5 * (s * s * s * s * s)), y, Vector128.Create(Q4 * (s * s * s * s))),
            MultiplyAdd(y2, MultiplyAdd(Vector128.Create(Q3 * (s * s * s)), y, Vector128.Create(Q2 * (s * s))), MultiplyAdd(Vector128.Create(Q1 * s), y, Vector128<float>.One)));
        return xc * p / q;
    }

    /// <summary>Exact σ(x) in single precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>Exact tanh(x) in single precision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => MathF.Tanh(x);

    /// <summary>Σ a[i]·b[i], eight (or, on the 128-bit path, four) lanes at a time with a scalar tail.</summary>
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException("Spans differ in length.", nameof(b));
        int i = 0;
        float sum = 0f;
        if (IsAccelerated && a.Length >= 8)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (; i + 8 <= a.Length; i += 8)
                acc = Fma.MultiplyAdd(Vector256.Create(a.Slice(i, 8)), Vector256.Create(b.Slice(i, 8)), acc);
            sum = Vector256.Sum(acc);
        }
        else if (IsNarrowAccelerated && a.Length >= 4)
        {
            Vector128<float> acc = Vector128<float>.Zero;
            for (; i + 4 <= a.Length; i += 4)
                acc = MultiplyAdd(Vector128.Create(a.Slice(i, 4)), Vector128.Create(b.Slice(i, 4)), acc);
            sum = Vector128.Sum(acc);
        }
        for (; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>x ← alpha · x, eight lanes at a time, then four, with a scalar tail.</summary>
    public static void Scale(Span<float> x, float alpha)
    {
        int i = 0;
        if (IsAccelerated)
        {
            ref float px = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            Vector256<float> va = Vector256.Create(alpha);
            for (; i + 8 <= x.Length; i += 8) (va * Vector256.LoadUnsafe(ref px, (nuint)i)).StoreUnsafe(ref px, (nuint)i);
        }
        if (IsNarrowAccelerated)
        {
            ref float px = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
            Vector128<float> va = Vector128.Create(alpha);
            for (; i + 4 <= x.Length; i += 4) (va * Vector128.LoadUnsafe(ref px, (nuint)i)).StoreUnsafe(ref px, (nuint)i);
        }
        for (; i < x.Length; i++) x[i] *= alpha;
    }

    /// <summary>Applies <paramref name="activation"/> to the logits in place (softmax over the whole span).</summary>
    public static void ApplyOutputActivation(OutputActivation activation, Span<float> values)
    {
        switch (activation)
        {
            case OutputActivation.Sigmoid:
                for (int i = 0; i < values.Length; i++) values[i] = Sigmoid(values[i]);
                break;
            case OutputActivation.Softmax:
                Softmax(values);
                break;
        }
    }

    /// <summary>Numerically stable softmax in place: e^{x_i − max} / Σ e^{x_j − max}.</summary>
    public static void Softmax(Span<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (float v in values) max = MathF.Max(max, v);
        float sum = 0f;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = MathF.Exp(values[i] - max);
            sum += values[i];
        }
        float inv = 1f / sum;
        for (int i = 0; i < values.Length; i++) values[i] *= inv;
    }
}
