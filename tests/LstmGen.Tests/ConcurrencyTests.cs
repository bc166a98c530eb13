using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>Several callers sharing one <see cref="ParallelPredictor"/>, and batch-level row numbers in errors.</summary>
public class ParallelPredictorConcurrencyTests
{
    [Theory]
    [InlineData(2, 4)]
    [InlineData(4, 8)]
    public void ConcurrentCallersGetTheOneCallerResultBitForBitAndNoLateWrites(int threads, int callers)
    {
        const int calls = 150;
        const float poison = -12345.5f;
        var model = new H33Model(seed: 1);
        TestModels.Randomize(model, seed: 2);
        using var predictor = new ParallelPredictor(model, threads);

        // Each caller has its own batch (1 to 40 rows) and the result one caller alone gets; that result equals
        // PredictBatch on the same shards, bit for bit.
        var tokens = new int[callers][];
        var expected = new float[callers][];
        for (int c = 0; c < callers; c++)
        {
            int rows = 1 + c * 39 / Math.Max(1, callers - 1);
            tokens[c] = TestModels.Tokens(model.Shape, rows, seed: 10 + c);
            expected[c] = new float[rows * H33Model.OutputSize];
            predictor.PredictBatch(tokens[c], expected[c]);
            Assert.True(expected[c].AsSpan().SequenceEqual(ShardByShard(model, tokens[c], threads)), $"caller {c} alone");
        }

        int wrong = 0, late = 0;
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        using var go = new Barrier(callers);
        var workers = new Thread[callers];
        for (int c = 0; c < callers; c++)
        {
            int caller = c;
            workers[c] = new Thread(() =>
            {
                // Two buffers in turn: after a call returns its buffer is checked, then poisoned, and checked again
                // after the next call, so a write that lands after PredictBatch returned is seen.
                float[][] buffers = [new float[expected[caller].Length], new float[expected[caller].Length]];
                try
                {
                    go.SignalAndWait();
                    for (int i = 0; i < calls; i++)
                    {
                        float[] now = buffers[i & 1], previous = buffers[(i + 1) & 1];
                        now.AsSpan().Fill(float.NaN);
                        predictor.PredictBatch(tokens[caller], now);
                        if (!now.AsSpan().SequenceEqual(expected[caller])) Interlocked.Increment(ref wrong);
                        if (i > 0 && previous.AsSpan().ContainsAnyExcept(poison)) Interlocked.Increment(ref late);
                        now.AsSpan().Fill(poison);
                    }
                    Thread.Sleep(20);
                    if (buffers[(calls - 1) & 1].AsSpan().ContainsAnyExcept(poison)) Interlocked.Increment(ref late);
                }
                catch (Exception e) { errors.Enqueue(e); }
            });
            workers[c].Start();
        }
        foreach (Thread w in workers) w.Join();

        Assert.True(errors.IsEmpty && wrong == 0 && late == 0,
            $"{callers * calls} calls: {errors.Count} threw, {wrong} wrong, {late} buffers written after return. {errors.FirstOrDefault()}");
    }

    [Fact]
    public void ConcurrentCallersSeeBadInputWithBatchRowNumbers()
    {
        var model = new H33Model(seed: 1);
        using var predictor = new ParallelPredictor(model, 4);
        int t = H33Model.SequenceLength;
        int[] good = TestModels.Tokens(model.Shape, 16, seed: 3);
        int[] bad = (int[])good.Clone();
        bad[10 * t + 5] = 99; // row 10 is in the third shard of four (rows 8–11): shard-relative row 2
        var goodOut = new float[16 * H33Model.OutputSize];
        var expected = new float[goodOut.Length];
        predictor.PredictBatch(good, expected);

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => predictor.PredictBatch(bad, goodOut));
        Assert.Equal("tokens", ex.ParamName);
        Assert.Contains("at position 5 of row 10 ", ex.Message);

        // Bad and good calls from several threads at once: each bad call names row 10, each good call is exact.
        int wrong = 0, misnamed = 0;
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var outputs = new float[goodOut.Length];
            if (i % 2 == 0)
            {
                try { predictor.PredictBatch(bad, outputs); Interlocked.Increment(ref misnamed); }
                catch (ArgumentOutOfRangeException e) when (e.Message.Contains("of row 10 ")) { }
                catch (ArgumentOutOfRangeException) { Interlocked.Increment(ref misnamed); }
            }
            else
            {
                predictor.PredictBatch(good, outputs);
                if (!outputs.AsSpan().SequenceEqual(expected)) Interlocked.Increment(ref wrong);
            }
        });
        Assert.Equal(0, misnamed);
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void DisposedPredictorThrowsAndDisposeTwiceIsHarmless()
    {
        var model = new H33Model(seed: 1);
        var predictor = new ParallelPredictor(model, 2);
        int[] tokens = TestModels.Tokens(model.Shape, 3, seed: 3);
        predictor.Dispose();
        predictor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => predictor.PredictBatch(tokens, new float[3 * H33Model.OutputSize]));
    }

    [Fact]
    public void WorkerTeamRefusesASecondConcurrentRun()
    {
        using var team = new WorkerTeam(2);
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var first = new Thread(() => team.Run(k => { if (k == 0) { inside.Set(); release.Wait(); } }));
        first.Start();
        Assert.True(inside.Wait(TimeSpan.FromSeconds(10)));
        var ex = Assert.Throws<InvalidOperationException>(() => team.Run(_ => { }));
        Assert.Contains("one Run at a time", ex.Message);
        Assert.False(team.TryRun(_ => { }));
        release.Set();
        first.Join();
        int ran = 0;
        Assert.True(team.TryRun(_ => Interlocked.Increment(ref ran)));
        Assert.Equal(2, ran);
    }

    // PredictBatch on the predictor's contiguous shards, one after another on this thread.
    private static float[] ShardByShard(ISequenceModel model, int[] tokens, int shards)
    {
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize, rows = tokens.Length / t;
        var outputs = new float[rows * o];
        for (int k = 0; k < shards; k++)
        {
            int start = rows * k / shards, end = rows * (k + 1) / shards;
            if (end > start) model.PredictBatch(tokens.AsSpan(start * t, (end - start) * t), outputs.AsSpan(start * o, (end - start) * o));
        }
        return outputs;
    }
}

/// <summary>Batch-level row numbers in <see cref="TrainingStep"/> errors with several threads.</summary>
public class TrainingStepRowNumberTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void BadTokenNamesTheBatchRow(int threads)
    {
        var model = new SmallModel(seed: 3);
        const int t = SmallModel.SequenceLength;
        int[] tokens = TestModels.Tokens(model.Shape, 16, seed: 1);
        tokens[10 * t + 4] = 13; // vocabulary is 13; row 10 is shard 2's row 2 with four threads
        float[] before = model.Parameters.ToArray();
        using var step = new TrainingStep(model, new Adam(), threads);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => step.Run(tokens, new float[16]));
        Assert.Equal("tokens", ex.ParamName);
        Assert.Contains("at position 4 of row 10 ", ex.Message);
        Assert.True(before.AsSpan().SequenceEqual(model.Parameters));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void BadTargetNamesTheBatchRow(int threads)
    {
        var model = new SmallModel(seed: 3);
        int[] tokens = TestModels.Tokens(model.Shape, 16, seed: 1);
        var targets = new float[16];
        targets[10] = 2f;
        using var step = new TrainingStep(model, new Adam(), threads);
        var ex = Assert.Throws<ArgumentException>(() => step.Run(tokens, targets));
        Assert.Contains("(row 10)", ex.Message);
    }
}
