namespace LstmGen.Training;

/// <summary>
/// A training step with per-class loss weights (Keras' class_weight), from the runtime side: the batch's rows are grouped
/// by class, each group's mean gradient g_c and loss L_c come from one ComputeGradients call, and the step applies
/// g = Σ_c (n_c·w_c/B)·g_c with loss Σ_c (n_c·w_c/B)·L_c — exactly the gradient of (1/B)·Σᵢ w_{cᵢ}·ℓᵢ. Then the same
/// finiteness check, clipping and update as <see cref="TrainingStep"/> on one thread.
/// </summary>
internal sealed class WeightedStep(ITrainableModel model, IOptimizer optimizer, float? clipNorm, float[] weights)
{
    private readonly float[] _gradients = new float[model.ParameterCount];
    private readonly float[] _group = new float[model.ParameterCount];
    private readonly TableRows _table = TableRows.For(model);
    private int[] _tokens = [];
    private float[] _targets = [];
    private float[] _outputs = [];
    private int[] _rows = [];

    public string? TryRun(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, Span<float> outputs, out float loss)
    {
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength, o = shape.OutputSize, b = tokens.Length / t;
        int[] classes = DataSplit.ClassesOfTargets(shape.Output, o, targets);
        if (_tokens.Length < tokens.Length) { _tokens = new int[tokens.Length]; _targets = new float[targets.Length]; _outputs = new float[targets.Length]; _rows = new int[b]; }
        Array.Clear(_gradients);
        loss = 0;
        for (int c = 0; c < weights.Length; c++)
        {
            int n = 0;
            for (int r = 0; r < b; r++)
            {
                if (classes[r] != c) continue;
                tokens.Slice(r * t, t).CopyTo(_tokens.AsSpan(n * t));
                targets.Slice(r * o, o).CopyTo(_targets.AsSpan(n * o));
                _rows[n++] = r;
            }
            if (n == 0) continue;
            float groupLoss = model.ComputeGradients(_tokens.AsSpan(0, n * t), _targets.AsSpan(0, n * o), _group, _outputs.AsSpan(0, n * o));
            for (int i = 0; i < n; i++) _outputs.AsSpan(i * o, o).CopyTo(outputs.Slice(_rows[i] * o, o));
            float scale = n * weights[c] / b;
            loss += scale * groupLoss;
            if (scale != 0) Gemm.Axpy(scale, _group, _gradients);
        }
        if (!float.IsFinite(loss)) return $"the loss is {loss}; this step did not change the weights";
        if (!Gradients.AllFinite(_gradients)) return "a gradient is not finite; this step did not change the weights";
        if (clipNorm is float clip) Gradients.ClipByGlobalNorm(_gradients, clip);
        using (ParameterUpdate update = model.BeginParameterUpdate()) _table.Step(optimizer, update.Values, _gradients, tokens);
        return null;
    }
}
