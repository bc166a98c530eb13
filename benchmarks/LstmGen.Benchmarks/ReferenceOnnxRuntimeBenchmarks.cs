using BenchmarkDotNet.Attributes;
using LstmGen.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace LstmGen.Benchmarks;

/// <summary>
/// The peer baseline: ONNX Runtime running the reference model exported by <see cref="OnnxExporter"/> from
/// <c>new ReferenceModel()</c> (the same weights as <see cref="ReferenceModelBenchmarks"/>), on the same 32 rows, with
/// <c>OperationsPerInvoke = 32</c> so every time is per sequence. Inputs and outputs are OrtValues over pinned,
/// pre-allocated arrays bound once through <see cref="OrtIoBinding"/>, so no case allocates tensors per run.
/// </summary>
/// <remarks>
/// Sessions run the CPU execution provider with all graph optimisations. "1 thread" sessions have one intra-op and one
/// inter-op thread and sequential execution. The token ids are int64 (the graph's input type), converted once in setup.
/// </remarks>
[MemoryDiagnoser]
public class ReferenceOnnxRuntimeBenchmarks
{
    private const int T = ReferenceModel.SequenceLength;
    private const int O = ReferenceModel.OutputSize;
    private const int B = BenchmarkData.Batch;
    private const int Half = B / 2;

    private readonly List<IDisposable> _disposables = [];
    private InferenceSession _session = null!;
    private InferenceSession _intraOp2 = null!;
    private RunOptions _runOptions = null!;
    private RunOptions _runOptionsSecond = null!;
    private long[] _ids = null!;
    private float[] _outputs = null!;
    private OrtIoBinding[] _rowBindings = null!;
    private OrtIoBinding _batchBinding = null!;
    private OrtIoBinding _batchBindingIntraOp2 = null!;
    private OrtIoBinding _firstHalfBinding = null!;
    private OrtIoBinding _secondHalfBinding = null!;
    private Action _firstHalf = null!;
    private Action _secondHalf = null!;

    /// <summary>The ONNX Runtime native library's version string.</summary>
    public static string OrtVersion => OrtEnv.Instance().GetVersionString();

    [GlobalSetup]
    public void Setup()
    {
        var model = new ReferenceModel();
        byte[] onnx;
        using (var stream = new MemoryStream())
        {
            OnnxExporter.Export(model, stream);
            onnx = stream.ToArray();
        }
        _session = Own(new InferenceSession(onnx, Own(Options(threads: 1))));
        _intraOp2 = Own(new InferenceSession(onnx, Own(Options(threads: 2))));
        _runOptions = Own(new RunOptions());
        _runOptionsSecond = Own(new RunOptions());

        int[] tokens = BenchmarkData.MakeTokens(B);
        _ids = Array.ConvertAll(tokens, id => (long)id);
        _outputs = new float[B * O];

        _rowBindings = new OrtIoBinding[B];
        for (int r = 0; r < B; r++) _rowBindings[r] = Bind(_session, r, 1);
        _batchBinding = Bind(_session, 0, B);
        _batchBindingIntraOp2 = Bind(_intraOp2, 0, B);
        _firstHalfBinding = Bind(_session, 0, Half);
        _secondHalfBinding = Bind(_session, Half, Half);
        _firstHalf = () => _session.RunWithBinding(_runOptions, _firstHalfBinding);
        _secondHalf = () => _session.RunWithBinding(_runOptionsSecond, _secondHalfBinding);

        Verify(model, tokens);
    }

    /// <summary>Runs every case once and throws unless each agrees with the generated model within <see cref="ReferenceModelBenchmarks.Tolerance"/>.</summary>
    private void Verify(ReferenceModel model, int[] tokens)
    {
        var expected = new float[B * O];
        model.PredictBatch(tokens, expected);
        Check("ONNX Runtime batch 1", expected, () => Ort_Batch1());
        Check("ONNX Runtime batch 32", expected, () => Ort_Batch32());
        Check("ONNX Runtime batch 32, 2 threads", expected, () => Ort_Batch32_2Threads());
        Check("ONNX Runtime batch 32, intra-op 2 threads", expected, () => Ort_Batch32_IntraOp_2Threads());
    }

    private void Check(string what, float[] expected, Action run)
    {
        Array.Fill(_outputs, float.NaN);
        run();
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - _outputs[i]);
            if (!(diff <= ReferenceModelBenchmarks.Tolerance))
                throw new InvalidOperationException($"{what} disagrees with the generated model on row {i / O}: {_outputs[i]} vs {expected[i]} (|Δ| = {diff}).");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        for (int i = _disposables.Count - 1; i >= 0; i--) _disposables[i].Dispose();
        _disposables.Clear();
    }

    private static SessionOptions Options(int threads) => new()
    {
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };

    // Binds rows [first, first + rows) of the shared input and output arrays (pinned OrtValues, no copies).
    private OrtIoBinding Bind(InferenceSession session, int first, int rows)
    {
        OrtIoBinding binding = Own(session.CreateIoBinding());
        OrtValue input = Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            _ids.AsMemory(first * T, rows * T), [rows, T]));
        OrtValue output = Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            _outputs.AsMemory(first * O, rows * O), [rows, O]));
        binding.BindInput(OnnxExporter.InputName, input);
        binding.BindOutput(OnnxExporter.OutputName, output);
        return binding;
    }

    private TDisposable Own<TDisposable>(TDisposable disposable) where TDisposable : IDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    /// <summary>ONNX Runtime, one sequence per run (input [1, T]), one thread.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float Ort_Batch1()
    {
        float sum = 0;
        for (int r = 0; r < B; r++)
        {
            _session.RunWithBinding(_runOptions, _rowBindings[r]);
            sum += _outputs[r];
        }
        return sum;
    }

    /// <summary>ONNX Runtime, all 32 rows in one run, one thread.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float Ort_Batch32()
    {
        _session.RunWithBinding(_runOptions, _batchBinding);
        return _outputs[0];
    }

    /// <summary>
    /// Data-parallel like <see cref="ReferenceModelBenchmarks.PredictBatch32_Folded_2Threads"/>: two concurrent runs of
    /// the one-thread session (<see cref="Parallel.Invoke(Action[])"/>), 16 rows each.
    /// </summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float Ort_Batch32_2Threads()
    {
        Parallel.Invoke(_firstHalf, _secondHalf);
        return _outputs[0];
    }

    /// <summary>ONNX Runtime's own parallelism: one run of all 32 rows on a session with two intra-op threads.</summary>
    [Benchmark(OperationsPerInvoke = B)]
    public float Ort_Batch32_IntraOp_2Threads()
    {
        _intraOp2.RunWithBinding(_runOptions, _batchBindingIntraOp2);
        return _outputs[0];
    }
}
