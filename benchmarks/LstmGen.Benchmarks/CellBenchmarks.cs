using BenchmarkDotNet.Attributes;
using LstmGen.Training;

namespace LstmGen.Benchmarks;

/// <summary>
/// The reference workload with the other recurrent cells: GRU (3 gates) and simple tanh RNN (1 gate), V = 10,000,
/// E = 128, H = 64, T = 100, one sigmoid output, on the same 32 seeded rows as the LSTM. Batch-1 <c>Predict</c> (folded
/// table) and the batch-32 training step (forward, BPTT, Adam), each reported per sequence (<c>OperationsPerInvoke = 32</c>).
/// </summary>
[MemoryDiagnoser]
public class CellBenchmarks
{
    private const int T = ReferenceModel.SequenceLength;
    private const int B = BenchmarkData.Batch;

    private ReferenceGruModel _gru = null!;
    private ReferenceRnnModel _rnn = null!;
    private int[] _tokens = null!;
    private float[] _targets = null!;
    private float[] _gruGradients = null!;
    private float[] _rnnGradients = null!;
    private Adam _gruAdam = null!;
    private Adam _rnnAdam = null!;

    [GlobalSetup]
    public void Setup()
    {
        _gru = new ReferenceGruModel(seed: 1);
        _rnn = new ReferenceRnnModel(seed: 1);
        _tokens = BenchmarkData.MakeTokens(B);
        _targets = new float[B];
        for (int i = 0; i < B; i += 2) _targets[i] = 1f;
        _gruGradients = new float[ReferenceGruModel.ParameterCount];
        _rnnGradients = new float[ReferenceRnnModel.ParameterCount];
        _gruAdam = new Adam();
        _rnnAdam = new Adam();
        Verify(_gru);
        Verify(_rnn);
        // Warm up: packed weights, folded tables and training workspaces are built outside the measurements.
        Gru_TrainStep_Batch32();
        Rnn_TrainStep_Batch32();
    }

    /// <summary>Throws unless batch-1 Predict (folded and unfolded) and PredictBatch agree within 1e-4 on all 32 rows.</summary>
    private void Verify(ISequenceModel model)
    {
        var batch = new float[B];
        model.PredictBatch(_tokens, batch);
        var one = new float[1];
        foreach (bool folded in new[] { false, true })
        {
            model.UseFoldedEmbedding = folded;
            for (int r = 0; r < B; r++)
            {
                model.Predict(Row(r), one);
                if (!(MathF.Abs(one[0] - batch[r]) <= ReferenceModelBenchmarks.Tolerance))
                    throw new InvalidOperationException($"{model.GetType().Name}: Predict (folded={folded}) {one[0]} and PredictBatch {batch[r]} disagree on row {r}.");
            }
        }
    }

    private ReadOnlySpan<int> Row(int r) => _tokens.AsSpan(r * T, T);

    /// <summary>Generated GRU <c>Predict</c>, one sequence at a time, folded embedding table.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float Gru_Predict_Batch1_Folded()
    {
        float sum = 0;
        for (int r = 0; r < B; r++) sum += _gru.Predict(Row(r));
        return sum;
    }

    /// <summary>Generated simple-RNN <c>Predict</c>, one sequence at a time, folded embedding table.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float Rnn_Predict_Batch1_Folded()
    {
        float sum = 0;
        for (int r = 0; r < B; r++) sum += _rnn.Predict(Row(r));
        return sum;
    }

    /// <summary>One GRU training step on 32 rows: forward, backward, Adam.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float Gru_TrainStep_Batch32()
    {
        float loss = _gru.ComputeGradients(_tokens, _targets, _gruGradients, default);
        using (ParameterUpdate update = _gru.BeginParameterUpdate()) _gruAdam.Step(update.Values, _gruGradients);
        return loss;
    }

    /// <summary>One simple-RNN training step on 32 rows: forward, backward, Adam.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float Rnn_TrainStep_Batch32()
    {
        float loss = _rnn.ComputeGradients(_tokens, _targets, _rnnGradients, default);
        using (ParameterUpdate update = _rnn.BeginParameterUpdate()) _rnnAdam.Step(update.Values, _rnnGradients);
        return loss;
    }
}
