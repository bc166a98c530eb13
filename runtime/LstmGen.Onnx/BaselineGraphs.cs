using System.Globalization;
using LstmGen.Onnx.Proto;
using static LstmGen.Onnx.GraphWriter;

namespace LstmGen.Onnx;

/// <summary>
/// The text CNN's graph: compaction (padding moved to the end), embedding, per branch <c>Conv</c> → <c>Relu</c> → the
/// windows that lie inside the row's n tokens kept (<c>Where</c>) → <c>ReduceMax</c> over time, then <c>Concat</c>.
/// </summary>
internal static class TextCnnGraph
{
    /// <summary>Whether the layout is a text CNN's (it has <c>convs.0.weight</c>).</summary>
    public static bool Detect(GraphWriter g) => g.Has("convs.0.weight");

    public static (string Features, int Width, string Description) Write(GraphWriter g, ModelShape shape)
    {
        int v = shape.VocabularySize, e = shape.EmbeddingSize, t = shape.SequenceLength;
        var widths = new List<int>();
        int filters = 0;
        for (int i = 0; g.Find(Name(i, "weight")) is ParameterInfo info; i++)
        {
            if (info.Shape.Count != 3)
                throw new NotSupportedException($"ONNX export: parameter '{info.Name}' has shape {info.ShapeText}, expected [filters, {e}, k].");
            filters = info.Shape[0];
            widths.Add(info.Shape[2]);
        }

        (string compact, string isPadding) = Compaction.Write(g, t);
        // n = the row's non-padding token count, int64 [batch, 1].
        g.Node("Not", [isPadding], ["is_token"]);
        g.Node("Cast", ["is_token"], ["is_token_i64"], Int("to", (long)TensorProto.Types.DataType.Int64));
        g.Node("ReduceSum", ["is_token_i64", Compaction.Axis1(g)], ["token_count"], Int("keepdims", 1));

        // [batch, T, E] → [batch, E, T]: channels first for Conv (PyTorch's Conv1d weight [F, E, k] is ONNX's layout).
        g.Node("Gather", [g.Floats("embedding.weight", g.Tensor("embedding.weight", v, e), v, e), compact], ["embedded"], Int("axis", 0));
        string x = g.Op("Transpose", "x", ["embedded"], Ints("perm", 0, 2, 1));
        string zero = g.Constant("const.zero_f", [0f]);

        var pooled = new string[widths.Count];
        for (int i = 0; i < widths.Count; i++)
        {
            int k = widths[i], windows = t - k + 1;
            if (k < 1 || k > t) throw new NotSupportedException($"ONNX export: kernel width {k} of '{Name(i, "weight")}' is not in [1, {t}].");
            string b = string.Create(CultureInfo.InvariantCulture, $"convs.{i}");
            string weight = g.Floats(Name(i, "weight"), g.Tensor(Name(i, "weight"), filters, e, k), filters, e, k);
            string bias = g.Floats(Name(i, "bias"), g.Tensor(Name(i, "bias"), filters), filters);
            g.Node("Conv", [x, weight, bias], [b + ".conv"], Ints("kernel_shape", k));
            g.Node("Relu", [b + ".conv"], [b + ".relu"]);
            // Window s covers compacted tokens s … s + k − 1: it is real when s + k ≤ n. Others are set to 0, which
            // never wins over a ReLU output, and a branch with no real window pools to 0, as the generated code gives.
            var ends = new long[windows];
            for (int s = 0; s < windows; s++) ends[s] = s + k;
            g.Node("LessOrEqual", [g.Int64s(b + ".window_end", ends, 1, windows), "token_count"], [b + ".valid"]);
            g.Node("Unsqueeze", [b + ".valid", Compaction.Axis1(g)], [b + ".valid3"]);
            g.Node("Where", [b + ".valid3", b + ".relu", zero], [b + ".masked"]);
            pooled[i] = g.Op("ReduceMax", b + ".pooled", [b + ".masked"], Ints("axes", 2), Int("keepdims", 0));
        }
        string features = pooled.Length == 1 ? pooled[0] : g.Op("Concat", "features", pooled, Int("axis", 1));
        string description = string.Create(CultureInfo.InvariantCulture,
            $"Conv1d (k = {string.Join(", ", widths)}; {filters} filters) → ReLU → max over time");
        return (features, filters * widths.Count, description);
    }

    private static string Name(int branch, string what) => string.Create(CultureInfo.InvariantCulture, $"convs.{branch}.{what}");
}

/// <summary>
/// The feed-forward baseline's graph: embedding, the mean over the non-padding tokens (zeros for a row of padding
/// only), then <c>Gemm</c> → <c>Relu</c> per hidden layer.
/// </summary>
internal static class FeedForwardGraph
{
    public static (string Features, int Width, string Description) Write(GraphWriter g, ModelShape shape)
    {
        int v = shape.VocabularySize, e = shape.EmbeddingSize;
        g.Node("Gather", [g.Floats("embedding.weight", g.Tensor("embedding.weight", v, e), v, e), OnnxExporter.InputName],
            ["embedded"], Int("axis", 0));
        // mean = Σ_t [token_t ≠ 0]·x_t / max(n, 1).
        g.Node("Equal", [OnnxExporter.InputName, Compaction.Zero(g)], ["is_padding"]);
        g.Node("Not", ["is_padding"], ["is_token"]);
        g.Node("Cast", ["is_token"], ["is_token_f"], Int("to", (long)TensorProto.Types.DataType.Float));
        g.Node("Unsqueeze", ["is_token_f", Compaction.Axis2(g)], ["token_mask"]);
        g.Node("Mul", ["embedded", "token_mask"], ["masked"]);
        g.Node("ReduceSum", ["masked", Compaction.Axis1(g)], ["embedding_sum"], Int("keepdims", 0));
        g.Node("ReduceSum", ["is_token_f", Compaction.Axis1(g)], ["token_count"], Int("keepdims", 1));
        g.Node("Max", ["token_count", g.Constant("const.one_f", [1f])], ["divisor"]);
        string x = g.Op("Div", "mean", ["embedding_sum", "divisor"]);

        int width = e;
        var sizes = new List<int>();
        for (int i = 0; g.Find(Name(i, "weight")) is ParameterInfo info; i++)
        {
            int outputs = info.Shape.Count == 2 ? info.Shape[0] : -1;
            if (outputs <= 0)
                throw new NotSupportedException($"ONNX export: parameter '{info.Name}' has shape {info.ShapeText}, expected [out, {width}].");
            string layer = string.Create(CultureInfo.InvariantCulture, $"hidden.{i}");
            string weight = g.Floats(Name(i, "weight"), g.Tensor(Name(i, "weight"), outputs, width), outputs, width);
            string bias = g.Floats(Name(i, "bias"), g.Tensor(Name(i, "bias"), outputs), outputs);
            g.Node("Gemm", [x, weight, bias], [layer + ".linear"], Int("transB", 1));
            x = g.Op("Relu", layer + ".relu", [layer + ".linear"]);
            width = outputs;
            sizes.Add(outputs);
        }
        string description = sizes.Count == 0
            ? "mean of the non-padding embeddings"
            : "mean of the non-padding embeddings → " + string.Join(" → ", sizes.Select(s => string.Create(CultureInfo.InvariantCulture, $"Linear({s}) + ReLU")));
        return (x, width, description);
    }

    private static string Name(int layer, string what) => string.Create(CultureInfo.InvariantCulture, $"hidden.{layer}.{what}");
}
