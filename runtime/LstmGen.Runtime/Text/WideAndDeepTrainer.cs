using System.Diagnostics;
using LstmGen.Training;

namespace LstmGen.Text;

/// <summary>
/// Trains a generated network and a <see cref="HashedNGramModel"/> jointly as one wide-and-deep model: the logits of row b
/// are z_b = z_deep(tokens_b) + z_wide(features_b), and both parts descend the same batch-mean loss (binary or softmax
/// cross-entropy of σ(z) or softmax(z)). Per batch the wide logits are the network's logit offsets
/// (<see cref="ILogitOffsetModel.ComputeGradientsWithLogitOffsets"/>), which returns ∂L/∂z; the network takes an Adam
/// step on its gradients and the linear part an AdaGrad step on the rows of W its features touch:
/// g_j = Σ_b ∂L/∂z_b·x_bj + λ·W_j, G_j += g_j², W_j −= η·g_j/(√G_j + 1e-8) (the bias likewise, without λ).
/// AdaGrad, not Adam, for the linear part: its per-coordinate step suits sparse features (a rare n-gram keeps a large
/// step) and needs no moment decay for the rows a batch does not touch, so an update costs only the touched rows.
/// After each epoch the validation loss of the joint model is measured; both parts' weights of the best epoch are kept.
/// </summary>
public sealed class WideAndDeepTrainer
{
    private readonly ILogitOffsetModel _model;
    private readonly HashedNGramModel _wide;
    private readonly IOptimizer _optimizer;
    private readonly TableRows _table;
    private readonly float _learningRate, _l2;
    private readonly int _outputs, _sequenceLength, _batchSize;
    private readonly bool _softmax;
    private readonly float[] _gradients, _wideGradients, _wideSquares, _biasSquares;
    private readonly bool[] _touched;
    private readonly List<int> _touchedRows = [];
    private float[] _batchTargets = [], _offsets = [], _logitGradients = [], _batchOutputs = [];
    private int[] _batchTokens = [];

