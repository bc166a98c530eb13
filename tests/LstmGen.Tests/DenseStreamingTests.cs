using LstmGen.Testing;
using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests.Models
{
    /// <summary>Two stacked dense LSTM layers of 64 (several kernel chunks), for streaming.</summary>
    [LstmModel(InputSize = 3, HiddenSize = 64, SequenceLength = 12, Layers = 2, OutputSize = 2, Output = OutputActivation.Linear)]
    public sealed partial class DenseLstmL2H64Model;

    /// <summary>The RTNeural comparison's shape at H = 32: one feature, one linear output.</summary>
    [LstmModel(InputSize = 1, HiddenSize = 32, SequenceLength = 16, Output = OutputActivation.Linear)]
    public sealed partial class DenseLstmH32Model;
}

namespace LstmGen.Tests
{
    /// <summary>A dense model's streaming members behind one shape.</summary>
    internal sealed class DenseStreamer(IDenseSequenceModel model, Func<IRecurrentState> create, DenseStreamer.StepFn step)
    {
        public delegate void StepFn(IRecurrentState state, ReadOnlySpan<float> features, Span<float> output);

        public IDenseSequenceModel Model => model;
        public IRecurrentState CreateState() => create();
        public void Step(IRecurrentState state, ReadOnlySpan<float> features, Span<float> output) => step(state, features, output);

        public static DenseStreamer Create(string name, int seed = 1) => name switch
        {
            nameof(DenseLstmModel) => Of(new DenseLstmModel(seed)),
            nameof(DenseRnnModel) => Of(new DenseRnnModel(seed)),
            nameof(DenseGruH17Model) => Of(new DenseGruH17Model(seed)),
            nameof(DenseLstmL2H64Model) => Of(new DenseLstmL2H64Model(seed)),
            nameof(DenseLstmH32Model) => Of(new DenseLstmH32Model(seed)),
            _ => throw new ArgumentException(name),
        };

        private static DenseStreamer Of(DenseLstmModel m) => new(m, m.CreateState, (s, f, o) => m.Step((DenseLstmModel.State)s, f, o));
        private static DenseStreamer Of(DenseRnnModel m) => new(m, m.CreateState, (s, f, o) => m.Step((DenseRnnModel.State)s, f, o));
        private static DenseStreamer Of(DenseGruH17Model m) => new(m, m.CreateState, (s, f, o) => m.Step((DenseGruH17Model.State)s, f, o));
        private static DenseStreamer Of(DenseLstmL2H64Model m) => new(m, m.CreateState, (s, f, o) => m.Step((DenseLstmL2H64Model.State)s, f, o));
        private static DenseStreamer Of(DenseLstmH32Model m) => new(m, m.CreateState, (s, f, o) => m.Step((DenseLstmH32Model.State)s, f, o));
    }

    /// <summary>Streaming Step on dense-input models: Predict's bits after every step, the double reference, bad input.</summary>
    public class DenseStreamingTests
    {
        public static TheoryData<string> Models => new()
        {
            nameof(DenseLstmModel), nameof(DenseRnnModel), nameof(DenseGruH17Model), nameof(DenseLstmL2H64Model), nameof(DenseLstmH32Model),
        };

        private static float[] Inputs(ModelShape shape, int seed)
        {
            var rng = new Rng(seed);
            var x = new float[shape.SequenceLength * shape.InputSize];
            Initializers.Uniform(x, -1f, 1f, ref rng);
            return x;
        }

