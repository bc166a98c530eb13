using System.Globalization;
using System.Reflection;
using Google.Protobuf;
using LstmGen.Onnx.Proto;

namespace LstmGen.Onnx;

/// <summary>
/// Writes any generated model (LSTM, GRU or simple RNN with any number of layers and one or two directions, text CNN,
/// feed-forward) as an ONNX model that ONNX Runtime, or any ONNX consumer that implements opset
/// <see cref="OpsetVersion"/>, runs with the same results as <see cref="ISequenceModel.PredictBatch"/>.
/// </summary>
/// <remarks>
/// <para>
/// The graph takes <see cref="InputName"/>: int64 <c>[batch, SequenceLength]</c> token ids (0 = padding) and returns
/// <see cref="OutputName"/>: float <c>[batch, OutputSize]</c>. The model kind follows from the parameter names
/// (<c>lstm.*</c>, <c>gru.*</c>, <c>rnn.*</c>, <c>convs.*</c>, else <c>hidden.*</c>); every tensor of the layout must
/// find its place in the graph, or the export fails rather than drop it.
/// </para>
/// <para>
/// <b>Recurrent models.</b> Our masking skips padded steps at <em>any</em> position, while the ONNX recurrent operators
/// only mask trailing steps (through <c>sequence_lens</c>), so the graph first compacts each row: with
/// <c>key = (token == 0)·T + position</c>, an ascending <c>TopK</c> over the whole row gives the non-padding positions
/// first in their original order, <c>GatherElements</c> reorders the tokens, and <c>sequence_lens</c> is the count of
/// non-zero tokens. Then <c>Gather</c> (embedding) → <c>Transpose</c> to <c>[T, batch, E]</c> → one <c>LSTM</c> /
/// <c>GRU</c> / <c>RNN</c> node per layer (<c>direction = "bidirectional"</c> for two directions; a lower layer's
/// <c>Y [T, D, batch, H]</c> becomes the next layer's <c>[T, batch, D·H]</c> input, <c>[h_fwd_t; h_rev_t]</c>) → the top
/// layer's <c>Y_h</c> as <c>[batch, D·H]</c>. ONNX's reverse direction runs from step <c>sequence_lens − 1</c> down to 0,
/// exactly the generated code's reverse pass over the compacted row. Gates are reordered from PyTorch's to ONNX's
/// order (LSTM i, f, g, o → i, o, f, c; GRU r, z, n → z, r, h); <c>B = [b_ih; b_hh]</c> per direction; the GRU has
/// <c>linear_before_reset = 1</c> (PyTorch's <c>r ⊙ (W_hn·h + b_hn)</c>), the RNN <c>Tanh</c>.
/// </para>
/// <para>
/// <b>Text CNN.</b> The same compaction, <c>Gather</c>, <c>Transpose</c> to <c>[batch, E, T]</c>, then per branch
/// <c>Conv</c> (PyTorch's <c>[F, E, k]</c> weight as is) → <c>Relu</c> → windows that end past the row's n tokens set
/// to 0 (<c>Where</c>; 0 never wins over a ReLU output, and a branch with no window gives 0 as the generated code does)
/// → <c>ReduceMax</c> over time → <c>Concat</c>. <b>Feed-forward.</b> <c>Gather</c> → the sum of the non-padding
/// embeddings over <c>max(n, 1)</c> → <c>Gemm</c> → <c>Relu</c> per hidden layer. Every kind ends with the dense head
/// <c>Gemm</c> → <c>Sigmoid</c> / <c>Softmax</c> / <c>Identity</c>.
/// </para>
/// <para>
/// A row of padding only has <c>sequence_lens = 0</c>: ONNX Runtime then returns <c>Y_h = 0</c> (the initial state) for
/// every cell and direction, so the output is the head applied to zero features, exactly as
/// <see cref="ISequenceModel.Predict"/> gives (tested for every kind). A consumer that rejects zero lengths would reject
/// such rows rather than return a wrong value.
/// </para>
/// <para>
/// Every row has exactly <c>SequenceLength</c> ids (the dimension is fixed in the graph): pad shorter sequences with 0
/// anywhere, which gives the same output as <see cref="ISequenceModel.Predict"/> on the unpadded sequence. Weights are
/// float32 initializers. Token ids must lie in <c>[0, VocabularySize)</c>: the ONNX graph does not check them (a
/// consumer's <c>Gather</c> may reject or wrap them), unlike the generated code.
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

    /// <summary>
    /// Why a dense-input model (<c>InputSize</c>) is not exported: the exported graphs take token ids and derive each row's
    /// length from its padding; a dense graph needs a float input and a lengths input instead, which is not written yet.
    /// </summary>
    public const string DenseNotSupported =
        "ONNX export of dense-input models (InputSize) is not supported yet: the exported graphs take int64 token ids and derive each row's length from its padding (token 0), while a dense model takes float features and a length per row. Export the weights with Safetensors.Save (PyTorch names and layouts) instead.";

    /// <summary>Writes <paramref name="model"/> as an ONNX model to <paramref name="output"/>.</summary>
    /// <remarks>
    /// Supported: every generated model (<c>[LstmModel]</c>, <c>[GruModel]</c>, <c>[RnnModel]</c> with any
    /// <c>Layers</c> and <c>Bidirectional</c>, <c>[TextCnnModel]</c>, <c>[FeedForwardModel]</c>). The weights are read
    /// through <see cref="IGeneratedModel.Parameters"/>, so the model's caches stay valid and the model is not changed.
    /// </remarks>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="NotSupportedException">
    /// The parameter layout is no generated model's: a tensor its kind needs is missing or has another shape, or a
    /// tensor has no place in the graph (the message names it). Or a dense-input model (see <see cref="DenseNotSupported"/>).
    /// </exception>
    public static void Export(IGeneratedModel model, Stream output)
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
    /// <inheritdoc cref="Export(IGeneratedModel, Stream)" path="/remarks"/>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="NotSupportedException">The parameter layout is no generated model's (checked before the file
    /// system is touched).</exception>
    /// <exception cref="IOException">The target is not a regular file, or the file could not be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The target is read-only or the folder is not writable.</exception>
    public static void Export(IGeneratedModel model, string path)
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
    /// The layout lacks a parameter its model kind needs, has one of another shape, or has a parameter the graph has no
    /// place for (a further layer or direction would otherwise be silently left out); or the model has ReturnSequences.
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
        if (shape.IsDense) throw new NotSupportedException(DenseNotSupported);
        int v = shape.VocabularySize, e = shape.EmbeddingSize, h = shape.HiddenSize, t = shape.SequenceLength, o = shape.OutputSize;
        if (v <= 0 || e <= 0 || h <= 0 || t <= 0 || o <= 0)
            throw new NotSupportedException($"Model sizes must be positive (V={v}, E={e}, H={h}, T={t}, O={o}).");
        // The graphs read the final state; a per-step head would be exported as the wrong model.
        if (shape.ReturnSequences)
            throw new NotSupportedException("A ReturnSequences model (the head at every step) has no ONNX export yet; only final-state heads are exported.");
        string activation = shape.Output switch
        {
            OutputActivation.Sigmoid => "Sigmoid",
            OutputActivation.Softmax => "Softmax",
            OutputActivation.Linear => "Identity",
            _ => throw new NotSupportedException($"Output activation {shape.Output} has no ONNX mapping."),
        };

        // The model kind follows from the parameter names (PyTorch's module names, as the generator writes them).
        var g = new GraphWriter(layout, parameters);
        string kind, features, body;
        int width;
        if (RecurrentGraph.Detect(g) is RecurrentCell cell)
        {
            kind = cell.ToString().ToUpperInvariant();
            (features, width, body) = RecurrentGraph.Write(g, shape, cell);
        }
        else if (TextCnnGraph.Detect(g))
        {
            kind = "text CNN";
            (features, width, body) = TextCnnGraph.Write(g, shape);
        }
        else
        {
            kind = "feed-forward";
            (features, width, body) = FeedForwardGraph.Write(g, shape);
        }

        // Dense head: logits = features·fc.weightᵀ + fc.bias, then the output activation.
        string fcW = g.Floats("fc.weight", g.Tensor("fc.weight", o, width), o, width);
        string fcB = g.Floats("fc.bias", g.Tensor("fc.bias", o), o);
        g.Node("Gemm", [features, fcW, fcB], ["logits"], GraphWriter.Int("transB", 1));
        g.Node(activation, ["logits"], [OutputName], activation == "Softmax" ? [GraphWriter.Int("axis", 1)] : []);
        // Every tensor of the layout is in the graph (checked before a file is touched).
        g.CheckAllParametersUsed(kind);

        GraphProto graph = g.Graph;
        graph.DocString = "Embedding → " + body + " → Dense → " + activation + ". Token 0 is padding and is skipped at any position.";
        graph.Input.Add(GraphWriter.ValueInfo(InputName, TensorProto.Types.DataType.Int64, t));
        graph.Output.Add(GraphWriter.ValueInfo(OutputName, TensorProto.Types.DataType.Float, o));

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "LstmGen",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            Domain = "lstmgen",
            ModelVersion = 1,
            DocString = string.Create(CultureInfo.InvariantCulture,
                $"LstmGen {kind} model: vocabulary {v}, embedding {e}, {body}, features {width}, sequence {t}, {o} output(s), {shape.Output}."),
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        model.MetadataProps.Add(Metadata("lstmgen.model_kind", kind));
        model.MetadataProps.Add(Metadata("lstmgen.padding_token", "0"));
        model.MetadataProps.Add(Metadata("lstmgen.sequence_length", t.ToString(CultureInfo.InvariantCulture)));
        model.MetadataProps.Add(Metadata("lstmgen.vocabulary_size", v.ToString(CultureInfo.InvariantCulture)));
        model.MetadataProps.Add(Metadata("lstmgen.output_activation", shape.Output.ToString()));
        return model;
    }

    private static StringStringEntryProto Metadata(string key, string value) => new() { Key = key, Value = value };
}
