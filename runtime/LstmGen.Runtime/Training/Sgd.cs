using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LstmGen.Training;

/// <summary>SGD with optional momentum: u ← μ·u + g (+ λ·θ);  θ ← θ − lr·u.</summary>
public sealed class Sgd : IOptimizer, ILearningRate
{
    private float[] _u = [];
    private int _steps;
    private float _learningRate;

    /// <summary>Creates SGD.</summary>
    /// <param name="learningRate">Step size, finite and ≥ 0.</param>
    /// <param name="momentum">Momentum μ, in [0, 1).</param>
    /// <param name="weightDecay">L2 coefficient, finite and ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting outside its range, infinite or NaN (the message names it).</exception>
    public Sgd(float learningRate = 0.01f, float momentum = 0f, float weightDecay = 0f)
    {
        _learningRate = OptimizerChecks.LearningRate(learningRate, nameof(learningRate));
        Momentum = OptimizerChecks.UnitInterval(momentum, nameof(momentum));
        WeightDecay = OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>Step size: finite and ≥ 0 (0 leaves the weights unchanged, for example at the start of a warm-up schedule).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set => _learningRate = OptimizerChecks.LearningRate(value, nameof(LearningRate));
    }
    /// <summary>Momentum μ.</summary>
    public float Momentum { get; }
    /// <summary>L2 coefficient λ.</summary>
    public float WeightDecay { get; }

    /// <inheritdoc />
    public void Reset() { _u = []; _steps = 0; }

    /// <inheritdoc />
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => OptimizerChecks.WholeStep(this, parameters, gradients);

    /// <inheritdoc />
    public void BeginStep(int parameterCount)
    {
        if (_u.Length != parameterCount) _u = new float[parameterCount];
        _steps++;
    }

    /// <inheritdoc />
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset)
    {
        OptimizerChecks.Slice(parameters.Length, gradients.Length, offset, _u.Length, _steps);
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
        // The same operations four at a time (the 128-bit path, and the 256-bit path's tail); −lr·u + θ is MultiplyAddNegated.
        if (VectorMath.IsNarrowAccelerated)
        {
            var vlr = Vector128.Create(lr); var vmu = Vector128.Create(mu); var vwd = Vector128.Create(wd);
            for (; i + 4 <= n; i += 4)
            {
                nuint k = (nuint)i;
                Vector128<float> pv = Vector128.LoadUnsafe(ref p, k);
                Vector128<float> uv = VectorMath.MultiplyAdd(vmu, Vector128.LoadUnsafe(ref u, k), VectorMath.MultiplyAdd(vwd, pv, Vector128.LoadUnsafe(ref g, k)));
                uv.StoreUnsafe(ref u, k);
                VectorMath.MultiplyAdd(-vlr, uv, pv).StoreUnsafe(ref p, k);
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
