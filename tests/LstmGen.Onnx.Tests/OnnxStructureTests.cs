using LstmGen.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace LstmGen.Onnx.Tests;

/// <summary>The exported file is a sane ONNX model: ONNX Runtime loads it; names, types, shapes, opset and layout are as documented.</summary>
public sealed class OnnxStructureTests
{
    [Fact]
    public void ONNX_Runtime_reports_the_documented_input_and_output()
    {
        var model = new OnnxSoftmaxModel(seed: 1);
        using InferenceSession session = OnnxHarness.Session(OnnxHarness.Export(model));

        NodeMetadata input = Assert.Single(session.InputMetadata, m => m.Key == OnnxExporter.InputName).Value;
        Assert.Single(session.InputMetadata);
        Assert.Equal(TensorElementType.Int64, input.ElementDataType);
        Assert.Equal([-1, OnnxSoftmaxModel.SequenceLength], input.Dimensions);
        Assert.Equal(OnnxExporter.BatchDimension, input.SymbolicDimensions[0]);

        NodeMetadata output = Assert.Single(session.OutputMetadata, m => m.Key == OnnxExporter.OutputName).Value;
        Assert.Single(session.OutputMetadata);
        Assert.Equal(TensorElementType.Float, output.ElementDataType);
        Assert.Equal([-1, OnnxSoftmaxModel.OutputSize], output.Dimensions);

        Assert.Equal("LstmGen", session.ModelMetadata.ProducerName);
        Assert.Equal("0", session.ModelMetadata.CustomMetadataMap["lstmgen.padding_token"]);
    }

    [Fact]
    public void Graph_has_the_documented_operators_opset_and_weight_layout()
    {
        var model = new OnnxOddModel(seed: 2);
        OnnxHarness.Randomize(model, seed: 3, scale: 1f);
        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxHarness.Export(model));

