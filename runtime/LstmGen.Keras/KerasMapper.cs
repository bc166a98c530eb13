using System.Globalization;
using System.Text.Json;

namespace LstmGen.Keras;

/// <summary>Maps the Keras layers read from a file onto a model's parameter table (see <see cref="KerasWeights"/>'s remarks).</summary>
internal static class KerasMapper
{
    private static readonly string[] Weightless = ["InputLayer", "Dropout", "SpatialDropout1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D", "Concatenate"];

    private static readonly Dictionary<string, string> KindOfClass = new(StringComparer.Ordinal)
    {
        ["Embedding"] = "embedding", ["LSTM"] = "lstm", ["GRU"] = "gru", ["SimpleRNN"] = "simple_rnn",
        ["Bidirectional"] = "bidirectional", ["Conv1D"] = "conv1d", ["Dense"] = "dense",
    };

    private enum Architecture { Recurrent, TextCnn, FeedForward }

    public static IReadOnlyList<KerasLayerMapping> Map(ISequenceModel model, List<SourceLayer> layers, JsonElement? config, KerasLoadOptions options)
    {
        IReadOnlyList<ParameterInfo> layout = model.ParameterLayout;
        var byName = layout.ToDictionary(p => p.Name, StringComparer.Ordinal);
        string? cell = new[] { "lstm", "gru", "rnn" }.FirstOrDefault(c => byName.ContainsKey(c + ".weight_ih_l0"));
        Architecture arch = cell is not null ? Architecture.Recurrent : byName.ContainsKey("convs.0.weight") ? Architecture.TextCnn : Architecture.FeedForward;
        bool keras3 = layers.Any(l => l.Where.StartsWith("layers/", StringComparison.Ordinal));
        Dictionary<string, JsonElement> configs = config is { } root ? LayerConfigs(root, keras3) : [];

        var staging = new float[model.ParameterCount];
        var filled = new HashSet<string>(StringComparer.Ordinal);
        var mappings = new List<KerasLayerMapping>();
        void Put(string tensor, float[] values)
        {
            ParameterInfo p = byName[tensor];
            values.CopyTo(staging, p.Offset);
            filled.Add(tensor);
        }

        List<SourceLayer> Of(params string[] kinds) => layers.Where(l => kinds.Contains(l.Kind)).OrderBy(l => l.Index).ToList();

        // Embedding.
        List<SourceLayer> embeddings = Of("embedding");
        if (embeddings.Count != 1)
            throw new KerasImportException($"The file has {embeddings.Count} Embedding layers; the model starts with exactly one (token ids → vectors).");
        SourceLayer emb = embeddings[0];
        CheckEmbeddingConfig(emb, configs, arch, options);
        Expect(emb.Arrays, 1, emb, "embeddings");
        Put("embedding.weight", Same(emb.Arrays[0], byName["embedding.weight"], emb));
        mappings.Add(new KerasLayerMapping(emb.Where, "Embedding", ["embedding.weight"]));

        List<SourceLayer> dense = Of("dense");
        int hiddenCount = arch == Architecture.FeedForward ? layout.Count(p => p.Name.StartsWith("hidden.", StringComparison.Ordinal) && p.Name.EndsWith(".weight", StringComparison.Ordinal)) : 0;
        if (dense.Count != hiddenCount + 1)
        {
            string want = arch == Architecture.FeedForward ? $"{hiddenCount} hidden Dense layer(s) and the output Dense" : "one Dense layer (the output)";
            throw new KerasImportException($"The file has {dense.Count} Dense layer(s) but the model has {want}; make the Keras model's Dense layers match ({(arch == Architecture.FeedForward ? "HiddenSizes" : "OutputSize")}).");
        }

        switch (arch)
        {
            case Architecture.Recurrent:
                MapRecurrent(cell!, byName, Of("lstm", "gru", "simple_rnn", "bidirectional"), configs, Put, mappings, layers);
                break;
            case Architecture.TextCnn:
                List<SourceLayer> convs = Of("conv1d");
                int branches = layout.Count(p => p.Name.StartsWith("convs.", StringComparison.Ordinal) && p.Name.EndsWith(".weight", StringComparison.Ordinal));
                if (convs.Count != branches)
                    throw new KerasImportException($"The file has {convs.Count} Conv1D layer(s) but the model has {branches} branches (KernelSizes); make them match.");
                for (int i = 0; i < convs.Count; i++)
                {
                    SourceLayer c = convs[i];
                    CheckConvConfig(c, configs);
                    Expect(c.Arrays, 2, c, "kernel, bias");
                    ParameterInfo w = byName[$"convs.{i}.weight"];
                    SourceArray k = c.Arrays[0];
                    // Keras [k, E, F] → PyTorch [F, E, k].
                    if (k.Shape.Length != 3 || k.Shape[0] != w.Shape[2] || k.Shape[1] != w.Shape[1] || k.Shape[2] != w.Shape[0])
                        throw new KerasImportException($"Conv1D '{c.Where}' has kernel {k.ShapeText} ({k.Path}) but branch {i} of the model needs [{w.Shape[2]}, {w.Shape[1]}, {w.Shape[0]}] (kernel width {w.Shape[2]}, EmbeddingSize {w.Shape[1]}, Filters {w.Shape[0]}); the Conv1D layers must come in the order of KernelSizes.");
                    var t = new float[k.Values.Length];
                    int kw = k.Shape[0], e = k.Shape[1], f = k.Shape[2];
                    for (int j = 0; j < kw; j++)
                        for (int ch = 0; ch < e; ch++)
                            for (int o = 0; o < f; o++)
                                t[(o * e + ch) * kw + j] = k.Values[(j * e + ch) * f + o];
                    Put(w.Name, t);
                    Put($"convs.{i}.bias", Bias(c, 1, byName[$"convs.{i}.bias"]));
                    mappings.Add(new KerasLayerMapping(c.Where, "Conv1D", [w.Name, $"convs.{i}.bias"]));
                }
                break;
        }
        for (int i = 0; i < dense.Count; i++)
        {
            SourceLayer d = dense[i];
            bool output = i == dense.Count - 1;
            string prefix = output ? "fc" : $"hidden.{i}";
            CheckDenseConfig(d, configs, output, model.Shape.Output);
            if (d.Arrays.Count is < 1 or > 2) throw new KerasImportException($"Dense '{d.Where}' has {d.Arrays.Count} arrays; expected kernel and bias.");
            ParameterInfo w = byName[prefix + ".weight"];
            SourceArray k = d.Arrays[0];
            if (k.Shape.Length != 2 || k.Shape[0] != w.Shape[1] || k.Shape[1] != w.Shape[0])
                throw new KerasImportException($"Dense '{d.Where}' has kernel {k.ShapeText} ({k.Path}) but the model's '{w.Name}' {w.ShapeText} needs [{w.Shape[1]}, {w.Shape[0]}] (inputs × units); {(output ? "OutputSize and the layer below" : "HiddenSizes")} must match the Keras model.");
            Put(w.Name, Transpose(k.Values, k.Shape[0], k.Shape[1]));
            Put(prefix + ".bias", Bias(d, 1, byName[prefix + ".bias"]));
            mappings.Add(new KerasLayerMapping(d.Where, "Dense", [w.Name, prefix + ".bias"]));
        }

        var unused = layers.Where(l => !mappings.Any(m => m.KerasLayer == l.Where)).Select(l => l.Where).ToList();
        if (unused.Count > 0)
            throw new KerasImportException($"The file's layer(s) {string.Join(", ", unused)} have no place in this {arch} model; remove them from the Keras model or declare a model that has them.");
        var missing = layout.Where(p => !filled.Contains(p.Name)).Select(p => p.Name).ToList();
        if (missing.Count > 0)
            throw new KerasImportException($"The file gives no values for {string.Join(", ", missing)}.");
        for (int i = 0; i < staging.Length; i++)
        {
            if (!float.IsFinite(staging[i]))
                throw new KerasImportException($"The weight {Locate(layout, i)} is {staging[i]}; the model loads finite weights only (did training diverge?).");
        }
        model.SetParameters(staging);
        return mappings;
    }

