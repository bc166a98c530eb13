using BenchmarkDotNet.Attributes;
using LstmGen.Training;

namespace LstmGen.Benchmarks;

/// <summary>
/// One training step of the reference model at batch 32 — forward, backward (BPTT) and Adam over all 1.33 M
/// parameters — reported per sequence (<c>OperationsPerInvoke = 32</c>). A training step is about three forward passes.
/// The two-thread case is <see cref="TrainingStep"/> with two data-parallel shards of 16 rows (its own model and Adam).
/// The short-text case trains on rows of 4–24 tokens padded to 100 (<see cref="BenchmarkData.MakeShortTexts"/>): the
/// shape of real sentiment data, where most (step, row) pairs are padding and skipped. The lazy cases run
/// <see cref="TrainingStep"/> with <c>new Adam(lazy: true)</c> (only the batch's embedding rows updated) beside the same
/// step with dense Adam.
/// </summary>
[MemoryDiagnoser]
public class TrainingBenchmarks
{
    private const int B = BenchmarkData.Batch;
    private ReferenceModel _model = null!;
    private int[] _tokens = null!;
    private int[] _shortTexts = null!;
    private float[] _targets = null!;
    private float[] _gradients = null!;
    private Adam _adam = null!;
    private TrainingStep _parallel = null!;
    private TrainingStep _denseStep = null!, _lazyStep = null!, _lazyParallel = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = new ReferenceModel(seed: 1);
        _tokens = BenchmarkData.MakeTokens(B);
        _shortTexts = BenchmarkData.MakeShortTexts(B);
        _targets = new float[B];
        for (int i = 0; i < B; i += 2) _targets[i] = 1f;
        _gradients = new float[ReferenceModel.ParameterCount];
        _adam = new Adam();
        TrainStep_Batch32();
        TrainStep_Batch32_ShortTexts();
        _parallel = new TrainingStep(new ReferenceModel(seed: 1), new Adam(), threads: 2);
        TrainStep_Batch32_2Threads();
        _denseStep = new TrainingStep(new ReferenceModel(seed: 1), new Adam());
        _lazyStep = new TrainingStep(new ReferenceModel(seed: 1), new Adam(lazy: true));
        _lazyParallel = new TrainingStep(new ReferenceModel(seed: 1), new Adam(lazy: true), threads: 2);
        TrainStep_Batch32_Step();
        TrainStep_Batch32_LazyAdam();
        TrainStep_Batch32_LazyAdam_2Threads();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _parallel.Dispose();
        _denseStep.Dispose();
        _lazyStep.Dispose();
        _lazyParallel.Dispose();
    }

    [Benchmark(OperationsPerInvoke = B)]
    public float TrainStep_Batch32()
    {
        float loss = _model.ComputeGradients(_tokens, _targets, _gradients, default);
        using (ParameterUpdate update = _model.BeginParameterUpdate()) _adam.Step(update.Values, _gradients);
        return loss;
    }

    [Benchmark(OperationsPerInvoke = B)]
    public float TrainStep_Batch32_ShortTexts()
    {
        float loss = _model.ComputeGradients(_shortTexts, _targets, _gradients, default);
        using (ParameterUpdate update = _model.BeginParameterUpdate()) _adam.Step(update.Values, _gradients);
        return loss;
    }

    [Benchmark(OperationsPerInvoke = B)]
    public float TrainStep_Batch32_2Threads() => _parallel.Run(_tokens, _targets);

    [Benchmark(OperationsPerInvoke = B)]
    public float TrainStep_Batch32_Step() => _denseStep.Run(_tokens, _targets);

    [Benchmark(OperationsPerInvoke = B)]
    public float TrainStep_Batch32_LazyAdam() => _lazyStep.Run(_tokens, _targets);

    [Benchmark(OperationsPerInvoke = B)]
    public float TrainStep_Batch32_LazyAdam_2Threads() => _lazyParallel.Run(_tokens, _targets);
}
