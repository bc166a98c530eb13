using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// Inference racing parameter writes and reads: every result must equal, bit for bit, the result of the weights before
/// or after a write (never a mix), and reading parameters must never disturb inference.
/// </summary>
public class ConcurrentParameterTests
{
    private const int Readers = 8;

    private static int[] Rows(ModelShape shape, int rows) => TestModels.Tokens(shape, rows, seed: 11);

    private static ISequenceModel Create(string name, int seed = 1) => name switch
    {
        nameof(CnnSmallModel) => new CnnSmallModel(seed),
        nameof(FfReferenceModel) => new FfReferenceModel(seed),
        _ => TestModels.Create(name, seed),
    };

    private static float[] Weights(string name, int seed)
    {
        ISequenceModel model = Create(name, seed);
        TestModels.Randomize(model, seed, scale: 0.2f);
        return model.Parameters.ToArray();
    }

    private static ISequenceModel Holding(string name, float[] weights, bool folded)
    {
        ISequenceModel model = Create(name);
        model.UseFoldedEmbedding = folded;
        model.SetParameters(weights);
        return model;
    }

    // A record is [PredictBatch outputs…, Predict(row 0)…] (two calls).
    private static float[] Record(ISequenceModel model, int[] tokens)
    {
        int rows = tokens.Length / model.Shape.SequenceLength, o = model.Shape.OutputSize;
        var record = new float[(rows + 1) * o];
        model.PredictBatch(tokens, record.AsSpan(0, rows * o));
        model.Predict(tokens.AsSpan(0, model.Shape.SequenceLength), record.AsSpan(rows * o));
        return record;
    }

    private static float[] Record(string name, float[] weights, int[] tokens, bool folded) => Record(Holding(name, weights, folded), tokens);

    // Runs `Readers` threads making `callsPerReader` records on `model` while `other` runs on this thread until they are
    // done (`other` gets the count of its own iteration); returns every record seen.
    private static List<float[]> Race(ISequenceModel model, int[] tokens, Action<int> other, int callsPerReader)
    {
        var seen = new List<float[]>[Readers];
        var start = new Barrier(Readers + 1);
        int running = Readers;
        var threads = new Thread[Readers];
        for (int r = 0; r < Readers; r++)
        {
            int id = r;
            seen[id] = [];
            threads[id] = new Thread(() =>
            {
                start.SignalAndWait();
                for (int i = 0; i < callsPerReader; i++) seen[id].Add(Record(model, tokens));
                Interlocked.Decrement(ref running);
            });
            threads[id].Start();
        }
        start.SignalAndWait();
        for (int i = 0; Volatile.Read(ref running) > 0; i++) other(i);
        foreach (Thread t in threads) t.Join();
        return [.. seen.SelectMany(s => s)];
    }

