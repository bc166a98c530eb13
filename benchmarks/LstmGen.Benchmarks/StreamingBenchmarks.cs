using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

/// <summary>
/// Streaming inference on the reference model (V = 10,000, E = 128, H = 64, one sigmoid output): <see cref="Step"/> feeds
/// one seeded 100-token sequence (no padding) token by token through a caller-owned state, beside
/// <see cref="PredictPerStep"/>, Predict on the same sequence and weights. Both declare <c>OperationsPerInvoke = 100</c>,
/// so each row is the cost of one step (Step's includes its per-call head, activation, argument checks and snapshot lease,
/// which Predict pays once per sequence).
/// </summary>
[MemoryDiagnoser]
public class StreamingBenchmarks
{
    private const int T = ReferenceModel.SequenceLength;

    private ReferenceModel _model = null!;
    private ReferenceModel.State _state = null!;
    private int[] _tokens = null!;
    private readonly float[] _output = new float[ReferenceModel.OutputSize];

    [GlobalSetup]
    public void Setup()
    {
        _model = new ReferenceModel();
        _state = _model.CreateState();
        var rng = new Random(BenchmarkData.TokenSeed);
        _tokens = new int[T];
        for (int t = 0; t < T; t++) _tokens[t] = rng.Next(2, ReferenceModel.VocabularySize);
        // The streamed output after the last token is Predict's, bit for bit (and this builds the packed weights and table).
        float predicted = PredictPerStep(), streamed = Step();
        if (BitConverter.SingleToInt32Bits(predicted) != BitConverter.SingleToInt32Bits(streamed))
            throw new InvalidOperationException($"Step gave {streamed} after the sequence but Predict gives {predicted}.");
    }

    /// <summary>Predict on the 100-token sequence, per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public float PredictPerStep()
    {
        _model.Predict(_tokens, _output);
        return _output[0];
    }

    /// <summary>The same sequence through Step, one token per call (the state reset first), per step.</summary>
    [Benchmark(OperationsPerInvoke = T)]
    public float Step()
    {
        _state.Reset();
        for (int t = 0; t < _tokens.Length; t++) _model.Step(_state, _tokens[t], _output);
        return _output[0];
    }
}
