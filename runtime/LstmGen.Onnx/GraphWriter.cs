using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using LstmGen.Onnx.Proto;

namespace LstmGen.Onnx;

/// <summary>
/// Builds one ONNX graph: initializers, nodes and the model's weights read by name from its parameter layout. Every
/// tensor of the layout must be read exactly once (<see cref="CheckAllParametersUsed"/>), so a tensor the graph would
/// leave out (a further layer, a new kind of layer) fails the export instead of giving a wrong model.
/// </summary>
internal sealed class GraphWriter
{
    private readonly IReadOnlyList<ParameterInfo> _layout;
    private readonly float[] _parameters;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);

    public GraphWriter(IReadOnlyList<ParameterInfo> layout, ReadOnlySpan<float> parameters)
    {
        _layout = layout;
        _parameters = parameters.ToArray();
    }

    public GraphProto Graph { get; } = new() { Name = "lstmgen" };

    /// <summary>Whether the layout has a tensor of this name.</summary>
    public bool Has(string name) => Find(name) is not null;

    /// <summary>The layout's tensor of this name (null when absent).</summary>
    public ParameterInfo? Find(string name)
    {
        foreach (ParameterInfo p in _layout)
        {
            if (p.Name == name) return p;
        }
        return null;
    }

    /// <summary>The named tensor's values, after checking that the layout gives it exactly <paramref name="shape"/>.</summary>
    public ReadOnlySpan<float> Tensor(string name, params int[] shape)
    {
        ParameterInfo info = Find(name)
            ?? throw new NotSupportedException($"ONNX export: this model has no parameter '{name}', which its kind of model needs.");
        if (!info.Shape.SequenceEqual(shape))
            throw new NotSupportedException($"ONNX export: parameter '{name}' has shape {info.ShapeText}, expected [{string.Join(", ", shape)}].");
        long length = 1;
        foreach (int d in shape) length *= d;
        if (info.Offset < 0 || info.Length != length || (long)info.Offset + info.Length > _parameters.Length)
            throw new ArgumentException(
                $"Parameter '{name}' ({info.Offset} + {info.Length}) lies outside the {_parameters.Length} parameters given.", "parameters");
        _used.Add(name);
        return _parameters.AsSpan(info.Offset, info.Length);
    }

    /// <summary>Throws when the layout holds a tensor that the graph did not read.</summary>
    public void CheckAllParametersUsed(string kind)
    {
        foreach (ParameterInfo p in _layout)
        {
            if (!_used.Contains(p.Name))
                throw new NotSupportedException(
                    $"ONNX export of a {kind} model: parameter '{p.Name}' {p.ShapeText} has no place in the graph (a layout this exporter does not know).");
        }
    }

    /// <summary>Adds a float32 initializer stored as little-endian raw data.</summary>
    public string Floats(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Float };
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
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds an int64 initializer.</summary>
    public string Int64s(string name, long[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = Unique(name), DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(dims);
        tensor.Int64Data.Add(values);
        Graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>An int64 constant shared by every node that uses it: written on first use.</summary>
    public string Constant(string name, long[] values, params long[] dims) => _names.Contains(name) ? name : Int64s(name, values, dims);

    /// <summary>A float32 constant shared by every node that uses it: written on first use.</summary>
    public string Constant(string name, float[] values, params long[] dims) => _names.Contains(name) ? name : Floats(name, values, dims);

    /// <summary>Adds a node; it is named after its last output that is not omitted (ONNX wants unique node names).</summary>
    public void Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        string name = Array.FindLast(outputs, o => o.Length > 0) + "/" + op;
        if (!_nodeNames.Add(name)) throw new InvalidOperationException($"ONNX export: node '{name}' written twice.");
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        Graph.Node.Add(node);
    }

    /// <summary>Adds a one-output node and returns its output's name.</summary>
    public string Op(string op, string output, string[] inputs, params AttributeProto[] attributes)
    {
        Node(op, inputs, [output], attributes);
        return output;
    }

    public static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, int columns)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = OnnxExporter.BatchDimension });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = columns });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Strings(string name, params string[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings };
        foreach (string value in values) attribute.Strings.Add(ByteString.CopyFromUtf8(value));
        return attribute;
    }

    private string Unique(string name) =>
        _names.Add(name) ? name : throw new InvalidOperationException($"ONNX export: initializer '{name}' written twice.");
}
