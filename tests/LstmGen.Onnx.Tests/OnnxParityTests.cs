using Microsoft.ML.OnnxRuntime;

namespace LstmGen.Onnx.Tests;

/// <summary>
/// Exported models run in ONNX Runtime 1.31 and agree with the generated <c>Predict</c> and <c>PredictBatch</c>
/// (folded and unfolded) within 1e-5 absolute + 1e-5 relative, on rows padded at the start, the middle and the end.
/// </summary>
public sealed class OnnxParityTests
{
    [Fact]
    public void Reference_model_matches_ONNX_Runtime()
    {
        // Keras initialisation, with random biases so a mistake in the bias layout or gate order cannot hide.
        var model = new OnnxReferenceModel(seed: 3);
        OnnxHarness.Randomize(model, seed: 4, scale: 0.5f, "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.bias");
        CheckParity(model, patternRows: 18, seed: 5);
    }

    [Fact]
    public void Odd_sized_model_matches_ONNX_Runtime() => CheckParity(Random(new OnnxOddModel(), 11), patternRows: 30, seed: 12);

    [Fact]
    public void Softmax_head_matches_ONNX_Runtime() => CheckParity(Random(new OnnxSoftmaxModel(), 21), patternRows: 24, seed: 22);

    [Fact]
    public void Linear_head_matches_ONNX_Runtime() => CheckParity(Random(new OnnxLinearModel(), 31), patternRows: 24, seed: 32);

    [Fact]
    public void All_padding_row_gives_the_head_applied_to_zero_state()
    {
        // Predict's semantics: no step runs, h stays 0, the output is activation(fc.bias). The export must agree.
        var model = Random(new OnnxOddModel(), 41);
        ModelShape shape = model.Shape;
        using InferenceSession session = OnnxHarness.Session(OnnxHarness.Export(model));
        float[] onnx = OnnxHarness.Run(session, new int[2 * shape.SequenceLength], 2, shape.SequenceLength, shape.OutputSize);

        float[] expected = model.FcBias.ToArray().Select(b => 1f / (1f + MathF.Exp(-b))).ToArray();
        OnnxHarness.AssertClose([.. expected, .. expected], onnx, "all-padding rows vs σ(fc.bias)");
        var predicted = new float[shape.OutputSize];
        model.Predict(new int[shape.SequenceLength], predicted);
        OnnxHarness.AssertClose(predicted, onnx.AsSpan(0, shape.OutputSize), "all-padding row vs Predict");
    }

    [Fact]
    public void Export_does_not_change_the_model_predictions()
    {
        var model = Random(new OnnxOddModel(), 51);
        int[] tokens = OnnxHarness.Tokens(6, OnnxOddModel.SequenceLength, OnnxOddModel.VocabularySize, 52);
        int rows = tokens.Length / OnnxOddModel.SequenceLength;
        var before = new float[rows * OnnxOddModel.OutputSize];
        model.PredictBatch(tokens, before);
        OnnxHarness.Export(model);
        var after = new float[before.Length];
        model.PredictBatch(tokens, after);
        Assert.Equal(before, after);
    }

    private static TModel Random<TModel>(TModel model, int seed) where TModel : ISequenceModel
    {
        OnnxHarness.Randomize(model, seed, scale: 0.5f);
        return model;
    }

    private static void CheckParity(ISequenceModel model, int patternRows, int seed) => OnnxHarness.CheckParity(model, patternRows, seed);
}