        Assert.Equal(OnnxExporter.IrVersion, proto.IrVersion);
        OperatorSetIdProto opset = Assert.Single(proto.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(17, opset.Version);
        Assert.Equal(
            ["Equal", "Cast", "Mul", "Add", "TopK", "GatherElements", "Not", "Cast", "ReduceSum",
             "Gather", "Transpose", "LSTM", "Squeeze", "Gemm", "Sigmoid"],
            proto.Graph.Node.Select(n => n.OpType));

        const int h = OnnxOddModel.HiddenSize, e = OnnxOddModel.EmbeddingSize;
        TensorProto w = proto.Graph.Initializer.Single(i => i.Name == "lstm.l0.W");
        Assert.Equal([1L, 4 * h, e], w.Dims);
        TensorProto b = proto.Graph.Initializer.Single(i => i.Name == "lstm.l0.B");
        Assert.Equal([1L, 8 * h], b.Dims);

        // ONNX gate order i, o, f, c: block 1 is PyTorch's o (block 3), block 2 is f (1), block 3 is g (2).
        float[] onnxW = Floats(w);
        float[] torchW = model.LstmWeightIh.ToArray();
        int[] torchBlock = [0, 3, 1, 2];
        for (int k = 0; k < 4; k++)
            Assert.Equal(torchW.AsSpan(torchBlock[k] * h * e, h * e).ToArray(), onnxW.AsSpan(k * h * e, h * e).ToArray());

        // B = [b_ih; b_hh], each reordered the same way.
        float[] onnxB = Floats(b), torchBih = model.LstmBiasIh.ToArray(), torchBhh = model.LstmBiasHh.ToArray();
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(torchBih.AsSpan(torchBlock[k] * h, h).ToArray(), onnxB.AsSpan(k * h, h).ToArray());
            Assert.Equal(torchBhh.AsSpan(torchBlock[k] * h, h).ToArray(), onnxB.AsSpan(4 * h + k * h, h).ToArray());
        }
    }

    [Fact]
    public void Heads_map_to_Sigmoid_Softmax_and_Identity()
    {
        Assert.Equal("Sigmoid", LastOp(new OnnxOddModel()));
        NodeProto softmax = ModelProto.Parser.ParseFrom(OnnxHarness.Export(new OnnxSoftmaxModel())).Graph.Node[^1];
        Assert.Equal("Softmax", softmax.OpType);
        Assert.Equal(1, Assert.Single(softmax.Attribute, a => a.Name == "axis").I);
        Assert.Equal("Identity", LastOp(new OnnxLinearModel()));
    }

    [Fact]
    public void Export_to_a_path_writes_a_loadable_file_and_leaves_no_temporary_file()
    {
        string directory = Directory.CreateTempSubdirectory("lstmgen-onnx-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.onnx");
            File.WriteAllText(path, "an older file");
            var model = new OnnxOddModel(seed: 4);
            OnnxExporter.Export(model, path);

            Assert.Equal([path], Directory.GetFiles(directory));
            using var options = new SessionOptions();
            using var session = new InferenceSession(path, options);
            Assert.Equal(OnnxExporter.InputName, Assert.Single(session.InputNames));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_failed_export_leaves_the_existing_file_untouched()
    {
        string directory = Directory.CreateTempSubdirectory("lstmgen-onnx-").FullName;
        try
        {
            string path = Path.Combine(directory, "model.onnx");
            File.WriteAllText(path, "the previous model");
            var headless = new HeadlessModel();

            var error = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(headless, path));
            Assert.Contains("'fc.weight'", error.Message, StringComparison.Ordinal);
            Assert.Equal("the previous model", File.ReadAllText(path));
            Assert.Equal([path], Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_layout_with_another_shape_is_rejected()
    {
        var model = new OnnxOddModel();
        ModelShape wrong = model.Shape with { HiddenSize = model.Shape.HiddenSize + 1 };
        var error = Assert.Throws<NotSupportedException>(() =>
            OnnxExporter.Export(wrong, model.ParameterLayout, model.Parameters, Stream.Null));
        Assert.Contains("expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_per_step_head_is_refused_rather_than_exported_as_a_final_state_model()
    {
        var model = new OnnxOddModel();
        var error = Assert.Throws<NotSupportedException>(() =>
            OnnxExporter.Export(model.Shape with { ReturnSequences = true }, model.ParameterLayout, model.Parameters, Stream.Null));
        Assert.Contains("ReturnSequences", error.Message, StringComparison.Ordinal);
    }

    private static string LastOp(ISequenceModel model) => ModelProto.Parser.ParseFrom(OnnxHarness.Export(model)).Graph.Node[^1].OpType;

    private static float[] Floats(TensorProto tensor)
    {
        byte[] raw = tensor.RawData.ToByteArray();
        var values = new float[raw.Length / sizeof(float)];
        Buffer.BlockCopy(raw, 0, values, 0, raw.Length);
        return values;
    }

    // An ISequenceModel whose layout is no model kind's: an embedding alone (read as a feed-forward model without its head).
    private sealed class HeadlessModel : ISequenceModel
    {
        private readonly ParameterStore _store;

        public HeadlessModel() => _store = new ParameterStore(10, ParameterLayout, out _);

        public ModelShape Shape => new(10, 1, 1, 4, 1, OutputActivation.Sigmoid);
        public int ParameterCount => _store.Values.Length;
        public ReadOnlySpan<float> Parameters => _store.Values;
        public IReadOnlyList<ParameterInfo> ParameterLayout { get; } = [new ParameterInfo("embedding.weight", [10, 1], 0, 10)];
        public bool UseFoldedEmbedding { get; set; }
        public void SetParameters(ReadOnlySpan<float> values) => _store.Write(values);
        public void SetParameter(string name, ReadOnlySpan<float> values) => _store.Write(name, values);
        public ParameterUpdate BeginParameterUpdate() => _store.BeginUpdate();
        public void Predict(ReadOnlySpan<int> tokens, Span<float> output) => output.Clear();
        public void PredictBatch(ReadOnlySpan<int> tokens, Span<float> outputs) => outputs.Clear();
        public void PredictLogits(ReadOnlySpan<int> tokens, Span<float> output) => output.Clear();
        public void PredictLogitsBatch(ReadOnlySpan<int> tokens, Span<float> outputs) => outputs.Clear();
    }
}
