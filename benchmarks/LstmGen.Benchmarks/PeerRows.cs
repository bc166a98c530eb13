using LstmGen.Training;

using System.Diagnostics;

namespace LstmGen.Benchmarks;

/// <summary>
/// LstmGen's rows of the peer comparison (<c>benchmarks/peers.sh</c>), measured the way the peer harness measures
/// PyTorch, TorchSharp and ONNX Runtime (<c>../shared/peers</c>): the reference workload on dense random tokens (no
/// padding), the median of n timed calls after a few warm-up calls, one line per row in the peers' format so one
/// script parses them all. BenchmarkDotNet stays the source of the published per-kernel figures; this mode exists so
/// that every framework is timed by the same loop in the same window.
/// </summary>
public static class PeerRows
{
    private const int T = ReferenceModel.SequenceLength;
    private const int B = BenchmarkData.Batch;

    /// <summary>Prints the rows for <paramref name="threads"/> threads (1 or 2).</summary>
    public static void Run(int threads)
    {
        if (threads is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(threads), threads, "The peer rows use 1 or 2 threads.");
        var rng = new Random(1);
        int[] x1 = new int[T], x32 = new int[B * T];
        for (int i = 0; i < x1.Length; i++) x1[i] = rng.Next(1, ReferenceModel.VocabularySize);
        for (int i = 0; i < x32.Length; i++) x32[i] = rng.Next(1, ReferenceModel.VocabularySize);
        var model = new ReferenceModel { UseFoldedEmbedding = true };
        var outputs = new float[B];

        if (threads == 1)
        {
            double t1 = Median(() => model.Predict(x1), 300);
            Console.WriteLine($"lstmgen infer b=1  T={T}: {t1 * 1e6:F1} us/seq");
            double t32 = Median(() => model.PredictBatch(x32, outputs), 50);
            Console.WriteLine($"lstmgen infer b=32 T={T}: {t32 * 1e3:F2} ms/batch = {B / t32:F0} seq/s");
        }
        else
        {
            // Two workers, 16 rows each, as the BenchmarkDotNet 2-thread row does.
            const int half = B / 2;
            double t32 = Median(() => Parallel.Invoke(
                () => model.PredictBatch(x32.AsSpan(0, half * T), outputs.AsSpan(0, half)),
                () => model.PredictBatch(x32.AsSpan(half * T), outputs.AsSpan(half))), 50);
            Console.WriteLine($"lstmgen infer b=32 T={T}: {t32 * 1e3:F2} ms/batch = {B / t32:F0} seq/s");
        }

        // The training step: forward, BPTT and Adam on 32 rows, targets alternating 1, 0 (the peers draw them at random).
        var targets = new float[B];
        for (int i = 0; i < B; i += 2) targets[i] = 1f;
        using var step = new TrainingStep(new ReferenceModel(seed: 1), new Adam(), threads: threads);
        double ts = Median(() => step.Run(x32, targets), 30);
        Console.WriteLine($"lstmgen train b=32 T={T}: {ts * 1e3:F2} ms/step = {B / ts:F0} seq/s");
    }

    // The peers' timing loop: warm-up, then the median of n single-call times. The warm-up also runs for a second, so
    // that tiered compilation has replaced the first, unoptimised code (the peers' kernels are native from the start).
    private static double Median(Action f, int n, int warm = 5)
    {
        long warmStart = Stopwatch.GetTimestamp();
        for (int i = 0; i < warm || Stopwatch.GetElapsedTime(warmStart).TotalSeconds < 1; i++) f();
        var times = new double[n];
        for (int i = 0; i < n; i++)
        {
            long start = Stopwatch.GetTimestamp();
            f();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return times[n / 2];
    }
}
