using LstmGen.Serialization;
using LstmGen.Testing;
using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests.Models
{
    /// <summary>Two stacked LSTM layers of 64 (eight-unit chunks on AVX2, four sixteen-unit chunks on AVX-512).</summary>
    [LstmModel(VocabularySize = 50, EmbeddingSize = 16, HiddenSize = 64, SequenceLength = 20, Layers = 2, OutputSize = 2, Output = OutputActivation.Softmax)]
    public sealed partial class LstmL2H64Model;
}

namespace LstmGen.Tests
{
    /// <summary>A generated model's streaming members behind one shape, so one test runs every model kind.</summary>
    internal sealed class Streamer(ISequenceModel model, Func<IRecurrentState> create, Action<IRecurrentState, int, float[]> step, Action<IRecurrentState, int, float[]> stepLogits)
    {
        public ISequenceModel Model => model;
        public IRecurrentState CreateState() => create();
        public void Step(IRecurrentState state, int token, float[] output) => step(state, token, output);
        public void StepLogits(IRecurrentState state, int token, float[] output) => stepLogits(state, token, output);

        public static Streamer Create(string name, int seed = 1) => name switch
        {
            nameof(ReferenceModel) => Of(new ReferenceModel(seed)),
            nameof(SmallModel) => Of(new SmallModel(seed)),
            nameof(SoftmaxModel) => Of(new SoftmaxModel(seed)),
            nameof(H1Model) => Of(new H1Model(seed)),
            nameof(H33Model) => Of(new H33Model(seed)),
            nameof(GruSmallModel) => Of(new GruSmallModel(seed)),
            nameof(GruH1Model) => Of(new GruH1Model(seed)),
            nameof(GruH33Model) => Of(new GruH33Model(seed)),
            nameof(GruReferenceModel) => Of(new GruReferenceModel(seed)),
            nameof(RnnSmallModel) => Of(new RnnSmallModel(seed)),
            nameof(RnnH72Model) => Of(new RnnH72Model(seed)),
            nameof(RnnSoftmaxModel) => Of(new RnnSoftmaxModel(seed)),
            nameof(LstmL2Model) => Of(new LstmL2Model(seed)),
            nameof(LstmL2H64Model) => Of(new LstmL2H64Model(seed)),
            nameof(RnnL3SoftmaxModel) => Of(new RnnL3SoftmaxModel(seed)),
            nameof(GruL3H16Model) => Of(new GruL3H16Model(seed)),
            _ => throw new ArgumentException(name),
        };

