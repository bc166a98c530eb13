namespace LstmGen.Benchmarks;

/// <summary>
/// The baseline: the same Embedding → LSTM → Dense(sigmoid) model written the way a hand-port of a Keras/PyTorch
/// tutorial would be. Plain loops over float arrays in PyTorch layout (gate order i, f, g, o), each gate's
/// pre-activation computed on its own, <see cref="MathF.Exp"/> / <see cref="MathF.Tanh"/> for the activations,
/// no SIMD, no weight packing, no folded table. Token 0 is padding and leaves h and c unchanged.
/// </summary>
/// <remarks>Keeps its working vectors in fields, so one instance is not thread-safe.</remarks>
public sealed class NaiveLstm
{
    private readonly int _vocab;
    private readonly int _embed;
    private readonly int _hidden;
    private readonly int _outputs;

    private readonly float[] _embedding; // [V, E]
    private readonly float[] _weightIh;  // [4H, E]
    private readonly float[] _weightHh;  // [4H, H]
    private readonly float[] _biasIh;    // [4H]
    private readonly float[] _biasHh;    // [4H]
    private readonly float[] _fcWeight;  // [O, H]
    private readonly float[] _fcBias;    // [O]

    private readonly float[] _h;
    private readonly float[] _c;
    private readonly float[] _inputGate;
    private readonly float[] _forgetGate;
    private readonly float[] _cellGate;
    private readonly float[] _outputGate;

    /// <summary>Creates the baseline from weight arrays in PyTorch layout (copied).</summary>
    public NaiveLstm(int vocab, int embed, int hidden, int outputs,
        ReadOnlySpan<float> embedding, ReadOnlySpan<float> weightIh, ReadOnlySpan<float> weightHh,
        ReadOnlySpan<float> biasIh, ReadOnlySpan<float> biasHh, ReadOnlySpan<float> fcWeight, ReadOnlySpan<float> fcBias)
    {
        _vocab = vocab;
        _embed = embed;
        _hidden = hidden;
        _outputs = outputs;
        _embedding = Copy(embedding, vocab * embed, nameof(embedding));
        _weightIh = Copy(weightIh, 4 * hidden * embed, nameof(weightIh));
        _weightHh = Copy(weightHh, 4 * hidden * hidden, nameof(weightHh));
        _biasIh = Copy(biasIh, 4 * hidden, nameof(biasIh));
        _biasHh = Copy(biasHh, 4 * hidden, nameof(biasHh));
        _fcWeight = Copy(fcWeight, outputs * hidden, nameof(fcWeight));
        _fcBias = Copy(fcBias, outputs, nameof(fcBias));
        _h = new float[hidden];
        _c = new float[hidden];
        _inputGate = new float[hidden];
        _forgetGate = new float[hidden];
        _cellGate = new float[hidden];
        _outputGate = new float[hidden];
    }

    /// <summary>Copies the weights out of a generated <see cref="ReferenceModel"/> through its named PyTorch views.</summary>
    public static NaiveLstm FromModel(ReferenceModel model) => new(
        ReferenceModel.VocabularySize, ReferenceModel.EmbeddingSize, ReferenceModel.HiddenSize, ReferenceModel.OutputSize,
        model.EmbeddingWeight, model.LstmWeightIh, model.LstmWeightHh, model.LstmBiasIh, model.LstmBiasHh,
        model.FcWeight, model.FcBias);

    private static float[] Copy(ReadOnlySpan<float> source, int expected, string name)
    {
        if (source.Length != expected) throw new ArgumentException($"Expected {expected} values, got {source.Length}.", name);
        return source.ToArray();
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>Runs one sequence (0 = padding) and returns the first output's probability.</summary>
    public float Predict(ReadOnlySpan<int> tokens)
    {
        Span<float> output = stackalloc float[1];
        if (_outputs != 1) throw new InvalidOperationException("Predict(tokens) needs a single-output model.");
        Predict(tokens, output);
        return output[0];
    }

    /// <summary>Runs one sequence (0 = padding) and writes the sigmoid outputs.</summary>
    public void Predict(ReadOnlySpan<int> tokens, Span<float> output)
    {
        int H = _hidden;
        Array.Clear(_h);
        Array.Clear(_c);

        for (int t = 0; t < tokens.Length; t++)
        {
            int token = tokens[t];
            if ((uint)token >= (uint)_vocab) throw new ArgumentOutOfRangeException(nameof(tokens), token, "Token id out of range.");
            if (token == 0) continue; // padding: h and c stay as they are

            int x = token * _embed; // row of the embedding table

            // Each gate separately: gate[j] = act(W_ih[row]·x + b_ih[row] + W_hh[row]·h + b_hh[row]).
            for (int j = 0; j < H; j++)
            {
                _inputGate[j] = Sigmoid(PreActivation(0 * H + j, x));
                _forgetGate[j] = Sigmoid(PreActivation(1 * H + j, x));
                _cellGate[j] = MathF.Tanh(PreActivation(2 * H + j, x));
                _outputGate[j] = Sigmoid(PreActivation(3 * H + j, x));
            }

            // c' = f*c + i*g;  h' = o*tanh(c')  (after all gates read the old h)
            for (int j = 0; j < H; j++)
            {
                _c[j] = _forgetGate[j] * _c[j] + _inputGate[j] * _cellGate[j];
                _h[j] = _outputGate[j] * MathF.Tanh(_c[j]);
            }
        }

        for (int o = 0; o < _outputs; o++)
        {
            float z = _fcBias[o];
            for (int j = 0; j < H; j++) z += _fcWeight[o * H + j] * _h[j];
            output[o] = Sigmoid(z);
        }
    }

    // W_ih[row, :]·embedding[token, :] + b_ih[row] + W_hh[row, :]·h + b_hh[row]
    private float PreActivation(int row, int embeddingOffset)
    {
        float sum = _biasIh[row] + _biasHh[row];
        for (int e = 0; e < _embed; e++) sum += _weightIh[row * _embed + e] * _embedding[embeddingOffset + e];
        for (int k = 0; k < _hidden; k++) sum += _weightHh[row * _hidden + k] * _h[k];
        return sum;
    }
}
