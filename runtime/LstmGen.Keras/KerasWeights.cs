using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using PureHDF;

namespace LstmGen.Keras;

/// <summary>
/// Loads Keras weights into a generated LstmGen model: a Keras 3 <c>.keras</c> archive (a zip holding
/// <c>config.json</c> and <c>model.weights.h5</c>), a Keras 3 <c>.weights.h5</c> file, or a legacy Keras 2 <c>.h5</c> file
/// (<c>model.save("m.h5")</c> or <c>model.save_weights("w.h5")</c>).
/// </summary>
/// <remarks>
/// <para><b>Which Keras models.</b> The Keras model must have the generated model's architecture, layer for layer:</para>
/// <list type="bullet">
/// <item><description>recurrent (<c>[LstmModel]</c>, <c>[GruModel]</c>, <c>[RnnModel]</c>): <c>Embedding(V, E, mask_zero=True)</c>, then
/// <c>Layers</c> × <c>LSTM</c> / <c>GRU</c> / <c>SimpleRNN</c>(H) (each wrapped in <c>Bidirectional(merge_mode="concat")</c>
/// when the model is bidirectional; <c>return_sequences=True</c> on all but the last), then <c>Dense(OutputSize)</c>;</description></item>
/// <item><description>text CNN: <c>Embedding</c>, one <c>Conv1D(Filters, k, activation="relu")</c> per kernel width in the
/// model's order, <c>GlobalMaxPooling1D</c> each, <c>Concatenate</c>, <c>Dense</c>;</description></item>
/// <item><description>feed-forward: <c>Embedding(mask_zero=True)</c>, <c>GlobalAveragePooling1D</c>, the hidden
/// <c>Dense(…, activation="relu")</c> layers, the output <c>Dense</c>.</description></item>
/// </list>
/// <para><b>Mapping</b> (Keras → PyTorch names): <c>embeddings</c> → <c>embedding.weight</c>; a recurrent cell's
/// <c>kernel [in, G·H]</c> → <c>weight_ih_lℓ = kernelᵀ</c>, <c>recurrent_kernel [H, G·H]</c> → <c>weight_hh_lℓ = recurrent_kernelᵀ</c>,
/// <c>bias</c> → <c>bias_ih_lℓ</c> with <c>bias_hh_lℓ = 0</c> (Keras adds one bias where PyTorch adds two). Gate order: an LSTM's
/// Keras i, f, c, o is PyTorch's i, f, g, o (unchanged); a GRU's Keras z, r, h becomes PyTorch's r, z, n (the first two blocks
/// swap), and its <c>reset_after=True</c> bias <c>[2, 3H]</c> gives <c>bias_ih</c> (row 0) and <c>bias_hh</c> (row 1), both
/// reordered; a <c>reset_after=False</c> GRU (bias <c>[3H]</c>) computes another function and is refused. A Bidirectional
/// layer's forward and backward layers give <c>…_lℓ</c> and <c>…_lℓ_reverse</c>. <c>Conv1D</c>'s <c>kernel [k, E, F]</c> →
/// <c>convs.i.weight [F, E, k]</c>; <c>Dense</c>'s <c>kernel [in, out]</c> → <c>weight [out, in]</c>. A layer built with
/// <c>use_bias=False</c> gives zero biases.</para>
/// <para><b>Checks.</b> Every tensor's shape must equal the model's (a message names the Keras layer, the dataset path and
/// both shapes), every layer must be used and every model tensor filled, and all values finite. When the file carries the
/// model's configuration (<c>.keras</c> archives and full-model <c>.h5</c> files), the layers' settings are checked too:
/// activations (tanh and sigmoid in the cells, relu in Conv1D and hidden Dense layers, the output Dense's activation equal
/// to the model's <see cref="OutputActivation"/>), <c>reset_after</c>, <c>go_backwards</c>, <c>merge_mode</c>, Conv1D's
/// padding, strides, dilation and groups, and <c>mask_zero</c> for recurrent and feed-forward models (LstmGen skips token 0;
/// see <see cref="KerasLoadOptions.AllowUnmaskedEmbedding"/>); a layer class with no LstmGen counterpart is refused. Each
/// message says what to change. Everything is checked before the model is written (one <see cref="IGeneratedModel.SetParameters"/>
/// call): a failed load leaves the model unchanged.</para>
/// <para><b>Masking and the CNN.</b> Keras' <c>Conv1D</c> does not take a mask and convolves the padding's embeddings;
/// LstmGen removes padding first. The two agree on rows without padding.</para>
/// <para><b>Layout in the HDF5 file</b> (what this reader follows; see also <c>tests/keras/README.md</c>). Keras 3: a layer's
/// variables are the datasets <c>"0"</c>, <c>"1"</c>, … of <c>layers/NAME/vars</c> (a recurrent layer's of
/// <c>layers/NAME/cell/vars</c>, a Bidirectional's of <c>layers/NAME/forward_layer/cell/vars</c> and
/// <c>…/backward_layer/cell/vars</c>), where NAME is the layer's class in snake case with <c>_1</c>, <c>_2</c>, … for the
/// second, third, … layer of that class in model order (<c>embedding</c>, <c>lstm</c>, <c>lstm_1</c>, <c>bidirectional</c>,
/// <c>conv1d_2</c>, <c>dense_1</c>, <c>simple_rnn</c>); variables in creation order (kernel, recurrent_kernel, bias;
/// kernel, bias); TF-Keras 2.13–2.15's <c>.keras</c> files use <c>_layer_checkpoint_dependencies</c> for <c>layers</c>.
/// Legacy: the group holding the weights (the root, or <c>model_weights</c> in a full-model file, whose root attribute
/// <c>model_config</c> is the configuration) has the attribute <c>layer_names</c> (model order); each layer's group has
/// <c>weight_names</c>, and weight W of layer L is the dataset <c>L/W</c> (for example <c>lstm/lstm/lstm_cell/kernel:0</c>;
/// a Bidirectional's six are forward then backward).</para>
/// </remarks>
public static class KerasWeights
{
    /// <summary>Largest <c>model.weights.h5</c> read from a <c>.keras</c> archive (it is unpacked into memory).</summary>
    public const long MaxArchiveEntryBytes = 1L << 31;