    /// <summary>Creates a trainer of <paramref name="model"/> with <paramref name="wide"/> as its linear part.</summary>
    /// <param name="model">The network (one output row per sequence, sigmoid with one output or softmax).</param>
    /// <param name="wide">The linear part; its class count must match the model's.</param>
    /// <param name="optimizer">The network's optimizer (for example <see cref="Adam"/>; a lazy one updates only the batch's embedding rows).</param>
    /// <param name="learningRate">The linear part's AdaGrad learning rate η.</param>
    /// <param name="l2">The linear part's L2 coefficient λ (on the touched rows of W).</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <exception cref="ArgumentException">Sizes that do not match, or a model that is not a sigmoid or softmax classifier.</exception>
    public WideAndDeepTrainer(ILogitOffsetModel model, HashedNGramModel wide, IOptimizer optimizer, float learningRate, float l2, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(wide);
        ArgumentNullException.ThrowIfNull(optimizer);
        ModelShape shape = model.Shape;
        _softmax = shape.Output == OutputActivation.Softmax;
        if (!(_softmax || shape.Output == OutputActivation.Sigmoid && shape.OutputSize == 1))
            throw new ArgumentException($"Wide-and-deep training needs a one-output sigmoid or a softmax model; this one has {shape.OutputSize} {shape.Output} output(s).", nameof(model));
        if (wide.Outputs != shape.OutputSize) throw new ArgumentException($"The linear part has {wide.Outputs} logits but the model {shape.OutputSize}.", nameof(wide));
        if (!(learningRate > 0) || !float.IsFinite(learningRate)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        if (!(l2 >= 0) || !float.IsFinite(l2)) throw new ArgumentOutOfRangeException(nameof(l2), l2, "L2 must be non-negative and finite.");
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _model = model;
        _wide = wide;
        _optimizer = optimizer;
        _table = TableRows.For(model);
        _learningRate = learningRate;
        _l2 = l2;
        _batchSize = batchSize;
        _outputs = shape.OutputSize;
        _sequenceLength = shape.SequenceLength;
        _gradients = new float[model.ParameterCount];
        _wideGradients = new float[wide.Weights.Length];
        _wideSquares = new float[wide.Weights.Length];
        _biasSquares = new float[_outputs];
        _touched = new bool[wide.Buckets];
    }

    /// <summary>
    /// One joint step on the rows <paramref name="rows"/> of the data (tokens: rows of SequenceLength ids; features: each
    /// text's distinct buckets; classes: ids). Returns the batch-mean loss; <paramref name="correct"/> counts the rows the
    /// joint model classifies right. Allocates nothing once its buffers hold the largest batch.
    /// </summary>
    /// <exception cref="TrainingDivergedException">The loss or a gradient is not finite.</exception>
    public float Step(ReadOnlySpan<int> tokens, IReadOnlyList<int[]> features, ReadOnlySpan<int> classes, ReadOnlySpan<int> rows, out int correct)
    {
        int n = rows.Length, t = _sequenceLength, o = _outputs;
        if (_batchTokens.Length < n * t)
        {
            _batchTokens = new int[n * t];
            _batchTargets = new float[n * o];
            _offsets = new float[n * o];
            _logitGradients = new float[n * o];
            _batchOutputs = new float[n * o];
        }
        Span<float> targets = _batchTargets.AsSpan(0, n * o), offsets = _offsets.AsSpan(0, n * o), dz = _logitGradients.AsSpan(0, n * o), outputs = _batchOutputs.AsSpan(0, n * o);
        targets.Clear();
        for (int b = 0; b < n; b++)
        {
            int r = rows[b];
            tokens.Slice(r * t, t).CopyTo(_batchTokens.AsSpan(b * t, t));
            if (_softmax) targets[b * o + classes[r]] = 1;
            else targets[b] = classes[r];
            _wide.Logits(features[r], offsets.Slice(b * o, o));
        }
        float loss = _model.ComputeGradientsWithLogitOffsets(_batchTokens.AsSpan(0, n * t), targets, offsets, dz, _gradients, outputs);
        if (!float.IsFinite(loss)) throw new TrainingDivergedException($"the wide-and-deep loss is {loss}");
        if (!Gradients.AllFinite(_gradients)) throw new TrainingDivergedException("a gradient of the wide-and-deep network is not finite");
        using (ParameterUpdate update = _model.BeginParameterUpdate()) _table.Step(_optimizer, update.Values, _gradients, _batchTokens.AsSpan(0, n * t));
        UpdateWide(features, rows, dz);
        correct = 0;
        for (int b = 0; b < n; b++) if (Predicted(outputs.Slice(b * o, o)) == classes[rows[b]]) correct++;
        return loss;
    }

    private int Predicted(ReadOnlySpan<float> p)
    {
        if (!_softmax) return p[0] > 0.5f ? 1 : 0;
        int best = 0;
        for (int c = 1; c < p.Length; c++) if (p[c] > p[best]) best = c;
        return best;
    }

    // AdaGrad on the bias and on the rows of W that the batch's features touch (see the class summary).
    private void UpdateWide(IReadOnlyList<int[]> features, ReadOnlySpan<int> rows, ReadOnlySpan<float> dz)
    {
        int o = _outputs;
        Span<float> w = _wide.Weights, bias = _wide.Bias;
        ReadOnlySpan<float> scale = _wide.Scale;
        const float eps = 1e-8f;
        for (int b = 0; b < rows.Length; b++)
        {
            foreach (int j in features[rows[b]])
            {
                float x = scale.IsEmpty ? 1 : scale[j];
                if (!_touched[j]) { _touched[j] = true; _touchedRows.Add(j); }
                for (int c = 0; c < o; c++) _wideGradients[j * o + c] += dz[b * o + c] * x;
            }
        }
        for (int c = 0; c < o; c++)
        {
            float g = 0;
            for (int b = 0; b < rows.Length; b++) g += dz[b * o + c];
            _biasSquares[c] += g * g;
            bias[c] -= _learningRate * g / (MathF.Sqrt(_biasSquares[c]) + eps);
        }
        foreach (int j in _touchedRows)
        {
            _touched[j] = false;
            for (int c = 0; c < o; c++)
            {
                int k = j * o + c;
                float g = _wideGradients[k] + _l2 * w[k];
                _wideGradients[k] = 0;
                _wideSquares[k] += g * g;
                w[k] -= _learningRate * g / (MathF.Sqrt(_wideSquares[k]) + eps);
            }
        }
        _touchedRows.Clear();
    }

    /// <summary>Joint class probabilities (rows × classes) of encoded texts: softmax or σ of the deep plus the wide logits.</summary>
    public static float[] Probabilities(ITrainableModel model, HashedNGramModel wide, ReadOnlySpan<int> tokens, IReadOnlyList<int[]> features)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(wide);
        ArgumentNullException.ThrowIfNull(features);
        int n = features.Count, o = model.Shape.OutputSize, k = wide.Classes;
        var p = new float[n * k];
        if (n == 0) return p;
        var z = new float[n * o];
        model.PredictLogitsBatch(tokens, z);
        Span<float> zw = stackalloc float[o];
        for (int r = 0; r < n; r++)
        {
            wide.Logits(features[r], zw);
            Span<float> zr = z.AsSpan(r * o, o);
            for (int c = 0; c < o; c++) zr[c] += zw[c];
            if (o == 1)
            {
                float s = VectorMath.Sigmoid(zr[0]);
                p[2 * r] = 1 - s;
                p[2 * r + 1] = s;
            }
            else
            {
                VectorMath.ApplyOutputActivation(OutputActivation.Softmax, zr);
                zr.CopyTo(p.AsSpan(r * k, k));
            }
        }
        return p;
    }

