namespace LstmGen.Text;

/// <summary>
/// The "wide" part of a wide-and-deep text classifier: a linear model (logistic regression; softmax for more than two
/// classes) over hashed unigram and bigram presence features of the normalised words. Feature j of a text is 1 when a
/// unigram or bigram hashes to bucket j (FNV-1a, stable across runs and machines), else 0; the logits are
/// z = b + Σ_{j present} x_j·W[j], with x_j = 1, or, with naive-Bayes scaling (two classes; Wang &amp; Manning's NBSVM with a
/// logistic loss), x_j = r_j = log((α + p_j)/‖α + p‖₁) − log((α + q_j)/‖α + q‖₁), where p_j and q_j count the training
/// texts of class 1 and 0 that have feature j (α = 1). Trained by AdaGrad on single rows (seeded order) with L2 on the
/// touched rows of W and early stopping on a validation set.
/// </summary>
public sealed class HashedNGramModel
{
    private readonly float[] _weights; // [Buckets, Outputs]
    private readonly float[] _bias;    // [Outputs]
    private float[]? _scale;           // [Buckets]: the naive-Bayes ratios r_j, or null for x_j = 1

    /// <summary>Creates an untrained model (all weights 0).</summary>
    /// <param name="classes">Number of classes (≥ 2); two classes use one sigmoid output.</param>
    /// <param name="buckets">Hash buckets, a power of two in [2¹⁰, 2²⁴].</param>
    /// <param name="bigrams">Whether bigrams are features besides unigrams.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size outside its range.</exception>
    public HashedNGramModel(int classes, int buckets = 1 << 18, bool bigrams = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (buckets < 1 << 10 || buckets > 1 << 24 || (buckets & (buckets - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(buckets), buckets, "Buckets must be a power of two in [1024, 16777216].");
        Classes = classes;
        Buckets = buckets;
        Bigrams = bigrams;
        Outputs = classes == 2 ? 1 : classes;
        _weights = new float[checked(buckets * Outputs)];
        _bias = new float[Outputs];
    }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }
    /// <summary>Hash buckets.</summary>
    public int Buckets { get; }
    /// <summary>Whether bigrams are features.</summary>
    public bool Bigrams { get; }
    /// <summary>Logits: 1 for two classes, else the class count.</summary>
    public int Outputs { get; }
    /// <summary>W, row-major [Buckets, Outputs].</summary>
    public Span<float> Weights => _weights;
    /// <summary>b [Outputs].</summary>
    public Span<float> Bias => _bias;
    /// <summary>The feature values r_j of naive-Bayes scaling (empty when off).</summary>
    public Span<float> Scale => _scale;

    /// <summary>Turns naive-Bayes scaling on with the given ratios (Buckets values; for loading a saved model).</summary>
    /// <exception cref="ArgumentException">Not Buckets values, or more than two classes.</exception>
    public void SetScale(ReadOnlySpan<float> ratios)
    {
        if (Outputs != 1) throw new ArgumentException("Naive-Bayes scaling needs two classes.", nameof(ratios));
        if (ratios.Length != Buckets) throw new ArgumentException($"Expected {Buckets} ratios but got {ratios.Length}.", nameof(ratios));
        _scale = ratios.ToArray();
    }

    /// <summary>The distinct feature buckets of a text's words, ascending.</summary>
    public int[] Features(IReadOnlyList<string> words)
    {
        ArgumentNullException.ThrowIfNull(words);
        var set = new HashSet<int>();
        uint mask = (uint)Buckets - 1;
        uint previous = 0;
        for (int i = 0; i < words.Count; i++)
        {
            uint h = Fnv(words[i], 2166136261u);
            set.Add((int)(h & mask));
            // A bigram's hash continues the first word's with a separator, then the second word.
            if (Bigrams && i > 0) set.Add((int)(Fnv(words[i], Fnv("\u0001", previous)) & mask));
            previous = h;
        }
        int[] result = [.. set];
        Array.Sort(result);
        return result;
    }

    private static uint Fnv(string s, uint h)
    {
        foreach (char c in s)
        {
            h = (h ^ (byte)c) * 16777619u;
            h = (h ^ (byte)(c >> 8)) * 16777619u;
        }
        return h;
    }

    /// <summary>Class probabilities of a text with the given features into <paramref name="probabilities"/> (Classes values).</summary>
    public void PredictProbabilities(ReadOnlySpan<int> features, Span<float> probabilities)
    {
        if (probabilities.Length != Classes) throw new ArgumentException($"Expected {Classes} probabilities but got {probabilities.Length}.", nameof(probabilities));
        Span<float> z = stackalloc float[Outputs];
        Logits(features, z);
        if (Outputs == 1)
        {
            float p = VectorMath.Sigmoid(z[0]);
            probabilities[0] = 1 - p;
            probabilities[1] = p;
        }
        else Softmax(z, probabilities);
    }

    /// <summary>The logits z = b + Σ_{j present} x_j·W[j] of a text with the given features into <paramref name="z"/> (Outputs values).</summary>
    /// <exception cref="ArgumentException">z is not Outputs values.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A feature outside [0, Buckets).</exception>
    public void Logits(ReadOnlySpan<int> features, Span<float> z)
    {
        if (z.Length != Outputs) throw new ArgumentException($"Expected {Outputs} logits but got {z.Length}.", nameof(z));
        _bias.CopyTo(z);
        foreach (int j in features)
        {
            if ((uint)j >= (uint)Buckets) throw new ArgumentOutOfRangeException(nameof(features), j, $"Feature {j} is outside [0, {Buckets}).");
            float x = _scale is null ? 1 : _scale[j];
            for (int o = 0; o < Outputs; o++) z[o] += x * _weights[j * Outputs + o];
        }
    }

    private static void Softmax(ReadOnlySpan<float> z, Span<float> p)
    {
        float max = float.NegativeInfinity;
        foreach (float v in z) max = MathF.Max(max, v);
        float sum = 0;
        for (int i = 0; i < z.Length; i++) sum += p[i] = MathF.Exp(z[i] - max);
        for (int i = 0; i < z.Length; i++) p[i] /= sum;
    }

    /// <summary>
    /// Trains on rows of features and class ids: per epoch, the rows in a seeded random order, each an AdaGrad step on its
    /// cross-entropy plus (λ/2)·‖W_row‖² of its feature rows. After each epoch the validation loss (when validation rows are
    /// given) is measured and the weights of the best epoch are kept; training stops after <paramref name="patience"/>
    /// epochs without improvement.
    /// </summary>
    /// <returns>The number of epochs whose weights are kept (the best epoch).</returns>
    /// <exception cref="ArgumentException">Counts that disagree, or a class id out of range.</exception>
    public int Fit(IReadOnlyList<int[]> features, IReadOnlyList<int> labels, int epochs = 20, float learningRate = 0.2f, float l2 = 1e-4f, int seed = 0,
        IReadOnlyList<int[]>? validationFeatures = null, IReadOnlyList<int>? validationLabels = null, int patience = 2, bool naiveBayesScaling = false)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Count != labels.Count) throw new ArgumentException($"{features.Count} feature rows but {labels.Count} labels.", nameof(labels));
        foreach (int y in labels) if ((uint)y >= (uint)Classes) throw new ArgumentOutOfRangeException(nameof(labels), y, $"Class {y} is outside [0, {Classes}).");
        if ((validationFeatures is null) != (validationLabels is null)) throw new ArgumentException("Give validation features and labels together.", nameof(validationLabels));
        if (naiveBayesScaling) ComputeNaiveBayesScaling(features, labels);
        else _scale = null;
        return Train(features, labels, epochs, learningRate, l2, seed, validationFeatures, validationLabels, patience);
    }

    /// <summary>
    /// Turns naive-Bayes scaling on with the ratios r_j counted on these training rows (see the class summary; two classes).
    /// </summary>
    /// <exception cref="ArgumentException">More than two classes, or counts that disagree.</exception>
    public void ComputeNaiveBayesScaling(IReadOnlyList<int[]> features, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Count != labels.Count) throw new ArgumentException($"{features.Count} feature rows but {labels.Count} labels.", nameof(labels));
        if (Outputs != 1) throw new ArgumentException("Naive-Bayes scaling needs two classes.", nameof(labels));
        var p1 = new double[Buckets];
        var p0 = new double[Buckets];
        for (int r = 0; r < features.Count; r++)
            foreach (int j in features[r]) (labels[r] == 1 ? p1 : p0)[j]++;
        double s1 = Buckets, s0 = Buckets; // α = 1 per bucket
        for (int j = 0; j < Buckets; j++) { s1 += p1[j]; s0 += p0[j]; }
        _scale = new float[Buckets];
        for (int j = 0; j < Buckets; j++) _scale[j] = (float)(Math.Log((1 + p1[j]) / s1) - Math.Log((1 + p0[j]) / s0));
    }

    private int Train(IReadOnlyList<int[]> features, IReadOnlyList<int> labels, int epochs, float learningRate, float l2, int seed,
        IReadOnlyList<int[]>? validationFeatures, IReadOnlyList<int>? validationLabels, int patience)
    {
        var gw = new float[_weights.Length];
        var gb = new float[_bias.Length];
        var order = new int[features.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var rng = new Rng(seed);
        Span<float> z = stackalloc float[Outputs];
        Span<float> p = stackalloc float[Classes];
        Span<float> d = stackalloc float[Outputs];
        float[]? best = null;
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = epochs, wait = 0;
        const float eps = 1e-8f;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            rng.Shuffle<int>(order);
            foreach (int r in order)
            {
                int[] f = features[r];
                int y = labels[r];
                PredictProbabilities(f, p);
                // ∂ℓ/∂z: sigmoid p₁ − y, or softmax p − onehot(y)
                if (Outputs == 1) d[0] = p[1] - y;
                else for (int o = 0; o < Outputs; o++) d[o] = p[o] - (o == y ? 1 : 0);
                for (int o = 0; o < Outputs; o++)
                {
                    gb[o] += d[o] * d[o];
                    _bias[o] -= learningRate * d[o] / (MathF.Sqrt(gb[o]) + eps);
                }
                foreach (int j in f)
                {
                    float x = _scale is null ? 1 : _scale[j];
                    for (int o = 0; o < Outputs; o++)
                    {
                        int k = j * Outputs + o;
                        float g = d[o] * x + l2 * _weights[k];
                        gw[k] += g * g;
                        _weights[k] -= learningRate * g / (MathF.Sqrt(gw[k]) + eps);
                    }
                }
            }
            if (validationFeatures is null) continue;
            double loss = MeanLoss(validationFeatures, validationLabels!);
            if (loss < bestLoss)
            {
                bestLoss = loss;
                bestEpoch = epoch;
                wait = 0;
                best ??= new float[_weights.Length + _bias.Length];
                _weights.CopyTo(best, 0);
                _bias.CopyTo(best, _weights.Length);
            }
            else if (++wait >= patience) break;
        }
        if (best is not null)
        {
            best.AsSpan(0, _weights.Length).CopyTo(_weights);
            best.AsSpan(_weights.Length).CopyTo(_bias);
        }
        return bestEpoch;
    }

    /// <summary>Mean cross-entropy on rows of features and class ids.</summary>
    public double MeanLoss(IReadOnlyList<int[]> features, IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        Span<float> p = stackalloc float[Classes];
        double sum = 0;
        for (int i = 0; i < features.Count; i++)
        {
            PredictProbabilities(features[i], p);
            sum -= Math.Log(Math.Max(p[labels[i]], 1e-7f));
        }
        return features.Count == 0 ? double.NaN : sum / features.Count;
    }
}
