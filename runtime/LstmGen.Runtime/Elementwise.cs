using System.Numerics;
using System.Runtime.InteropServices;

namespace LstmGen;

/// <summary>
/// Elementwise products for generated training code (dropout masks). Each element is computed with the same operations
/// in the vector and the scalar loop (no fused multiply-add), so the result does not depend on the vector width.
/// </summary>
public static class Elementwise
{
    /// <summary>x[i] ← x[i]·m[i] for i &lt; x.Length (<paramref name="m"/> at least as long as <paramref name="x"/>).</summary>
    public static void Multiply(Span<float> x, ReadOnlySpan<float> m)
    {
        m = m[..x.Length];
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x);
            ReadOnlySpan<Vector<float>> mv = MemoryMarshal.Cast<float, Vector<float>>(m);
            for (int k = 0; k < xv.Length; k++) xv[k] *= mv[k];
            i = xv.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) x[i] *= m[i];
    }

    /// <summary>y[i] ← y[i] + a[i]·m[i] for i &lt; y.Length (the product rounded, then the sum).</summary>
    public static void AddProduct(Span<float> y, ReadOnlySpan<float> a, ReadOnlySpan<float> m)
    {
        a = a[..y.Length];
        m = m[..y.Length];
        int i = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= Vector<float>.Count)
        {
            Span<Vector<float>> yv = MemoryMarshal.Cast<float, Vector<float>>(y);
            ReadOnlySpan<Vector<float>> av = MemoryMarshal.Cast<float, Vector<float>>(a);
            ReadOnlySpan<Vector<float>> mv = MemoryMarshal.Cast<float, Vector<float>>(m);
            for (int k = 0; k < yv.Length; k++) yv[k] += av[k] * mv[k];
            i = yv.Length * Vector<float>.Count;
        }
        for (; i < y.Length; i++) y[i] += a[i] * m[i];
    }
}
