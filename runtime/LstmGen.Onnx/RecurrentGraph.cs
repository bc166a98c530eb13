using System.Globalization;
using LstmGen.Onnx.Proto;
using static LstmGen.Onnx.GraphWriter;

namespace LstmGen.Onnx;

/// <summary>
/// The graph of a recurrent model (LSTM, GRU or simple RNN; any number of layers, one or two directions): compaction,
/// embedding, one ONNX <c>LSTM</c>/<c>GRU</c>/<c>RNN</c> node per layer, and the top layer's final states as features.
/// </summary>
internal static class RecurrentGraph
{
    /// <summary>What the exporter needs to know about one cell kind.</summary>
    private sealed record CellMap(RecurrentCell Cell, string Prefix, string Op, int Gates, int[] OnnxFromTorch);

    // ONNX gate block k is PyTorch gate block OnnxFromTorch[k]. LSTM: PyTorch i, f, g, o → ONNX i, o, f, c.
    // GRU: PyTorch r, z, n → ONNX z, r, h. RNN: one block.
    private static readonly CellMap[] Cells =
    [
        new(RecurrentCell.Lstm, "lstm", "LSTM", 4, [0, 3, 1, 2]),
        new(RecurrentCell.Gru, "gru", "GRU", 3, [1, 0, 2]),
        new(RecurrentCell.Rnn, "rnn", "RNN", 1, [0]),
    ];

    /// <summary>The cell whose layer-0 input weight the layout holds (null when it holds none).</summary>
    public static RecurrentCell? Detect(GraphWriter g)
    {
        foreach (CellMap map in Cells)
        {
            if (g.Has(map.Prefix + ".weight_ih_l0")) return map.Cell;
        }
        return null;
    }

    /// <summary>Writes the graph up to the features the head reads; returns their name and width.</summary>
    public static (string Features, int Width, string Description) Write(GraphWriter g, ModelShape shape, RecurrentCell cell)
    {
        CellMap map = Array.Find(Cells, c => c.Cell == cell)!;
        int e = shape.EmbeddingSize, h = shape.HiddenSize, t = shape.SequenceLength;
        int layers = 0;
        while (g.Has(string.Create(CultureInfo.InvariantCulture, $"{map.Prefix}.weight_ih_l{layers}"))) layers++;
        int directions = g.Has(map.Prefix + ".weight_ih_l0_reverse") ? 2 : 1;

        (string compact, string isPadding) = Compaction.Write(g, t);
        // sequence_lens = number of non-padding tokens per row (int32, as the recurrent operators require).
        g.Node("Not", [isPadding], ["is_token"]);
        g.Node("Cast", ["is_token"], ["is_token_i32"], Int("to", (long)TensorProto.Types.DataType.Int32));
        g.Node("ReduceSum", ["is_token_i32", Compaction.Axis1(g)], ["sequence_lens"], Int("keepdims", 0));

        // Embedding lookup, time-major for the recurrent operators ([T, batch, E]; ONNX Runtime's CPU kernels need layout 0).
        g.Node("Gather", [g.Floats("embedding.weight", g.Tensor("embedding.weight", shape.VocabularySize, e), shape.VocabularySize, e), compact],
            ["embedded"], Int("axis", 0));
        string x = g.Op("Transpose", "x", ["embedded"], Ints("perm", 1, 0, 2));

        string finalState = "";
        for (int layer = 0; layer < layers; layer++)
        {
            int input = layer == 0 ? e : directions * h;
            string name = string.Create(CultureInfo.InvariantCulture, $"{map.Prefix}.l{layer}");
            int gh = map.Gates * h;
            var w = new float[directions * gh * input];
            var r = new float[directions * gh * h];
            var b = new float[directions * 2 * gh];
            for (int d = 0; d < directions; d++)
            {
                string suffix = string.Create(CultureInfo.InvariantCulture, $"_l{layer}{(d == 1 ? "_reverse" : "")}");
                Reorder(g.Tensor($"{map.Prefix}.weight_ih{suffix}", gh, input), map.OnnxFromTorch, h * input, w.AsSpan(d * gh * input, gh * input));
                Reorder(g.Tensor($"{map.Prefix}.weight_hh{suffix}", gh, h), map.OnnxFromTorch, h * h, r.AsSpan(d * gh * h, gh * h));
                // B = [Wb; Rb] per direction: the input-side bias, then the recurrent one, each in ONNX gate order.
                Reorder(g.Tensor($"{map.Prefix}.bias_ih{suffix}", gh), map.OnnxFromTorch, h, b.AsSpan(d * 2 * gh, gh));
                Reorder(g.Tensor($"{map.Prefix}.bias_hh{suffix}", gh), map.OnnxFromTorch, h, b.AsSpan(d * 2 * gh + gh, gh));
            }
            string[] inputs =
            [
                x, g.Floats(name + ".W", w, directions, gh, input), g.Floats(name + ".R", r, directions, gh, h),
                g.Floats(name + ".B", b, directions, 2 * gh), "sequence_lens",
            ];
            var attributes = new List<AttributeProto>
            {
                Int("hidden_size", h), String("direction", directions == 2 ? "bidirectional" : "forward"),
            };
            // PyTorch's GRU applies the reset gate to (W_hn·h + b_hn): ONNX's linear_before_reset = 1.
            if (cell == RecurrentCell.Gru) attributes.Add(Int("linear_before_reset", 1));
            if (cell == RecurrentCell.Rnn)
                attributes.Add(directions == 2 ? Strings("activations", "Tanh", "Tanh") : Strings("activations", "Tanh"));

            bool top = layer == layers - 1;
            // Y [T, D, batch, H] feeds the next layer; the top layer gives only Y_h [D, batch, H].
            g.Node(map.Op, inputs, top ? ["", name + ".Y_h"] : [name + ".Y", ""], [.. attributes]);
            if (top)
            {
                finalState = name + ".Y_h";
            }
            else if (directions == 1)
            {
                x = g.Op("Squeeze", name + ".out", [name + ".Y", Compaction.Axis1(g)]);
            }
            else
            {
                // [T, 2, batch, H] → [T, batch, 2, H] → [T, batch, 2H]: step t's input is [h_fwd_t; h_rev_t].
                g.Node("Transpose", [name + ".Y"], [name + ".Y_tbdh"], Ints("perm", 0, 2, 1, 3));
                x = g.Op("Reshape", name + ".out", [name + ".Y_tbdh", SequenceShape(g, directions * h)]);
            }
        }

        string features;
        if (directions == 1)
        {
            features = g.Op("Squeeze", "h", [finalState, Compaction.Axis0(g)]);
        }
        else
        {
            // [2, batch, H] → [batch, 2, H] → [batch, 2H]: the head reads [h_fwd_final; h_rev_final].
            g.Node("Transpose", [finalState], ["h_bdh"], Ints("perm", 1, 0, 2));
            features = g.Op("Reshape", "h", ["h_bdh", g.Int64s("const.features_shape", [0L, directions * h], 2)]);
        }
        string description = string.Create(CultureInfo.InvariantCulture,
            $"{map.Op}{(layers > 1 ? $" × {layers} layers" : "")}{(directions == 2 ? ", bidirectional" : "")}");
        return (features, directions * h, description);
    }

