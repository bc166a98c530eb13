using LstmGen.Text;
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
        // The same with sparse-row Adam on the embedding (PyTorch's SparseAdam row: benchmarks/torch_sparse.py).
        using var lazy = new TrainingStep(new ReferenceModel(seed: 1), new Adam(lazy: true), threads: threads);
        double tl = Median(() => lazy.Run(x32, targets), 30);
        Console.WriteLine($"lstmgen train-lazy b=32 T={T}: {tl * 1e3:F2} ms/step = {B / tl:F0} seq/s");
    }

    /// <summary>
    /// The real-text row: one training epoch (forward, BPTT, Adam; batches of 32 in a fixed shuffled order) over the UCI
    /// sentiment sentences in <paramref name="dataDirectory"/>, encoded as the sentiment sample encodes them (lower-cased,
    /// punctuation stripped, vocabulary by frequency, 60 ids padded with 0s at the end), on <paramref name="threads"/>
    /// threads; the median of 5 epochs after one warm-up epoch. Writes the encoded rows to <paramref name="batchesPath"/>
    /// (label, length, 60 ids per line, in batch order) so PyTorch trains on exactly these batches.
    /// </summary>
    public static void Epoch(int threads, string dataDirectory, string batchesPath)
    {
        const int t = UciModel.SequenceLength;
        List<LabelledExample> examples = LabelledText.ReadTsv([dataDirectory]);
        TextVectorizer vectorizer = TextVectorizer.Adapt(examples.Select(e => e.Text), maxSize: UciModel.VocabularySize);
        var rows = new List<(int[] Ids, int Length, float Label)>();
        foreach (LabelledExample e in examples)
        {
            var ids = new int[t];
            int length = Math.Min(t, vectorizer.Encode(e.Text, ids));
            if (length > 0) rows.Add((ids, length, e.Label == "1" ? 1f : 0f)); // PyTorch cannot pack an empty row
        }
        var rng = new Random(5);
        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows));
        int n = rows.Count;
        int[] tokens = rows.SelectMany(r => r.Ids).ToArray();
        float[] labels = rows.Select(r => r.Label).ToArray();
        using (var writer = new StreamWriter(batchesPath))
            foreach (var r in rows) writer.WriteLine($"{r.Label} {r.Length} {string.Join(' ', r.Ids)}");

        // Dense Adam (the peers' optimizer), then sparse-row Adam: a batch of short sentences touches few embedding rows.
        double words = rows.Sum(r => r.Length) / (double)n;
        foreach (bool lazy in new[] { false, true })
        {
            using var step = new TrainingStep(new UciModel(seed: 1), new Adam(lazy: lazy), threads: threads);
            void RunEpoch()
            {
                for (int start = 0; start < n; start += B)
                {
                    int b = Math.Min(B, n - start);
                    step.Run(tokens.AsSpan(start * t, b * t), labels.AsSpan(start, b));
                }
            }
            double epoch = Median(RunEpoch, 5, warm: 1);
            Console.WriteLine($"lstmgen epoch{(lazy ? "-lazy" : "")} uci T={t}: {epoch * 1e3:F1} ms/epoch = {n / epoch:F0} seq/s ({n} sentences, {words:F1} words on average)");
        }
    }

    // The peers' timing loop: warm-up, then the median of n single-call times. The warm-up also runs for a second, so
    // that tiered compilation has replaced the first, unoptimised code (the peers' kernels are native from the start).
    internal static double Median(Action f, int n, int warm = 5)
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
