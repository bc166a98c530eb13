using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.Training;

/// <summary>
/// Adam with bias correction and Keras defaults (lr 1e-3, β1 0.9, β2 0.999, ε 1e-7):
/// m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  θ ← θ − lr·m̂ / (√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ)
/// (PyTorch's placement of ε). Optional decoupled-from-nothing L2: g ← g + λ·θ before the update.
/// <para>With <see cref="Lazy"/> the training steps update, in a token model's <c>embedding.weight</c>, only the rows of
/// the ids the batch holds (PyTorch's <c>SparseAdam</c>, TensorFlow Addons' <c>LazyAdam</c>): the other rows keep their
/// weights and both moments, and the bias correction uses the global step count t. Every other parameter is updated
/// every step as by dense Adam. On the first step the two agree exactly (m = v = 0 makes a zero gradient a zero
/// update); later, dense Adam keeps moving an untouched row by its decaying momentum, lazy Adam does not. L2 decay then
/// applies to touched rows only. Dense is the default and the parity reference; lazy saves most of the optimizer's
/// memory traffic when the vocabulary is large and a batch touches few of its rows.</para>
/// </summary>
public sealed class Adam : IOptimizer, ILearningRate, ILazyOptimizer
{
    private float[] _m = [];
    private float[] _v = [];
    private int _t;
    private float _c1, _c2;
    private float _learningRate;

    /// <summary>Creates Adam.</summary>
    /// <param name="learningRate">Step size, finite and ≥ 0.</param>
    /// <param name="beta1">First-moment decay, in [0, 1).</param>
    /// <param name="beta2">Second-moment decay, in [0, 1).</param>
    /// <param name="epsilon">Denominator guard, finite and > 0.</param>
    /// <param name="weightDecay">L2 coefficient, finite and ≥ 0.</param>
    /// <param name="lazy">Update only the embedding rows a batch touched (see <see cref="Lazy"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting outside its range, infinite or NaN (the message names it).</exception>
    public Adam(float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, float weightDecay = 0f, bool lazy = false)
    {
        Lazy = lazy;
        _learningRate = OptimizerChecks.LearningRate(learningRate, nameof(learningRate));
        Beta1 = OptimizerChecks.UnitInterval(beta1, nameof(beta1));
        Beta2 = OptimizerChecks.UnitInterval(beta2, nameof(beta2));
        Epsilon = OptimizerChecks.Positive(epsilon, nameof(epsilon));
        WeightDecay = OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>Step size: finite and ≥ 0 (0 leaves the weights unchanged, for example at the start of a warm-up schedule).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set => _learningRate = OptimizerChecks.LearningRate(value, nameof(LearningRate));
    }
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
    /// <summary>
    /// Whether the training steps update only the embedding rows of the batch's ids (sparse-row, "lazy" Adam). A whole-span
    /// <see cref="Step"/> or <see cref="Update(Span{float}, ReadOnlySpan{float}, int)"/> call has no rows to go by and updates every element it is given.
    /// </summary>
    public bool Lazy { get; }

    /// <inheritdoc />
    public void Reset() { _t = 0; _m = []; _v = []; }

    /// <inheritdoc />
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => OptimizerChecks.WholeStep(this, parameters, gradients);

    /// <inheritdoc />
    public void BeginStep(int parameterCount)
    {
        if (_m.Length != parameterCount) { _m = new float[parameterCount]; _v = new float[parameterCount]; _t = 0; }
        _t++;
        _c1 = 1f / (1f - MathF.Pow(Beta1, _t));
        _c2 = 1f / MathF.Sqrt(1f - MathF.Pow(Beta2, _t));
    }

    /// <inheritdoc />
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset) => Update(parameters, gradients, offset, 1f);

    // The update with θ first multiplied by `decay` in the same pass (AdamW's decoupled decay 1 − lr·λ; 1 for Adam, which
    // multiplies exactly), so AdamW streams the weights once, not twice.
    internal void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset, float decay)
    {
        OptimizerChecks.Slice(parameters.Length, gradients.Length, offset, _m.Length, _t);
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
            var vdecay = Vector256.Create(decay);
            for (; i + 8 <= n; i += 8)
            {
                nuint k = (nuint)i;
                Vector256<float> pv = Vector256.LoadUnsafe(ref p, k) * vdecay;
                Vector256<float> gv = Fma.MultiplyAdd(vwd, pv, Vector256.LoadUnsafe(ref g, k));
                Vector256<float> mv = Fma.MultiplyAdd(vb1, Vector256.LoadUnsafe(ref m, k), vb1c * gv);
                Vector256<float> vv = Fma.MultiplyAdd(vb2, Vector256.LoadUnsafe(ref v, k), vb2c * gv * gv);
                mv.StoreUnsafe(ref m, k);
                vv.StoreUnsafe(ref v, k);
                // θ − lr·c1·m / (√v·c2 + ε)
                (pv - vlr * mv / Fma.MultiplyAdd(Vector256.Sqrt(vv), vc2, veps)).StoreUnsafe(ref p, k);
            }
        }
        // The same operations four at a time (the 128-bit path, and the 256-bit path's tail).
        if (VectorMath.IsNarrowAccelerated)
        {
            var vb1 = Vector128.Create(b1); var vb1c = Vector128.Create(1 - b1);
            var vb2 = Vector128.Create(b2); var vb2c = Vector128.Create(1 - b2);
            var vlr = Vector128.Create(lr); var vc2 = Vector128.Create(c2); var veps = Vector128.Create(eps); var vwd = Vector128.Create(wd);
            var vdecay = Vector128.Create(decay);
            for (; i + 4 <= n; i += 4)
            {
                nuint k = (nuint)i;
                Vector128<float> pv = Vector128.LoadUnsafe(ref p, k) * vdecay;
                Vector128<float> gv = VectorMath.MultiplyAdd(vwd, pv, Vector128.LoadUnsafe(ref g, k));
                Vector128<float> mv = VectorMath.MultiplyAdd(vb1, Vector128.LoadUnsafe(ref m, k), vb1c * gv);
                Vector128<float> vv = VectorMath.MultiplyAdd(vb2, Vector128.LoadUnsafe(ref v, k), vb2c * gv * gv);
                mv.StoreUnsafe(ref m, k);
                vv.StoreUnsafe(ref v, k);
                (pv - vlr * mv / VectorMath.MultiplyAdd(Vector128.Sqrt(vv), vc2, veps)).StoreUnsafe(ref p, k);
            }
        }
        for (; i < n; i++)
        {
            ref float pi = ref Unsafe.Add(ref p, i);
            pi *= decay;
            float gi = Unsafe.Add(ref g, i) + wd * pi;
            ref float mi = ref Unsafe.Add(ref m, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            mi = b1 * mi + (1 - b1) * gi;
            vi = b2 * vi + (1 - b2) * gi * gi;
            pi -= lr * mi / (MathF.Sqrt(vi) * c2 + eps);
        }
    }
}
