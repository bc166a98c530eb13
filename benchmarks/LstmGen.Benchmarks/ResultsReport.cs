using System.Globalization;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using BenchmarkDotNet.Reports;

namespace LstmGen.Benchmarks;

/// <summary>
/// Writes <c>RESULTS.md</c> (machine, commands, every case, ratios against ONNX Runtime, the targets met or missed) and
/// <c>results-throughput.svg</c> (a bar chart of inference throughput) from one run's summaries, so the published
/// figures are regenerated rather than typed.
/// </summary>
public static class ResultsReport
{
    /// <summary>File name of the report.</summary>
    public const string MarkdownFile = "RESULTS.md";

    /// <summary>File name of the chart the report embeds.</summary>
    public const string ChartFile = "results-throughput.svg";

    /// <summary>The speed issue's targets: batch-1 speed-up over ONNX Runtime, batch-32 throughput ratio, two-thread scaling.</summary>
    public const double Batch1Target = 4.0, Batch32Target = 3.0, TwoThreadTarget = 1.8;

    /// <summary>The streaming issue's bound: Step's time per token at most this multiple of Predict's per-step time.</summary>
    public const double StepOverPredictBound = 1.1;

    /// <summary>
    /// One measured case: mean, standard deviation and minimum (the fastest iteration, the figure least disturbed by other
    /// work on the machine) per operation, which is per sequence here; allocated bytes per operation.
    /// </summary>
    public sealed record Case(string Name, double MeanNs, double StdDevNs, double MinNs, long? AllocatedBytes)
    {
        /// <summary>Threads the case uses (its name ends in <c>_2Threads</c> when two).</summary>
        public int Threads => Name.EndsWith("_2Threads", StringComparison.Ordinal) ? 2 : 1;

        /// <summary>Rows per call: 32 for the batched and training cases, 1 otherwise.</summary>
        public int Batch => Name.Contains("Batch32", StringComparison.Ordinal) ? 32 : 1;

        /// <summary>Who computes it: LstmGen (folded / unfolded), ONNX Runtime, the naive C# port, or an FMA peak kernel.</summary>
        public string Implementation => Name switch
        {
            _ when Name.StartsWith("Ort_", StringComparison.Ordinal) => "ONNX Runtime",
            _ when Name.StartsWith("Naive", StringComparison.Ordinal) => "naive C#",
            _ when Name.Contains("TrainStep", StringComparison.Ordinal) => "LstmGen training",
            _ when Name.StartsWith("Gru_", StringComparison.Ordinal) => "LstmGen GRU",
            _ when Name.StartsWith("Rnn_", StringComparison.Ordinal) => "LstmGen RNN",
            _ when Name is nameof(FmaPeakBenchmark.FmaPeak) or nameof(FmaPeakBenchmark.FmaPeakAvx2) => "FMA peak",
            _ when IsPerStep || DenseHidden > 0 => "LstmGen per step",
            _ when Name.Contains("Unfolded", StringComparison.Ordinal) => "LstmGen unfolded",
            _ => "LstmGen folded",
        };

        /// <summary>Nominal FLOPs per sequence: one forward pass of the case's cell (4, 3 or 1 gate blocks), or three for a training step.</summary>
        public double Flops => DenseHidden > 0 ? 2.0 * 4 * DenseHidden * (1 + DenseHidden) + 2 * DenseHidden : Name.StartsWith("Dense", StringComparison.Ordinal) ? DenseTrainingBenchmarks.NominalFlopsPerSequence : BenchmarkData.GatesOf(Name) * BenchmarkData.NominalFlopsPerGate * (Name.Contains("TrainStep", StringComparison.Ordinal) ? 3 : 1)
            / (IsPerStep ? ReferenceModel.SequenceLength : 1);

        /// <summary>StreamingBenchmarks' rows, timed per step (one token) rather than per sequence.</summary>
        public bool IsPerStep => Name is nameof(StreamingBenchmarks.Step) or nameof(StreamingBenchmarks.PredictPerStep);