    // Reshape target [0, 0, width]: 0 keeps the input's dimension (T and batch).
    private static string SequenceShape(GraphWriter g, int width) => g.Constant("const.sequence_shape", [0L, 0L, width], 3);

    // Copies gate blocks of `block` floats from PyTorch's order to ONNX's.
    private static void Reorder(ReadOnlySpan<float> torch, int[] onnxFromTorch, int block, Span<float> onnx)
    {
        for (int k = 0; k < onnxFromTorch.Length; k++) torch.Slice(onnxFromTorch[k] * block, block).CopyTo(onnx.Slice(k * block, block));
    }
}

/// <summary>
/// Moves each row's padding to its end, keeping the tokens' order, because the ONNX recurrent operators only mask
/// trailing steps (<c>sequence_lens</c>) and the text CNN slides its windows over the non-padding tokens only.
/// </summary>
internal static class Compaction
{
    /// <summary>
    /// With <c>key = (token == 0)·T + position</c>, an ascending <c>TopK</c> over the whole row gives the non-padding
    /// positions first in their original order; <c>GatherElements</c> reorders the tokens. Returns the compacted tokens
    /// and the padding mask (bool <c>[batch, T]</c>).
    /// </summary>
    public static (string Compact, string IsPadding) Write(GraphWriter g, int t)
    {
        var positions = new long[t];
        for (int i = 0; i < t; i++) positions[i] = i;
        g.Node("Equal", [OnnxExporter.InputName, Zero(g)], ["is_padding"]);
        g.Node("Cast", ["is_padding"], ["padding_i64"], Int("to", (long)TensorProto.Types.DataType.Int64));
        g.Node("Mul", ["padding_i64", g.Int64s("const.seq_len", [t])], ["padding_key"]);
        g.Node("Add", ["padding_key", g.Int64s("const.positions", positions, t)], ["sort_key"]);
        g.Node("TopK", ["sort_key", g.Int64s("const.k", [t], 1)], ["sorted_key", "order"],
            Int("axis", 1), Int("largest", 0), Int("sorted", 1));
        g.Node("GatherElements", [OnnxExporter.InputName, "order"], ["compact_tokens"], Int("axis", 1));
        return ("compact_tokens", "is_padding");
    }

    /// <summary>The int64 scalar 0 (the padding id).</summary>
    public static string Zero(GraphWriter g) => g.Constant("const.zero", [0L]);

    /// <summary>The int64 <c>[0]</c> (axes input).</summary>
    public static string Axis0(GraphWriter g) => g.Constant("const.axis0", [0L], 1);

    /// <summary>The int64 <c>[1]</c> (axes input).</summary>
    public static string Axis1(GraphWriter g) => g.Constant("const.axis1", [1L], 1);

    /// <summary>The int64 <c>[2]</c> (axes input).</summary>
    public static string Axis2(GraphWriter g) => g.Constant("const.axis2", [2L], 1);
}