    private static readonly byte[] HdfSignature = [0x89, (byte)'H', (byte)'D', (byte)'F', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Loads the Keras weights in <paramref name="path"/> (<c>.keras</c>, <c>.weights.h5</c> or legacy <c>.h5</c>,
    /// told apart by their content) into <paramref name="model"/>.</summary>
    /// <returns>Which Keras layer filled which model tensors, in model order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="KerasImportException">The file is not a Keras weight file, or does not fit the model (the message
    /// names the layer and says what to change). The model is unchanged.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<KerasLayerMapping> Load(ISequenceModel model, string path, KerasLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = File.OpenRead(path);
        try
        {
            return Load(model, file, options);
        }
        catch (KerasImportException e)
        {
            throw new KerasImportException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Loads Keras weights from a seekable stream holding a <c>.keras</c> archive or an HDF5 file.</summary>
    /// <returns>Which Keras layer filled which model tensors, in model order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not readable and seekable.</exception>
    /// <exception cref="KerasImportException">As for the path overload.</exception>
    public static IReadOnlyList<KerasLayerMapping> Load(ISequenceModel model, Stream stream, KerasLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead || !stream.CanSeek) throw new ArgumentException("The stream must be readable and seekable (HDF5 is read at random offsets).", nameof(stream));
        options ??= new KerasLoadOptions();

        Span<byte> magic = stackalloc byte[8];
        long start = stream.Position;
        int got = stream.ReadAtLeast(magic, 8, throwOnEndOfStream: false);
        stream.Position = start;
        if (got >= 4 && magic[0] == (byte)'P' && magic[1] == (byte)'K')
            return LoadArchive(model, stream, options);
        if (got == 8 && magic.SequenceEqual(HdfSignature))
            return LoadHdf(model, stream, configJson: null, options, leaveOpen: true);
        throw new KerasImportException("This is neither a .keras archive (a zip file) nor an HDF5 file (.h5): its first bytes are not a zip or HDF5 signature.");
    }

    private static IReadOnlyList<KerasLayerMapping> LoadArchive(ISequenceModel model, Stream stream, KerasLoadOptions options)
    {
        string? config;
        var weights = new MemoryStream();
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            ZipArchiveEntry entry = zip.GetEntry("model.weights.h5")
                ?? throw new KerasImportException($"The .keras archive has no model.weights.h5 (entries: {string.Join(", ", zip.Entries.Select(e => e.FullName).Take(10))}).");
            if (entry.Length > MaxArchiveEntryBytes)
                throw new KerasImportException($"model.weights.h5 is {entry.Length} bytes, above the {MaxArchiveEntryBytes}-byte limit for a weight file unpacked into memory.");
            using (Stream h5 = entry.Open()) CopyBounded(h5, weights, MaxArchiveEntryBytes);
            ZipArchiveEntry? configEntry = zip.GetEntry("config.json");
            if (configEntry is null) config = null;
            else
            {
                if (configEntry.Length > 64L << 20) throw new KerasImportException($"config.json is {configEntry.Length} bytes; a model configuration is far smaller.");
                using var reader = new StreamReader(configEntry.Open());
                config = reader.ReadToEnd();
            }
        }
        catch (InvalidDataException e)
        {
            throw new KerasImportException($"The .keras archive is not a valid zip file: {e.Message}", e);
        }
        weights.Position = 0;
        return LoadHdf(model, weights, config, options, leaveOpen: false);
    }

    private static void CopyBounded(Stream from, Stream to, long limit)
    {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = from.Read(buffer)) > 0)
        {
            total += n;
            if (total > limit) throw new KerasImportException($"model.weights.h5 unpacks to more than {limit} bytes.");
            to.Write(buffer, 0, n);
        }
    }

    private static IReadOnlyList<KerasLayerMapping> LoadHdf(ISequenceModel model, Stream stream, string? configJson, KerasLoadOptions options, bool leaveOpen)
    {
        List<SourceLayer> layers;
        JsonDocument? config = null;
        try
        {
            using var file = H5File.Open(stream, leaveOpen);
            if (file.LinkExists("layers") || file.LinkExists("_layer_checkpoint_dependencies"))
            {
                layers = new KerasFileReader(model.ParameterCount).ReadKeras3(file);
            }
            else
            {
                IH5Group root = file.LinkExists("model_weights") ? file.Group("model_weights") : file;
                if (!root.AttributeExists("layer_names"))
                    throw new KerasImportException("The HDF5 file has neither a 'layers' group (Keras 3) nor a 'layer_names' attribute (legacy Keras): it does not hold Keras weights.");
                if (configJson is null && file.AttributeExists("model_config")) configJson = file.Attribute("model_config").Read<string>();
                layers = new KerasFileReader(model.ParameterCount).ReadLegacy(root);
            }
        }
        catch (KerasImportException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // PureHDF reports a damaged or unexpected file with a variety of exceptions.
            throw new KerasImportException($"The HDF5 data cannot be read: {e.Message}", e);
        }
        try
        {
            if (configJson is not null) config = JsonDocument.Parse(configJson);
        }
        catch (JsonException e)
        {
            throw new KerasImportException($"The model configuration is not valid JSON: {e.Message}", e);
        }
        using (config)
        {
            return KerasMapper.Map(model, layers, config?.RootElement, options);
        }
    }
}

