using System.Diagnostics;
using LstmGen;
using LstmGen.Benchmarks;

namespace LstmGen.Benchmarks
{
    // A = the generated code as it is, B = the same code after step-ab.sh's transform (their generated partial halves).
    public sealed partial class DenseH8Model; public sealed partial class DenseH8ModelB;
    public sealed partial class DenseH16Model; public sealed partial class DenseH16ModelB;
    public sealed partial class DenseH32Model; public sealed partial class DenseH32ModelB;
    public sealed partial class DenseH64Model; public sealed partial class DenseH64ModelB;
}

/// <summary>
/// A/B timing of the dense streaming step in one process: A and B interleaved round by round (a shared host's drift hits
/// both), each round 20 calls of 100 samples; min and median ns per sample. "H" rows time the public Step, "K" rows the
/// generated step kernel alone (BenchKernel, added by step-ab.sh), so H − K is the work Step does around the kernel.
/// Before timing, A and B are checked for the same output bits after the same 100 samples, and B's Step against its Predict;
/// a difference is printed and the exit code is 1 (the timings still run: an edit may change the arithmetic on purpose).
/// </summary>
internal static class Harness
{
    private const int Samples = 100;
    private static readonly float[] s_input = new float[Samples];
    private static readonly float[] s_output = new float[1];

    // Every parameter uniform in ±1/√H, seeded (DenseStepBenchmarks' weights).
    private static TModel Uniform<TModel>(TModel model, int hidden) where TModel : IGeneratedModel
    {
        var rng = new Rng(hidden);
        float bound = 1f / MathF.Sqrt(hidden);
        using ParameterUpdate update = model.BeginParameterUpdate();
        Initializers.Uniform(update.Values, -bound, bound, ref rng);
        return model;
    }

    private sealed record Case(string Name, Action Run);

    private static int Main(string[] args)
    {
        for (int i = 0; i < Samples; i++) s_input[i] = 0.5f * MathF.Sin(2 * MathF.PI * i / 50);
        var cases = new List<(Case A, Case B)>();
        bool same = true;
        // Checks the bits after 100 samples from a reset, then queues both Step loops and both kernel loops.
        void Add(int hidden, Action stepA, Action stepB, Action kernelA, Action kernelB, Action resetA, Action resetB, Func<float> predictB)
        {
            resetA(); stepA(); float oa = s_output[0];
            resetB(); stepB(); float ob = s_output[0];
            float pb = predictB();
            bool ok = BitConverter.SingleToInt32Bits(oa) == BitConverter.SingleToInt32Bits(ob) && BitConverter.SingleToInt32Bits(pb) == BitConverter.SingleToInt32Bits(ob);
            Console.WriteLine($"H{hidden}: A step {oa}, B step {ob}, B predict {pb}: {(ok ? "same bits" : "DIFFERENT")}");
            same &= ok;
            cases.Add((new Case($"H{hidden}", stepA), new Case($"H{hidden}", stepB)));
            cases.Add((new Case($"K{hidden}", kernelA), new Case($"K{hidden}", kernelB)));
        }
        float[] predicted = new float[1];
        var m8 = Uniform(new DenseH8Model(), 8); var s8 = m8.CreateState(); var b8 = Uniform(new DenseH8ModelB(), 8); var t8 = b8.CreateState();
        Add(8, () => { for (int i = 0; i < Samples; i++) m8.Step(s8, s_input.AsSpan(i, 1), s_output); },
            () => { for (int i = 0; i < Samples; i++) b8.Step(t8, s_input.AsSpan(i, 1), s_output); },
            () => m8.BenchKernel(s8, Samples), () => b8.BenchKernel(t8, Samples), s8.Reset, t8.Reset, () => { b8.Predict(s_input, predicted); return predicted[0]; });
        var m16 = Uniform(new DenseH16Model(), 16); var s16 = m16.CreateState(); var b16 = Uniform(new DenseH16ModelB(), 16); var t16 = b16.CreateState();
        Add(16, () => { for (int i = 0; i < Samples; i++) m16.Step(s16, s_input.AsSpan(i, 1), s_output); },
            () => { for (int i = 0; i < Samples; i++) b16.Step(t16, s_input.AsSpan(i, 1), s_output); },
            () => m16.BenchKernel(s16, Samples), () => b16.BenchKernel(t16, Samples), s16.Reset, t16.Reset, () => { b16.Predict(s_input, predicted); return predicted[0]; });
        var m32 = Uniform(new DenseH32Model(), 32); var s32 = m32.CreateState(); var b32 = Uniform(new DenseH32ModelB(), 32); var t32 = b32.CreateState();
        Add(32, () => { for (int i = 0; i < Samples; i++) m32.Step(s32, s_input.AsSpan(i, 1), s_output); },
            () => { for (int i = 0; i < Samples; i++) b32.Step(t32, s_input.AsSpan(i, 1), s_output); },
            () => m32.BenchKernel(s32, Samples), () => b32.BenchKernel(t32, Samples), s32.Reset, t32.Reset, () => { b32.Predict(s_input, predicted); return predicted[0]; });
        var m64 = Uniform(new DenseH64Model(), 64); var s64 = m64.CreateState(); var b64 = Uniform(new DenseH64ModelB(), 64); var t64 = b64.CreateState();
        Add(64, () => { for (int i = 0; i < Samples; i++) m64.Step(s64, s_input.AsSpan(i, 1), s_output); },
            () => { for (int i = 0; i < Samples; i++) b64.Step(t64, s_input.AsSpan(i, 1), s_output); },
            () => m64.BenchKernel(s64, Samples), () => b64.BenchKernel(t64, Samples), s64.Reset, t64.Reset, () => { b64.Predict(s_input, predicted); return predicted[0]; });
        if (!same) Console.WriteLine("B's bits differ from A's: its timings compare different arithmetic.");

        int rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200;
        var runs = cases.SelectMany(c => new[] { c.A, c.B }).ToArray();
        var times = runs.Select(_ => new List<double>()).ToArray();
        foreach (var r in runs) for (int w = 0; w < 3000; w++) r.Run();
        for (int round = 0; round < rounds; round++)
            for (int j = 0; j < runs.Length; j++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int c = 0; c < 20; c++) runs[j].Run();
                times[j].Add(Stopwatch.GetElapsedTime(start).TotalNanoseconds / (20 * Samples));
            }
        Console.WriteLine($"ns per sample, {rounds} interleaved rounds; {Environment.ProcessorCount} CPUs");
        for (int j = 0; j < runs.Length; j += 2)
        {
            times[j].Sort(); times[j + 1].Sort();
            double minA = times[j][0], minB = times[j + 1][0], medA = times[j][times[j].Count / 2], medB = times[j + 1][times[j + 1].Count / 2];
            Console.WriteLine($"{runs[j].Name,-4} A min {minA,7:F1} med {medA,7:F1} | B min {minB,7:F1} med {medB,7:F1} | B/A min {minB / minA:F3} med {medB / medA:F3}");
        }
        return same ? 0 : 1;
    }
}
