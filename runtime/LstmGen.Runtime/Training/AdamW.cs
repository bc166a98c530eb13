namespace LstmGen.Training;

/// <summary>
/// Adam with decoupled weight decay, as PyTorch's <c>torch.optim.AdamW</c> (Loshchilov &amp; Hutter): per step
/// θ ← θ·(1 − lr·λ), then the plain Adam update θ ← θ − lr·m̂ / (√v̂ + ε) from the unmodified gradient (so the decay
/// is not scaled by the adaptive denominator, unlike Adam's L2). Defaults: lr 1e-3, β1 0.9, β2 0.999, ε 1e-7 (Keras'),
/// λ 0.01 (PyTorch's and Keras' AdamW default).
/// </summary>
public sealed class AdamW : IOptimizer, ILearningRate, ILazyOptimizer
{
    private readonly Adam _adam;

    /// <summary>Creates AdamW.</summary>
    /// <param name="learningRate">Step size, finite and ≥ 0.</param>
    /// <param name="weightDecay">Decoupled decay λ, finite and ≥ 0.</param>
    /// <param name="beta1">First-moment decay, in [0, 1).</param>
    /// <param name="beta2">Second-moment decay, in [0, 1).</param>
    /// <param name="epsilon">Denominator guard, finite and > 0.</param>
    /// <param name="lazy">Update only the embedding rows a batch touched, as <see cref="Adam.Lazy"/> (the decay too).</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting outside its range, infinite or NaN (the message names it).</exception>
    public AdamW(float learningRate = 1e-3f, float weightDecay = 0.01f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f, bool lazy = false)
    {
        _adam = new Adam(learningRate, beta1, beta2, epsilon, weightDecay: 0f, lazy: lazy);
        WeightDecay = OptimizerChecks.NonNegative(weightDecay, nameof(weightDecay));
    }

    /// <summary>Step size: finite and ≥ 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public float LearningRate
    {
        get => _adam.LearningRate;
        set => _adam.LearningRate = value;
    }

    /// <summary>The decoupled decay λ (θ shrinks by the factor 1 − lr·λ per step).</summary>
    public float WeightDecay { get; }
    /// <summary>First-moment decay.</summary>
    public float Beta1 => _adam.Beta1;
    /// <summary>Second-moment decay.</summary>
    public float Beta2 => _adam.Beta2;
    /// <summary>Denominator guard.</summary>
    public float Epsilon => _adam.Epsilon;
    /// <summary>Steps taken.</summary>
    public int Iterations => _adam.Iterations;
    /// <summary>Whether the training steps update only the embedding rows of the batch's ids (see <see cref="Adam.Lazy"/>).</summary>
    public bool Lazy => _adam.Lazy;

    /// <inheritdoc />
    public void Reset() => _adam.Reset();

    /// <inheritdoc />
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients) => OptimizerChecks.WholeStep(this, parameters, gradients);

    /// <inheritdoc />
    public void BeginStep(int parameterCount) => _adam.BeginStep(parameterCount);

    /// <inheritdoc />
    public void Update(Span<float> parameters, ReadOnlySpan<float> gradients, int offset) =>
        _adam.Update(parameters, gradients, offset, 1f - LearningRate * WeightDecay);
}
