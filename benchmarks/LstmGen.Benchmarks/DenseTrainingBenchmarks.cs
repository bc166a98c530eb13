using BenchmarkDotNet.Attributes;
using LstmGen.Training;

namespace LstmGen.Benchmarks;

/// <summary>A dense-input LSTM of the forecasting shape: 8 float features per step, hidden 64, 100 steps, one linear output.</summary>
[LstmModel(InputSize = 8, HiddenSize = 64, SequenceLength = 100, Output = OutputActivation.Linear)]
public sealed partial class DenseForecastModel;

/// <summary>
/// One training step of a dense-input LSTM (InputSize 8, H 64, T 100) at batch 32 — forward, backward (BPTT) and Adam —
/// reported per sequence (<c>OperationsPerInvoke = 32</c>). Rows have lengths 50–100 (PyTorch packed sequences), as a
/// batch of series windows of different lengths would; features U(−1, 1), targets U(−1, 1).
/// </summary>
[MemoryDiagnoser]
public class DenseTrainingBenchmarks
{
    private const int B = BenchmarkData.Batch;

    /// <summary>Mean real steps of a row: lengths are uniform in [50, 100].</summary>
    public const double MeanLength = 75;

    /// <summary>Nominal FLOPs per sequence of a training step: three forward passes of 2·(N + H)·4H per real step.</summary>
    public const double NominalFlopsPerSequence = 3.0 * 2 * (DenseForecastModel.InputSize + DenseForecastModel.HiddenSize) * 4 * DenseForecastModel.HiddenSize * MeanLength;

    private DenseForecastModel _model = null!;
    private float[] _inputs = null!;
    private int[] _lengths = null!;
    private float[] _targets = null!;
    private float[] _gradients = null!;
    private Adam _adam = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = new DenseForecastModel(seed: 1);
        var rng = new Rng(5);
        _inputs = new float[B * DenseForecastModel.SequenceLength * DenseForecastModel.InputSize];
        for (int i = 0; i < _inputs.Length; i++) _inputs[i] = rng.NextUniform(-1, 1);
        _lengths = new int[B];
        for (int b = 0; b < B; b++) _lengths[b] = 50 + rng.NextInt(51);
        _targets = new float[B];
        for (int b = 0; b < B; b++) _targets[b] = rng.NextUniform(-1, 1);
        _gradients = new float[DenseForecastModel.ParameterCount];
        _adam = new Adam();
        DenseTrainStep_Batch32();
    }

    [Benchmark(OperationsPerInvoke = B)]
    public float DenseTrainStep_Batch32()
    {
        float loss = _model.ComputeGradients(_inputs, _lengths, _targets, _gradients, default);
        using (ParameterUpdate update = _model.BeginParameterUpdate()) _adam.Step(update.Values, _gradients);
        return loss;
    }
}