        private static Streamer Of(ReferenceModel m) => new(m, m.CreateState, (s, t, o) => m.Step((ReferenceModel.State)s, t, o), (s, t, o) => m.StepLogits((ReferenceModel.State)s, t, o));
        private static Streamer Of(SmallModel m) => new(m, m.CreateState, (s, t, o) => m.Step((SmallModel.State)s, t, o), (s, t, o) => m.StepLogits((SmallModel.State)s, t, o));
        private static Streamer Of(SoftmaxModel m) => new(m, m.CreateState, (s, t, o) => m.Step((SoftmaxModel.State)s, t, o), (s, t, o) => m.StepLogits((SoftmaxModel.State)s, t, o));
        private static Streamer Of(H1Model m) => new(m, m.CreateState, (s, t, o) => m.Step((H1Model.State)s, t, o), (s, t, o) => m.StepLogits((H1Model.State)s, t, o));
        private static Streamer Of(H33Model m) => new(m, m.CreateState, (s, t, o) => m.Step((H33Model.State)s, t, o), (s, t, o) => m.StepLogits((H33Model.State)s, t, o));
        private static Streamer Of(GruSmallModel m) => new(m, m.CreateState, (s, t, o) => m.Step((GruSmallModel.State)s, t, o), (s, t, o) => m.StepLogits((GruSmallModel.State)s, t, o));
        private static Streamer Of(GruH1Model m) => new(m, m.CreateState, (s, t, o) => m.Step((GruH1Model.State)s, t, o), (s, t, o) => m.StepLogits((GruH1Model.State)s, t, o));
        private static Streamer Of(GruH33Model m) => new(m, m.CreateState, (s, t, o) => m.Step((GruH33Model.State)s, t, o), (s, t, o) => m.StepLogits((GruH33Model.State)s, t, o));
        private static Streamer Of(GruReferenceModel m) => new(m, m.CreateState, (s, t, o) => m.Step((GruReferenceModel.State)s, t, o), (s, t, o) => m.StepLogits((GruReferenceModel.State)s, t, o));
        private static Streamer Of(RnnSmallModel m) => new(m, m.CreateState, (s, t, o) => m.Step((RnnSmallModel.State)s, t, o), (s, t, o) => m.StepLogits((RnnSmallModel.State)s, t, o));
        private static Streamer Of(RnnH72Model m) => new(m, m.CreateState, (s, t, o) => m.Step((RnnH72Model.State)s, t, o), (s, t, o) => m.StepLogits((RnnH72Model.State)s, t, o));
        private static Streamer Of(RnnSoftmaxModel m) => new(m, m.CreateState, (s, t, o) => m.Step((RnnSoftmaxModel.State)s, t, o), (s, t, o) => m.StepLogits((RnnSoftmaxModel.State)s, t, o));
        private static Streamer Of(LstmL2Model m) => new(m, m.CreateState, (s, t, o) => m.Step((LstmL2Model.State)s, t, o), (s, t, o) => m.StepLogits((LstmL2Model.State)s, t, o));
        private static Streamer Of(LstmL2H64Model m) => new(m, m.CreateState, (s, t, o) => m.Step((LstmL2H64Model.State)s, t, o), (s, t, o) => m.StepLogits((LstmL2H64Model.State)s, t, o));
        private static Streamer Of(RnnL3SoftmaxModel m) => new(m, m.CreateState, (s, t, o) => m.Step((RnnL3SoftmaxModel.State)s, t, o), (s, t, o) => m.StepLogits((RnnL3SoftmaxModel.State)s, t, o));
        private static Streamer Of(GruL3H16Model m) => new(m, m.CreateState, (s, t, o) => m.Step((GruL3H16Model.State)s, t, o), (s, t, o) => m.StepLogits((GruL3H16Model.State)s, t, o));
    }

    /// <summary>
    /// Streaming inference (issue 12 item 3): <c>Step</c> with a caller-owned <c>State</c> against Predict, the double
    /// reference, concurrent states, concurrent weight writes, allocation and the model file's state record.
    /// </summary>
    public class StreamingTests
    {
        /// <summary>State values against the double reference (float against double over ≤ 20 steps, weights ±0.5).</summary>
        private const double ReferenceTolerance = 2e-5;

        public static TheoryData<string> Unidirectional => new()
        {
            nameof(ReferenceModel), nameof(SmallModel), nameof(SoftmaxModel), nameof(H1Model), nameof(H33Model),
            nameof(GruSmallModel), nameof(GruH1Model), nameof(GruH33Model), nameof(GruReferenceModel),
            nameof(RnnSmallModel), nameof(RnnH72Model), nameof(RnnSoftmaxModel),
            nameof(LstmL2Model), nameof(LstmL2H64Model), nameof(RnnL3SoftmaxModel), nameof(GruL3H16Model),
        };

        private static Streamer Randomized(string name, int seed = 3)
        {
            Streamer s = Streamer.Create(name);
            TestModels.Randomize(s.Model, seed);
            return s;
        }

        // One sequence of SequenceLength ids in [1, V) with padding (0) at a few places, including the first step.
        private static int[] Sequence(ModelShape shape, int seed)
        {
            var rng = new Rng(seed);
            var tokens = new int[shape.SequenceLength];
            for (int t = 0; t < tokens.Length; t++) tokens[t] = rng.NextInt(4) == 0 ? 0 : 1 + rng.NextInt(shape.VocabularySize - 1);
            tokens[0] = 0;
            return tokens;
        }

        private static bool SameBits(float[] a, float[] b) => a.Length == b.Length && a.AsSpan().SequenceEqual(b);

