using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace LstmGen.Serialization;

/// <summary>
/// Loads PyTorch weights from a <c>.safetensors</c> file into any generated model by tensor name, and saves a model as a
/// <c>.safetensors</c> file that <c>safetensors.torch.load_file</c> reads. The names are the model's
/// <see cref="IGeneratedModel.ParameterLayout"/> names, which are PyTorch's <c>state_dict</c> names for the equivalent
/// module (<c>embedding.weight</c>, <c>lstm.weight_ih_l0</c>, …, <c>fc.bias</c>), so a PyTorch module built as the README
/// describes round-trips with no mapping; a module whose submodules are named differently needs a prefix map.
/// </summary>
/// <remarks>
/// <para><b>Format</b> (the safetensors format, little-endian):</para>
/// <code>
/// 8 bytes   uint64 N: byte length of the header
/// N bytes   the header: a UTF-8 JSON object that starts with '{' and may end with spaces (0x20, padding):
///           { "__metadata__": { "key": "value", … },                        (optional; strings only)
///             "name": { "dtype": "F32", "shape": [4, 3], "data_offsets": [begin, end] }, … }
/// …         the data buffer: each tensor's elements row-major, at [begin, end) from the buffer's start
/// </code>
/// <para><b>The header is untrusted.</b> It is read only after its length is checked (at most <see cref="MaxHeaderBytes"/>,
/// and not beyond the stream's end when the stream has a length), then parsed strictly: JSON without comments or trailing
/// commas, nesting at most three deep; every tensor entry has exactly the keys <c>dtype</c> (one of the format's dtypes),
/// <c>shape</c> (non-negative integers) and <c>data_offsets</c> (two integers, begin ≤ end); no name (tensor or key)
/// appears twice; <c>end − begin</c> is exactly the element count times the dtype's size; and the tensors, taken in
/// offset order, cover the data buffer exactly: no gap, no overlap, and the buffer ends where the last tensor does (a
/// file holds nothing after it). Every violation throws <see cref="SafetensorsException"/> naming the tensor.</para>
/// <para><b>Loading</b> maps each file name through <see cref="SafetensorsLoadOptions.Prefixes"/>, then requires: every model
/// tensor present exactly once, with the model's shape (PyTorch's, e.g. <c>[4H, E]</c>) and dtype F32, F16 or BF16 (the
/// two 16-bit types are widened exactly to float32); every value finite; and no file tensor left over unless
/// <see cref="SafetensorsLoadOptions.AllowUnusedTensors"/>. All of it is checked, and the data read into a staging buffer,
/// before the model is written, in one <see cref="IGeneratedModel.SetParameters"/> call: a failed load leaves the model
/// unchanged. Memory grows only with bytes actually present (the data is read in 64 KiB chunks; tensors the model does
/// not use are skipped, not stored).</para>
/// <para><b>Saving</b> writes every tensor as F32 in layout order, an <c>__metadata__</c> object (<c>format</c> = <c>pt</c>,
/// which Hugging Face loaders expect, <c>producer</c> and <c>lstmgen.model</c>, plus
/// <see cref="SafetensorsSaveOptions.Metadata"/>), and pads the header with spaces so that the data starts at a multiple of
/// 8 bytes, as the reference implementation does. Non-finite weights are refused. Saving to a path goes through
/// <see cref="AtomicFile"/>.</para>
/// </remarks>
public static class Safetensors
{
    /// <summary>Largest header accepted, in bytes (16 MiB: a header of tens of thousands of tensors fits).</summary>
    public const long MaxHeaderBytes = 16L << 20;

    /// <summary>The conventional file extension.</summary>
    public const string Extension = ".safetensors";

    /// <summary>The header key that holds the string-to-string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    private const int ChunkBytes = 1 << 16;
    private const int MaxNamesInMessage = 8;

    // ------------------------------------------------------------------------------------------------ reading the header