    private static void MapRecurrent(string cell, Dictionary<string, ParameterInfo> byName, List<SourceLayer> recurrent,
        Dictionary<string, JsonElement> configs, Action<string, float[]> put, List<KerasLayerMapping> mappings, List<SourceLayer> all)
    {
        int layers = byName.Keys.Count(n => n.StartsWith(cell + ".weight_ih_l", StringComparison.Ordinal) && !n.EndsWith("_reverse", StringComparison.Ordinal));
        bool bidirectional = byName.ContainsKey(cell + ".weight_ih_l0_reverse");
        string kerasCell = cell == "rnn" ? "simple_rnn" : cell;
        string kerasClass = ClassOf(kerasCell);
        string attribute = cell switch { "lstm" => "[LstmModel]", "gru" => "[GruModel]", _ => "[RnnModel]" };
        if (recurrent.Count != layers)
            throw new KerasImportException($"The file has {recurrent.Count} recurrent layer(s) but the model has Layers = {layers}; make them match.");
        int gates = cell switch { "lstm" => 4, "gru" => 3, _ => 1 };
        for (int n = 0; n < layers; n++)
        {
            SourceLayer layer = recurrent[n];
            bool isBi = layer.Kind == "bidirectional";
            if (isBi != bidirectional)
                throw new KerasImportException(bidirectional
                    ? $"Layer '{layer.Where}' is a plain {ClassOf(layer.Kind)} but the model is bidirectional: wrap every recurrent layer in Bidirectional(…, merge_mode=\"concat\"), or declare the model without Bidirectional = true."
                    : $"Layer '{layer.Where}' is Bidirectional but the model is not: declare it with Bidirectional = true, or remove the wrapper.");
            JsonElement? cfg = configs.TryGetValue(layer.ConfigKey, out JsonElement c) ? c : null;
            string innerKind = isBi ? InnerKind(layer, cfg, gates) : layer.Kind;
            if (innerKind != kerasCell)
                throw new KerasImportException($"Layer '{layer.Where}' is a Keras {ClassOf(innerKind)} but the model is {attribute} ({kerasClass} in Keras); declare the model with the matching attribute.");
            string shownKind = isBi ? $"Bidirectional({kerasClass})" : kerasClass;
            if (cfg is { } lc)
            {
                JsonElement inner = lc;
                if (isBi)
                {
                    string merge = Str(lc, "merge_mode") ?? "concat";
                    if (merge != "concat")
                        throw new KerasImportException($"Bidirectional '{layer.Where}' has merge_mode=\"{merge}\"; LstmGen concatenates [forward; backward]: use merge_mode=\"concat\".");
                    if (lc.TryGetProperty("config", out JsonElement bc) && bc.TryGetProperty("layer", out JsonElement il)) inner = il;
                }
                CheckCellConfig(layer.Where, inner, kerasCell, returnSequences: n < layers - 1);
                if (isBi && lc.GetProperty("config").TryGetProperty("backward_layer", out JsonElement bl) && bl.ValueKind == JsonValueKind.Object)
                    CheckCellConfig(layer.Where + " (backward_layer)", bl, kerasCell, returnSequences: n < layers - 1, backward: true);
            }
            var names = new List<string>();
            for (int d = 0; d < (bidirectional ? 2 : 1); d++)
            {
                string suffix = $"_l{n}" + (d == 1 ? "_reverse" : "");
                IReadOnlyList<SourceArray> arrays = d == 0 ? layer.Arrays : layer.Backward!;
                string where = d == 0 ? (isBi ? layer.Where + " (forward)" : layer.Where) : layer.Where + " (backward)";
                MapCell(cell, gates, byName, arrays, where, suffix, put, names);
            }
            mappings.Add(new KerasLayerMapping(layer.Where, shownKind, names));
        }
        _ = all;
    }