        /// <summary>DenseStepBenchmarks' rows (dense LSTM, InputSize 1, per sample): nominal FLOPs 2·4H·(1 + H) + 2H per step.</summary>
        public int DenseHidden => Name.StartsWith("Dense_Step_H", StringComparison.Ordinal) ? int.Parse(Name["Dense_Step_H".Length..], System.Globalization.CultureInfo.InvariantCulture) : 0;

        /// <summary>Whether the case runs the reference LSTM's inference (the rows compared with ONNX Runtime and charted).</summary>
        public bool IsLstmInference => Implementation is "LstmGen folded" or "LstmGen unfolded" or "ONNX Runtime" or "naive C#";

        /// <summary>Sequences per second.</summary>
        public double PerSecond => 1e9 / MeanNs;

        /// <summary>Nominal GFLOP/s (FLOP per ns).</summary>
        public double Gflops => Flops / MeanNs;
    }

    /// <summary>The successful cases of a run, in summary order.</summary>
    public static List<Case> Collect(IEnumerable<Summary> summaries)
    {
        var cases = new List<Case>();
        foreach (Summary summary in summaries)
        {
            foreach (BenchmarkReport report in summary.Reports)
            {
                if (!report.Success || report.ResultStatistics is null) continue;
                cases.Add(new Case(report.BenchmarkCase.Descriptor.WorkloadMethod.Name, report.ResultStatistics.Mean,
                    report.ResultStatistics.StandardDeviation, report.ResultStatistics.Min,
                    report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase)));
            }
        }
        return cases;
    }

    /// <summary>Writes the report and the chart into <paramref name="directory"/>.</summary>
    public static void Write(string directory, IReadOnlyList<Case> cases, string mode, string command, TimeSpan elapsed,
        string loadBefore, string loadAfter, string? note)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, ChartFile), Svg(cases, mode));
        File.WriteAllText(Path.Combine(directory, MarkdownFile), Markdown(cases, mode, command, elapsed, loadBefore, loadAfter, note));
    }

    /// <summary>The one-, five- and fifteen-minute load averages (Linux), or "n/a".</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    // The section of benchmarks/PEERS.md for this run's CPU (its "## name (family F, model M)" heading dropped), a line
    // saying there is none, or null when there is no PEERS.md (Program runs from the project folder).
    private static string? PeersSection()
    {
        string path = Path.Combine(Environment.CurrentDirectory, "..", "PEERS.md");
        if (!File.Exists(path)) return null;
        string key = $"({CpuFamily()})";
        var section = File.ReadAllLines(path).SkipWhile(l => !(l.StartsWith("## ", StringComparison.Ordinal) && l.Contains(key, StringComparison.Ordinal)))
            .Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)).SkipWhile(l => l.Length == 0).ToList();
        return section.Count == 0
            ? $"`benchmarks/PEERS.md` has no section for this CPU {key}: run `benchmarks/peers.sh` on it first.\n"
            : string.Join("\n", section).TrimEnd('\n') + "\n";
    }

    /// <summary>The x86 family and model numbers from /proc/cpuinfo ("family 26, model 2"), or the architecture.</summary>
    public static string CpuFamily() =>
        CpuInfoField("cpu family") is { } family ? $"family {family}, model {CpuInfoField("model") ?? "?"}" : RuntimeInformation.ProcessArchitecture.ToString();

    /// <summary>The CPU model name from /proc/cpuinfo, or the architecture.</summary>
    public static string CpuName() => CpuInfoField("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();

    // The value of the first "name : value" line of /proc/cpuinfo, or null (no such file or field).
    private static string? CpuInfoField(string name)
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo")) return null;
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal) && l[name.Length..].TrimStart().StartsWith(':'));
            return line?[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Markdown(IReadOnlyList<Case> cases, string mode, string command, TimeSpan elapsed, string loadBefore, string loadAfter, string? note)
    {
        var c = CultureInfo.InvariantCulture;
        Case? peak = Find(cases, nameof(FmaPeakBenchmark.FmaPeak));
        double? peakGflops = peak is null ? null : FmaPeakBenchmark.FlopsPerInvoke / peak.MeanNs;
        Case? avx2Peak = Find(cases, nameof(FmaPeakBenchmark.FmaPeakAvx2));
        double? avx2Gflops = avx2Peak is null ? null : FmaPeakBenchmark.Avx2FlopsPerInvoke / avx2Peak.MeanNs;
        string peakWidth = string.Create(c, $"{FmaPeakBenchmark.Chains} independent {FmaPeakBenchmark.Lanes}-lane {FmaPeakBenchmark.IsaName} FMA chains");
        var sb = new StringBuilder();
        sb.AppendLine("# LstmGen benchmark results");
        sb.AppendLine();
        sb.AppendLine("<!-- Written by the benchmark program (`--write-results`) from one run. Do not edit by hand: re-run it. -->");
        sb.AppendLine();
        sb.AppendLine("All figures below come from one BenchmarkDotNet run, every case side by side in the same run. Reference model: vocabulary");
        sb.AppendLine(c, $"{ReferenceModel.VocabularySize:N0}, embedding {ReferenceModel.EmbeddingSize}, LSTM hidden {ReferenceModel.HiddenSize}, sequence {ReferenceModel.SequenceLength}, one sigmoid output; weights from `new ReferenceModel()` (seed 0),");
        sb.AppendLine("exported with `OnnxExporter` for the ONNX Runtime rows, so every implementation computes the same function on the same weights.");
        sb.AppendLine();

        sb.AppendLine("## Machine and run");
        sb.AppendLine();
        sb.AppendLine(c, $"- CPU: {CpuName()} ({CpuFamily()}), {Environment.ProcessorCount} logical cores visible to .NET; L1d {LstmGen.CpuCaches.L1DataBytes / 1024} KiB and L2 {LstmGen.CpuCaches.L2Bytes / 1024} KiB per core (as the kernels size their blocks from them); widest vectors in use: {FmaPeakBenchmark.IsaName}");
        sb.AppendLine(c, $"- OS: {RuntimeInformation.OSDescription}; runtime: {RuntimeInformation.FrameworkDescription}");
        sb.AppendLine(c, $"- ONNX Runtime: {ReferenceOnnxRuntimeBenchmarks.OrtVersion} (Microsoft.ML.OnnxRuntime, CPU execution provider); BenchmarkDotNet {typeof(Summary).Assembly.GetName().Version}");
        sb.AppendLine(c, $"- Mode: {mode}; the BenchmarkDotNet run took {elapsed.TotalMinutes:F1} min; finished {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine(c, $"- Load average (1, 5, 15 min) before the run: {loadBefore}; after: {loadAfter}. On this 2-core machine anything above about 1 means other work shared the cores and distorted the figures, the FMA peak and the two-thread rows most.");
        if (!string.IsNullOrWhiteSpace(note)) sb.AppendLine(c, $"- Note: {note}");
        sb.AppendLine();

        sb.AppendLine("## Commands");
        sb.AppendLine();
        sb.AppendLine("```bash");
        sb.AppendLine("# This run (from the repository root):");
        sb.AppendLine(command);
        sb.AppendLine("# The full suite, regenerating this file and the chart:");
        sb.AppendLine("dotnet run -c Release --project benchmarks/LstmGen.Benchmarks -- --write-results");
        sb.AppendLine("# CI's smoke run (every case once; numbers meaningless, never written here):");
        sb.AppendLine("dotnet run -c Release --project benchmarks/LstmGen.Benchmarks -- --smoke");
        sb.AppendLine("```");
        sb.AppendLine();

        sb.AppendLine("## Every case");
        sb.AppendLine();
        string peakText = peakGflops is { } pg ? string.Create(c, $"**{pg:F1} GFLOP/s**, {peakWidth}") : "not measured";
        string avx2Text = avx2Gflops is { } ag ? string.Create(c, $"{ag:F1} GFLOP/s") : "not measured";
        sb.AppendLine(c, $"Per sequence. GFLOP/s uses the nominal {BenchmarkData.NominalFlopsPerSequence:N0} FLOP per LSTM forward pass (2·4H·(E+H)·T, gate products only; GRU rows 3/4 and RNN rows 1/4 of it; a training step counts 3×) for every row, folded or not, padded or not. % of peak divides by the single-thread fp32 FMA peak measured in this run ({peakText}).");
        // Reports before the AVX-512 peak divided by the AVX2 one; its figure lets readers convert their percentages.
        sb.AppendLine(c, $"The {FmaPeakBenchmark.Avx2Lanes}-lane AVX2 peak (FmaPeakAvx2, the same kernel on Vector256), which earlier AVX2-only reports divided by, is {avx2Text} in this run.");
        sb.AppendLine("\"vs ONNX Runtime\" divides ONNX Runtime's time at the same batch on one thread by the case's time (above 1 = faster than ONNX Runtime).");
        sb.AppendLine("µs/seq, seq/s, GFLOP/s and the ratios use the mean; \"min\" is the fastest iteration, the figure least disturbed by other work on the machine.");
        sb.AppendLine();
        sb.AppendLine("| Case | Implementation | Batch | Threads | µs/seq | ± StdDev | min µs/seq | seq/s | GFLOP/s | % of peak | vs ONNX Runtime | Allocated B/seq |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (Case k in cases.Where(k => k.Implementation != "FMA peak"))
        {
            Case? ort = k.IsLstmInference ? Find(cases, k.Batch == 1 ? "Ort_Batch1" : "Ort_Batch32") : null;
            string vsOrt = ort is null ? "–" : (ort.MeanNs / k.MeanNs).ToString("F2", c) + "×";
            string ofPeak = peakGflops is { } p ? (100 * k.Gflops / p).ToString("F1", c) + " %" : "n/a";
            sb.AppendLine(c, $"| {k.Name} | {k.Implementation} | {k.Batch} | {k.Threads} | {k.MeanNs / 1000:F2} | {k.StdDevNs / 1000:F2} | {k.MinNs / 1000:F2} | {k.PerSecond:N0} | {k.Gflops:F2} | {ofPeak} | {vsOrt} | {Bytes(k.AllocatedBytes)} |");
        }
        if (peak is not null)
            sb.AppendLine(c, $"| FmaPeak ({FmaPeakBenchmark.Lanes}-lane {FmaPeakBenchmark.IsaName}, per kernel call of {FmaPeakBenchmark.FlopsPerInvoke:N0} FLOP) | FMA peak | – | 1 | {peak.MeanNs / 1000:F2} | {peak.StdDevNs / 1000:F2} | {peak.MinNs / 1000:F2} | – | {peakGflops:F2} | 100.0 % | – | {Bytes(peak.AllocatedBytes)} |");
        if (avx2Peak is not null)
        {
            string ofPeak = peakGflops is { } p && avx2Gflops is { } ag2 ? (100 * ag2 / p).ToString("F1", c) + " %" : "n/a";
            sb.AppendLine(c, $"| FmaPeakAvx2 ({FmaPeakBenchmark.Avx2Lanes}-lane AVX2, per kernel call of {FmaPeakBenchmark.Avx2FlopsPerInvoke:N0} FLOP) | FMA peak | – | 1 | {avx2Peak.MeanNs / 1000:F2} | {avx2Peak.StdDevNs / 1000:F2} | {avx2Peak.MinNs / 1000:F2} | – | {avx2Gflops:F2} | {ofPeak} | – | {Bytes(avx2Peak.AllocatedBytes)} |");
        }
        sb.AppendLine();

        sb.AppendLine("## Targets (one thread unless stated, same run)");
        sb.AppendLine();
        sb.AppendLine("| Target | Compared | Measured (means) | Measured (minimums) | Required | Result (means) |");
        sb.AppendLine("|---|---|---:|---:|---:|---|");
        Target(sb, $"Batch-1 `Predict` ≥ {Batch1Target:F0}× faster than ONNX Runtime", "Predict_Batch1_Folded", "Ort_Batch1", Batch1Target, cases);
        Target(sb, "(same, unfolded path, for information)", "Predict_Batch1_Unfolded", "Ort_Batch1", Batch1Target, cases);
        Target(sb, $"Batch-32 predict ≥ {Batch32Target:F0}× ONNX Runtime's throughput", "PredictBatch32_Folded", "Ort_Batch32", Batch32Target, cases);
        Target(sb, "(same, unfolded path, for information)", "PredictBatch32_Unfolded", "Ort_Batch32", Batch32Target, cases);
        Target(sb, $"Two threads on batch-32 ≥ {TwoThreadTarget:F1}× one thread", "PredictBatch32_Folded_2Threads", "PredictBatch32_Folded", TwoThreadTarget, cases);
        Target(sb, "(ONNX Runtime's own scaling, two concurrent runs, for information)", "Ort_Batch32_2Threads", "Ort_Batch32", TwoThreadTarget, cases);
        Target(sb, "(ONNX Runtime's own scaling, two intra-op threads, for information)", "Ort_Batch32_IntraOp_2Threads", "Ort_Batch32", TwoThreadTarget, cases);
        StepBound(sb, cases);
        sb.AppendLine();
        sb.AppendLine("A ratio is the compared case's time per sequence divided into the baseline's (throughput ratio; for `Step`, its time per token over `Predict`'s per step); met or missed is judged on the means. The rows marked");
        sb.AppendLine("\"for information\" are not targets. A target whose cases did not run in this run reads \"not measured\".");
        if (Find(cases, "Ort_Batch1") is { } ortBatch1 && peakGflops is { } peakForTarget)
        {
            // What the batch-1 target asks of the folded path, whose only remaining work is the recurrent product.
            double nonPadding = BenchmarkData.NonPaddingFraction(BenchmarkData.MakeTokens(BenchmarkData.Batch));
            double recurrentFlops = 2.0 * 4 * ReferenceModel.HiddenSize * ReferenceModel.HiddenSize * ReferenceModel.SequenceLength * nonPadding;
            double neededNs = ortBatch1.MeanNs / Batch1Target;
            sb.AppendLine();
            sb.AppendLine(c, $"To be {Batch1Target:F0}× faster than ONNX Runtime at batch 1 here, `Predict` must take {neededNs / 1000:F1} µs per sequence. The folded path");
            sb.AppendLine(c, $"still performs the recurrent product, 2·4H·H per non-padding step = {recurrentFlops:N0} FLOP per sequence on this input, a");
            sb.AppendLine(c, $"strictly sequential chain of {ReferenceModel.SequenceLength * nonPadding:F0} dependent 64 × 256 matrix-vector products: {recurrentFlops / neededNs:F1} GFLOP/s, {100 * recurrentFlops / neededNs / peakForTarget:F0} % of this run's {FmaPeakBenchmark.IsaName} FMA peak.");
        }
        sb.AppendLine();

        string? peers = PeersSection();
        if (peers is not null)
        {
            sb.AppendLine("## Against PyTorch, TorchSharp and ONNX Runtime");
            sb.AppendLine();
            sb.AppendLine("The peers cannot run inside BenchmarkDotNet, so `benchmarks/peers.sh` times every framework, LstmGen included, with one");
            sb.AppendLine("loop in its own window and writes `benchmarks/PEERS.md`, one section per kind of CPU; this run's CPU's section is");
            sb.AppendLine("copied here as it stands (its first line says at which commit and when; run it before this program for one session's figures).");
            sb.AppendLine();
            sb.Append(peers);
            sb.AppendLine();
        }

        sb.AppendLine("## Chart");
        sb.AppendLine();
        sb.AppendLine(c, $"![Inference throughput, sequences per second]({ChartFile})");
        sb.AppendLine();

        sb.AppendLine("## How to read these numbers");
        sb.AppendLine();
        sb.AppendLine("- Every case but the short-text one runs the same 32 seeded rows (20 % of them left-padded) per invocation with `OperationsPerInvoke = 32`,");
        sb.AppendLine("  so each time is per sequence. Batch-1 cases run the rows one call at a time.");
        sb.AppendLine("- The folded LstmGen path reads a precomputed `vocab × 4H` table (`embedding·W_ihᵀ + b_ih + b_hh`) instead of");
        sb.AppendLine("  multiplying by `W_ih`, so its GFLOP/s are \"equivalent\" figures and can exceed the peak; ONNX Runtime and the");
        sb.AppendLine("  unfolded path really perform that product. Padded steps are skipped by every implementation.");
        sb.AppendLine("- `TrainStep_Batch32_ShortTexts` trains on 32 texts of 4–24 tokens padded to 100 (the shape of real sentiment data);");
        sb.AppendLine("  training skips the padded (step, row) pairs, so its GFLOP/s and % of peak are \"equivalent\" figures too.");
        sb.AppendLine("- ONNX Runtime runs the exported graph: besides `Gather → LSTM → Gemm → Sigmoid` it sorts each row's 100 ids");
        sb.AppendLine("  (`TopK`) to move padding to the end, a small cost next to the LSTM (measured apart from this suite at about");
        sb.AppendLine("  2 µs, 2 %, of a batch-1 run: best of 20 × 200 runs, 99.4 µs with the sort, 97.6 µs without). Its input and output tensors are");
        sb.AppendLine("  pre-created over pinned arrays and bound once (`OrtIoBinding`); ids are int64, converted before timing.");
        sb.AppendLine("- Two-thread rows measure wall time for all 32 rows split 16 + 16 over two threads (`Parallel.Invoke`), so their");
        sb.AppendLine("  seq/s is the throughput of both cores; the intra-op row lets ONNX Runtime parallelise one 32-row run itself.");
        sb.AppendLine("- Allocated B/seq is BenchmarkDotNet's MemoryDiagnoser figure per operation, all threads included (the");
        sb.AppendLine("  two-thread rows include `Parallel.Invoke`'s task). Native allocations inside ONNX Runtime are not counted.");
        return sb.ToString();
    }

    private static void Target(StringBuilder sb, string what, string caseName, string baselineName, double required, IReadOnlyList<Case> cases)
    {
        var c = CultureInfo.InvariantCulture;
        Case? k = Find(cases, caseName), baseline = Find(cases, baselineName);
        bool info = what.StartsWith('(');
        if (k is null || baseline is null)
        {
            sb.AppendLine(c, $"| {what} | `{caseName}` vs `{baselineName}` | not measured | not measured | {required:F1}× | not measured |");
            return;
        }
        double ratio = baseline.MeanNs / k.MeanNs;
        string result = info ? (ratio >= required ? "(would meet)" : "(would miss)") : (ratio >= required ? "**met**" : "**missed**");
        sb.AppendLine(c, $"| {what} | `{caseName}` vs `{baselineName}` | {ratio:F2}× | {baseline.MinNs / k.MinNs:F2}× | {required:F1}× | {result} |");
    }

    // Step's time per token over PredictPerStep's, which must stay at most StepOverPredictBound (a bound on time, not a speed-up).
    private static void StepBound(StringBuilder sb, IReadOnlyList<Case> cases)
    {
        var c = CultureInfo.InvariantCulture;
        string what = $"Streaming `Step` per token ≤ {StepOverPredictBound:F1}× `Predict`'s per-step time";
        Case? step = Find(cases, nameof(StreamingBenchmarks.Step)), predict = Find(cases, nameof(StreamingBenchmarks.PredictPerStep));
        if (step is null || predict is null)
        {
            sb.AppendLine(c, $"| {what} | `Step` vs `PredictPerStep` | not measured | not measured | ≤ {StepOverPredictBound:F2}× | not measured |");
            return;
        }
        double ratio = step.MeanNs / predict.MeanNs;
        sb.AppendLine(c, $"| {what} | `Step` vs `PredictPerStep` | {ratio:F3}× | {step.MinNs / predict.MinNs:F3}× | ≤ {StepOverPredictBound:F2}× | {(ratio <= StepOverPredictBound ? "**met**" : "**missed**")} |");
    }

    private static Case? Find(IReadOnlyList<Case> cases, string name) => cases.FirstOrDefault(k => k.Name == name);

    private static string Bytes(long? bytes) => bytes is { } b ? b.ToString("N0", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>A horizontal bar chart of inference throughput (sequences/s), one bar per case, coloured by implementation.</summary>
    public static string Svg(IReadOnlyList<Case> cases, string mode)
    {
        var c = CultureInfo.InvariantCulture;
        var bars = cases.Where(k => k.IsLstmInference)
            .OrderBy(k => k.Batch).ThenBy(k => k.Threads).ThenByDescending(k => k.PerSecond).ToList();
        const int left = 250, barArea = 600, right = 110, top = 70, rowHeight = 30, legendHeight = 40;
        int width = left + barArea + right, height = top + Math.Max(1, bars.Count) * rowHeight + legendHeight + 20;
        double max = bars.Count == 0 ? 1 : bars.Max(k => k.PerSecond);
        double scale = NiceCeiling(max);

        var sb = new StringBuilder();
        sb.AppendLine(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"DejaVu Sans, Arial, sans-serif\" font-size=\"13\">");
        sb.AppendLine(c, $"  <rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        sb.AppendLine(c, $"  <text x=\"{width / 2}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">Reference LSTM inference throughput (sequences/s, higher is better)</text>");
        sb.AppendLine(c, $"  <text x=\"{width / 2}\" y=\"44\" text-anchor=\"middle\" fill=\"#555\">{Escape($"{CpuName()}, {mode}")}</text>");
        // Vertical grid lines at fifths of the scale.
        for (int g = 0; g <= 5; g++)
        {
            double x = left + barArea * g / 5.0;
            sb.AppendLine(c, $"  <line x1=\"{x:F1}\" y1=\"{top - 6}\" x2=\"{x:F1}\" y2=\"{top + bars.Count * rowHeight}\" stroke=\"#ddd\"/>");
            sb.AppendLine(c, $"  <text x=\"{x:F1}\" y=\"{top - 10}\" text-anchor=\"middle\" fill=\"#555\" font-size=\"11\">{scale * g / 5:N0}</text>");
        }
        for (int i = 0; i < bars.Count; i++)
        {
            Case k = bars[i];
            double y = top + i * rowHeight;
            double w = barArea * k.PerSecond / scale;
            string label = k.Name;
            sb.AppendLine(c, $"  <text x=\"{left - 8}\" y=\"{y + rowHeight / 2 + 4:F1}\" text-anchor=\"end\">{Escape(label)}</text>");
            sb.AppendLine(c, $"  <rect x=\"{left}\" y=\"{y + 5:F1}\" width=\"{w:F1}\" height=\"{rowHeight - 10}\" fill=\"{Colour(k.Implementation)}\"><title>{Escape($"{k.Name}: {k.PerSecond:N0} seq/s, {k.MeanNs / 1000:F1} µs/seq")}</title></rect>");
            sb.AppendLine(c, $"  <text x=\"{left + w + 6:F1}\" y=\"{y + rowHeight / 2 + 4:F1}\">{k.PerSecond:N0}</text>");
        }
        string[] legend = ["LstmGen folded", "LstmGen unfolded", "ONNX Runtime", "naive C#"];
        double legendY = top + bars.Count * rowHeight + 24;
        for (int i = 0; i < legend.Length; i++)
        {
            double x = left + i * 150;
            sb.AppendLine(c, $"  <rect x=\"{x:F1}\" y=\"{legendY - 11:F1}\" width=\"14\" height=\"14\" fill=\"{Colour(legend[i])}\"/>");
            sb.AppendLine(c, $"  <text x=\"{x + 20:F1}\" y=\"{legendY:F1}\">{Escape(legend[i])}</text>");
        }
        sb.AppendLine("</svg>");
        return sb.ToString();
    }

    private static string Colour(string implementation) => implementation switch
    {
        "LstmGen folded" => "#1f77b4",
        "LstmGen unfolded" => "#6baed6",
        "ONNX Runtime" => "#ff7f0e",
        _ => "#999999",
    };

    // The smallest 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 × 10^k at or above value (grid lines at fifths stay round).
    private static double NiceCeiling(double value)
    {
        if (!(value > 0)) return 1;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (double step in new[] { 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0 })
            if (step * magnitude >= value) return step * magnitude;
        return 10 * magnitude;
    }

    private static string Escape(string text) => SecurityElement.Escape(text);
}
