using LstmGen.Tests.Models;

namespace LstmGen.Tests;

/// <summary>
/// The seqlock reads of <see cref="InferenceSnapshots{T}"/> that <c>Step</c> uses: a read is valid only while its
/// snapshot is not refilled, and a step whose snapshot was refilled under it is discarded and redone, never committed.
/// </summary>
public class OptimisticReadTests
{
    private sealed class Copy
    {
        public float[] Values = [];
    }

    private sealed class Builder : InferenceSnapshots<Copy>.IBuilder
    {
        public int Fills;
        public Copy Create() => new();
        public void Fill(Copy snapshot, ReadOnlySpan<float> parameters) { snapshot.Values = parameters.ToArray(); Fills++; }
    }

    private static (ParameterStore Store, InferenceSnapshots<Copy> Snapshots, Builder Builder) Make()
    {
        var store = new ParameterStore(4, [new ParameterInfo("w", [4], 0, 4)], out _);
        var builder = new Builder();
        return (store, new InferenceSnapshots<Copy>(store, builder), builder);
    }

    private static void Publish(ParameterStore store, InferenceSnapshots<Copy> snapshots, float value)
    {
        store.Write([value, value, value, value]);
        snapshots.Acquire().Dispose();
    }

    [Fact]
    public void AReadStaysValidUntilItsSnapshotIsRefilledAndNotAfter()
    {
        var (store, snapshots, builder) = Make();
        // No snapshot yet: the optimistic read refuses (Acquire builds the first one).
        Assert.False(snapshots.TryBeginRead(out _, out _));
        Publish(store, snapshots, 1f);
        Assert.True(snapshots.TryBeginRead(out Copy? first, out InferenceSnapshots<Copy>.OptimisticRead read));
        Assert.Equal(1f, first!.Values[0]);
        Assert.True(InferenceSnapshots<Copy>.EndRead(read));

        // A new version published into another slot: the old snapshot is retired but untouched, so the read holds.
        Publish(store, snapshots, 2f);
        Assert.True(InferenceSnapshots<Copy>.EndRead(read));
        Assert.Equal(1f, first.Values[0]);

        // The next version reuses the retired slot (no lease holds it): the read is now invalid.
        Publish(store, snapshots, 3f);
        Assert.Same(first, snapshots.TryBeginRead(out Copy? third, out _) ? third : null);
        Assert.Equal(3f, first.Values[0]);
        Assert.False(InferenceSnapshots<Copy>.EndRead(read));
        Assert.Equal(3, builder.Fills);
    }

    [Fact]
    public void AReadOfAStaleVersionIsRefusedUntilARefresh()
    {
        var (store, snapshots, _) = Make();
        Publish(store, snapshots, 1f);
        store.Write([5f, 5f, 5f, 5f]);
        Assert.False(snapshots.TryBeginRead(out _, out _));
        snapshots.Acquire().Dispose();
        Assert.True(snapshots.TryBeginRead(out Copy? current, out _));
        Assert.Equal(5f, current!.Values[0]);
    }

    [Fact]
    public void ADefaultReadIsNeverValid() => Assert.False(InferenceSnapshots<Copy>.EndRead(default));

    /// <summary>
    /// A stepping thread, a writer cycling three weight sets (with two, a refilled slot would get back the set it held) and a Predict thread that publishes every new version
    /// (so slots are refilled while a step reads them, which the stepping thread alone never does): every step's output
    /// and state must be those of one weight set, bit for bit, and the step count must advance exactly once per step.
    /// A small model keeps writes and refills as short as a step, so refills land inside steps (with validation
    /// removed, this test sees mixed steps).
    /// </summary>
    [Fact]
    public void StepsRacingRefillsByAnotherThreadGiveOldOrNewWeightsNeverAMix()
    {
        var model = new H33Model(1);
        TestModels.Randomize(model, 1);
        float[] a = model.Parameters.ToArray();
        TestModels.Randomize(model, 2);
        float[] b = model.Parameters.ToArray();
        TestModels.Randomize(model, 3);
        float[] c = model.Parameters.ToArray();
        float[][] sets = [a, b, c];
        int[] tokens = [5, 17, 3, 49, 25, 8, 1, 42];
        var o = new float[H33Model.OutputSize];
        // A mid-stream state under a, then per token the step's output and state under a and under b.
        model.SetParameters(a);
        H33Model.State start = model.CreateState();
        foreach (int t in tokens) model.Step(start, t, o);
        var startValues = new float[start.Size];
        start.CopyTo(startValues);
        float[] Expected(float[] weights, int token)
        {
            model.SetParameters(weights);
            H33Model.State st = model.CreateState();
            st.CopyFrom(startValues);
            st.Steps = start.Steps;
            var r = new float[H33Model.OutputSize + st.Size];
            model.Step(st, token, r.AsSpan(0, H33Model.OutputSize));
            st.CopyTo(r.AsSpan(H33Model.OutputSize));
            return r;
        }
        float[][][] under = [.. sets.Select(w => tokens.Select(t => Expected(w, t)).ToArray())];
        model.SetParameters(a);
        var stop = false;
        var writer = new Thread(() =>
        {
            for (int i = 1; !Volatile.Read(ref stop); i++) model.SetParameters(sets[i % 3]);
        });
        int[] row = TestModels.Tokens(model.Shape, 1, seed: 3);
        var refresher = new Thread(() =>
        {
            var p = new float[H33Model.OutputSize];
            while (!Volatile.Read(ref stop)) model.Predict(row.AsSpan(0, 8), p);
        });
        writer.Start();
        refresher.Start();
        int mixed = 0, wrongCount = 0;
        H33Model.State state = model.CreateState();
        var result = new float[H33Model.OutputSize + state.Size];
        for (int call = 0; call < 20_000; call++)
        {
            int k = call % tokens.Length;
            state.CopyFrom(startValues);
            state.Steps = start.Steps;
            model.Step(state, tokens[k], result.AsSpan(0, H33Model.OutputSize));
            if (state.Steps != start.Steps + 1) wrongCount++;
            state.CopyTo(result.AsSpan(H33Model.OutputSize));
            if (!under.Any(u => Same(result, u[k]))) mixed++;
        }
        Volatile.Write(ref stop, true);
        writer.Join();
        refresher.Join();
        Assert.Equal(0, mixed);
        Assert.Equal(0, wrongCount);
    }

    private static bool Same(float[] x, float[] y)
    {
        for (int i = 0; i < x.Length; i++)
            if (BitConverter.SingleToInt32Bits(x[i]) != BitConverter.SingleToInt32Bits(y[i])) return false;
        return true;
    }
}
