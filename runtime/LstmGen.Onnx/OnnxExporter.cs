using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using Google.Protobuf;
using LstmGen.Onnx.Proto;

namespace LstmGen.Onnx;

/// <summary>
/// Writes a generated LSTM model (<c>Embedding → LSTM → Dense → activation</c>) as an ONNX model that ONNX Runtime, or
/// any ONNX consumer that implements opset <see cref="OpsetVersion"/>, runs with the same results as
/// <see cref="ISequenceModel.PredictBatch"/>.
/// </summary>
/// <remarks>
/// <para>
/// The graph takes <see cref="InputName"/>: int64 <c>[batch, SequenceLength]</c> token ids (0 = padding) and returns
/// <see cref="OutputName"/>: float <c>[batch, OutputSize]</c>. Our masking skips padded steps at <em>any</em> position,
/// while the ONNX <c>LSTM</c> operator only masks trailing steps (through <c>sequence_lens</c>), so the graph first
/// compacts each row: with <c>key = (token == 0)·T + position</c>, an ascending <c>TopK</c> over the whole row gives the
/// non-padding positions first in their original order, <c>GatherElements</c> reorders the tokens, and
/// <c>sequence_lens</c> is the count of non-zero tokens. Then <c>Gather</c> (embedding) → <c>Transpose</c> to
/// <c>[T, batch, E]</c> → <c>LSTM</c> → <c>Squeeze(Y_h)</c> → <c>Gemm</c> (dense head) → <c>Sigmoid</c> /
/// <c>Softmax</c> / <c>Identity</c>.
/// </para>
/// <para>
/// A row of padding only has <c>sequence_lens = 0</c>: ONNX Runtime then returns <c>Y_h = 0</c> (the initial state),
/// so the output is the head applied to <c>h = 0</c>, exactly as <see cref="ISequenceModel.Predict"/> gives (tested). A
/// consumer that rejects zero lengths would reject such rows rather than return a wrong value.
/// </para>
/// <para>
/// Every row has exactly <c>SequenceLength</c> ids (the dimension is fixed in the graph): pad shorter sequences with 0
/// anywhere, which gives the same output as <see cref="ISequenceModel.Predict"/> on the unpadded sequence.
/// </para>
/// <para>
/// Weights are stored as float32 initializers. PyTorch's gate order i, f, g, o becomes ONNX's i, o, f, c; the bias
/// input is <c>B = [b_ih; b_hh]</c> in that order. Token ids must lie in <c>[0, VocabularySize)</c>: the ONNX graph does
/// not check them (a consumer's <c>Gather</c> may reject or wrap them), unlike the generated code.
/// </para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the graph uses (default domain).</summary>
    public const int OpsetVersion = 17;

    /// <summary>The ONNX IR version written (IR 8 goes with opset 17).</summary>
    public const long IrVersion = 8;

    /// <summary>Name of the graph input: int64 token ids <c>[batch, SequenceLength]</c>, 0 = padding.</summary>
    public const string InputName = "tokens";

    /// <summary>Name of the graph output: float <c>[batch, OutputSize]</c> after the model's output activation.</summary>
    public const string OutputName = "output";

    /// <summary>Symbolic name of the batch dimension of the input and the output.</summary>
    public const string BatchDimension = "batch";

    private static readonly string[] SupportedParameters =
        ["embedding.weight", "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias"];

    // ONNX gate block k (i, o, f, c) is PyTorch gate block OnnxFromTorch[k] (PyTorch order i, f, g, o).
    private static readonly int[] OnnxFromTorch = [0, 3, 1, 2];

    /// <summary>Writes <paramref name="model"/> as an ONNX model to <paramref name="output"/>.</summary>
    /// <remarks>
    /// Supported: one-layer, one-direction LSTM models (<c>[LstmModel]</c> without <c>Layers</c> or
    /// <c>Bidirectional</c>). The weights are read through <see cref="ISequenceModel.Parameters"/>, so the
    /// model's caches stay valid and the model is not changed.
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="NotSupportedException">
    /// The model is not a one-layer, one-direction embedding → LSTM → dense model (for example a GRU, simple RNN,
    /// stacked or bidirectional model), so its parameters are not exactly the seven the graph uses.
    /// </exception>
    public static void Export(ISequenceModel model, Stream output)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(output);
        Export(model.Shape, model.ParameterLayout, model.Parameters, output);
    }

    /// <summary>
    /// Writes <paramref name="model"/> as an ONNX model to the file <paramref name="path"/> atomically, with
    /// <see cref="LstmGen.Serialization.AtomicFile.Write"/>: the target is replaced only once the whole model is written
    /// (a failure leaves an existing file untouched). Symbolic links are followed, directories, FIFOs and devices refused,
    /// and an existing file's permission bits kept.
    /// </summary>
    /// <inheritdoc cref="Export(ISequenceModel, Stream)" path="/remarks"/>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="NotSupportedException">The model is not a one-layer, one-direction embedding → LSTM → dense model
    /// (checked before the file system is touched).</exception>
    /// <exception cref="IOException">The target is not a regular file, or the file could not be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The target is read-only or the folder is not writable.</exception>
    public static void Export(ISequenceModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ModelProto proto = Build(model.Shape, model.ParameterLayout, model.Parameters);
        LstmGen.Serialization.AtomicFile.Write(path, proto.WriteTo);
    }

    /// <summary>
    /// Writes an ONNX model from a model's sizes, its parameter layout (PyTorch names and shapes) and the parameter
    /// buffer that layout describes, for callers that hold the weights without a model instance.
    /// </summary>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="NotSupportedException">
    /// The layout lacks a parameter of the LSTM model, has one of another shape, or has any other parameter (a further
    /// layer or direction would otherwise be silently left out).
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="parameters"/> is shorter than the layout says.</exception>
    public static void Export(ModelShape shape, IReadOnlyList<ParameterInfo> layout, ReadOnlySpan<float> parameters, Stream output)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(output);
        ModelProto proto = Build(shape, layout, parameters);
        proto.WriteTo(output);
    }

    internal static ModelProto Build(ModelShape shape, IReadOnlyList<ParameterInfo> layout, ReadOnlySpan<float> parameters)
    {
        int v = shape.VocabularySize, e = shape.EmbeddingSize, h = shape.HiddenSize, t = shape.SequenceLength, o = shape.OutputSize;
        if (v <= 0 || e <= 0 || h <= 0 || t <= 0 || o <= 0)
            throw new NotSupportedException($"Model sizes must be positive (V={v}, E={e}, H={h}, T={t}, O={o}).");

        // Exactly these seven tensors: a stacked or bidirectional model has more (…_l1, …_reverse), and exporting only
        // the first layer or direction would give a wrong model without an error.
        foreach (ParameterInfo p in layout)
        {
            if (Array.IndexOf(SupportedParameters, p.Name) < 0)
                throw new NotSupportedException($"ONNX export supports one-layer, one-direction LSTM models; this model has parameter '{p.Name}'.");
        }
        ReadOnlySpan<float> embedding = Tensor(layout, parameters, "embedding.weight", v, e);
        ReadOnlySpan<float> wIh = Tensor(layout, parameters, "lstm.weight_ih_l0", 4 * h, e);
        ReadOnlySpan<float> wHh = Tensor(layout, parameters, "lstm.weight_hh_l0", 4 * h, h);
        ReadOnlySpan<float> bIh = Tensor(layout, parameters, "lstm.bias_ih_l0", 4 * h);
        ReadOnlySpan<float> bHh = Tensor(layout, parameters, "lstm.bias_hh_l0", 4 * h);
        ReadOnlySpan<float> fcW = Tensor(layout, parameters, "fc.weight", o, h);
        ReadOnlySpan<float> fcB = Tensor(layout, parameters, "fc.bias", o);

        string activation = shape.Output switch
        {
            OutputActivation.Sigmoid => "Sigmoid",
            OutputActivation.Softmax => "Softmax",
            OutputActivation.Linear => "Identity",
            _ => throw new NotSupportedException($"Output activation {shape.Output} has no ONNX mapping."),
        };

        var bias = new float[8 * h];
        GatesToOnnx(bIh, h, 1, bias.AsSpan(0, 4 * h));
        GatesToOnnx(bHh, h, 1, bias.AsSpan(4 * h, 4 * h));
        var positions = new long[t];
        for (int i = 0; i < t; i++) positions[i] = i;

        var graph = new GraphProto
        {
            Name = "lstmgen",
            DocString = "Embedding → LSTM → Dense → " + activation + ". Token 0 is padding and is skipped at any position: "
                + "each row is compacted (non-padding tokens first, in order) and sequence_lens counts them.",
        };
        graph.Input.Add(ValueInfo(InputName, TensorProto.Types.DataType.Int64, t));
        graph.Output.Add(ValueInfo(OutputName, TensorProto.Types.DataType.Float, o));

        graph.Initializer.Add(FloatTensor("embedding.weight", embedding, v, e));
        graph.Initializer.Add(FloatTensor("lstm.W", GatesToOnnx(wIh, h, e), 1, 4 * h, e));
        graph.Initializer.Add(FloatTensor("lstm.R", GatesToOnnx(wHh, h, h), 1, 4 * h, h));
        graph.Initializer.Add(FloatTensor("lstm.B", bias, 1, 8 * h));
        graph.Initializer.Add(FloatTensor("fc.weight", fcW, o, h));
        graph.Initializer.Add(FloatTensor("fc.bias", fcB, o));
        graph.Initializer.Add(Int64Tensor("const.zero", [0L]));
        graph.Initializer.Add(Int64Tensor("const.seq_len", [t]));
        graph.Initializer.Add(Int64Tensor("const.positions", positions, t));
        graph.Initializer.Add(Int64Tensor("const.k", [t], 1));
        graph.Initializer.Add(Int64Tensor("const.axis0", [0L], 1));
        graph.Initializer.Add(Int64Tensor("const.axis1", [1L], 1));

        // Compaction: key = (token == 0)·T + position sorts non-padding positions first, each group in order.
        graph.Node.Add(Node("Equal", [InputName, "const.zero"], ["is_padding"]));
        graph.Node.Add(Node("Cast", ["is_padding"], ["padding_i64"], Int("to", (long)TensorProto.Types.DataType.Int64)));
        graph.Node.Add(Node("Mul", ["padding_i64", "const.seq_len"], ["padding_key"]));
        graph.Node.Add(Node("Add", ["padding_key", "const.positions"], ["sort_key"]));
        graph.Node.Add(Node("TopK", ["sort_key", "const.k"], ["sorted_key", "order"],
            Int("axis", 1), Int("largest", 0), Int("sorted", 1)));
        graph.Node.Add(Node("GatherElements", [InputName, "order"], ["compact_tokens"], Int("axis", 1)));
        // sequence_lens = number of non-padding tokens per row (int32, as the LSTM operator requires).
        graph.Node.Add(Node("Not", ["is_padding"], ["is_token"]));
        graph.Node.Add(Node("Cast", ["is_token"], ["is_token_i32"], Int("to", (long)TensorProto.Types.DataType.Int32)));
        graph.Node.Add(Node("ReduceSum", ["is_token_i32", "const.axis1"], ["sequence_lens"], Int("keepdims", 0)));

        // Embedding lookup, time-major for the LSTM operator ([T, batch, E]; ONNX Runtime's CPU LSTM needs layout 0).
        graph.Node.Add(Node("Gather", ["embedding.weight", "compact_tokens"], ["embedded"], Int("axis", 0)));
        graph.Node.Add(Node("Transpose", ["embedded"], ["x"], Ints("perm", 1, 0, 2)));
        graph.Node.Add(Node("LSTM", ["x", "lstm.W", "lstm.R", "lstm.B", "sequence_lens"], ["", "lstm.Y_h"],
            Int("hidden_size", h), String("direction", "forward")));
        graph.Node.Add(Node("Squeeze", ["lstm.Y_h", "const.axis0"], ["h"]));

        // Dense head: logits = h·fc.weightᵀ + fc.bias, then the output activation.
        graph.Node.Add(Node("Gemm", ["h", "fc.weight", "fc.bias"], ["logits"], Int("transB", 1)));
        graph.Node.Add(activation == "Softmax"
            ? Node("Softmax", ["logits"], [OutputName], Int("axis", 1))
            : Node(activation, ["logits"], [OutputName]));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "LstmGen",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            Domain = "lstmgen",
            ModelVersion = 1,
            DocString = string.Create(CultureInfo.InvariantCulture,
                $"LstmGen model: vocabulary {v}, embedding {e}, LSTM hidden {h}, sequence {t}, {o} output(s), {shape.Output}."),
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        model.MetadataProps.Add(Metadata("lstmgen.padding_token", "0"));
        model.MetadataProps.Add(Metadata("lstmgen.sequence_length", t.ToString(CultureInfo.InvariantCulture)));
        model.MetadataProps.Add(Metadata("lstmgen.vocabulary_size", v.ToString(CultureInfo.InvariantCulture)));
        model.MetadataProps.Add(Metadata("lstmgen.output_activation", shape.Output.ToString()));
        return model;
    }

    // The named tensor from the buffer, after checking that the layout gives it the expected shape.
    private static ReadOnlySpan<float> Tensor(IReadOnlyList<ParameterInfo> layout, ReadOnlySpan<float> parameters, string name, params int[] shape)
    {
        ParameterInfo? info = null;
        foreach (ParameterInfo p in layout)
        {
            if (p.Name == name) { info = p; break; }
        }
        if (info is null)
            throw new NotSupportedException($"ONNX export supports one-layer, one-direction LSTM models; this model has no parameter '{name}'.");
        if (!info.Shape.SequenceEqual(shape))
            throw new NotSupportedException($"Parameter '{name}' has shape {info.ShapeText}, expected [{string.Join(", ", shape)}].");
        if (info.Offset < 0 || info.Length != shape.Aggregate(1, (a, b) => a * b) || (long)info.Offset + info.Length > parameters.Length)
            throw new ArgumentException($"Parameter '{name}' ({info.Offset} + {info.Length}) lies outside the {parameters.Length} parameters given.", nameof(parameters));
        return parameters.Slice(info.Offset, info.Length);
    }

    // Reorders four gate blocks of h rows × cols from PyTorch's i, f, g, o to ONNX's i, o, f, c.
    private static float[] GatesToOnnx(ReadOnlySpan<float> torch, int h, int cols)
    {
        var onnx = new float[4 * h * cols];
        GatesToOnnx(torch, h, cols, onnx);
        return onnx;
    }

    private static void GatesToOnnx(ReadOnlySpan<float> torch, int h, int cols, Span<float> onnx)
    {
        int block = h * cols;
        for (int k = 0; k < 4; k++) torch.Slice(OnnxFromTorch[k] * block, block).CopyTo(onnx.Slice(k * block, block));
    }

    private static TensorProto FloatTensor(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.Add(dims);
        // raw_data is little-endian by the ONNX specification.
        if (BitConverter.IsLittleEndian)
        {
            tensor.RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        }
        else
        {
            var bytes = new byte[values.Length * sizeof(float)];
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
            tensor.RawData = ByteString.CopyFrom(bytes);
        }
        return tensor;
    }

    private static TensorProto Int64Tensor(string name, long[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(dims);
        tensor.Int64Data.Add(values);
        return tensor;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, int columns)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = columns });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = outputs[^1] + "/" + op };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    private static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static StringStringEntryProto Metadata(string key, string value) => new() { Key = key, Value = value };
}