        [Theory]
        [MemberData(nameof(Unidirectional))]
        public void SteppingASequenceGivesPredictsBitsAfterEveryStep(string name)
        {
            foreach (bool folded in new[] { true, false })
            {
                Streamer s = Randomized(name);
                s.Model.UseFoldedEmbedding = folded;
                ModelShape shape = s.Model.Shape;
                for (int seed = 0; seed < 3; seed++)
                {
                    int[] tokens = Sequence(shape, seed);
                    IRecurrentState state = s.CreateState();
                    var stepped = new float[shape.OutputSize];
                    var predicted = new float[shape.OutputSize];
                    var logits = new float[shape.OutputSize];
                    for (int t = 0; t < tokens.Length; t++)
                    {
                        var before = new float[state.Size];
                        state.CopyTo(before);
                        s.Step(state, tokens[t], stepped);
                        s.Model.Predict(tokens.AsSpan(0, t + 1), predicted);
                        // Exact: the same table rows, the same one-row GEMM per element, the same fused kernel in the same chunk order.
                        Assert.True(SameBits(stepped, predicted), $"{name} (folded {folded}) step {t}: Step {string.Join(", ", stepped)} but Predict {string.Join(", ", predicted)}.");
                        s.Model.PredictLogits(tokens.AsSpan(0, t + 1), predicted);
                        var after = new float[state.Size];
                        state.CopyTo(after);
                        if (tokens[t] == 0) Assert.True(SameBits(before, after), $"{name}: a padding token changed the state at step {t}.");
                        else Assert.False(SameBits(before, after), $"{name}: token {tokens[t]} left the state unchanged at step {t}.");
                        // StepLogits on a copy of the state before the step gives the logits.
                        IRecurrentState copy = s.CreateState();
                        copy.CopyFrom(before);
                        copy.Steps = state.Steps - (tokens[t] == 0 ? 0 : 1);
                        s.StepLogits(copy, tokens[t], logits);
                        Assert.True(SameBits(logits, predicted), $"{name} step {t}: StepLogits differs from PredictLogits.");
                    }
                    Assert.Equal(tokens.Count(t => t != 0), state.Steps);
                }
            }
        }

        [Theory]
        [MemberData(nameof(Unidirectional))]
        public void StateIsPyTorchsHnAndCnAndCopyFromStartsThere(string name)
        {
            Streamer s = Randomized(name);
            ModelShape shape = s.Model.Shape;
            (int layers, int _) = ReferenceRecurrent.Stack(s.Model);
            string cell = ((IRecurrentModel)s.Model).Cell.ToString().ToLowerInvariant();
            bool lstm = cell == "lstm";
            int h = shape.HiddenSize, e = shape.EmbeddingSize;
            var reference = new ReferenceDense(cell, e, h, layers, 1, n => Tensor(s.Model, n));
            float[] embedding = Tensor(s.Model, "embedding.weight");
            int[] tokens = Sequence(shape, 7).Where(t => t != 0).ToArray();
            float[] x = tokens.SelectMany(t => embedding.AsSpan(t * e, e).ToArray()).ToArray();

            // From zero: the state after every token is the reference's (h_n, c_n), in [Layers, H] order, h then c.
            IRecurrentState state = s.CreateState();
            Assert.Equal(layers * h * (lstm ? 2 : 1), state.Size);
            var output = new float[shape.OutputSize];
            foreach (int t in tokens) s.Step(state, t, output);
            var values = new float[state.Size];
            state.CopyTo(values);
            (_, double[][] finalH, double[][] finalC) = reference.Run(x, tokens.Length);
            AssertState(values, finalH, finalC, lstm, h, layers, "from zero");

            // From a random state set by CopyFrom: the reference started at (h0, c0) in the same layout.
            var rng = new Rng(11);
            var start = new float[state.Size];
            Initializers.Uniform(start, -0.9f, 0.9f, ref rng);
            state.Reset();
            state.CopyFrom(start);
            var check = new float[state.Size];
            state.CopyTo(check);
            Assert.Equal(start, check);
            double[][] h0 = [.. Enumerable.Range(0, layers).Select(l => start.AsSpan(l * h, h).ToArray().Select(v => (double)v).ToArray())];
            double[][] c0 = [.. Enumerable.Range(0, layers).Select(l => lstm ? start.AsSpan((layers + l) * h, h).ToArray().Select(v => (double)v).ToArray() : new double[h])];
            foreach (int t in tokens) s.Step(state, t, output);
            state.CopyTo(values);
            (_, finalH, finalC) = reference.Run(x, tokens.Length, h0, c0);
            AssertState(values, finalH, finalC, lstm, h, layers, "from CopyFrom");
        }

        private static float[] Tensor(ISequenceModel model, string name)
        {
            ParameterInfo p = model.ParameterLayout.First(t => t.Name == name);
            return model.Parameters.Slice(p.Offset, p.Length).ToArray();
        }

