using BenchmarkDotNet.Attributes;
using LstmGen.Training;

namespace LstmGen.Benchmarks;

/// <summary>
/// One training step of the reference model at batch 32 — forward, backward (BPTT) and Adam over all 1.33 M
/// parameters — reported per sequence (<c>OperationsPerInvoke = 32</c>). A training step is about three forward passes.
/// </summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private const int B = BenchmarkData.Batch;
    private ReferenceModel _model = null!;
    private int[] _tokens = null!;
    private float[] _targets = null!;
    private float[] _gradients = null!;
    private Adam _adam = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = new ReferenceModel(seed: 1);
        _tokens = BenchmarkData.MakeTokens(B);
        _targets = new float[B];
        for (int i = 0; i < B; i += 2) _targets[i] = 1f;
        _gradients = new float[ReferenceModel.ParameterCount];
        _adam = new Adam();
        TrainStep_Batch32();
    }

    [Benchmark(OperationsPerInvoke = B)]
    public float TrainStep_Batch32()
    {
        float loss = _model.ComputeGradients(_tokens, _targets, _gradients, default);
        _adam.Step(_model.Parameters, _gradients);
        return loss;
    }
}
