using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace LstmGen.Benchmarks;

/// <summary>
/// Entry point. <c>--smoke</c>: a dry in-process run (CI); <c>--short</c>: BenchmarkDotNet's ShortRun job; otherwise the
/// full DefaultJob; <c>--peers N</c>: only the peer-comparison rows for N threads (see <see cref="PeerRows"/>); <c>--peers-epoch N DATA OUT</c>: the real-text epoch row; <c>--phases</c>: where a training step's time goes (see <see cref="TrainingPhases"/>); <c>--roofline</c>: memory-fed FMA ceilings beside the batch-1 steps (see <see cref="Roofline"/>). Other arguments go to BenchmarkDotNet (for example <c>--filter *Batch32*</c>); both FmaPeak benchmarks
/// always run, so the "% of peak" column can be computed. Exit code 0 only when every selected benchmark produced a result.
/// </summary>
public static class Program
{
    private static readonly Type[] BenchmarkTypes =
        [typeof(FmaPeakBenchmark), typeof(ReferenceModelBenchmarks), typeof(ReferenceOnnxRuntimeBenchmarks), typeof(TrainingBenchmarks), typeof(CellBenchmarks), typeof(StreamingBenchmarks), typeof(DenseTrainingBenchmarks), typeof(DenseStepBenchmarks)];