    /// <summary>Reads and validates the header of the safetensors record at the stream's position (the data is not read).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="SafetensorsException">The header is truncated or invalid (see the class remarks).</exception>
    public static SafetensorsHeader ReadHeader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return ReadHeaderCore(stream);
    }

    /// <summary>Reads and validates the header of a <c>.safetensors</c> file, and checks that the file ends exactly where its data does.</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="SafetensorsException">The file is not a valid safetensors file; the message starts with the path.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SafetensorsHeader ReadHeader(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = OpenRead(path);
        return WithPath(path, () =>
        {
            SafetensorsHeader header = ReadHeaderCore(file);
            CheckFileEnd(file, header);
            return header;
        });
    }

    private static SafetensorsHeader ReadHeaderCore(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix, "the 8-byte header length");
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (declared > MaxHeaderBytes)
            throw new SafetensorsException($"The header length is {declared} bytes, above the limit of {MaxHeaderBytes} bytes: this is not a safetensors file, or it is damaged.");
        if (declared < 2)
            throw new SafetensorsException($"The header length is {declared} bytes; a header is a JSON object of at least 2 bytes.");
        int length = (int)declared;
        if (Remaining(stream) is long left && length > left)
            throw new SafetensorsException($"Truncated: the header is {length} bytes but only {left} bytes follow its length.");
        byte[] json = ReadBounded(stream, length, "the header");
        return ParseHeader(json);
    }

    /// <summary>Parses and validates a header's JSON bytes (the <c>N</c> bytes after the length).</summary>
    private static SafetensorsHeader ParseHeader(byte[] json)
    {
        if (json[0] != (byte)'{')
            throw new SafetensorsException($"The header does not start with '{{' but with byte 0x{json[0]:X2}: this is not a safetensors file.");
        var tensors = new List<SafetensorsTensor>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        bool sawMetadata = false;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 3 });
        string? current = null;
        try
        {
            Expect(ref reader, JsonTokenType.StartObject, "the header");
            while (true)
            {
                Next(ref reader, "the header");
                if (reader.TokenType == JsonTokenType.EndObject) break;
                current = reader.GetString()!; // a property name: the reader allows nothing else here
                if (current == MetadataKey)
                {
                    if (sawMetadata) throw new SafetensorsException($"The header has '{MetadataKey}' twice.");
                    sawMetadata = true;
                    ReadMetadata(ref reader, metadata);
                }
                else
                {
                    if (current.Length == 0) throw new SafetensorsException("The header has a tensor with an empty name.");
                    if (!names.Add(current)) throw new SafetensorsException($"The header names tensor '{Printable.Escape(current)}' twice.", current);
                    tensors.Add(ReadTensor(ref reader, current));
                }
                current = null;
            }
            int end = (int)reader.BytesConsumed;
            for (int i = end; i < json.Length; i++)
            {
                if (json[i] != (byte)' ')
                    throw new SafetensorsException($"The header has byte 0x{json[i]:X2} at offset {i} after its JSON object; only spaces (0x20) may pad it.");
            }
        }
        catch (JsonException e)
        {
            string where = current is null ? "" : $" (in the entry of '{Printable.Escape(current)}')";
            throw new SafetensorsException($"The header is not valid JSON{where}: {e.Message}", current, e);
        }
        catch (InvalidOperationException e)
        {
            // GetString on invalid UTF-8 or an invalid escape.
            throw new SafetensorsException($"The header holds a string that is not valid UTF-8 text: {e.Message}", current, e);
        }
        long dataLength = CheckCoverage(tensors);
        tensors.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        return new SafetensorsHeader(tensors, metadata, json.Length, dataLength);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata)
    {
        Expect(ref reader, JsonTokenType.StartObject, $"'{MetadataKey}'");
        while (true)
        {
            Next(ref reader, $"'{MetadataKey}'");
            if (reader.TokenType == JsonTokenType.EndObject) return;
            string key = reader.GetString()!;
            Next(ref reader, $"'{MetadataKey}'");
            if (reader.TokenType != JsonTokenType.String)
                throw new SafetensorsException($"'{MetadataKey}' key '{Printable.Escape(key)}' holds a {Describe(reader.TokenType)}; metadata values must be strings.");
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw new SafetensorsException($"'{MetadataKey}' has key '{Printable.Escape(key)}' twice.");
        }
    }

    private static SafetensorsTensor ReadTensor(ref Utf8JsonReader reader, string name)
    {
        string shown = Printable.Escape(name);
        Expect(ref reader, JsonTokenType.StartObject, $"tensor '{shown}'");
        string? dtype = null;
        List<long>? shape = null;
        long begin = -1, end = -1;
        while (true)
        {
            Next(ref reader, $"tensor '{shown}'");
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string key = reader.GetString()!;
            switch (key)
            {
                case "dtype":
                    if (dtype is not null) throw Duplicate(name, key);
                    Expect(ref reader, JsonTokenType.String, $"the dtype of '{shown}'");
                    dtype = reader.GetString()!;
                    if (SafetensorsTensor.ElementBytes(dtype) == 0)
                        throw new SafetensorsException($"Tensor '{shown}' has the unknown dtype '{Printable.Escape(dtype)}' (known: {string.Join(", ", SafetensorsTensor.DTypes)}).", name);
                    break;
                case "shape":
                    if (shape is not null) throw Duplicate(name, key);
                    shape = ReadIntegers(ref reader, name, key);
                    break;
                case "data_offsets":
                    if (begin >= 0) throw Duplicate(name, key);
                    List<long> offsets = ReadIntegers(ref reader, name, key);
                    if (offsets.Count != 2)
                        throw new SafetensorsException($"Tensor '{shown}' has {offsets.Count} data_offsets; it needs two, [begin, end].", name);
                    (begin, end) = (offsets[0], offsets[1]);
                    if (end < begin)
                        throw new SafetensorsException($"Tensor '{shown}' has data_offsets [{begin}, {end}]: the end is before the begin.", name);
                    break;
                default:
                    throw new SafetensorsException($"Tensor '{shown}' has the unknown key '{Printable.Escape(key)}'; an entry holds exactly dtype, shape and data_offsets.", name);
            }
        }
        if (dtype is null || shape is null || begin < 0)
        {
            string missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw new SafetensorsException($"Tensor '{shown}' has no '{missing}'.", name);
        }
        // The byte count must equal the element count times the element size (checked: a shape can overflow).
        long elements = 1;
        foreach (long d in shape)
        {
            if (d != 0 && elements > long.MaxValue / d)
                throw new SafetensorsException($"Tensor '{shown}' has shape [{string.Join(", ", shape)}], whose element count overflows.", name);
            elements *= d;
        }
        int size = SafetensorsTensor.ElementBytes(dtype);
        if (elements > long.MaxValue / size || elements * size != end - begin)
            throw new SafetensorsException($"Tensor '{shown}' is {dtype} [{string.Join(", ", shape)}] ({elements} elements of {size} bytes) but its data_offsets [{begin}, {end}] span {end - begin} bytes.", name);
        return new SafetensorsTensor(name, dtype, shape.ToArray(), begin, end);
    }

    private static SafetensorsException Duplicate(string name, string key) =>
        new($"Tensor '{Printable.Escape(name)}' has the key '{key}' twice.", name);

    private static List<long> ReadIntegers(ref Utf8JsonReader reader, string name, string key)
    {
        string shown = Printable.Escape(name);
        Expect(ref reader, JsonTokenType.StartArray, $"the {key} of '{shown}'");
        var values = new List<long>();
        while (true)
        {
            Next(ref reader, $"the {key} of '{shown}'");
            if (reader.TokenType == JsonTokenType.EndArray) return values;
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long v) || v < 0 || !IsPlainInteger(reader.ValueSpan))
            {
                string text = reader.TokenType == JsonTokenType.Number ? Encoding.UTF8.GetString(reader.ValueSpan) : Describe(reader.TokenType);
                throw new SafetensorsException($"Tensor '{shown}' has {Printable.Escape(text)} in its {key}; it must hold non-negative integers.", name);
            }
            values.Add(v);
        }
    }

    // TryGetInt64 accepts only integer syntax, but be explicit: digits only (no '-', '.', exponent).
    private static bool IsPlainInteger(ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
            if (b is < (byte)'0' or > (byte)'9') return false;
        return true;
    }

    private static void Next(ref Utf8JsonReader reader, string what)
    {
        if (!reader.Read()) throw new SafetensorsException($"The header ends inside {what}.");
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what)
    {
        Next(ref reader, what);
        if (reader.TokenType != type)
            throw new SafetensorsException($"The header has a {Describe(reader.TokenType)} where {what} should be a {Describe(type)}.");
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartObject => "JSON object",
        JsonTokenType.StartArray => "JSON array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    /// <summary>Checks that the tensors, in offset order, cover [0, end of the last) with no gap or overlap; returns that length.</summary>
    private static long CheckCoverage(List<SafetensorsTensor> tensors)
    {
        var order = tensors.ToArray();
        Array.Sort(order, static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long at = 0;
        SafetensorsTensor? previous = null;
        foreach (SafetensorsTensor t in order)
        {
            if (t.Begin < at)
                throw new SafetensorsException($"Tensor '{Printable.Escape(t.Name)}' at bytes [{t.Begin}, {t.End}) overlaps '{Printable.Escape(previous!.Name)}' at [{previous.Begin}, {previous.End}).", t.Name);
            if (t.Begin > at)
                throw new SafetensorsException($"Bytes [{at}, {t.Begin}) of the data belong to no tensor (before '{Printable.Escape(t.Name)}'); the tensors must cover the data exactly.", t.Name);
            at = t.End;
            previous = t;
        }
        return at;
    }

    // ------------------------------------------------------------------------------------------------ loading

    /// <summary>
    /// Loads the weights in the safetensors record at the stream's position into <paramref name="model"/> (see the class
    /// remarks for the checks); reads exactly the record's bytes.
    /// </summary>
    /// <returns>The file's header (tensors and metadata).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException">A prefix in <paramref name="options"/> is null.</exception>
    /// <exception cref="SafetensorsException">The record is invalid, or does not match the model (the message names the
    /// tensor: missing, unused, wrong shape, unsupported dtype, non-finite value). The model is unchanged.</exception>
    public static SafetensorsHeader Load(IGeneratedModel model, Stream stream, SafetensorsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        return LoadCore(model, stream, options ?? SafetensorsLoadOptions.Default, checkEnd: false);
    }

    /// <summary>Loads a <c>.safetensors</c> file into <paramref name="model"/>; the file must end where its data does.</summary>
    /// <returns>The file's header (tensors and metadata).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or a prefix in <paramref name="options"/> is null.</exception>
    /// <exception cref="SafetensorsException">As for the stream overload; the message starts with the path.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static SafetensorsHeader Load(IGeneratedModel model, string path, SafetensorsLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream file = OpenRead(path);
        return WithPath(path, () => LoadCore(model, file, options ?? SafetensorsLoadOptions.Default, checkEnd: true));
    }

    private static SafetensorsHeader LoadCore(IGeneratedModel model, Stream stream, SafetensorsLoadOptions options, bool checkEnd)
    {
        IReadOnlyList<ParameterInfo> layout = model.ParameterLayout;
        Dictionary<string, string> prefixes = CheckPrefixes(options.Prefixes, nameof(options));
        SafetensorsHeader header = ReadHeaderCore(stream);
        if (Remaining(stream) is long left && header.DataLength > left)
            throw new SafetensorsException($"Truncated: the header describes {header.DataLength} bytes of tensor data but only {left} bytes follow it.");

        // Match the file's tensors to the model's, by mapped name; check dtype and shape.
        var byName = new Dictionary<string, ParameterInfo>(StringComparer.Ordinal);
        foreach (ParameterInfo p in layout) byName[p.Name] = p;
        var targets = new ParameterInfo?[header.Tensors.Count];
        var sources = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        var unused = new List<string>();
        for (int k = 0; k < header.Tensors.Count; k++)
        {
            SafetensorsTensor t = header.Tensors[k];
            string mapped = MapName(t.Name, prefixes);
            string shown = mapped == t.Name ? $"'{Printable.Escape(t.Name)}'" : $"'{Printable.Escape(t.Name)}' (as '{Printable.Escape(mapped)}')";
            if (!byName.TryGetValue(mapped, out ParameterInfo? p))
            {
                unused.Add(t.Name);
                continue;
            }
            if (sources.TryGetValue(mapped, out SafetensorsTensor? other))
                throw new SafetensorsException($"Tensors '{Printable.Escape(other.Name)}' and '{Printable.Escape(t.Name)}' both map to the model's '{mapped}'; fix the prefix map.", t.Name);
            if (t.DType is not ("F32" or "F16" or "BF16"))
                throw new SafetensorsException($"Tensor {shown} is {t.DType}; the model loads F32, F16 or BF16 (convert it with tensor.float() before saving).", t.Name);
            if (!SameShape(t.Shape, p.Shape))
                throw new SafetensorsException($"Tensor {shown} has shape [{string.Join(", ", t.Shape)}] but the model's '{p.Name}' is {p.ShapeText}; the file is for a model of other sizes.", t.Name);
            sources.Add(mapped, t);
            targets[k] = p;
        }
        if (sources.Count != layout.Count)
        {
            var missing = layout.Where(p => !sources.ContainsKey(p.Name)).Select(p => p.Name).ToList();
            string hint = unused.Count == 0 ? "" : $" The file's unmatched tensors are {List(unused)}; map their names with SafetensorsLoadOptions.Prefixes (for example \"encoder.lstm.\" → \"lstm.\").";
            throw new SafetensorsException($"The file lacks {missing.Count} of the model's {layout.Count} tensors: {List(missing)}.{hint}", missing[0]);
        }
        if (unused.Count > 0 && !options.AllowUnusedTensors)
            throw new SafetensorsException($"The file holds {unused.Count} tensor(s) that the model does not have: {List(unused)}. Map their names with SafetensorsLoadOptions.Prefixes, or set AllowUnusedTensors to skip them.", unused[0]);

        // Read the data in offset order (the header's order), decoding the model's tensors into a staging buffer.
        var staging = new float[model.ParameterCount];
        byte[] chunk = new byte[ChunkBytes];
        for (int k = 0; k < header.Tensors.Count; k++)
        {
            SafetensorsTensor t = header.Tensors[k];
            if (targets[k] is not { } p)
            {
                Skip(stream, chunk, t.End - t.Begin, t.Name);
                continue;
            }
            Decode(stream, chunk, t, staging.AsSpan(p.Offset, p.Length));
            int bad = ModelFile.FirstNonFinite(staging.AsSpan(p.Offset, p.Length));
            if (bad >= 0)
                throw new SafetensorsException($"Tensor '{Printable.Escape(t.Name)}' holds {ModelFile.NonFiniteText(staging[p.Offset + bad])} at {ModelFile.Locate(layout, p.Offset + bad)}; the model loads finite weights only (did training diverge?).", t.Name);
        }
        if (checkEnd) CheckFileEnd(stream, header);
        model.SetParameters(staging);
        return header;
    }

    private static bool SameShape(IReadOnlyList<long> file, IReadOnlyList<int> model)
    {
        if (file.Count != model.Count) return false;
        for (int i = 0; i < file.Count; i++)
            if (file[i] != model[i]) return false;
        return true;
    }

    private static void Decode(Stream stream, byte[] chunk, SafetensorsTensor t, Span<float> target)
    {
        int size = SafetensorsTensor.ElementBytes(t.DType);
        int perChunk = ChunkBytes / size;
        for (int at = 0; at < target.Length; at += perChunk)
        {
            int n = Math.Min(perChunk, target.Length - at);
            Span<byte> bytes = chunk.AsSpan(0, n * size);
            ReadExactly(stream, bytes, $"the data of tensor '{Printable.Escape(t.Name)}'", t.Name);
            Span<float> part = target.Slice(at, n);
            switch (t.DType)
            {
                case "F32" when BitConverter.IsLittleEndian:
                    MemoryMarshal.Cast<byte, float>(bytes).CopyTo(part);
                    break;
                case "F32":
                    for (int i = 0; i < n; i++) part[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                    break;
                case "F16":
                    for (int i = 0; i < n; i++) part[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                    break;
                default: // BF16: the upper half of a float32
                    for (int i = 0; i < n; i++) part[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                    break;
            }
        }
    }

    private static void Skip(Stream stream, byte[] chunk, long count, string name)
    {
        for (long left = count; left > 0;)
        {
            int n = (int)Math.Min(left, chunk.Length);
            ReadExactly(stream, chunk.AsSpan(0, n), $"the data of tensor '{Printable.Escape(name)}'", name);
            left -= n;
        }
    }

    /// <summary>The name after the longest matching prefix is replaced (unchanged when none matches).</summary>
    private static string MapName(string name, Dictionary<string, string> prefixes)
    {
        string? best = null;
        foreach (string from in prefixes.Keys)
        {
            if (name.StartsWith(from, StringComparison.Ordinal) && (best is null || from.Length > best.Length)) best = from;
        }
        return best is null ? name : string.Concat(prefixes[best], name.AsSpan(best.Length));
    }

    private static Dictionary<string, string> CheckPrefixes(IReadOnlyDictionary<string, string>? prefixes, string paramName)
    {
        var copy = new Dictionary<string, string>(StringComparer.Ordinal);
        if (prefixes is null) return copy;
        foreach (KeyValuePair<string, string> kv in prefixes)
        {
            if (kv.Key is null || kv.Value is null)
                throw new ArgumentException($"The prefix map holds a null {(kv.Key is null ? "key" : "value for '" + kv.Key + "'")}.", paramName);
            copy[kv.Key] = kv.Value;
        }
        return copy;
    }

    private static string List(List<string> names)
    {
        string shown = string.Join(", ", names.Take(MaxNamesInMessage).Select(n => "'" + Printable.Escape(n) + "'"));
        return names.Count > MaxNamesInMessage ? $"{shown} and {names.Count - MaxNamesInMessage} more" : shown;
    }

    // ------------------------------------------------------------------------------------------------ saving

    /// <summary>Writes <paramref name="model"/>'s parameters as a safetensors record to <paramref name="stream"/> (see the class remarks).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException">A weight is NaN or ±∞ (the message names it), a metadata key or prefix is null,
    /// or the prefix map gives two tensors one name.</exception>
    public static void Save(IGeneratedModel model, Stream stream, SafetensorsSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = BuildHeader(model, options ?? SafetensorsSaveOptions.Default);
        WriteRecord(model, header, stream);
    }

    /// <summary>Saves <paramref name="model"/> as a <c>.safetensors</c> file, atomically (<see cref="AtomicFile"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or as for the stream overload.</exception>
    /// <exception cref="IOException">The file could not be written; a previous file at the path is unchanged.</exception>
    public static void Save(IGeneratedModel model, string path, SafetensorsSaveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] header = BuildHeader(model, options ?? SafetensorsSaveOptions.Default);
        AtomicFile.Write(path, stream => WriteRecord(model, header, stream));
    }

    private static byte[] BuildHeader(IGeneratedModel model, SafetensorsSaveOptions options)
    {
        IReadOnlyList<ParameterInfo> layout = model.ParameterLayout;
        ReadOnlySpan<float> values = model.Parameters;
        int nonFinite = ModelFile.FirstNonFinite(values);
        if (nonFinite >= 0)
            throw new ArgumentException($"The model's weight {ModelFile.Locate(layout, nonFinite)} is {ModelFile.NonFiniteText(values[nonFinite])}; a safetensors file from LstmGen holds finite weights only (did training diverge?).", nameof(model));
        Dictionary<string, string> prefixes = CheckPrefixes(options.Prefixes, nameof(options));

        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = "pt",
            ["producer"] = "LstmGen",
            ["lstmgen.model"] = model.GetType().Name,
        };
        if (options.Metadata is { } extra)
        {
            foreach (KeyValuePair<string, string> kv in extra)
            {
                if (kv.Key is null || kv.Value is null) throw new ArgumentException("The metadata holds a null key or value.", nameof(options));
                if (kv.Key == MetadataKey) throw new ArgumentException($"'{MetadataKey}' cannot be a metadata key.", nameof(options));
                metadata[kv.Key] = kv.Value;
            }
        }

        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(MetadataKey);
            foreach (KeyValuePair<string, string> kv in metadata) writer.WriteString(kv.Key, kv.Value);
            writer.WriteEndObject();
            var written = new HashSet<string>(StringComparer.Ordinal);
            long at = 0;
            foreach (ParameterInfo p in layout)
            {
                string name = MapName(p.Name, prefixes);
                if (name.Length == 0 || name == MetadataKey || !written.Add(name))
                    throw new ArgumentException($"The prefix map gives the model's '{p.Name}' the name '{name}', which is empty, reserved or already taken.", nameof(options));
                writer.WriteStartObject(name);
                writer.WriteString("dtype", "F32");
                writer.WriteStartArray("shape");
                foreach (int d in p.Shape) writer.WriteNumberValue(d);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(at);
                writer.WriteNumberValue(at + 4L * p.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                at += 4L * p.Length;
            }
            writer.WriteEndObject();
        }
        // Spaces pad the header so that the data starts 8-byte aligned (after the 8-byte length).
        int padded = (int)((json.Length + 7) / 8 * 8);
        byte[] header = new byte[padded];
        json.GetBuffer().AsSpan(0, (int)json.Length).CopyTo(header);
        header.AsSpan((int)json.Length).Fill((byte)' ');
        return header;
    }

    private static void WriteRecord(IGeneratedModel model, byte[] header, Stream stream)
    {
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        // The model's buffer is the tensors back to back in layout order, exactly the data offsets written above.
        ReadOnlySpan<float> values = model.Parameters;
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        var chunk = new byte[ChunkBytes];
        for (int at = 0; at < values.Length; at += ChunkBytes / 4)
        {
            int n = Math.Min(ChunkBytes / 4, values.Length - at);
            for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(4 * i), values[at + i]);
            stream.Write(chunk, 0, 4 * n);
        }
    }

    // ------------------------------------------------------------------------------------------------ I/O helpers

    private static FileStream OpenRead(string path) =>
        new(path, new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read, BufferSize = ChunkBytes });

    private static T WithPath<T>(string path, Func<T> action)
    {
        try
        {
            return action();
        }
        catch (SafetensorsException e)
        {
            throw new SafetensorsException($"{path}: {e.Message}", e.TensorName, e);
        }
    }

    private static void CheckFileEnd(Stream file, SafetensorsHeader header)
    {
        long expected = header.TotalLength;
        long actual = file.Length;
        if (actual < expected)
            throw new SafetensorsException($"Truncated: the header describes a file of {expected} bytes but it has {actual}.");
        if (actual > expected)
            throw new SafetensorsException($"The file has {actual - expected} bytes after the last tensor's data (it should be {expected} bytes); the tensors must cover the data exactly.");
    }

    private static long? Remaining(Stream stream)
    {
        if (!stream.CanSeek) return null;
        try
        {
            return Math.Max(0, stream.Length - stream.Position);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    // Reads n bytes, growing the buffer only as bytes arrive, so a false length cannot cause a large allocation up front.
    private static byte[] ReadBounded(Stream stream, int n, string what)
    {
        if (n <= ChunkBytes || Remaining(stream) is not null)
        {
            byte[] whole = new byte[n];
            ReadExactly(stream, whole, what);
            return whole;
        }
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[ChunkBytes];
        for (int left = n; left > 0;)
        {
            int k = Math.Min(left, chunk.Length);
            ReadExactly(stream, chunk.AsSpan(0, k), what, null, n - left);
            buffer.Write(chunk, 0, k);
            left -= k;
        }
        return buffer.ToArray();
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what, string? tensor = null, long before = 0)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = stream.Read(buffer[done..]);
            if (n == 0)
                throw new SafetensorsException($"Truncated: the data ends after {before + done} of the {before + buffer.Length} bytes of {what}.", tensor);
            done += n;
        }
    }
}

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor's name in the file.</param>
/// <param name="DType">The dtype as written in the file (<c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>I64</c>, …).</param>
/// <param name="Shape">The shape, row-major (empty for a scalar).</param>
/// <param name="Begin">First byte of the data, from the start of the data buffer.</param>
/// <param name="End">One past the last byte of the data.</param>
public sealed record SafetensorsTensor(string Name, string DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>The dtypes of the safetensors format.</summary>
    public static IReadOnlyList<string> DTypes { get; } =
        ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"];

    /// <summary>Bytes per element of <paramref name="dtype"/>; 0 for an unknown dtype.</summary>
    public static int ElementBytes(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "F64" or "I64" or "U64" => 8,
        _ => 0,
    };

    /// <summary>The shape formatted as <c>[a, b]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>A validated safetensors header.</summary>
public sealed class SafetensorsHeader
{
    internal SafetensorsHeader(IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string> metadata, long headerLength, long dataLength)
    {
        Tensors = tensors;
        Metadata = metadata;
        HeaderLength = headerLength;
        DataLength = dataLength;
    }

    /// <summary>The tensors in data order (by offset).</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The header's byte length <c>N</c> (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>The data buffer's byte length (where the last tensor ends).</summary>
    public long DataLength { get; }

    /// <summary>The whole record's length: 8 + <see cref="HeaderLength"/> + <see cref="DataLength"/>.</summary>
    public long TotalLength => 8 + HeaderLength + DataLength;

    /// <summary>Byte offset of the data buffer from the record's start.</summary>
    public long DataStart => 8 + HeaderLength;
}

/// <summary>How <see cref="Safetensors.Load(IGeneratedModel, string, SafetensorsLoadOptions?)"/> matches a file's tensors to a model's.</summary>
public sealed class SafetensorsLoadOptions
{
    internal static readonly SafetensorsLoadOptions Default = new();

    /// <summary>
    /// Renames file tensors before matching: a name that starts with a key has that key replaced by its value (the longest
    /// matching key wins; names that match none stay as they are). For a PyTorch module with
    /// <c>self.encoder = Encoder()</c> holding <c>embedding</c> and <c>lstm</c>, and <c>self.head = nn.Linear(…)</c>:
    /// <c>{ ["encoder."] = "", ["head."] = "fc." }</c> (or <c>["encoder.lstm."] = "lstm."</c> for one submodule).
    /// </summary>
    public IReadOnlyDictionary<string, string>? Prefixes { get; init; }

    /// <summary>
    /// Whether tensors the model does not have (after renaming) are skipped rather than refused (for example an
    /// optimizer step counter or a layer the generated model leaves out). Default false.
    /// </summary>
    public bool AllowUnusedTensors { get; init; }
}

/// <summary>How <see cref="Safetensors.Save(IGeneratedModel, string, SafetensorsSaveOptions?)"/> names the tensors and what metadata it adds.</summary>
public sealed class SafetensorsSaveOptions
{
    internal static readonly SafetensorsSaveOptions Default = new();

    /// <summary>
    /// Renames the model's tensors for the file: a model name that starts with a key has that key replaced by its value
    /// (the longest matching key wins), for example <c>{ ["lstm."] = "encoder.lstm." }</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Prefixes { get; init; }

    /// <summary>Extra <c>__metadata__</c> entries (they may replace <c>format</c>, <c>producer</c> and <c>lstmgen.model</c>).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}

/// <summary>
/// A safetensors file could not be read, or does not fit the model it is loaded into; the message says exactly what
/// (and starts with the path when a path was given). The model is unchanged.
/// </summary>
public sealed class SafetensorsException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, for people.</param>
    /// <param name="tensorName">The tensor concerned (as named in the file), if any.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public SafetensorsException(string message, string? tensorName = null, Exception? innerException = null)
        : base(message, innerException) => TensorName = tensorName;

    /// <summary>The tensor the problem concerns, as named in the file (or in the model, for a missing one); null when none.</summary>
    public string? TensorName { get; }
}
