using LstmGen.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;

namespace LstmGen.Onnx.Tests;

/// <summary>
/// Every model kind (GRU, simple RNN, stacked and bidirectional recurrent models, text CNN, feed-forward) exports and
/// runs in ONNX Runtime with the results of <c>Predict</c> and <c>PredictBatch</c> within 1e-5 absolute + 1e-5 relative,
/// on rows padded at the start, the middle and the end, and on rows of padding only.
/// </summary>
public sealed class OnnxModelKindsTests
{
    private static readonly Dictionary<string, Func<ISequenceModel>> Factories = new()
    {
        ["gru"] = () => new OnnxGruModel(),
        ["rnn"] = () => new OnnxRnnModel(),
        ["lstm-3-layers"] = () => new OnnxStackedModel(),
        ["lstm-bidirectional"] = () => new OnnxBidirectionalModel(),
        ["lstm-2-layers-bidirectional"] = () => new OnnxLstmL2BiModel(),
        ["gru-2-layers"] = () => new OnnxGruL2Model(),
        ["gru-2-layers-bidirectional"] = () => new OnnxGruL2BiModel(),
        ["gru-medium"] = () => new OnnxGruMediumModel(),
        ["rnn-bidirectional"] = () => new OnnxRnnBiModel(),
        ["rnn-3-layers-bidirectional"] = () => new OnnxRnnL3BiModel(),
        ["cnn"] = () => new OnnxCnnModel(),
        ["cnn-widths-1-4-7"] = () => new OnnxCnnEdgeModel(),
        ["cnn-medium"] = () => new OnnxCnnMediumModel(),
        ["feed-forward"] = () => new OnnxFeedForwardModel(),
        ["feed-forward-deep"] = () => new OnnxFeedForwardDeepModel(),
        ["feed-forward-no-hidden"] = () => new OnnxBagModel(),
    };

    public static TheoryData<string> Kinds() => [.. Factories.Keys];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Model_matches_ONNX_Runtime(string kind)
    {
        ISequenceModel model = Factories[kind]();
        // Every weight and bias random (the initialisers leave recurrent biases at zero), so a wrong gate order,
        // bias half or direction cannot hide.
        OnnxHarness.Randomize(model, seed: kind.Length * 7 + 1, scale: 0.5f);
        OnnxHarness.CheckParity(model, patternRows: 30, seed: kind.Length);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void All_padding_rows_match_Predict(string kind)
    {
        ISequenceModel model = Factories[kind]();
        OnnxHarness.Randomize(model, seed: 3, scale: 0.5f);
        ModelShape shape = model.Shape;
        using InferenceSession session = OnnxHarness.Session(OnnxHarness.Export(model));
        float[] onnx = OnnxHarness.Run(session, new int[3 * shape.SequenceLength], 3, shape.SequenceLength, shape.OutputSize);

        var predicted = new float[shape.OutputSize];
        model.Predict(new int[shape.SequenceLength], predicted);
        for (int r = 0; r < 3; r++)
            OnnxHarness.AssertClose(predicted, onnx.AsSpan(r * shape.OutputSize, shape.OutputSize), $"all-padding row {r} vs Predict");

        // The recurrent and CNN features of an empty row are 0, so the output is the activation of fc.bias.
        if (!kind.StartsWith("feed-forward", StringComparison.Ordinal))
            OnnxHarness.AssertClose(Activate(Parameter(model, "fc.bias"), shape.Output), predicted, "all-padding row vs activation(fc.bias)");
    }

    [Fact]
    public void CNN_branches_wider_than_the_row_contribute_nothing()
    {
        // Rows of 1 … T tokens (after padding of every kind): widths 2, 3 and 5 switch on one after another.
        var model = new OnnxCnnModel();
        OnnxHarness.Randomize(model, seed: 8, scale: 0.5f);
        const int t = OnnxCnnModel.SequenceLength;
        var tokens = new int[t * t];
        var rng = new Random(9);
        for (int n = 1; n <= t; n++)
        {
            Span<int> row = tokens.AsSpan((n - 1) * t, t);
            // n tokens at scattered positions (the rest padding), in a seeded order.
            int[] positions = Enumerable.Range(0, t).OrderBy(_ => rng.Next()).Take(n).ToArray();
            foreach (int p in positions) row[p] = rng.Next(1, OnnxCnnModel.VocabularySize);
        }
        using InferenceSession session = OnnxHarness.Session(OnnxHarness.Export(model));
        float[] onnx = OnnxHarness.Run(session, tokens, t, t, OnnxCnnModel.OutputSize);
        var expected = new float[onnx.Length];
        model.PredictBatch(tokens, expected);
        OnnxHarness.AssertClose(expected, onnx, "rows of 1 … T tokens");
    }

    [Theory]
    [InlineData("gru", "GRU", 1, "forward")]
    [InlineData("rnn", "RNN", 1, "forward")]
    [InlineData("lstm-3-layers", "LSTM", 3, "forward")]
    [InlineData("gru-2-layers-bidirectional", "GRU", 2, "bidirectional")]
    [InlineData("rnn-3-layers-bidirectional", "RNN", 3, "bidirectional")]
    public void Recurrent_graph_has_one_operator_per_layer(string kind, string op, int layers, string direction)
    {
        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxHarness.Export(Factories[kind]()));
        NodeProto[] cells = proto.Graph.Node.Where(n => n.OpType == op).ToArray();
        Assert.Equal(layers, cells.Length);
        foreach (NodeProto cell in cells)
        {
            Assert.Equal(direction, Assert.Single(cell.Attribute, a => a.Name == "direction").S.ToStringUtf8());
            Assert.Equal(5, cell.Input.Count);
            Assert.Equal("sequence_lens", cell.Input[4]);
            if (op == "GRU") Assert.Equal(1, Assert.Single(cell.Attribute, a => a.Name == "linear_before_reset").I);
        }
    }