    public static int Main(string[] args)
    {
        // `--peers N`: the peer-comparison rows for N threads, timed as the peer harness times the other frameworks.
        if (args.Length == 2 && args[0] == "--peers" && int.TryParse(args[1], out int peerThreads))
        {
            PeerRows.Run(peerThreads);
            return 0;
        }
        // `--peers-epoch N DATA OUT`: an epoch over the UCI sentences at sequence length 60 on N threads; OUT receives the
        // batches for the PyTorch side (benchmarks/torch_epoch.py).
        if (args.Length == 4 && args[0] == "--peers-epoch" && int.TryParse(args[1], out int epochThreads))
        {
            PeerRows.Epoch(epochThreads, args[2], args[3]);
            return 0;
        }
        // `--phases`: a one-thread training step beside its matrix products, Adam and the gradient clear timed alone.
        if (args.Length == 1 && args[0] == "--phases")
        {
            TrainingPhases.Run();
            return 0;
        }
        // `--roofline`: the FMA rates that kernels fed from memory can reach, and the batch-1 steps beside them.
        if (args.Length == 1 && args[0] == "--roofline")
        {
            Roofline.Run();
            return 0;
        }
        bool smoke = args.Contains("--smoke");
        bool shortRun = args.Contains("--short");
        // --write-results: also regenerate benchmarks/RESULTS.md and its chart; --note TEXT: a line for that report.
        bool writeResults = args.Contains("--write-results");
        int noteAt = Array.IndexOf(args, "--note");
        string? note = noteAt >= 0 && noteAt + 1 < args.Length ? args[noteAt + 1] : null;
        if (writeResults && smoke)
        {
            Console.Error.WriteLine("--write-results cannot be combined with --smoke: smoke numbers are not meaningful.");
            return 2;
        }
        var bdnArgs = args.Where((a, i) => a is not "--smoke" and not "--short" and not "--write-results" and not "--note" && !(noteAt >= 0 && i == noteAt + 1)).ToList();
        string command = "dotnet run -c Release --project benchmarks/LstmGen.Benchmarks" + (args.Length == 0 ? "" : " -- " + string.Join(" ", args.Select(Quote)));
        string loadBefore = ResultsReport.LoadAverage();

        int filterAt = bdnArgs.FindIndex(a => a is "--filter" or "-f");
        bool userFilter = filterAt >= 0;
        // Matches the class's full name, so both FmaPeak and FmaPeakAvx2.
        if (userFilter) bdnArgs.Insert(filterAt + 1, "*FmaPeakBenchmark*");
        else bdnArgs.AddRange(["--filter", "*"]);

        // The out-of-process toolchain looks for LstmGen.Benchmarks.csproj under the working directory, so run from the
        // project folder whatever the caller's directory (a relative --artifacts path is resolved against the caller's).
        int artifactsAt = bdnArgs.FindIndex(a => a is "--artifacts" or "-a");
        if (artifactsAt >= 0 && artifactsAt + 1 < bdnArgs.Count) bdnArgs[artifactsAt + 1] = Path.GetFullPath(bdnArgs[artifactsAt + 1]);
        string? projectDirectory = ProjectDirectory();
        if (projectDirectory is not null) Environment.CurrentDirectory = projectDirectory;

        IConfig config = DefaultConfig.Instance;
        // Smoke runs keep their (meaningless) results apart, so they never overwrite a real run's reports.
        if (artifactsAt < 0)
        {
            string artifacts = Path.Combine(Environment.CurrentDirectory, "BenchmarkDotNet.Artifacts");
            config = config.WithArtifactsPath(smoke ? Path.Combine(artifacts, "smoke") : artifacts);
        }
        string mode;
        if (smoke)
        {
            // One cold invocation per benchmark, in this process: no per-run project build. Figures are not meaningful.
            config = config.AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance).WithId("Smoke"));
            mode = "smoke (Job.Dry, in-process; numbers are NOT meaningful)";
        }
        else if (shortRun)
        {
            config = config.AddJob(Job.ShortRun);
            mode = "ShortRun (3 warmup, 3 iterations, 1 launch)";
        }
        else
        {
            mode = "DefaultJob";
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        Summary[] summaries = BenchmarkSwitcher.FromTypes(BenchmarkTypes).Run([.. bdnArgs], config).ToArray();
        stopwatch.Stop();

        bool ok = CheckResults(summaries, expectAll: !userFilter, out string problems);
        if (summaries.Length > 0)
        {
            string table = DerivedTable(summaries, mode, stopwatch.Elapsed);
            Console.WriteLine();
            Console.WriteLine(table);
            string path = Path.Combine(summaries[0].ResultsDirectoryPath, "derived.md");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, table);
            Console.WriteLine($"Derived table written to {path}");

            // The report with the ONNX Runtime ratios and targets, and its chart: always beside derived.md, and in
            // benchmarks/ (the published RESULTS.md) when asked.
            List<ResultsReport.Case> cases = ResultsReport.Collect(summaries);
            string loadAfter = ResultsReport.LoadAverage();
            ResultsReport.Write(summaries[0].ResultsDirectoryPath, cases, mode, command, stopwatch.Elapsed, loadBefore, loadAfter, note);
            Console.WriteLine($"{ResultsReport.MarkdownFile} and {ResultsReport.ChartFile} written to {summaries[0].ResultsDirectoryPath}");
            if (writeResults && projectDirectory is not null)
            {
                string published = Path.GetFullPath(Path.Combine(projectDirectory, ".."));
                ResultsReport.Write(published, cases, mode, command, stopwatch.Elapsed, loadBefore, loadAfter, note);
                Console.WriteLine($"{ResultsReport.MarkdownFile} and {ResultsReport.ChartFile} written to {published}");
            }
        }
        if (!ok)
        {
            Console.Error.WriteLine("Benchmark run FAILED: " + problems);
            return 1;
        }
        Console.WriteLine($"All benchmarks produced results ({stopwatch.Elapsed.TotalSeconds:F0} s).");
        return 0;
    }

    // The source folder of this project (recorded at build time), when it still exists.
    private static string? ProjectDirectory()
    {
        string? directory = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "LstmGen.Benchmarks.ProjectDirectory")?.Value;
        return directory is not null && File.Exists(Path.Combine(directory, "LstmGen.Benchmarks.csproj")) ? directory : null;
    }

    private static bool CheckResults(Summary[] summaries, bool expectAll, out string problems)
    {
        var issues = new List<string>();
        if (summaries.Length == 0) issues.Add("no summary (nothing matched the filter?)");
        foreach (Summary summary in summaries)
        {
            if (summary.HasCriticalValidationErrors)
                issues.Add($"{summary.Title}: critical validation errors: " + string.Join("; ", summary.ValidationErrors.Select(e => e.Message)));
            foreach (BenchmarkCase benchmark in summary.BenchmarksCases)
            {
                BenchmarkReport? report = summary[benchmark];
                if (report is null || !report.Success || report.ResultStatistics is null)
                    issues.Add($"{benchmark.DisplayInfo}: no result");
            }
        }
        int ran = summaries.Sum(s => s.BenchmarksCases.Length);
        if (expectAll)
        {
            int declared = BenchmarkTypes.Sum(t => t.GetMethods().Count(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null));
            if (ran != declared) issues.Add($"{ran} of {declared} benchmarks ran");
        }
        else if (ran == 0)
        {
            issues.Add("no benchmark ran");
        }
        problems = string.Join(Environment.NewLine, issues);
        return issues.Count == 0;
    }

    private readonly record struct Row(string Name, double MeanNs, double StdDevNs, long? AllocatedBytes);

    private static string DerivedTable(Summary[] summaries, string mode, TimeSpan elapsed)
    {
        var rows = new List<(BenchmarkCase Case, Row Row)>();
        foreach (Summary summary in summaries)
        {
            foreach (BenchmarkReport report in summary.Reports)
            {
                if (!report.Success || report.ResultStatistics is null) continue;
                long? allocated = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
                rows.Add((report.BenchmarkCase, new Row(report.BenchmarkCase.Descriptor.WorkloadMethod.Name,
                    report.ResultStatistics.Mean, report.ResultStatistics.StandardDeviation, allocated)));
            }
        }

        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# LstmGen benchmarks — derived figures");
        sb.AppendLine();
        sb.AppendLine(c, $"- Mode: {mode}; wall time of the BenchmarkDotNet run {elapsed.TotalSeconds:F0} s; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine(c, $"- Host: {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical cores, {ResultsReport.CpuName()}");
        sb.AppendLine(c, $"- Model: V={ReferenceModel.VocabularySize}, E={ReferenceModel.EmbeddingSize}, H={ReferenceModel.HiddenSize}, T={ReferenceModel.SequenceLength}, O={ReferenceModel.OutputSize}; weights from `new ReferenceModel()` (seed 0)");
        double nonPad = BenchmarkData.NonPaddingFraction(BenchmarkData.MakeTokens(BenchmarkData.Batch));
        sb.AppendLine(c, $"- Input: {BenchmarkData.Batch} rows, seed {BenchmarkData.TokenSeed}, {BenchmarkData.PaddedRowFraction:P0} of rows left-padded; {nonPad:P1} of tokens are not padding");
        sb.AppendLine(c, $"- GFLOP/s uses the nominal {BenchmarkData.NominalFlopsPerSequence:N0} FLOPs/sequence = 2·4H·(E+H)·T for every LSTM case (folded or not, padded or not); GRU rows (Gru_…) 2·3H·(E+H)·T = {3 * BenchmarkData.NominalFlopsPerGate:N0}, RNN rows (Rnn_…) 2·H·(E+H)·T = {BenchmarkData.NominalFlopsPerGate:N0}");

        Row? peakRow = rows.Where(r => r.Row.Name == nameof(FmaPeakBenchmark.FmaPeak)).Select(r => (Row?)r.Row).FirstOrDefault();
        Row? avx2Row = rows.Where(r => r.Row.Name == nameof(FmaPeakBenchmark.FmaPeakAvx2)).Select(r => (Row?)r.Row).FirstOrDefault();
        double? peakGflops = peakRow is { } p ? FmaPeakBenchmark.FlopsPerInvoke / p.MeanNs : null;
        double? avx2Gflops = avx2Row is { } a ? FmaPeakBenchmark.Avx2FlopsPerInvoke / a.MeanNs : null;
        sb.AppendLine(peakRow is { } pr
            ? string.Create(c, $"- FmaPeak: {FmaPeakBenchmark.Chains} {FmaPeakBenchmark.Lanes}-lane {FmaPeakBenchmark.IsaName} FMA chains × {FmaPeakBenchmark.Iterations:N0} iterations = {FmaPeakBenchmark.FlopsPerInvoke:N0} FLOPs per call in {pr.MeanNs / 1000:F1} µs → **{peakGflops:F1} GFLOP/s single-thread peak** (the reference of % of peak)")
            : "- FmaPeak: not measured, so no % of peak");
        // Earlier reports divided by the AVX2 peak; this line relates their percentages to this run's.
        sb.AppendLine(avx2Row is { } ar
            ? string.Create(c, $"- FmaPeakAvx2: {FmaPeakBenchmark.Chains} {FmaPeakBenchmark.Avx2Lanes}-lane AVX2 FMA chains × {FmaPeakBenchmark.Iterations:N0} iterations = {FmaPeakBenchmark.Avx2FlopsPerInvoke:N0} FLOPs per call in {ar.MeanNs / 1000:F1} µs → {avx2Gflops:F1} GFLOP/s (AVX2-only peak, for comparison)")
            : "- FmaPeakAvx2: not measured");
        sb.AppendLine();

        Row? naive = rows.Where(r => r.Row.Name == nameof(ReferenceModelBenchmarks.Naive_Batch1)).Select(r => (Row?)r.Row).FirstOrDefault();
        sb.AppendLine("| Case | Threads | µs/seq | ± StdDev | seq/s | GFLOP/s | % of 1-thread FMA peak | vs naive | Allocated B/seq |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (benchmarkCase, row) in rows.Where(r => r.Row.Name is not nameof(FmaPeakBenchmark.FmaPeak) and not nameof(FmaPeakBenchmark.FmaPeakAvx2)))
        {
            int threads = row.Name.EndsWith("_2Threads", StringComparison.Ordinal) ? 2 : 1;
            // A training step (forward, backward, weight gradients) is counted as three forward passes.
            // (The report's Case knows the per-step rows, whose FLOPs are one step's.)
            double flops = new ResultsReport.Case(row.Name, row.MeanNs, 0, 0, 0).Flops;
            double gflops = flops / row.MeanNs;
            string ofPeak = peakGflops is { } pk2 ? (100 * gflops / pk2).ToString("F1", c) + " %" : "n/a";
            // The naive baseline is an LSTM, so only LSTM rows are compared with it.
            string speedup = BenchmarkData.GatesOf(row.Name) != 4 ? "–" : naive is { } n ? (n.MeanNs / row.MeanNs).ToString("F1", c) + "×" : "n/a";
            sb.AppendLine(c, $"| {row.Name} | {threads} | {row.MeanNs / 1000:F2} | {row.StdDevNs / 1000:F2} | {1e9 / row.MeanNs:N0} | {gflops:F2} | {ofPeak} | {speedup} | {Allocated(row.AllocatedBytes)} |");
        }
        if (peakRow is { } fp)
        {
            sb.AppendLine(c, $"| FmaPeak ({FmaPeakBenchmark.Lanes}-lane {FmaPeakBenchmark.IsaName}; per kernel call, not per sequence) | 1 | {fp.MeanNs / 1000:F2} | {fp.StdDevNs / 1000:F2} | – | {peakGflops:F2} | 100.0 % | – | {Allocated(fp.AllocatedBytes)} |");
        }
        if (avx2Row is { } fa)
        {
            string ofPeak = peakGflops is { } pk3 && avx2Gflops is { } ag ? (100 * ag / pk3).ToString("F1", c) + " %" : "n/a";
            sb.AppendLine(c, $"| FmaPeakAvx2 ({FmaPeakBenchmark.Avx2Lanes}-lane AVX2; per kernel call, not per sequence) | 1 | {fa.MeanNs / 1000:F2} | {fa.StdDevNs / 1000:F2} | – | {avx2Gflops:F2} | {ofPeak} | – | {Allocated(fa.AllocatedBytes)} |");
        }
        sb.AppendLine();
        sb.AppendLine("µs/seq = BenchmarkDotNet mean per operation (each invocation runs 32 sequences, OperationsPerInvoke = 32); seq/s = 10⁹ / mean ns; "
            + string.Create(c, $"GFLOP/s = nominal FLOPs per sequence / mean ns; % of peak = GFLOP/s / FmaPeak GFLOP/s of this run ({FmaPeakBenchmark.Lanes}-lane {FmaPeakBenchmark.IsaName}, single-thread, so the 2-thread row can reach 200 %); ")
            + "vs naive = Naive_Batch1 mean / case mean (LSTM rows only: the naive baseline is an LSTM); "
            + "Allocated = BenchmarkDotNet MemoryDiagnoser bytes per operation.");
        return sb.ToString();
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' or '/' or '=') ? argument : "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Allocated(long? bytes) => bytes is { } b ? b.ToString("N0", CultureInfo.InvariantCulture) : "n/a";
}