    /// <summary>
    /// Trains for at most <paramref name="epochs"/> epochs (rows in a seeded random order each epoch). With validation data,
    /// the joint validation loss is measured after each epoch, training stops after <paramref name="patience"/> epochs
    /// without improvement, and both parts get the best epoch's weights back.
    /// </summary>
    /// <returns>The history (per epoch: loss, accuracy, validation loss and accuracy, speed).</returns>
    /// <exception cref="ArgumentException">Counts that disagree, or a class id out of range.</exception>
    /// <exception cref="TrainingDivergedException">The loss or a gradient is not finite.</exception>
    public TrainingHistory Fit(int[] tokens, IReadOnlyList<int[]> features, int[] classes, int epochs, int seed,
        int[]? validationTokens = null, IReadOnlyList<int[]>? validationFeatures = null, int[]? validationClasses = null, int patience = 2,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(classes);
        int n = classes.Length;
        if (features.Count != n || tokens.Length != n * _sequenceLength)
            throw new ArgumentException($"{n} classes, {features.Count} feature rows and {tokens.Length} tokens ({_sequenceLength} per row) disagree.", nameof(features));
        for (int i = 0; i < n; i++)
            if ((uint)classes[i] >= (uint)_wide.Classes) throw new ArgumentOutOfRangeException(nameof(classes), classes[i], $"Class {classes[i]} at index {i} is outside [0, {_wide.Classes}).");
        if (validationClasses is not null)
            for (int i = 0; i < validationClasses.Length; i++)
                if ((uint)validationClasses[i] >= (uint)_wide.Classes) throw new ArgumentOutOfRangeException(nameof(validationClasses), validationClasses[i], $"Class {validationClasses[i]} at index {i} is outside [0, {_wide.Classes}).");
        bool validate = validationTokens is not null && validationFeatures is not null && validationClasses is not null && validationClasses.Length > 0;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var rng = new Rng(seed);
        var history = new List<EpochResult>();
        float[]? bestDeep = null, bestWide = null;
        double bestLoss = double.PositiveInfinity;
        int? bestEpoch = null;
        int wait = 0;
        bool stopped = false;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            rng.Shuffle<int>(order);
            double lossSum = 0;
            int right = 0;
            for (int start = 0; start < n; start += _batchSize)
            {
                int count = Math.Min(_batchSize, n - start);
                lossSum += Step(tokens, features, classes, order.AsSpan(start, count), out int c) * count;
                right += c;
            }
            double? valLoss = null, valAccuracy = null;
            if (validate)
            {
                float[] p = Probabilities(_model, _wide, validationTokens, validationFeatures!);
                int k = _wide.Classes, vr = 0;
                double l = 0;
                for (int r = 0; r < validationClasses!.Length; r++)
                {
                    l -= Math.Log(Math.Max(p[r * k + validationClasses[r]], 1e-7f));
                    int best = 0;
                    for (int c = 1; c < k; c++) if (p[r * k + c] > p[r * k + best]) best = c;
                    if (best == validationClasses[r]) vr++;
                }
                valLoss = l / validationClasses.Length;
                valAccuracy = vr / (double)validationClasses.Length;
            }
            clock.Stop();
            history.Add(new EpochResult(epoch, lossSum / n, right / (double)n, valLoss, valAccuracy, n / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed));
            if (valLoss is not double v) continue;
            if (v < bestLoss)
            {
                bestLoss = v;
                bestEpoch = epoch;
                wait = 0;
                bestDeep = _model.Parameters.ToArray();
                bestWide = [.. _wide.Weights, .. _wide.Bias];
            }
            else if (++wait >= patience)
            {
                stopped = true;
                break;
            }
        }
        if (bestDeep is not null && bestWide is not null)
        {
            _model.SetParameters(bestDeep);
            bestWide.AsSpan(0, _wide.Weights.Length).CopyTo(_wide.Weights);
            bestWide.AsSpan(_wide.Weights.Length).CopyTo(_wide.Bias);
        }
        return new TrainingHistory(history, stopped, bestEpoch);
    }
}