        private static void AssertState(float[] values, double[][] finalH, double[][] finalC, bool lstm, int h, int layers, string what)
        {
            for (int l = 0; l < layers; l++)
            {
                for (int j = 0; j < h; j++)
                {
                    Assert.True(Math.Abs(values[l * h + j] - finalH[l][j]) <= ReferenceTolerance, $"{what}: h[{l}, {j}] = {values[l * h + j]}, reference {finalH[l][j]}.");
                    if (lstm) Assert.True(Math.Abs(values[(layers + l) * h + j] - finalC[l][j]) <= ReferenceTolerance * (1 + Math.Abs(finalC[l][j])), $"{what}: c[{l}, {j}] = {values[(layers + l) * h + j]}, reference {finalC[l][j]}.");
                }
            }
        }

        [Theory]
        [InlineData(nameof(ReferenceModel))]
        [InlineData(nameof(GruL3H16Model))]
        [InlineData(nameof(RnnSmallModel))]
        public void ResetAndCopyWithStepsContinueBitForBit(string name)
        {
            Streamer s = Randomized(name);
            ModelShape shape = s.Model.Shape;
            int[] tokens = Sequence(shape, 5);
            float[][] Run(IRecurrentState state, IEnumerable<int> ids)
            {
                return ids.Select(t => { var o = new float[shape.OutputSize]; s.Step(state, t, o); return o; }).ToArray();
            }
            IRecurrentState a = s.CreateState();
            float[][] fresh = Run(a, tokens);
            a.Reset();
            Assert.Equal(0, a.Steps);
            float[][] again = Run(a, tokens);
            for (int t = 0; t < tokens.Length; t++) Assert.True(SameBits(fresh[t], again[t]), $"after Reset, step {t} differs.");

            // Half way, copy the state (and its step count, which fixes the chunk order) into another: both continue alike.
            a.Reset();
            int half = tokens.Length / 2;
            Run(a, tokens.Take(half));
            var saved = new float[a.Size];
            a.CopyTo(saved);
            IRecurrentState b = s.CreateState();
            b.CopyFrom(saved);
            b.Steps = a.Steps;
            float[][] restA = Run(a, tokens.Skip(half)), restB = Run(b, tokens.Skip(half));
            for (int t = 0; t < restA.Length; t++)
            {
                Assert.True(SameBits(restA[t], restB[t]), $"the copied state differs at step {half + t}.");
                Assert.True(SameBits(restA[t], fresh[half + t]), $"the interrupted stream differs at step {half + t}.");
            }
        }

        [Fact]
        public void StreamsLongerThanSequenceLength()
        {
            // Step has no length limit; over 3·T tokens the state stays finite and matches a stream restarted from a copy.
            var model = new SmallModel(2);
            SmallModel.State state = model.CreateState();
            var output = new float[1];
            for (int t = 0; t < 3 * SmallModel.SequenceLength; t++) model.Step(state, 1 + t % (SmallModel.VocabularySize - 1), output);
            Assert.True(float.IsFinite(output[0]) && output[0] is > 0f and < 1f);
            Assert.Equal(3 * SmallModel.SequenceLength, state.Steps);
        }

        [Fact]
        public void BadArgumentsAreRejectedWithTheirNames()
        {
            var model = new SoftmaxModel(1);
            SoftmaxModel.State state = model.CreateState();
            var output = new float[SoftmaxModel.OutputSize];
            Assert.Equal("state", Assert.Throws<ArgumentNullException>(() => model.Step(null!, 2, output)).ParamName);
            var low = Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(state, -1, output));
            Assert.Equal("token", low.ParamName);
            Assert.Contains("-1", low.Message);
            Assert.Equal("token", Assert.Throws<ArgumentOutOfRangeException>(() => model.StepLogits(state, SoftmaxModel.VocabularySize, output)).ParamName);
            Assert.Equal("output", Assert.Throws<ArgumentException>(() => model.Step(state, 2, new float[2])).ParamName);
            Assert.Equal("destination", Assert.Throws<ArgumentException>(() => state.CopyTo(new float[SoftmaxModel.StateSize - 1])).ParamName);
            Assert.Equal("source", Assert.Throws<ArgumentException>(() => state.CopyFrom(new float[SoftmaxModel.StateSize + 1])).ParamName);
            var bad = new float[SoftmaxModel.StateSize];
            bad[SoftmaxModel.HiddenSize + 2] = float.NaN;
            var nan = Assert.Throws<ArgumentException>(() => state.CopyFrom(bad));
            Assert.Contains($"State value {SoftmaxModel.HiddenSize + 2} (c[0, 2])", nan.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => state.Steps = -1);
            // Nothing was changed by the rejected calls.
            var values = new float[SoftmaxModel.StateSize];
            state.CopyTo(values);
            Assert.All(values, v => Assert.Equal(0f, v));
            Assert.Equal(0, state.Steps);
        }

