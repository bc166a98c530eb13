namespace LstmGen.Training;

/// <summary>
/// What the element-wise optimizers share: the whole-span step, the slice check, and the hyperparameter checks. Every
/// check is written so that NaN fails (every comparison with NaN is false).
/// </summary>
internal static class OptimizerChecks
{
    /// <summary>One step over the whole span: <see cref="IOptimizer.BeginStep"/>, then one <see cref="IOptimizer.Update"/>.</summary>
    public static void WholeStep(IOptimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (gradients.Length != parameters.Length) throw new ArgumentException($"Expected {parameters.Length} gradients but got {gradients.Length}.", nameof(gradients));
        optimizer.BeginStep(parameters.Length);
        optimizer.Update(parameters, gradients, 0);
    }

    /// <summary>Checks an <see cref="IOptimizer.Update"/> slice against the state of the current step.</summary>
    public static void Slice(int parameters, int gradients, int offset, int stateLength, int steps)
    {
        if (steps == 0) throw new InvalidOperationException("Call BeginStep before Update.");
        if (gradients != parameters) throw new ArgumentException($"Expected {parameters} gradients but got {gradients}.", nameof(gradients));
        if ((uint)offset > (uint)stateLength || parameters > stateLength - offset)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"The slice [{offset}, {offset + parameters}) is outside the {stateLength} parameters of this step.");
    }

    /// <summary>A learning rate: finite and ≥ 0 (0 is allowed: the step then leaves the weights unchanged, as the first step of a warm-up does).</summary>
    public static float LearningRate(float value, string paramName)
        => value >= 0 && float.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(paramName, value, $"The learning rate must be finite and at least 0 but is {value}.");

    /// <summary>A decay or momentum factor in [0, 1).</summary>
    public static float UnitInterval(float value, string paramName)
        => value >= 0 && value < 1 ? value
            : throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be in [0, 1) but is {value}.");

    /// <summary>Adam's ε: finite and > 0.</summary>
    public static float Positive(float value, string paramName)
        => value > 0 && float.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be finite and greater than 0 but is {value}.");

    /// <summary>An L2 coefficient: finite and ≥ 0.</summary>
    public static float NonNegative(float value, string paramName)
        => value >= 0 && float.IsFinite(value) ? value
            : throw new ArgumentOutOfRangeException(paramName, value, $"{paramName} must be finite and at least 0 but is {value}.");
}