        [Theory]
        [MemberData(nameof(Models))]
        public void SteppingGivesPredictsBitsAfterEveryStepAndTheReferencesState(string name)
        {
            DenseStreamer s = DenseStreamer.Create(name);
            // Weights U(±0.5), an RNN's capped at 2/√(N + H) as in TestModels.Randomize (a larger one is chaotic).
            float scale = ((IDenseRecurrentModel)s.Model).Cell == RecurrentCell.Rnn ? MathF.Min(0.5f, 2f / MathF.Sqrt(s.Model.Shape.InputSize + s.Model.Shape.HiddenSize)) : 0.5f;
            var rng = new Rng(5);
            using (ParameterUpdate update = s.Model.BeginParameterUpdate()) Initializers.Uniform(update.Values, -scale, scale, ref rng);
            ModelShape shape = s.Model.Shape;
            int n = shape.InputSize, o = shape.OutputSize;
            float[] x = Inputs(shape, 3);
            IRecurrentState state = s.CreateState();
            var stepped = new float[o];
            var predicted = new float[o];
            for (int t = 0; t < shape.SequenceLength; t++)
            {
                s.Step(state, x.AsSpan(t * n, n), stepped);
                s.Model.Predict(x.AsSpan(0, (t + 1) * n), predicted);
                Assert.True(stepped.AsSpan().SequenceEqual(predicted), $"{name} step {t}: Step {string.Join(", ", stepped)} but Predict {string.Join(", ", predicted)}.");
            }
            Assert.Equal(shape.SequenceLength, state.Steps);

            // The state is PyTorch's (h_n, c_n) of the double reference over the same steps.
            int layers = state.Size / shape.HiddenSize / (((IDenseRecurrentModel)s.Model).Cell == RecurrentCell.Lstm ? 2 : 1);
            string cell = ((IDenseRecurrentModel)s.Model).Cell.ToString().ToLowerInvariant();
            ParameterInfo P(string p) => s.Model.ParameterLayout.Single(q => q.Name == p);
            var reference = new ReferenceDense(cell, n, shape.HiddenSize, layers, 1, p => s.Model.Parameters.Slice(P(p).Offset, P(p).Length).ToArray());
            (_, double[][] h, double[][] c) = reference.Run(x, shape.SequenceLength);
            var values = new float[state.Size];
            state.CopyTo(values);
            int H = shape.HiddenSize;
            for (int l = 0; l < layers; l++)
            {
                for (int j = 0; j < H; j++)
                {
                    Assert.True(Math.Abs(values[l * H + j] - h[l][j]) <= 2e-5, $"h[{l}, {j}] = {values[l * H + j]}, reference {h[l][j]}.");
                    if (cell == "lstm") Assert.True(Math.Abs(values[(layers + l) * H + j] - c[l][j]) <= 2e-5 * (1 + Math.Abs(c[l][j])), $"c[{l}, {j}] = {values[(layers + l) * H + j]}, reference {c[l][j]}.");
                }
            }
        }

        [Fact]
        public void BadFeaturesAreRejectedWithTheirIndexAndTheStateIsUnchanged()
        {
            var model = new DenseLstmModel(2);
            DenseLstmModel.State state = model.CreateState();
            var output = new float[DenseLstmModel.OutputSize];
            Assert.Equal("features", Assert.Throws<ArgumentException>(() => model.Step(state, new float[DenseLstmModel.InputSize + 1], output)).ParamName);
            var bad = new float[DenseLstmModel.InputSize];
            bad[2] = float.NaN;
            var e = Assert.Throws<ArgumentException>(() => model.Step(state, bad, output));
            Assert.Equal("features", e.ParamName);
            Assert.Contains("Feature 2 of the step", e.Message);
            Assert.Equal("output", Assert.Throws<ArgumentException>(() => model.StepLogits(state, new float[DenseLstmModel.InputSize], new float[2])).ParamName);
            Assert.Equal(0, state.Steps);
        }
    }

    /// <summary>Dense Step allocates nothing.</summary>
    [Collection(AllocationCollection.Name)]
    public class DenseStreamingAllocationTests
    {
        [Theory]
        [InlineData(nameof(DenseLstmH32Model))]
        [InlineData(nameof(DenseLstmL2H64Model))]
        [InlineData(nameof(DenseGruH17Model))]
        public void StepAllocatesNothing(string name)
        {
            DenseStreamer s = DenseStreamer.Create(name);
            IRecurrentState state = s.CreateState();
            var features = new float[s.Model.Shape.InputSize];
            var output = new float[s.Model.Shape.OutputSize];
            Allocations.AssertNone(() => s.Step(state, features, output), callsPerWindow: 50, what: $"{name} Step");
        }
    }
}
