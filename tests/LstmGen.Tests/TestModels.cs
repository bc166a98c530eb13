using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>Factories and random inputs shared by the numeric tests.</summary>
internal static class TestModels
{
    public static ISequenceModel Create(string name, int seed = 1) => name switch
    {
        nameof(ReferenceModel) => new ReferenceModel(seed),
        nameof(SmallModel) => new SmallModel(seed),
        nameof(SoftmaxModel) => new SoftmaxModel(seed),
        nameof(H1Model) => new H1Model(seed),
        nameof(H33Model) => new H33Model(seed),
        nameof(H16Model) => new H16Model(seed),
        nameof(Container.NestedModel) => new Container.NestedModel(seed),
        nameof(GruSmallModel) => new GruSmallModel(seed),
        nameof(GruSoftmaxModel) => new GruSoftmaxModel(seed),
        nameof(GruH1Model) => new GruH1Model(seed),
        nameof(GruH33Model) => new GruH33Model(seed),
        nameof(GruH16Model) => new GruH16Model(seed),
        nameof(GruReferenceModel) => new GruReferenceModel(seed),
        nameof(RnnSmallModel) => new RnnSmallModel(seed),
        nameof(RnnSoftmaxModel) => new RnnSoftmaxModel(seed),
        nameof(RnnH1Model) => new RnnH1Model(seed),
        nameof(RnnH33Model) => new RnnH33Model(seed),
        nameof(RnnH72Model) => new RnnH72Model(seed),
        nameof(RnnReferenceModel) => new RnnReferenceModel(seed),
        nameof(LstmL2Model) => new LstmL2Model(seed),
        nameof(LstmBiModel) => new LstmBiModel(seed),
        nameof(LstmL2BiModel) => new LstmL2BiModel(seed),
        nameof(GruL2BiModel) => new GruL2BiModel(seed),
        nameof(RnnL2BiModel) => new RnnL2BiModel(seed),
        nameof(RnnL3SoftmaxModel) => new RnnL3SoftmaxModel(seed),
        nameof(LstmL3BiH33Model) => new LstmL3BiH33Model(seed),
        nameof(GruL3H16Model) => new GruL3H16Model(seed),
        nameof(GruL2BiH1Model) => new GruL2BiH1Model(seed),
        nameof(RnnBiSoftmaxModel) => new RnnBiSoftmaxModel(seed),
        _ => throw new ArgumentException(name),
    };

    public static TheoryData<string> All => new()
    {
        nameof(ReferenceModel), nameof(SmallModel), nameof(SoftmaxModel), nameof(H1Model), nameof(H33Model), nameof(H16Model), nameof(Container.NestedModel),
        nameof(GruReferenceModel), nameof(GruSmallModel), nameof(GruSoftmaxModel), nameof(GruH1Model), nameof(GruH33Model), nameof(GruH16Model),
        nameof(RnnReferenceModel), nameof(RnnSmallModel), nameof(RnnSoftmaxModel), nameof(RnnH1Model), nameof(RnnH33Model), nameof(RnnH72Model),
        nameof(LstmL2Model), nameof(LstmBiModel), nameof(LstmL2BiModel), nameof(GruL2BiModel), nameof(RnnL2BiModel), nameof(RnnL3SoftmaxModel),
        nameof(LstmL3BiH33Model), nameof(GruL3H16Model), nameof(GruL2BiH1Model), nameof(RnnBiSoftmaxModel),
    };

    /// <summary>The stacked and bidirectional models (every cell).</summary>
    public static TheoryData<string> Stacked => new()
    {
        nameof(LstmL2Model), nameof(LstmBiModel), nameof(LstmL2BiModel), nameof(GruL2BiModel), nameof(RnnL2BiModel), nameof(RnnL3SoftmaxModel),
        nameof(LstmL3BiH33Model), nameof(GruL3H16Model), nameof(GruL2BiH1Model), nameof(RnnBiSoftmaxModel),
    };

    /// <summary>The GRU and simple-RNN models only (every size).</summary>
    public static TheoryData<string> GruAndRnn => new()
    {
        nameof(GruSmallModel), nameof(GruSoftmaxModel), nameof(GruH1Model), nameof(GruH33Model), nameof(GruH16Model),
        nameof(RnnSmallModel), nameof(RnnSoftmaxModel), nameof(RnnH1Model), nameof(RnnH33Model), nameof(RnnH72Model),
    };

    /// <summary>
    /// Overwrites every parameter with U(−scale, scale), so gates leave their linear range. For a simple RNN the scale is
    /// capped at 2/√(E + H): with larger weights its recurrence is chaotic (W_hh's spectral radius well above 1) and any
    /// two float roundings, let alone float and double, drift apart exponentially over the steps, whatever the kernel.
    /// </summary>
    public static void Randomize(ISequenceModel model, int seed, float scale = 0.5f)
    {
        if (model is IRecurrentModel { Cell: RecurrentCell.Rnn })
            scale = MathF.Min(scale, 2f / MathF.Sqrt(model.Shape.EmbeddingSize + model.Shape.HiddenSize));
        var rng = new Rng(seed);
        using ParameterUpdate update = model.BeginParameterUpdate();
        Initializers.Uniform(update.Values, -scale, scale, ref rng);
    }

    /// <summary>Random ids in [2, V) with some rows padded at the front, back or middle.</summary>
    public static int[] Tokens(ModelShape shape, int rows, int seed)
    {
        var rng = new Rng(seed);
        var tokens = new int[rows * shape.SequenceLength];
        for (int r = 0; r < rows; r++)
        {
            Span<int> row = tokens.AsSpan(r * shape.SequenceLength, shape.SequenceLength);
            for (int t = 0; t < row.Length; t++) row[t] = 1 + rng.NextInt(shape.VocabularySize - 1);
            int pad = rng.NextInt(shape.SequenceLength);
            switch (r % 4)
            {
                case 1: row[..pad].Clear(); break;
                case 2: row[(row.Length - pad)..].Clear(); break;
                case 3: for (int t = 0; t < row.Length; t += 3) row[t] = 0; break;
            }
        }
        return tokens;
    }
}
