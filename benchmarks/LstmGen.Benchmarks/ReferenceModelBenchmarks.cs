using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

/// <summary>
/// The reference model (V = 10,000, E = 128, H = 64, T = 100, O = 1) on 32 seeded rows of tokens, about 20% of them
/// left-padded. Every case runs all 32 rows per invocation and declares <c>OperationsPerInvoke = 32</c>, so every
/// reported time is per sequence, over the same data.
/// </summary>
[MemoryDiagnoser]
public class ReferenceModelBenchmarks
{
    private const int T = ReferenceModel.SequenceLength;
    private const int B = BenchmarkData.Batch;
    private const int Half = B / 2;

    /// <summary>Largest |difference| allowed between the baseline and any generated path.</summary>
    public const float Tolerance = 1e-4f;

    private ReferenceModel _folded = null!;
    private ReferenceModel _unfolded = null!;
    private NaiveLstm _naive = null!;
    private int[] _tokens = null!;
    private float[] _outputs = null!;
    private Action _firstHalf = null!;
    private Action _secondHalf = null!;

    [GlobalSetup]
    public void Setup()
    {
        _folded = new ReferenceModel() { UseFoldedEmbedding = true };
        _unfolded = new ReferenceModel() { UseFoldedEmbedding = false };
        _naive = NaiveLstm.FromModel(_folded);
        _tokens = BenchmarkData.MakeTokens(B);
        _outputs = new float[B * ReferenceModel.OutputSize];
        _firstHalf = () => _folded.PredictBatch(_tokens.AsSpan(0, Half * T), _outputs.AsSpan(0, Half));
        _secondHalf = () => _folded.PredictBatch(_tokens.AsSpan(Half * T, Half * T), _outputs.AsSpan(Half, Half));
        Verify();
    }

    /// <summary>
    /// Runs every path once (which also builds the packed weights and the folded table outside the measurements) and
    /// throws unless each agrees with the naive baseline within <see cref="Tolerance"/> on all 32 rows.
    /// </summary>
    public void Verify()
    {
        var expected = new float[B];
        for (int r = 0; r < B; r++) expected[r] = _naive.Predict(Row(r));

        var actual = new float[B];
        for (int r = 0; r < B; r++) actual[r] = _folded.Predict(Row(r));
        Check("Predict (folded)", expected, actual);
        for (int r = 0; r < B; r++) actual[r] = _unfolded.Predict(Row(r));
        Check("Predict (unfolded)", expected, actual);
        _folded.PredictBatch(_tokens, actual);
        Check("PredictBatch (folded)", expected, actual);
        _unfolded.PredictBatch(_tokens, actual);
        Check("PredictBatch (unfolded)", expected, actual);
        Array.Clear(_outputs);
        Parallel.Invoke(_firstHalf, _secondHalf);
        Check("PredictBatch 2 threads (folded)", expected, _outputs);

        // Padding must be masked: prepending more zeros to a row changes nothing.
        int[] shifted = new int[T];
        Row(0)[10..].CopyTo(shifted.AsSpan(10)); // ten leading zeros, then row 0 from position 10
        float masked = _naive.Predict(shifted), generated = _folded.Predict(shifted);
        float unshifted = _naive.Predict(Row(0)[10..]);
        if (MathF.Abs(masked - unshifted) > 1e-6f || MathF.Abs(generated - masked) > Tolerance)
            throw new InvalidOperationException($"Padding is not masked: {masked} vs {unshifted} (generated {generated}).");
    }

    private static void Check(string what, float[] expected, float[] actual)
    {
        for (int r = 0; r < expected.Length; r++)
        {
            float diff = MathF.Abs(expected[r] - actual[r]);
            if (!(diff <= Tolerance))
                throw new InvalidOperationException($"{what} disagrees with NaiveLstm on row {r}: {actual[r]} vs {expected[r]} (|Δ| = {diff}, tolerance {Tolerance}).");
        }
    }

    private ReadOnlySpan<int> Row(int r) => _tokens.AsSpan(r * T, T);

    /// <summary>Baseline: the naive port, one sequence at a time.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = B)]
    public float Naive_Batch1()
    {
        float sum = 0;
        for (int r = 0; r < B; r++) sum += _naive.Predict(Row(r));
        return sum;
    }

    /// <summary>Generated <c>Predict</c>, one sequence at a time, folded embedding table.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float Predict_Batch1_Folded()
    {
        float sum = 0;
        for (int r = 0; r < B; r++) sum += _folded.Predict(Row(r));
        return sum;
    }

    /// <summary>Generated <c>Predict</c>, one sequence at a time, embedding gathered and projected per call.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float Predict_Batch1_Unfolded()
    {
        float sum = 0;
        for (int r = 0; r < B; r++) sum += _unfolded.Predict(Row(r));
        return sum;
    }

    /// <summary>Generated <c>PredictBatch</c> on 32 rows, folded embedding table.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float PredictBatch32_Folded()
    {
        _folded.PredictBatch(_tokens, _outputs);
        return _outputs[0];
    }

    /// <summary>Generated <c>PredictBatch</c> on 32 rows, input projection as a GEMM per step.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float PredictBatch32_Unfolded()
    {
        _unfolded.PredictBatch(_tokens, _outputs);
        return _outputs[0];
    }

    /// <summary>Two threads (<see cref="Parallel.Invoke(Action[])"/>), each <c>PredictBatch</c> on 16 of the 32 rows, folded.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float PredictBatch32_Folded_2Threads()
    {
        Parallel.Invoke(_firstHalf, _secondHalf);
        return _outputs[0];
    }
}