    // kernel [in, G·H] → weight_ih [G·H, in]; recurrent_kernel [H, G·H] → weight_hh [G·H, H]; bias → bias_ih (+ bias_hh for a
    // reset_after GRU); GRU blocks reordered from Keras' z, r, h to PyTorch's r, z, n.
    private static void MapCell(string cell, int gates, Dictionary<string, ParameterInfo> byName, IReadOnlyList<SourceArray> arrays,
        string where, string suffix, Action<string, float[]> put, List<string> names)
    {
        if (arrays.Count is < 2 or > 3)
            throw new KerasImportException($"Recurrent layer '{where}' has {arrays.Count} arrays; expected kernel, recurrent_kernel and bias.");
        ParameterInfo ih = byName[$"{cell}.weight_ih{suffix}"], hh = byName[$"{cell}.weight_hh{suffix}"];
        ParameterInfo bih = byName[$"{cell}.bias_ih{suffix}"], bhh = byName[$"{cell}.bias_hh{suffix}"];
        int gh = ih.Shape[0], input = ih.Shape[1], h = hh.Shape[1];
        SourceArray kernel = arrays[0], recurrent = arrays[1];
        if (kernel.Shape.Length != 2 || kernel.Shape[0] != input || kernel.Shape[1] != gh)
            throw new KerasImportException($"Layer '{where}' has kernel {kernel.ShapeText} ({kernel.Path}) but the model's '{ih.Name}' {ih.ShapeText} needs [{input}, {gh}]; EmbeddingSize / HiddenSize must match the Keras layer (units = {gh / gates}).");
        if (recurrent.Shape.Length != 2 || recurrent.Shape[0] != h || recurrent.Shape[1] != gh)
            throw new KerasImportException($"Layer '{where}' has recurrent_kernel {recurrent.ShapeText} ({recurrent.Path}) but the model's '{hh.Name}' {hh.ShapeText} needs [{h}, {gh}]; HiddenSize must equal the Keras layer's units.");
        int[] order = gates == 3 ? [1, 0, 2] : Enumerable.Range(0, gates).ToArray();
        put(ih.Name, Reorder(Transpose(kernel.Values, input, gh), order, gh / gates, input));
        put(hh.Name, Reorder(Transpose(recurrent.Values, h, gh), order, gh / gates, h));
        float[] inputBias = new float[gh], recurrentBias = new float[gh];
        if (arrays.Count == 3)
        {
            SourceArray bias = arrays[2];
            if (cell == "gru" && bias.Shape.Length == 1 && bias.Shape[0] == gh)
                throw new KerasImportException($"GRU layer '{where}' was built with reset_after=False (its bias {bias.Path} is {bias.ShapeText}, not [2, {gh}]): that GRU applies the reset gate before the recurrent product, which LstmGen's (PyTorch's) GRU does not. Rebuild the Keras layer with reset_after=True (the default since Keras 2.3) and retrain it.");
            if (cell == "gru")
            {
                if (bias.Shape.Length != 2 || bias.Shape[0] != 2 || bias.Shape[1] != gh)
                    throw new KerasImportException($"GRU layer '{where}' has bias {bias.ShapeText} ({bias.Path}); a reset_after=True GRU's bias is [2, {gh}].");
                Array.Copy(bias.Values, 0, inputBias, 0, gh);
                Array.Copy(bias.Values, gh, recurrentBias, 0, gh);
            }
            else
            {
                if (bias.Shape.Length != 1 || bias.Shape[0] != gh)
                    throw new KerasImportException($"Layer '{where}' has bias {bias.ShapeText} ({bias.Path}) but the model's '{bih.Name}' is {bih.ShapeText}.");
                Array.Copy(bias.Values, inputBias, gh);
            }
        }
        put(bih.Name, Reorder(inputBias, order, gh / gates, 1));
        put(bhh.Name, Reorder(recurrentBias, order, gh / gates, 1));
        names.AddRange([ih.Name, hh.Name, bih.Name, bhh.Name]);
    }

