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

    private static float[] Weights(int seed)
    {
        var model = new GruH16Model(seed);
        TestModels.Randomize(model, seed);
        return model.Parameters.ToArray();
    }

    // Runs `Readers` threads of PredictBatch (and Predict on row 0) against `model` while `writer` runs on this thread,
    // and returns every distinct output vector seen, as bit patterns.
    private static List<float[]> Race(GruH16Model model, int[] tokens, Action writer, int callsPerReader)
    {
        int rows = tokens.Length / GruH16Model.SequenceLength;
        var seen = new List<float[]>[Readers];
        var start = new Barrier(Readers + 1);
        var threads = new Thread[Readers];
        for (int r = 0; r < Readers; r++)
        {
            int id = r;
            seen[id] = [];
            threads[id] = new Thread(() =>
            {
                var outputs = new float[rows * GruH16Model.OutputSize];
                var single = new float[GruH16Model.OutputSize];
                start.SignalAndWait();
                for (int i = 0; i < callsPerReader; i++)
                {
                    model.PredictBatch(tokens, outputs);
                    model.Predict(tokens.AsSpan(0, GruH16Model.SequenceLength), single);
                    var record = new float[outputs.Length + single.Length];
                    outputs.CopyTo(record, 0);
                    single.CopyTo(record, outputs.Length);
                    seen[id].Add(record);
                }
            });
            threads[id].Start();
        }
        start.SignalAndWait();
        writer();
        foreach (Thread t in threads) t.Join();
        return [.. seen.SelectMany(s => s)];
    }

    private static bool SameBits(float[] a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i])) return false;
        }
        return true;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PredictDuringWritesSeesOldOrNewWeightsNeverAMix(bool folded)
    {
        float[] a = Weights(1), b = Weights(2);
        int[] tokens = Rows(new GruH16Model().Shape, 5);
        float[][] expected = [Record(a, tokens, folded), Record(b, tokens, folded)];
        var model = new GruH16Model { UseFoldedEmbedding = folded };
        model.SetParameters(a);
        List<float[]> seen = Race(model, tokens, () =>
        {
            for (int i = 0; i < 400; i++)
            {
                float[] next = i % 2 == 0 ? b : a;
                if (i % 3 == 0)
                {
                    model.SetParameters(next);
                }
                else
                {
                    // A scope written tensor by tensor, with a pause half way: readers keep the previous weights meanwhile.
                    using ParameterUpdate update = model.BeginParameterUpdate();
                    int half = next.Length / 2;
                    next.AsSpan(0, half).CopyTo(update.Values);
                    Thread.SpinWait(200);
                    next.AsSpan(half).CopyTo(update.Values[half..]);
                }
            }
        }, callsPerReader: 150);
        AssertRecords(seen, expected, "writes racing Predict");
        // After the last write (i = 399 wrote a), the next call sees it.
        AssertRecords([Record(model, tokens)], [expected[0]], "after the writes");
    }

    [Fact]
    public void ReadingParametersNeverDisturbsPredict()
    {
        float[] a = Weights(3);
        int[] tokens = Rows(new GruH16Model().Shape, 4);
        float[][] expected = [Record(a, tokens, folded: true)];
        var model = new GruH16Model();
        model.SetParameters(a);
        double sink = 0;
        List<float[]> seen = Race(model, tokens, () =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                // Every read-only view; none may invalidate or rebuild anything.
                sink += model.Parameters[i % model.Parameters.Length] + model.EmbeddingWeight[0] + model.FcBias[0]
                    + model.GetParameter("gru.weight_hh_l0")[i % 16] + model.GruWeightIh[0];
            }
        }, callsPerReader: 150);
        AssertRecords(seen, expected, "reads racing Predict");
        Assert.True(double.IsFinite(sink));
    }

    [Fact]
    public void PredictDuringTrainingSeesOnePublishedStep()
    {
        var model = new GruH16Model(seed: 5);
        int t = GruH16Model.SequenceLength;
        int[] batch = Rows(model.Shape, 8);
        var targets = new float[8 * GruH16Model.OutputSize];
        for (int i = 0; i < targets.Length; i += 3) targets[i] = 1;
        int[] probe = Rows(model.Shape, 3);
        var versions = new List<float[]> { model.Parameters.ToArray() };
        using var step = new TrainingStep(model, new Adam(learningRate: 0.01f), threads: 1);
        List<float[]> seen = Race(model, probe, () =>
        {
            for (int i = 0; i < 60; i++)
            {
                step.Run(batch, targets);
                versions.Add(model.Parameters.ToArray());
            }
        }, callsPerReader: 60);
        Assert.True(versions.Count == 61 && t > 0);
        float[][] expected = [.. versions.Select(v => Record(v, probe, folded: true))];
        AssertRecords(seen, expected, "training racing Predict");
    }

    [Fact]
    public void AWriteScopeOpenAcrossAPredictIsSeenOnlyWhenItEnds()
    {
        float[] a = Weights(6), b = Weights(7);
        int[] tokens = Rows(new GruH16Model().Shape, 2);
        var model = new GruH16Model();
        model.SetParameters(a);
        float[] before = Record(model, tokens);
        using (ParameterUpdate update = model.BeginParameterUpdate())
        {
            b.CopyTo(update.Values);
            // Same thread, scope still open: inference keeps the published weights.
            Assert.True(SameBits(before, Record(model, tokens)));
        }
        Assert.True(SameBits(Record(b, tokens, folded: true), Record(model, tokens)));
    }

    [Fact]
    public void ReplicasShareWritesWithoutBeingTold()
    {
        float[] a = Weights(8);
        var model = new GruH16Model();
        GruH16Model replica = model.CreateReplica();
        int[] tokens = Rows(model.Shape, 2);
        replica.PredictBatch(tokens, new float[2 * GruH16Model.OutputSize]);
        model.SetParameters(a);
        Assert.True(SameBits(Record(a, tokens, folded: true), Record(replica, tokens)));
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
        float[] a = Weights(9);
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

    private static float[] Record(float[] weights, int[] tokens, bool folded)
    {
        var model = new GruH16Model { UseFoldedEmbedding = folded };
        model.SetParameters(weights);
        return Record(model, tokens);
    }

    private static float[] Record(GruH16Model model, int[] tokens)
    {
        int rows = tokens.Length / GruH16Model.SequenceLength;
        var record = new float[(rows + 1) * GruH16Model.OutputSize];
        model.PredictBatch(tokens, record.AsSpan(0, rows * GruH16Model.OutputSize));
        model.Predict(tokens.AsSpan(0, GruH16Model.SequenceLength), record.AsSpan(rows * GruH16Model.OutputSize));
        return record;
    }

    // A record is [PredictBatch outputs…, Predict(row 0)…] from two calls, between which a write may land: each part must
    // equal that part of one published weight set's record.
    private static void AssertRecords(List<float[]> records, IReadOnlyList<float[]> expected, string what)
    {
        int o = GruH16Model.OutputSize;
        int bad = records.Count(r =>
            !expected.Any(e => SameBits(e[..^o], r.AsSpan(0, r.Length - o))) || !expected.Any(e => SameBits(e[^o..], r.AsSpan(r.Length - o))));
        Assert.True(bad == 0, $"{what}: {bad} of {records.Count} results match none of the {expected.Count} published weight sets.");
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