    [Fact]
    public void GRU_gates_are_reordered_to_z_r_h_and_directions_stacked()
    {
        var model = new OnnxGruL2BiModel();
        OnnxHarness.Randomize(model, seed: 5, scale: 1f);
        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxHarness.Export(model));
        const int h = OnnxGruL2BiModel.HiddenSize, input = 2 * h;
        TensorProto w = proto.Graph.Initializer.Single(i => i.Name == "gru.l1.W");
        Assert.Equal([2L, 3 * h, input], w.Dims);
        float[] onnxW = Floats(w);
        // ONNX z, r, h = PyTorch blocks 1 (z), 0 (r), 2 (n); direction 1 is the reverse tensor.
        int[] torchBlock = [1, 0, 2];
        for (int d = 0; d < 2; d++)
        {
            float[] torch = model.GetParameter(d == 0 ? "gru.weight_ih_l1" : "gru.weight_ih_l1_reverse").ToArray();
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(torch.AsSpan(torchBlock[k] * h * input, h * input).ToArray(),
                    onnxW.AsSpan((d * 3 + k) * h * input, h * input).ToArray());
            }
        }
        // B = [Wb; Rb] per direction.
        float[] onnxB = Floats(proto.Graph.Initializer.Single(i => i.Name == "gru.l0.B"));
        float[] bhhReverse = model.GetParameter("gru.bias_hh_l0_reverse").ToArray();
        Assert.Equal(bhhReverse.AsSpan(h, h).ToArray(), onnxB.AsSpan(6 * h + 3 * h, h).ToArray()); // reverse Rb, gate z
    }

    [Fact]
    public void A_layout_with_a_tensor_the_graph_does_not_use_is_refused()
    {
        var model = new OnnxGruL2Model();
        ParameterInfo[] layout = [.. model.ParameterLayout, new ParameterInfo("attention.weight", [3], OnnxGruL2Model.ParameterCount, 3)];
        float[] values = [.. model.Parameters, 1f, 2f, 3f];
        var error = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model.Shape, layout, values, Stream.Null));
        Assert.Contains("'attention.weight'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_layout_missing_a_direction_tensor_is_refused()
    {
        var model = new OnnxGruL2BiModel();
        ParameterInfo[] layout = model.ParameterLayout.Where(p => p.Name != "gru.bias_hh_l1_reverse").ToArray();
        var error = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model.Shape, layout, model.Parameters, Stream.Null));
        Assert.Contains("'gru.bias_hh_l1_reverse'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Model_kind_is_in_the_metadata()
    {
        using InferenceSession cnn = OnnxHarness.Session(OnnxHarness.Export(new OnnxCnnModel()));
        Assert.Equal("text CNN", cnn.ModelMetadata.CustomMetadataMap["lstmgen.model_kind"]);
        using InferenceSession gru = OnnxHarness.Session(OnnxHarness.Export(new OnnxGruModel()));
        Assert.Equal("GRU", gru.ModelMetadata.CustomMetadataMap["lstmgen.model_kind"]);
    }

    private static ReadOnlySpan<float> Parameter(ISequenceModel model, string name)
    {
        ParameterInfo info = model.ParameterLayout.Single(p => p.Name == name);
        return model.Parameters.Slice(info.Offset, info.Length);
    }

    private static float[] Activate(ReadOnlySpan<float> logits, OutputActivation activation)
    {
        float[] values = logits.ToArray();
        switch (activation)
        {
            case OutputActivation.Sigmoid:
                for (int i = 0; i < values.Length; i++) values[i] = 1f / (1f + MathF.Exp(-values[i]));
                break;
            case OutputActivation.Softmax:
                float max = values.Max();
                float sum = 0;
                for (int i = 0; i < values.Length; i++) sum += values[i] = MathF.Exp(values[i] - max);
                for (int i = 0; i < values.Length; i++) values[i] /= sum;
                break;
        }
        return values;
    }

    private static float[] Floats(TensorProto tensor)
    {
        byte[] raw = tensor.RawData.ToByteArray();
        var values = new float[raw.Length / sizeof(float)];
        Buffer.BlockCopy(raw, 0, values, 0, raw.Length);
        return values;
    }
}
