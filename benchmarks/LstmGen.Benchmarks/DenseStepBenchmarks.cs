using BenchmarkDotNet.Attributes;

namespace LstmGen.Benchmarks;

/// <summary>Dense LSTM, one feature per step, one linear output: the per-sample models of the RTNeural comparison.</summary>
[LstmModel(InputSize = 1, HiddenSize = 8, SequenceLength = 100, Output = OutputActivation.Linear)]
public sealed partial class DenseH8Model;

/// <inheritdoc cref="DenseH8Model"/>
[LstmModel(InputSize = 1, HiddenSize = 16, SequenceLength = 100, Output = OutputActivation.Linear)]
public sealed partial class DenseH16Model;

/// <inheritdoc cref="DenseH8Model"/>
[LstmModel(InputSize = 1, HiddenSize = 32, SequenceLength = 100, Output = OutputActivation.Linear)]
public sealed partial class DenseH32Model;

/// <inheritdoc cref="DenseH8Model"/>
[LstmModel(InputSize = 1, HiddenSize = 64, SequenceLength = 100, Output = OutputActivation.Linear)]
public sealed partial class DenseH64Model;

/// <summary>
/// Streaming a sample at a time through the dense models above (issue 12's RTNeural comparison): every weight uniform in
/// ±1/√H (seeded), the input a 0.5-amplitude sine (period 50 samples), the state carried across invocations, 100
/// samples per invocation (<c>OperationsPerInvoke = 100</c>), so each row is ns per sample.
/// </summary>
[MemoryDiagnoser]
public class DenseStepBenchmarks
{
    private const int Samples = 100;

    private readonly float[] _input = new float[Samples];
    private readonly float[] _output = new float[1];
    private DenseH8Model _h8 = null!;
    private DenseH16Model _h16 = null!;
    private DenseH32Model _h32 = null!;
    private DenseH64Model _h64 = null!;
    private DenseH8Model.State _s8 = null!;
    private DenseH16Model.State _s16 = null!;
    private DenseH32Model.State _s32 = null!;
    private DenseH64Model.State _s64 = null!;

    [GlobalSetup]
    public void Setup()
    {
        for (int i = 0; i < Samples; i++) _input[i] = 0.5f * MathF.Sin(2 * MathF.PI * i / 50);
        _h8 = Uniform(new DenseH8Model(), DenseH8Model.HiddenSize);
        _h16 = Uniform(new DenseH16Model(), DenseH16Model.HiddenSize);
        _h32 = Uniform(new DenseH32Model(), DenseH32Model.HiddenSize);
        _h64 = Uniform(new DenseH64Model(), DenseH64Model.HiddenSize);
        (_s8, _s16, _s32, _s64) = (_h8.CreateState(), _h16.CreateState(), _h32.CreateState(), _h64.CreateState());
        // Stepping 100 samples gives Predict's output on them, bit for bit (and builds the packed weights).
        Dense_Step_H64();
        _s64.Reset();
        var predicted = new float[1];
        _h64.Predict(_input, predicted);
        if (BitConverter.SingleToInt32Bits(predicted[0]) != BitConverter.SingleToInt32Bits(_output[0]))
            throw new InvalidOperationException($"Step gave {_output[0]} after 100 samples but Predict gives {predicted[0]}.");
    }

    // Every parameter uniform in ±1/√H, as the comparison's weights.
    private static TModel Uniform<TModel>(TModel model, int hidden) where TModel : IGeneratedModel
    {
        var rng = new Rng(hidden);
        float bound = 1f / MathF.Sqrt(hidden);
        using ParameterUpdate update = model.BeginParameterUpdate();
        Initializers.Uniform(update.Values, -bound, bound, ref rng);
        return model;
    }

    /// <summary>H = 8: ns per sample.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float Dense_Step_H8()
    {
        for (int i = 0; i < Samples; i++) _h8.Step(_s8, _input.AsSpan(i, 1), _output);
        return _output[0];
    }

    /// <summary>H = 16: ns per sample.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float Dense_Step_H16()
    {
        for (int i = 0; i < Samples; i++) _h16.Step(_s16, _input.AsSpan(i, 1), _output);
        return _output[0];
    }

    /// <summary>H = 32: ns per sample.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float Dense_Step_H32()
    {
        for (int i = 0; i < Samples; i++) _h32.Step(_s32, _input.AsSpan(i, 1), _output);
        return _output[0];
    }

    /// <summary>H = 64: ns per sample.</summary>
    [Benchmark(OperationsPerInvoke = Samples)]
    public float Dense_Step_H64()
    {
        for (int i = 0; i < Samples; i++) _h64.Step(_s64, _input.AsSpan(i, 1), _output);
        return _output[0];
    }
}