    private static string InnerKind(SourceLayer layer, JsonElement? cfg, int modelGates)
    {
        if (cfg is { } c && c.TryGetProperty("config", out JsonElement bc) && bc.TryGetProperty("layer", out JsonElement inner)
            && Str(inner, "class_name") is { } cls && KindOfClass.TryGetValue(cls, out string? kind))
            return kind;
        // From the shapes: kernel [in, G·H] and recurrent_kernel [H, G·H] give G.
        if (layer.Arrays.Count >= 2 && layer.Arrays[1].Shape.Length == 2 && layer.Arrays[1].Shape[0] > 0)
        {
            int g = layer.Arrays[1].Shape[1] / layer.Arrays[1].Shape[0];
            return g switch { 4 => "lstm", 3 => "gru", 1 => "simple_rnn", _ => $"cell with {g} gates" };
        }
        return modelGates switch { 4 => "lstm", 3 => "gru", _ => "simple_rnn" };
    }

    private static string ClassOf(string kind) => kind switch
    {
        "lstm" => "LSTM", "gru" => "GRU", "simple_rnn" => "SimpleRNN", "bidirectional" => "Bidirectional",
        "conv1d" => "Conv1D", "dense" => "Dense", "embedding" => "Embedding", _ => kind,
    };

    // ------------------------------------------------------------------------------------------------ configuration

