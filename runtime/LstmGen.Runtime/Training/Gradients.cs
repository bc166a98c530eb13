using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.Training;

/// <summary>Gradient utilities.</summary>
public static class Gradients
{
    /// <summary>‖g‖₂ over the whole span, accumulated in double.</summary>
    public static double GlobalNorm(ReadOnlySpan<float> gradients) => Math.Sqrt(SumOfSquares(gradients));

    /// <summary>Σ g², accumulated in double (four lanes, then a fixed-order tail: the same result on every run).</summary>
    public static double SumOfSquares(ReadOnlySpan<float> values)
    {
        int i = 0;
        double sum = 0;
        if (VectorMath.IsAccelerated)
        {
            Vector256<double> acc = Vector256<double>.Zero;
            ref float r = ref MemoryMarshal.GetReference(values);
            for (; i + 4 <= values.Length; i += 4)
            {
                Vector256<double> x = Avx.ConvertToVector256Double(Vector128.LoadUnsafe(ref r, (nuint)i));
                acc = Fma.MultiplyAdd(x, x, acc);
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < values.Length; i++) sum += (double)values[i] * values[i];
        return sum;
    }

    /// <summary>Scales g by maxNorm/‖g‖ when ‖g‖ exceeds maxNorm; returns the norm before clipping.</summary>
    public static double ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        double norm = GlobalNorm(gradients);
        float scale = ClipScale(norm, maxNorm);
        if (scale != 1f) VectorMath.Scale(gradients, scale);
        return norm;
    }

    // The factor ClipByGlobalNorm applies to a gradient of norm ‖g‖: maxNorm/‖g‖ above maxNorm, else 1.
    internal static float ClipScale(double norm, float maxNorm) => norm > maxNorm ? (float)(maxNorm / norm) : 1f;

    /// <summary>True when every value is finite.</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        int i = 0;
        if (VectorMath.IsAccelerated)
        {
            // x − x is 0 for finite x and NaN for ±∞ or NaN; OR the results' bits together.
            Vector256<float> acc = Vector256<float>.Zero;
            ref float r = ref MemoryMarshal.GetReference(values);
            for (; i + 8 <= values.Length; i += 8)
            {
                Vector256<float> x = Vector256.LoadUnsafe(ref r, (nuint)i);
                acc |= x - x;
            }
            if (!Vector256.EqualsAll(acc, Vector256<float>.Zero)) return false;
        }
        for (; i < values.Length; i++) if (!float.IsFinite(values[i])) return false;
        return true;
    }
}