        [Fact]
        public void ManyStatesOnManyThreadsGiveEachItsSequentialResult()
        {
            Streamer s = Randomized(nameof(LstmL2H64Model));
            ModelShape shape = s.Model.Shape;
            const int States = 12, Threads = 4, Rounds = 3;
            int[][] sequences = [.. Enumerable.Range(0, States).Select(i => Sequence(shape, 100 + i))];
            // Sequential: each state's outputs after each of its tokens, Rounds passes of its sequence.
            float[][] expected = new float[States][];
            for (int i = 0; i < States; i++)
            {
                IRecurrentState state = s.CreateState();
                expected[i] = new float[Rounds * shape.SequenceLength * shape.OutputSize];
                var o = new float[shape.OutputSize];
                for (int k = 0; k < Rounds * shape.SequenceLength; k++)
                {
                    s.Step(state, sequences[i][k % shape.SequenceLength], o);
                    o.CopyTo(expected[i], k * shape.OutputSize);
                }
            }
            // Concurrent: thread j owns states j, j + Threads, …, and steps them interleaved.
            float[][] seen = new float[States][];
            Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, j =>
            {
                int[] mine = [.. Enumerable.Range(0, States).Where(i => i % Threads == j)];
                IRecurrentState[] states = [.. mine.Select(_ => s.CreateState())];
                foreach (int i in mine) seen[i] = new float[expected[i].Length];
                var o = new float[shape.OutputSize];
                for (int k = 0; k < Rounds * shape.SequenceLength; k++)
                {
                    for (int m = 0; m < mine.Length; m++)
                    {
                        s.Step(states[m], sequences[mine[m]][k % shape.SequenceLength], o);
                        o.CopyTo(seen[mine[m]], k * shape.OutputSize);
                    }
                }
            });
            for (int i = 0; i < States; i++) Assert.True(SameBits(expected[i], seen[i]), $"state {i} differs from its sequential run.");
        }

        [Fact]
        public void WeightWritesDuringSteppingGiveOldOrNewWeightsNeverAMix()
        {
            Streamer s = Randomized(nameof(ReferenceModel), seed: 1);
            ModelShape shape = s.Model.Shape;
            float[] a = s.Model.Parameters.ToArray();
            TestModels.Randomize(s.Model, 2);
            float[] b = s.Model.Parameters.ToArray();
            int[] tokens = Sequence(shape, 9).Where(t => t != 0).Take(8).ToArray();
            // A mid-stream state (from weights a), then per token the output under a and under b.
            IRecurrentState start = s.CreateState();
            s.Model.SetParameters(a);
            var o = new float[1];
            foreach (int t in tokens) s.Step(start, t, o);
            var startValues = new float[start.Size];
            start.CopyTo(startValues);
            float[] Expected(float[] weights, int token)
            {
                s.Model.SetParameters(weights);
                IRecurrentState st = s.CreateState();
                st.CopyFrom(startValues);
                st.Steps = start.Steps;
                var r = new float[1 + st.Size];
                var z = new float[1];
                s.Step(st, token, z);
                r[0] = z[0];
                st.CopyTo(r.AsSpan(1));
                return r;
            }
            float[][] underA = [.. tokens.Select(t => Expected(a, t))], underB = [.. tokens.Select(t => Expected(b, t))];
            var stop = false;
            var writer = new Thread(() =>
            {
                for (int i = 0; !Volatile.Read(ref stop); i++)
                {
                    float[] next = i % 2 == 0 ? b : a;
                    using ParameterUpdate update = s.Model.BeginParameterUpdate();
                    int half = next.Length / 2;
                    next.AsSpan(0, half).CopyTo(update.Values);
                    Thread.SpinWait(200);
                    next.AsSpan(half).CopyTo(update.Values[half..]);
                }
            });
            writer.Start();
            int mixed = 0, sawA = 0, sawB = 0;
            IRecurrentState state = s.CreateState();
            var result = new float[1 + state.Size];
            var output = new float[1];
            for (int call = 0; call < 400; call++)
            {
                int k = call % tokens.Length;
                state.CopyFrom(startValues);
                state.Steps = start.Steps;
                s.Step(state, tokens[k], output);
                result[0] = output[0];
                state.CopyTo(result.AsSpan(1));
                if (SameBits(result, underA[k])) sawA++;
                else if (SameBits(result, underB[k])) sawB++;
                else mixed++;
            }
            Volatile.Write(ref stop, true);
            writer.Join();
            Assert.Equal(0, mixed);
            Assert.Equal(400, sawA + sawB);
        }

        [Fact]
        public void ModelFileCarriesAStateThatResumesBitForBit()
        {
            Streamer s = Randomized(nameof(LstmL2Model));
            ModelShape shape = s.Model.Shape;
            int[] tokens = Sequence(shape, 4);
            IRecurrentState state = s.CreateState();
            var o = new float[1];
            foreach (int t in tokens.Take(5)) s.Step(state, t, o);
            string path = Path.Combine(Path.GetTempPath(), $"lstmgen-state-{Guid.NewGuid():N}.lstmgen");
            try
            {
                ModelFile.Save(s.Model, path, state);
                Assert.True(ModelFile.Inspect(path).HasState);

                Streamer loaded = Streamer.Create(nameof(LstmL2Model), seed: 99);
                IRecurrentState resumed = loaded.CreateState();
                Assert.True(ModelFile.Load(loaded.Model, path, resumed));
                Assert.Equal(state.Steps, resumed.Steps);
                var expected = new float[1];
                foreach (int t in tokens.Skip(5))
                {
                    s.Step(state, t, expected);
                    loaded.Step(resumed, t, o);
                    Assert.True(SameBits(expected, o), $"the resumed stream differs at token {t}.");
                }

                // A file without a state: Load reports false and resets the state; the plain Load ignores a stored state.
                ModelFile.Save(s.Model, path);
                Assert.False(ModelFile.Inspect(path).HasState);
                Assert.False(ModelFile.Load(loaded.Model, path, resumed));
                Assert.Equal(0, resumed.Steps);
                ModelFile.Save(s.Model, path, state);
                Assert.Null(ModelFile.Load(loaded.Model, path));

                // A state of another size is refused before anything is written.
                IRecurrentState other = Streamer.Create(nameof(GruL3H16Model)).CreateState();
                var ex = Assert.Throws<ArgumentException>(() => ModelFile.Save(s.Model, path, other));
                Assert.Contains("state", ex.Message, StringComparison.OrdinalIgnoreCase);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    /// <summary>The model file's state record (format version 3) refused when damaged, before anything is written.</summary>
    public class StateRecordTests
    {
        private sealed class FakeState(int size) : IRecurrentState
        {
            public float[] Values = new float[size];
            public int Size => Values.Length;
            public long Steps { get; set; } = 42;
            public void Reset() { Array.Clear(Values); Steps = 0; }
            public void CopyTo(Span<float> destination) => Values.CopyTo(destination);
            public void CopyFrom(ReadOnlySpan<float> source) => source.CopyTo(Values);
        }

        // A file with a state after 5 tokens, and the offset of its state record (steps = 5, N = StateSize).
        private static (byte[] File, int At, LstmL2Model Model, LstmL2Model.State State) Saved()
        {
            var model = new LstmL2Model(4);
            LstmL2Model.State state = model.CreateState();
            var o = new float[1];
            foreach (int t in new[] { 3, 0, 5, 7, 2, 9 }) model.Step(state, t, o);
            using var ms = new MemoryStream();
            ModelFile.Save(model, ms, state);
            byte[] file = ms.ToArray();
            var head = new byte[12];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(head, 5);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(head.AsSpan(8), LstmL2Model.StateSize);
            int at = file.AsSpan().IndexOf(head);
            Assert.True(at > 0);
            return (file, at, model, state);
        }

        private static void Reseal(byte[] file)
        {
            var crc = new Crc32();
            crc.Append(file.AsSpan(0, file.Length - 4));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(file.Length - 4), crc.Value);
        }

        [Fact]
        public void AStateFileIsVersion3AndItsRecordIsStepsCountAndPyTorchLayoutFloats()
        {
            (byte[] file, int at, _, LstmL2Model.State state) = Saved();
            Assert.Equal(3u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8)));
            Assert.Equal(4u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(12)));
            var values = new float[LstmL2Model.StateSize];
            state.CopyTo(values);
            for (int i = 0; i < values.Length; i++)
                Assert.Equal(values[i], System.Buffers.Binary.BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(at + 12 + 4 * i)));
            ModelFileInfo info = ModelFile.Inspect(new MemoryStream(file));
            Assert.Equal(values, info.State);
            Assert.Equal(5, info.StateSteps);
        }

        [Fact]
        public void ANonFiniteStateValueIsRefusedAndNothingChanges()
        {
            (byte[] file, int at, _, _) = Saved();
            System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(at + 12 + 4 * 3), float.PositiveInfinity);
            Reseal(file);
            var target = new LstmL2Model(8);
            float[] before = target.Parameters.ToArray();
            var state = new FakeState(LstmL2Model.StateSize);
            var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(target, new MemoryStream(file), state));
            Assert.Equal(ModelFileError.NonFiniteWeight, e.Error);
            Assert.Contains("state value 3", e.Message);
            Assert.Equal(before, target.Parameters.ToArray());
            Assert.Equal(42, state.Steps);
        }

        [Fact]
        public void ACountThatDisagreesWithTheLengthIsCorrupt()
        {
            (byte[] file, int at, _, _) = Saved();
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(at + 8), LstmL2Model.StateSize - 1);
            Reseal(file);
            var e = Assert.Throws<ModelFileException>(() => ModelFile.Inspect(new MemoryStream(file)));
            Assert.Equal(ModelFileError.Corrupt, e.Error);
            Assert.Contains("state record declares", e.Message);
        }

        [Fact]
        public void AStateOfAnotherSizeIsAShapeMismatch()
        {
            (byte[] file, _, _, _) = Saved();
            var target = new LstmL2Model(8);
            float[] before = target.Parameters.ToArray();
            var state = new FakeState(LstmL2Model.StateSize + 7);
            var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(target, new MemoryStream(file), state));
            Assert.Equal(ModelFileError.ShapeMismatch, e.Error);
            Assert.Contains($"holds {LstmL2Model.StateSize} floats but the state to load holds {LstmL2Model.StateSize + 7}", e.Message);
            Assert.Equal(before, target.Parameters.ToArray());
        }

        [Fact]
        public void AFileCutInsideTheStateRecordIsTruncated()
        {
            (byte[] file, int at, _, _) = Saved();
            var e = Assert.Throws<ModelFileException>(() => ModelFile.Inspect(new MemoryStream(file[..(at + 20)])));
            Assert.Equal(ModelFileError.Truncated, e.Error);
        }

        [Fact]
        public void OlderFilesStillLoadWithAStateArgument()
        {
            var model = new LstmL2Model(4);
            using var ms = new MemoryStream();
            ModelFile.Save(model, ms);
            Assert.Equal(1u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(ms.ToArray().AsSpan(8)));
            var state = new FakeState(LstmL2Model.StateSize);
            state.Values[0] = 1f;
            ms.Position = 0;
            Assert.False(ModelFile.Load(new LstmL2Model(5), ms, state));
            Assert.Equal(0, state.Steps);
            Assert.Equal(0f, state.Values[0]);
        }
    }

    /// <summary>Step allocates nothing (run alone: allocation counters are per thread but collections are not).</summary>
    [Collection(AllocationCollection.Name)]
    public class StreamingAllocationTests
    {
        [Theory]
        [InlineData(nameof(ReferenceModel), true)]
        [InlineData(nameof(ReferenceModel), false)]
        [InlineData(nameof(GruReferenceModel), true)]
        [InlineData(nameof(RnnH72Model), true)]
        [InlineData(nameof(LstmL2H64Model), true)]
        [InlineData(nameof(LstmL2H64Model), false)]
        public void StepAllocatesNothing(string name, bool folded)
        {
            Streamer s = Streamer.Create(name);
            s.Model.UseFoldedEmbedding = folded;
            IRecurrentState state = s.CreateState();
            var output = new float[s.Model.Shape.OutputSize];
            int token = 1;
            Allocations.AssertNone(() =>
            {
                token = token % (s.Model.Shape.VocabularySize - 1) + 1;
                s.Step(state, token, output);
                s.StepLogits(state, 0, output);
            }, callsPerWindow: 50, what: $"{name} Step");
        }
    }
}