    /// <summary>Each weight-bearing layer's configuration by key (Keras 3: class in snake case with a per-class counter; legacy: the layer name).</summary>
    private static Dictionary<string, JsonElement> LayerConfigs(JsonElement root, bool keras3)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (!root.TryGetProperty("config", out JsonElement mc) || mc.ValueKind != JsonValueKind.Object || !mc.TryGetProperty("layers", out JsonElement list) || list.ValueKind != JsonValueKind.Array)
            throw new KerasImportException("The model configuration has no config.layers list; LstmGen reads Sequential and Functional models.");
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonElement layer in list.EnumerateArray())
        {
            string cls = Str(layer, "class_name") ?? "";
            string name = (layer.TryGetProperty("config", out JsonElement lc) ? Str(lc, "name") : null) ?? Str(layer, "name") ?? cls;
            if (!KindOfClass.TryGetValue(cls, out string? kind))
            {
                if (!Weightless.Contains(cls))
                    throw new KerasImportException($"The Keras model has layer '{name}' of class {cls}, which LstmGen models do not have (they are built from Embedding, LSTM, GRU, SimpleRNN, Bidirectional, Conv1D, Dense and the pooling, dropout and concatenation between them). Remove it from the Keras model.");
                continue;
            }
            counters.TryGetValue(kind, out int n);
            counters[kind] = n + 1;
            result[keras3 ? (n == 0 ? kind : $"{kind}_{n}") : name] = layer;
        }
        return result;
    }

    private static void CheckEmbeddingConfig(SourceLayer layer, Dictionary<string, JsonElement> configs, Architecture arch, KerasLoadOptions options)
    {
        if (!configs.TryGetValue(layer.ConfigKey, out JsonElement c) || arch == Architecture.TextCnn || options.AllowUnmaskedEmbedding) return;
        if (Bool(c, "mask_zero") != true)
            throw new KerasImportException($"Embedding '{layer.Where}' has mask_zero=False, so the Keras model runs padding (token 0) through the network, while LstmGen skips it. Rebuild the Keras model with Embedding(…, mask_zero=True) (the weights stay the same), or set KerasLoadOptions.AllowUnmaskedEmbedding if it never saw padding.");
    }

    private static void CheckCellConfig(string where, JsonElement layer, string kind, bool returnSequences, bool backward = false)
    {
        string activation = Str(layer, "activation") ?? "tanh";
        if (activation != "tanh")
            throw new KerasImportException($"Layer '{where}' has activation=\"{activation}\"; LstmGen's cells use tanh: rebuild it with activation=\"tanh\".");
        if (kind != "simple_rnn" && (Str(layer, "recurrent_activation") ?? "sigmoid") != "sigmoid")
            throw new KerasImportException($"Layer '{where}' has recurrent_activation=\"{Str(layer, "recurrent_activation")}\"; LstmGen's gates use sigmoid: rebuild it with recurrent_activation=\"sigmoid\" (hard_sigmoid was Keras 2's old default).");
        if (kind == "gru" && Bool(layer, "reset_after") == false)
            throw new KerasImportException($"GRU layer '{where}' has reset_after=False: that GRU applies the reset gate before the recurrent product, which LstmGen's (PyTorch's) GRU does not. Rebuild the Keras layer with reset_after=True (the default since Keras 2.3) and retrain it.");
        if (Bool(layer, "go_backwards") == true && !backward)
            throw new KerasImportException($"Layer '{where}' has go_backwards=True; LstmGen runs a forward layer first to last: use Bidirectional for a reverse direction, or go_backwards=False.");
        if (Bool(layer, "stateful") == true)
            throw new KerasImportException($"Layer '{where}' is stateful; LstmGen starts every sequence from a zero state: rebuild it with stateful=False.");
        if (Bool(layer, "return_sequences") is { } rs && rs != returnSequences)
            throw new KerasImportException(returnSequences
                ? $"Layer '{where}' has return_sequences=False but a recurrent layer follows it; set return_sequences=True on every recurrent layer but the last."
                : $"Layer '{where}' is the last recurrent layer but has return_sequences=True; LstmGen's head reads the final state: set return_sequences=False.");
    }

    private static void CheckConvConfig(SourceLayer layer, Dictionary<string, JsonElement> configs)
    {
        if (!configs.TryGetValue(layer.ConfigKey, out JsonElement c)) return;
        string Fix(string what) => $"Conv1D '{layer.Where}' has {what}; LstmGen's text CNN convolves with stride 1, no padding, no dilation, one group, then ReLU.";
        if ((Str(c, "padding") ?? "valid") != "valid") throw new KerasImportException(Fix($"padding=\"{Str(c, "padding")}\"") + " Use padding=\"valid\".");
        if (!AllOnes(c, "strides")) throw new KerasImportException(Fix("strides ≠ 1") + " Use strides=1.");
        if (!AllOnes(c, "dilation_rate")) throw new KerasImportException(Fix("dilation_rate ≠ 1") + " Use dilation_rate=1.");
        if (Num(c, "groups") is { } g && g != 1) throw new KerasImportException(Fix($"groups={g}") + " Use groups=1.");
        if ((Str(c, "data_format") ?? "channels_last") != "channels_last") throw new KerasImportException(Fix("data_format=\"channels_first\"") + " Use channels_last.");
        if ((Str(c, "activation") ?? "linear") != "relu") throw new KerasImportException(Fix($"activation=\"{Str(c, "activation")}\"") + " Use activation=\"relu\".");
    }

    private static void CheckDenseConfig(SourceLayer layer, Dictionary<string, JsonElement> configs, bool output, OutputActivation head)
    {
        if (!configs.TryGetValue(layer.ConfigKey, out JsonElement c)) return;
        string activation = Str(c, "activation") ?? "linear";
        string expected = output ? head switch { OutputActivation.Sigmoid => "sigmoid", OutputActivation.Softmax => "softmax", _ => "linear" } : "relu";
        if (activation != expected)
            throw new KerasImportException(output
                ? $"The output Dense '{layer.Where}' has activation=\"{activation}\" but the model's Output is {head}; declare the model with the Output that matches (Sigmoid, Softmax or Linear) or rebuild the layer with activation=\"{expected}\"."
                : $"Hidden Dense '{layer.Where}' has activation=\"{activation}\"; LstmGen's feed-forward hidden layers use ReLU: rebuild it with activation=\"relu\".");
    }

    private static JsonElement Inner(JsonElement layer) => layer.TryGetProperty("config", out JsonElement c) && c.ValueKind == JsonValueKind.Object ? c : layer;

    private static string? Str(JsonElement layer, string key)
    {
        JsonElement c = key == "class_name" ? layer : Inner(layer);
        if (!c.TryGetProperty(key, out JsonElement v)) return null;
        // Keras 3 writes activations as strings; a serialised object ({"class_name": …}) is shown by its class name.
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null => null,
            JsonValueKind.Object when v.TryGetProperty("class_name", out JsonElement cn) && cn.ValueKind == JsonValueKind.String => cn.GetString(),
            _ => v.ToString(),
        };
    }

    private static bool? Bool(JsonElement layer, string key) =>
        Inner(layer).TryGetProperty(key, out JsonElement v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    private static long? Num(JsonElement layer, string key) =>
        Inner(layer).TryGetProperty(key, out JsonElement v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) ? n : null;

    private static bool AllOnes(JsonElement layer, string key)
    {
        if (!Inner(layer).TryGetProperty(key, out JsonElement v)) return true;
        if (v.ValueKind == JsonValueKind.Number) return v.TryGetInt64(out long n) && n == 1;
        return v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long n) && n == 1);
    }

    // ------------------------------------------------------------------------------------------------ arrays

    private static void Expect(IReadOnlyList<SourceArray> arrays, int count, SourceLayer layer, string what)
    {
        if (arrays.Count != count)
            throw new KerasImportException($"Layer '{layer.Where}' has {arrays.Count} arrays; expected {count} ({what}).");
    }

    private static float[] Same(SourceArray a, ParameterInfo p, SourceLayer layer)
    {
        if (!a.Shape.SequenceEqual(p.Shape))
            throw new KerasImportException($"Layer '{layer.Where}' has {a.Path} {a.ShapeText} but the model's '{p.Name}' is {p.ShapeText}; VocabularySize and EmbeddingSize must equal the Keras Embedding's input_dim and output_dim.");
        return a.Values;
    }

    private static float[] Bias(SourceLayer layer, int index, ParameterInfo p)
    {
        if (layer.Arrays.Count <= index) return new float[p.Length]; // use_bias=False
        SourceArray b = layer.Arrays[index];
        if (!b.Shape.SequenceEqual(p.Shape))
            throw new KerasImportException($"Layer '{layer.Where}' has bias {b.ShapeText} ({b.Path}) but the model's '{p.Name}' is {p.ShapeText}.");
        return b.Values;
    }

    /// <summary>[rows, cols] row-major → [cols, rows].</summary>
    private static float[] Transpose(float[] a, int rows, int cols)
    {
        var t = new float[a.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                t[j * rows + i] = a[i * cols + j];
        return t;
    }

    /// <summary>Gate blocks of <paramref name="block"/> rows × <paramref name="width"/>: output block b is input block order[b].</summary>
    private static float[] Reorder(float[] a, int[] order, int block, int width)
    {
        var r = new float[a.Length];
        int size = block * width;
        for (int b = 0; b < order.Length; b++) Array.Copy(a, order[b] * size, r, b * size, size);
        return r;
    }

    private static string Locate(IReadOnlyList<ParameterInfo> layout, int index)
    {
        ParameterInfo p = layout.First(p => index >= p.Offset && index < p.Offset + p.Length);
        return string.Create(CultureInfo.InvariantCulture, $"{p.Name}[{index - p.Offset}]");
    }
}
