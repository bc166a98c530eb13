using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.Training;

/// <summary>An optimizer over a flat parameter span, with state sized on first use.</summary>
public interface IOptimizer
{
    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/>.</summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>Forgets all state (moments, step count).</summary>
    void Reset();
}

/// <summary>
/// Adam with bias correction and Keras defaults (lr 1e-3, β1 0.9, β2 0.999, ε 1e-7):
/// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  θ ← θ − lr·m̂ / (√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
/// (PyTorch's placement of ε). Optional decoupled-from-nothing L2: g ← g + λ·θ before the update.
/// </summary>
public sealed class Adam : IOptimizer
{
    private float[] _m = [];
    private float[] _v = [];
    private int _t;

    /// <summary>Creates Adam.</summary>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, float weightDecay = 0f)
    {
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Must be positive.");
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "Must be in [0, 1).");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "Must be in [0, 1).");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Must be positive.");
        LearningRate = learningRate; Beta1 = beta1; Beta2 = beta2; Epsilon = epsilon; WeightDecay = weightDecay;
    }

    /// <summary>Step size.</summary>
    public float LearningRate { get; set; }
    /// <summary>First-moment decay.</summary>
    public float Beta1 { get; }
    /// <summary>Second-moment decay.</summary>
    public float Beta2 { get; }
    /// <summary>Denominator guard.</summary>
    public float Epsilon { get; }
    /// <summary>L2 coefficient λ added to the gradient as λ·θ (0 = off).</summary>
    public float WeightDecay { get; }
    /// <summary>Steps taken.</summary>
    public int Iterations => _t;

    /// <inheritdoc />
    public void Reset() { _t = 0; _m = []; _v = []; }

    /// <inheritdoc />
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (gradients.Length != parameters.Length) throw new ArgumentException($"Expected {parameters.Length} gradients but got {gradients.Length}.", nameof(gradients));
        if (_m.Length != parameters.Length) { _m = new float[parameters.Length]; _v = new float[parameters.Length]; _t = 0; }
        _t++;
        float c1 = 1f / (1f - MathF.Pow(Beta1, _t));
        float c2 = 1f / MathF.Sqrt(1f - MathF.Pow(Beta2, _t));
        float b1 = Beta1, b2 = Beta2, lr = LearningRate * c1, eps = Epsilon, wd = WeightDecay;
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref MemoryMarshal.GetArrayDataReference(_m);
        ref float v = ref MemoryMarshal.GetArrayDataReference(_v);
        int i = 0, n = parameters.Length;
        if (VectorMath.IsAccelerated)
        {
            var vb1 = Vector256.Create(b1); var vb1c = Vector256.Create(1 - b1);
            var vb2 = Vector256.Create(b2); var vb2c = Vector256.Create(1 - b2);
            var vlr = Vector256.Create(lr); var vc2 = Vector256.Create(c2); var veps = Vector256.Create(eps); var vwd = Vector256.Create(wd);
            for (; i + 8 <= n; i += 8)
            {
                nuint k = (nuint)i;
                Vector256<float> pv = Vector256.LoadUnsafe(ref p, k);
                Vector256<float> gv = Fma.MultiplyAdd(vwd, pv, Vector256.LoadUnsafe(ref g, k));
                Vector256<float> mv = Fma.MultiplyAdd(vb1, Vector256.LoadUnsafe(ref m, k), vb1c * gv);
                Vector256<float> vv = Fma.MultiplyAdd(vb2, Vector256.LoadUnsafe(ref v, k), vb2c * gv * gv);
                mv.StoreUnsafe(ref m, k);
                vv.StoreUnsafe(ref v, k);
                // θ − lr·c1·m / (√v·c2 + ε)
                (pv - vlr * mv / Fma.MultiplyAdd(Vector256.Sqrt(vv), vc2, veps)).StoreUnsafe(ref p, k);
            }
        }
        for (; i < n; i++)
        {
            float gi = System.Runtime.CompilerServices.Unsafe.Add(ref g, i) + wd * System.Runtime.CompilerServices.Unsafe.Add(ref p, i);
            ref float mi = ref System.Runtime.CompilerServices.Unsafe.Add(ref m, i);
            ref float vi = ref System.Runtime.CompilerServices.Unsafe.Add(ref v, i);
            mi = b1 * mi + (1 - b1) * gi;
            vi = b2 * vi + (1 - b2) * gi * gi;
            System.Runtime.CompilerServices.Unsafe.Add(ref p, i) -= lr * mi / (MathF.Sqrt(vi) * c2 + eps);
        }
    }
}

/// <summary>SGD with optional momentum: u ← μ·u + g (+ λ·θ);  θ ← θ − lr·u.</summary>
public sealed class Sgd : IOptimizer
{
    private float[] _u = [];

    /// <summary>Creates SGD.</summary>
    public Sgd(float learningRate = 0.01f, float momentum = 0f, float weightDecay = 0f)
    {
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Must be positive.");
        if (momentum is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Must be in [0, 1).");
        LearningRate = learningRate; Momentum = momentum; WeightDecay = weightDecay;
    }

    /// <summary>Step size.</summary>
    public float LearningRate { get; set; }
    /// <summary>Momentum μ.</summary>
    public float Momentum { get; }
    /// <summary>L2 coefficient λ.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc />
    public void Reset() => _u = [];

    /// <inheritdoc />
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (gradients.Length != parameters.Length) throw new ArgumentException($"Expected {parameters.Length} gradients but got {gradients.Length}.", nameof(gradients));
        if (_u.Length != parameters.Length) _u = new float[parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i] + WeightDecay * parameters[i];
            _u[i] = Momentum * _u[i] + g;
            parameters[i] -= LearningRate * _u[i];
        }
    }
}

/// <summary>Gradient utilities.</summary>
public static class Gradients
{
    /// <summary>‖g‖₂ over the whole span, accumulated in double.</summary>
    public static double GlobalNorm(ReadOnlySpan<float> gradients)
    {
        double sum = 0;
        foreach (float g in gradients) sum += (double)g * g;
        return Math.Sqrt(sum);
    }

    /// <summary>Scales g by maxNorm/‖g‖ when ‖g‖ exceeds maxNorm; returns the norm before clipping.</summary>
    public static double ClipByGlobalNorm(Span<float> gradients, float maxNorm)
    {
        double norm = GlobalNorm(gradients);
        if (norm > maxNorm)
        {
            float s = (float)(maxNorm / norm);
            for (int i = 0; i < gradients.Length; i++) gradients[i] *= s;
        }
        return norm;
    }

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