/// <summary>How <see cref="KerasWeights"/> loads.</summary>
public sealed class KerasLoadOptions
{
    /// <summary>
    /// Accept an <c>Embedding</c> built with <c>mask_zero=False</c> in a recurrent or feed-forward model. LstmGen always
    /// treats token 0 as padding and skips it, so such a Keras model gives other results on padded rows; set this only
    /// when the Keras model never saw padding. Default false.
    /// </summary>
    public bool AllowUnmaskedEmbedding { get; init; }
}

/// <summary>Which Keras layer filled which model tensors.</summary>
/// <param name="KerasLayer">The layer's location in the file (for example <c>layers/bidirectional_1</c> or <c>lstm</c>).</param>
/// <param name="Kind">The Keras layer class (<c>LSTM</c>, <c>Dense</c>, …; <c>Bidirectional(GRU)</c>).</param>
/// <param name="Tensors">The model tensors it filled.</param>
public sealed record KerasLayerMapping(string KerasLayer, string Kind, IReadOnlyList<string> Tensors);

/// <summary>A Keras weight file could not be read or does not fit the model; the message says what to change. The model is unchanged.</summary>
public sealed class KerasImportException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong and what to change.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public KerasImportException(string message, Exception? innerException = null) : base(message, innerException) { }
}

