using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.Training;

/// <summary>
/// An element-wise optimizer over a flat parameter span, with state sized on first use. A step is
/// <see cref="BeginStep"/> followed by <see cref="Update"/> on disjoint slices, which may run concurrently
/// (data-parallel training updates one slice per thread); <see cref="Step"/> does both for the whole span.
/// </summary>
public interface IOptimizer
{
    /// <summary>Updates <paramref name="parameters"/> in place from <paramref name="gradients"/>: one whole step.</summary>
    void Step(Span<float> parameters, ReadOnlySpan<float> gradients);

    /// <summary>Starts a step over <paramref name="parameterCount"/> parameters: sizes the state and advances the step count.</summary>
    void BeginStep(int parameterCount);

    /// <summary>
    /// Applies the current step to the slice <paramref name="parameters"/> that starts at <paramref name="offset"/> in the
    /// full parameter buffer. Slices of one step must not overlap; they may be updated concurrently.
    /// </summary>
    void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset);

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
    private float _c1, _c2;

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
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => WholeStep(this, parameters, gradients);

    internal static void WholeStep(IOptimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (gradients.Length != parameters.Length) throw new ArgumentException($"Expected {parameters.Length} gradients but got {gradients.Length}.", nameof(gradients));
        optimizer.BeginStep(parameters.Length);
        optimizer.Update(parameters, gradients, 0);
    }

    internal static void CheckSlice(int parameters, int gradients, int offset, int stateLength, int steps)
    {
        if (steps == 0) throw new InvalidOperationException("Call BeginStep before Update.");
        if (gradients != parameters) throw new ArgumentException($"Expected {parameters} gradients but got {gradients}.", nameof(gradients));
        if ((uint)offset > (uint)stateLength || parameters > stateLength - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"The slice [{offset}, {offset + parameters}) is outside the {stateLength} parameters of this step.");
    }

    /// <inheritdoc />
    public void BeginStep(int parameterCount)
    {
        if (_m.Length != parameterCount) { _m = new float[parameterCount]; _v = new float[parameterCount]; _t = 0; }
        _t++;
        _c1 = 1f / (1f - MathF.Pow(Beta1, _t));
        _c2 = 1f / MathF.Sqrt(1f - MathF.Pow(Beta2, _t));
    }

    /// <inheritdoc />
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset)
    {
        CheckSlice(parameters.Length, gradients.Length, offset, _m.Length, _t);
        float c2 = _c2;
        float b1 = Beta1, b2 = Beta2, lr = LearningRate * _c1, eps = Epsilon, wd = WeightDecay;
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float m = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_m), offset);
        ref float v = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_v), offset);
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
            float gi = Unsafe.Add(ref g, i) + wd * Unsafe.Add(ref p, i);
            ref float mi = ref Unsafe.Add(ref m, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            mi = b1 * mi + (1 - b1) * gi;
            vi = b2 * vi + (1 - b2) * gi * gi;
            Unsafe.Add(ref p, i) -= lr * mi / (MathF.Sqrt(vi) * c2 + eps);
        }
    }
}

/// <summary>SGD with optional momentum: u ← μ·u + g (+ λ·θ);  θ ← θ − lr·u.</summary>
public sealed class Sgd : IOptimizer
{
    private float[] _u = [];
    private int _steps;

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
    public void Reset() { _u = []; _steps = 0; }

    /// <inheritdoc />
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => Adam.WholeStep(this, parameters, gradients);

    /// <inheritdoc />
    public void BeginStep(int parameterCount)
    {
        if (_u.Length != parameterCount) _u = new float[parameterCount];
        _steps++;
    }

    /// <inheritdoc />
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset)
    {
        Adam.CheckSlice(parameters.Length, gradients.Length, offset, _u.Length, _steps);
        float lr = LearningRate, mu = Momentum, wd = WeightDecay;
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float g = ref MemoryMarshal.GetReference(gradients);
        ref float u = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_u), offset);
        int i = 0, n = parameters.Length;
        if (VectorMath.IsAccelerated)
        {
            var vlr = Vector256.Create(lr); var vmu = Vector256.Create(mu); var vwd = Vector256.Create(wd);
            for (; i + 8 <= n; i += 8)
            {
                nuint k = (nuint)i;
                Vector256<float> pv = Vector256.LoadUnsafe(ref p, k);
                // u ← μ·u + (g + λ·θ);  θ ← θ − lr·u
                Vector256<float> uv = Fma.MultiplyAdd(vmu, Vector256.LoadUnsafe(ref u, k), Fma.MultiplyAdd(vwd, pv, Vector256.LoadUnsafe(ref g, k)));
                uv.StoreUnsafe(ref u, k);
                Fma.MultiplyAddNegated(vlr, uv, pv).StoreUnsafe(ref p, k);
            }
        }
        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref g, i) + wd * Unsafe.Add(ref p, i);
            ref float ui = ref Unsafe.Add(ref u, i);
            ui = mu * ui + gi;
            Unsafe.Add(ref p, i) -= lr * ui;
        }
    }
}

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
        if (norm > maxNorm) VectorMath.Scale(gradients, (float)(maxNorm / norm));
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