    private static bool SameBits(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i])) return false;
        }
        return true;
    }

    // Between a record's two calls a write may land, so each part must equal that part of one published set's record.
    private static void AssertRecords(List<float[]> records, IReadOnlyList<float[]> expected, int outputs, string what)
    {
        int bad = records.Count(r =>
            !expected.Any(e => SameBits(e.AsSpan(0, e.Length - outputs), r.AsSpan(0, r.Length - outputs)))
            || !expected.Any(e => SameBits(e.AsSpan(e.Length - outputs), r.AsSpan(r.Length - outputs))));
        Assert.True(bad == 0, $"{what}: {bad} of {records.Count} results match none of the {expected.Count} published weight sets.");
    }

    [Theory]
    [InlineData(nameof(ReferenceModel), true)]
    [InlineData(nameof(ReferenceModel), false)]
    [InlineData(nameof(GruH16Model), true)]
    [InlineData(nameof(FfReferenceModel), true)]
    [InlineData(nameof(CnnSmallModel), false)]
    public void PredictDuringWritesSeesOldOrNewWeightsNeverAMix(string name, bool folded)
    {
        float[] a = Weights(name, 1), b = Weights(name, 2);
        ISequenceModel model = Holding(name, a, folded);
        int[] tokens = Rows(model.Shape, 5);
        float[][] expected = [Record(name, a, tokens, folded), Record(name, b, tokens, folded)];
        List<float[]> seen = Race(model, tokens, i =>
        {
            float[] next = i % 2 == 0 ? b : a;
            if (i % 3 == 0)
            {
                model.SetParameters(next);
                return;
            }
            // A scope written in two halves with a pause between: calls keep the previous weights meanwhile.
            using ParameterUpdate update = model.BeginParameterUpdate();
            int half = next.Length / 2;
            next.AsSpan(0, half).CopyTo(update.Values);
            Thread.SpinWait(500);
            next.AsSpan(half).CopyTo(update.Values[half..]);
        }, callsPerReader: 60);
        AssertRecords(seen, expected, model.Shape.OutputSize, "writes racing Predict");
        model.SetParameters(b);
        AssertRecords([Record(model, tokens)], [expected[1]], model.Shape.OutputSize, "after the writes");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ReadingParametersNeverDisturbsPredict(bool folded)
    {
        float[] a = Weights(nameof(ReferenceModel), 3);
        var model = (ReferenceModel)Holding(nameof(ReferenceModel), a, folded);
        int[] tokens = Rows(model.Shape, 4);
        float[][] expected = [Record(nameof(ReferenceModel), a, tokens, folded)];
        double sink = 0;
        List<float[]> seen = Race(model, tokens, i =>
        {
            // Every read-only view; none may invalidate or rebuild anything.
            sink += model.Parameters[i % ReferenceModel.ParameterCount] + model.EmbeddingWeight[i % 128] + model.FcBias[0]
                + model.GetParameter("lstm.weight_hh_l0")[i % 64] + model.LstmWeightIh[0] + model.LstmBiasHh[0];
        }, callsPerReader: 60);
        AssertRecords(seen, expected, 1, "reads racing Predict");
        Assert.True(double.IsFinite(sink));
    }

    [Fact]
    public void PredictDuringTrainingSeesOnePublishedStep()
    {
        var model = new GruH16Model(seed: 5);
        int[] batch = Rows(model.Shape, 8);
        var targets = new float[8 * GruH16Model.OutputSize];
        for (int i = 0; i < targets.Length; i += 3) targets[i] = 1;
        int[] probe = Rows(model.Shape, 3);
        var versions = new List<float[]> { model.Parameters.ToArray() };
        using var step = new TrainingStep(model, new Adam(learningRate: 0.01f), threads: 1);
        List<float[]> seen = Race(model, probe, i =>
        {
            if (i >= 200) { Thread.Yield(); return; }
            step.Run(batch, targets);
            versions.Add(model.Parameters.ToArray());
        }, callsPerReader: 3000);
        Assert.True(versions.Count > 2, "no training step ran during the race");
        float[][] expected = [.. versions.Select(v => Record(nameof(GruH16Model), v, probe, folded: true))];
        AssertRecords(seen, expected, GruH16Model.OutputSize, "training racing Predict");
    }

    [Fact]
    public void AWriteScopeOpenAcrossAPredictIsSeenOnlyWhenItEnds()
    {
        string name = nameof(GruH16Model);
        float[] a = Weights(name, 6), b = Weights(name, 7);
        ISequenceModel model = Holding(name, a, folded: true);
        int[] tokens = Rows(model.Shape, 2);
        float[] before = Record(model, tokens);
        using (ParameterUpdate update = model.BeginParameterUpdate())
        {
            b.CopyTo(update.Values);
            // Same thread, scope still open: inference keeps the published weights.
            Assert.True(SameBits(before, Record(model, tokens)));
        }
        Assert.True(SameBits(Record(name, b, tokens, folded: true), Record(model, tokens)));
    }

    [Fact]
    public void ReplicasShareWritesWithoutBeingTold()
    {
        string name = nameof(GruH16Model);
        float[] a = Weights(name, 8);
        var model = new GruH16Model();
        GruH16Model replica = model.CreateReplica();
        int[] tokens = Rows(model.Shape, 2);
        replica.PredictBatch(tokens, new float[2 * GruH16Model.OutputSize]);
        model.SetParameters(a);
        Assert.True(SameBits(Record(name, a, tokens, folded: true), Record(replica, tokens)));
    }

    [Fact]
    public void WritesAreCheckedAndNamed()
    {
        var model = new GruH16Model();
        var e = Assert.Throws<ArgumentException>(() => model.SetParameters(new float[3]));
        Assert.Contains("3", e.Message);
        var n = Assert.Throws<KeyNotFoundException>(() => model.SetParameter("gru.weight_hh_l9", new float[1]));
        Assert.Contains("gru.weight_hh_l9", n.Message);
        var s = Assert.Throws<ArgumentException>(() => model.SetParameter("fc.bias", new float[1]));
        Assert.Contains("fc.bias", s.Message);
        Assert.Contains($"{GruH16Model.OutputSize}", s.Message);
    }

    [Fact]
    public void AScopeDisposedTwiceEndsOnce()
    {
        var model = new GruH16Model();
        float[] a = Weights(nameof(GruH16Model), 9);
        ParameterUpdate outer = model.BeginParameterUpdate();
        using (ParameterUpdate inner = model.BeginParameterUpdate())
        {
            a.CopyTo(inner.Values);
            inner.Dispose(); // ends the inner scope; the using's second Dispose is ignored
        }
        outer.Dispose();
        outer.Dispose();
        // The lock is free and the writes are published.
        var other = new Thread(() => model.SetParameters(a));
        other.Start();
        Assert.True(other.Join(TimeSpan.FromSeconds(10)), "the store's lock was left held");
        Assert.True(SameBits(a, model.Parameters));
    }
}

/// <summary>Training batches whose workspace would not fit a .NET array are refused up front, naming the batch size.</summary>
public class WorkspaceLimitTests
{
    [Theory]
    [InlineData(55_700)]
    [InlineData(65_536)]
    [InlineData(111_300)]
    public void AHugeBatchIsRefusedWithItsSizeAndTheLimit(int rows)
    {
        var model = new ReferenceModel();
        var tokens = new int[rows * ReferenceModel.SequenceLength];
        var targets = new float[rows];
        var gradients = new float[ReferenceModel.ParameterCount];
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => model.ComputeGradients(tokens, targets, gradients, default));
        Assert.Equal("tokens", e.ParamName);
        Assert.Contains($"{rows} rows", e.Message);
        int max = int.Parse(System.Text.RegularExpressions.Regex.Match(e.Message, @"at most (\d+) rows").Groups[1].Value);
        Assert.InRange(max, 1_000, rows - 1);
        var norms = new float[ReferenceModel.SequenceLength];
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ComputeHiddenGradientNorms(tokens, targets, norms));
    }

    [Fact]
    public void TheLimitIsTheLargestBatchThatFits()
    {
        // length(B) = 100 + 7·B floats and 3·B ints: the float workspace binds.
        int max = WorkspaceLimits.MaxRows(100, 107, 0, 3);
        Assert.True(100 + 7L * max <= Array.MaxLength && 100 + 7L * (max + 1) > Array.MaxLength);
        Assert.Equal(int.MaxValue, WorkspaceLimits.MaxRows(5, 5, 0, 0));
    }
}