/// <summary>One array read from the file: where, its shape, its values (float32).</summary>
internal sealed record SourceArray(string Path, int[] Shape, float[] Values)
{
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>
/// One weight-bearing Keras layer: its kind (embedding, lstm, gru, simple_rnn, bidirectional, conv1d, dense), its location,
/// its arrays in Keras' order, the backward layer's arrays for a Bidirectional, and the key of its configuration entry.
/// </summary>
internal sealed record SourceLayer(string Kind, string Where, int Index, IReadOnlyList<SourceArray> Arrays, IReadOnlyList<SourceArray>? Backward, string ConfigKey);

/// <summary>
/// Reads the Keras 3 and legacy layouts into <see cref="SourceLayer"/>s. No array may hold more than
/// <paramref name="maxElements"/> values (the whole model's parameter count: a larger one cannot fit it), so a file that
/// declares huge datasets is refused before they are read.
/// </summary>
internal sealed partial class KerasFileReader(long maxElements)
{
    private static readonly string[] Kinds = ["embedding", "lstm", "gru", "simple_rnn", "bidirectional", "conv1d", "dense"];

    [GeneratedRegex(@"^(?<base>[a-z0-9_]+?)(?:_(?<n>[0-9]+))?$")]
    private static partial Regex LayerName();

    public List<SourceLayer> ReadKeras3(IH5Group file)
    {
        IH5Group layers = file.Group(file.LinkExists("layers") ? "layers" : "_layer_checkpoint_dependencies");
        var found = new List<SourceLayer>();
        foreach (IH5Object child in layers.Children())
        {
            if (child is not IH5Group group) continue;
            string name = child.Name;
            string where = "layers/" + name;
            Match m = LayerName().Match(name);
            string kind = m.Success ? m.Groups["base"].Value : name;
            int index = m.Success && m.Groups["n"].Success ? int.Parse(m.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            if (!Kinds.Contains(kind))
            {
                // A layer such as global_max_pooling1d or dropout has no variables; anything with variables is unsupported.
                string? data = FirstDataset(group, where);
                if (data is not null)
                    throw new KerasImportException($"The file holds variables of layer '{where}' ({data}), a layer LstmGen models do not have; LstmGen reads Embedding, LSTM, GRU, SimpleRNN, Bidirectional, Conv1D and Dense. Remove that layer from the Keras model.");
                continue;
            }
            switch (kind)
            {
                case "lstm" or "gru" or "simple_rnn":
                    found.Add(new SourceLayer(kind, where, index, Vars(group, "cell/vars", where), null, name));
                    break;
                case "bidirectional":
                    IReadOnlyList<SourceArray> forward = Vars(group, "forward_layer/cell/vars", where);
                    IReadOnlyList<SourceArray> backward = Vars(group, "backward_layer/cell/vars", where);
                    found.Add(new SourceLayer(kind, where, index, forward, backward, name));
                    break;
                default:
                    found.Add(new SourceLayer(kind, where, index, Vars(group, "vars", where), null, name));
                    break;
            }
        }
        return found;
    }

    private IReadOnlyList<SourceArray> Vars(IH5Group layer, string path, string where)
    {
        if (!layer.LinkExists(path))
            throw new KerasImportException($"Layer '{where}' has no '{path}' group; a Keras 3 file stores this layer's variables there.");
        IH5Group vars = layer.Group(path);
        var arrays = new List<SourceArray>();
        for (int i = 0; vars.LinkExists(i.ToString(System.Globalization.CultureInfo.InvariantCulture)); i++)
            arrays.Add(ReadArray(vars.Dataset(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), $"{where}/{path}/{i}"));
        return arrays;
    }

    private static string? FirstDataset(IH5Group group, string where)
    {
        foreach (IH5Object child in group.Children())
        {
            if (child is IH5Dataset) return $"{where}/{child.Name}";
            if (child is IH5Group g && FirstDataset(g, $"{where}/{child.Name}") is { } inner) return inner;
        }
        return null;
    }

    public List<SourceLayer> ReadLegacy(IH5Group root)
    {
        string[] names = Strings(root, "layer_names");
        var found = new List<SourceLayer>();
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string raw in names)
        {
            string name = raw.TrimEnd('\0');
            if (!root.LinkExists(name))
                throw new KerasImportException($"layer_names lists '{name}' but the file has no group of that name.");
            IH5Group group = root.Group(name);
            string[] weights = group.AttributeExists("weight_names") ? Strings(group, "weight_names") : [];
            weights = weights.Select(w => w.TrimEnd('\0')).Where(w => w.Length > 0).ToArray();
            if (weights.Length == 0) continue;
            var arrays = weights.Select(w => ReadArray(group.Dataset(w), $"{name}/{w}")).ToList();
            string Last(string w) => w[(w.LastIndexOf('/') + 1)..].Split(':')[0];
            string[] kinds = weights.Select(Last).ToArray();
            string kind;
            List<SourceArray>? backward = null;
            if (kinds.SequenceEqual(["embeddings"])) kind = "embedding";
            else if (kinds.Contains("recurrent_kernel"))
            {
                bool bidirectional = weights.Any(w => w.Contains("/backward_", StringComparison.Ordinal));
                if (bidirectional)
                {
                    kind = "bidirectional";
                    int half = arrays.Count / 2;
                    if (arrays.Count % 2 != 0 || !weights.Take(half).All(w => w.Contains("/forward_", StringComparison.Ordinal)))
                        throw new KerasImportException($"Bidirectional layer '{name}' has weights [{string.Join(", ", weights)}]; expected the forward layer's, then the backward layer's.");
                    backward = arrays.Skip(half).ToList();
                    arrays = arrays.Take(half).ToList();
                }
                else kind = weights.Any(w => w.Contains("gru_cell", StringComparison.Ordinal)) ? "gru"
                    : weights.Any(w => w.Contains("simple_rnn_cell", StringComparison.Ordinal)) ? "simple_rnn" : "lstm";
            }
            else if (kinds.Length is 1 or 2 && kinds[0] == "kernel" && (kinds.Length == 1 || kinds[1] == "bias"))
                kind = arrays[0].Shape.Length == 3 ? "conv1d" : "dense";
            else
                throw new KerasImportException($"Layer '{name}' has weights [{string.Join(", ", weights)}], which is not a layer LstmGen models have (Embedding, LSTM, GRU, SimpleRNN, Bidirectional, Conv1D, Dense). Remove it from the Keras model.");
            counters.TryGetValue(kind, out int index);
            counters[kind] = index + 1;
            found.Add(new SourceLayer(kind, name, index, arrays, backward, name));
        }
        return found;
    }

    // A list-of-names attribute. Keras 2 writes a layer without weights as np.asarray([]), an empty float64 array.
    private static string[] Strings(IH5Object owner, string name)
    {
        IH5Attribute attribute = owner.Attribute(name);
        if (attribute.Type.Class == H5DataTypeClass.String) return attribute.Read<string[]>();
        ulong[] dims = attribute.Space.Dimensions;
        if (dims.Length == 1 && dims[0] == 0) return [];
        throw new KerasImportException($"Attribute '{name}' of '{owner.Name}' holds {attribute.Type.Class} data; Keras writes a list of names there.");
    }

    private SourceArray ReadArray(IH5Dataset dataset, string path)
    {
        ulong[] dims = dataset.Space.Dimensions;
        if (dims.Length == 0) throw new KerasImportException($"'{path}' is a scalar, not a weight tensor.");
        var shape = new int[dims.Length];
        long count = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] > int.MaxValue) throw new KerasImportException($"'{path}' has dimension {dims[i]}, too large for a model tensor.");
            shape[i] = (int)dims[i];
            count *= shape[i];
            if (count > maxElements)
                throw new KerasImportException($"'{path}' has shape [{string.Join(", ", dims)}], more values than the whole model has ({maxElements}); the file is for a larger model.");
        }
        IH5DataType type = dataset.Type;
        float[] values;
        if (type.Class == H5DataTypeClass.FloatingPoint && type.Size == 4) values = dataset.Read<float[]>();
        else if (type.Class == H5DataTypeClass.FloatingPoint && type.Size == 8) values = Array.ConvertAll(dataset.Read<double[]>(), v => (float)v);
        else if (type.Class == H5DataTypeClass.FloatingPoint && type.Size == 2) values = Array.ConvertAll(dataset.Read<Half[]>(), v => (float)v);
        else throw new KerasImportException($"'{path}' holds {type.Class} data of {type.Size} bytes per element; weights must be floating point (float16, float32 or float64).");
        if (values.Length != count) throw new KerasImportException($"'{path}' has shape [{string.Join(", ", shape)}] but {values.Length} values.");
        return new SourceArray(path, shape, values);
    }
}
