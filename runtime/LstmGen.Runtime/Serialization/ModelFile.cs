using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using LstmGen.Text;

namespace LstmGen.Serialization;

/// <summary>
/// Saves a model's weights (and optionally its <see cref="Vocabulary"/>) to a versioned, checksummed binary file and
/// loads them back into a model of the same sizes and parameter layout.
/// </summary>
/// <remarks>
/// <para><b>Format, version 1.</b> All integers are little-endian; strings are a <c>uint16</c> byte length followed by
/// that many bytes of UTF-8 (no terminator). Offsets are from the start of the record.</para>
/// <code>
/// offset  size   field
///  0      8      magic: 89 4C 47 4D 0D 0A 1A 0A ("\x89LGM\r\n\x1A\n"; like PNG's, it exposes text-mode and 7-bit transfers)
///  8      4      uint32 format version: 1
/// 12      4      uint32 flags: bit 0 = a vocabulary is stored; every other bit is 0
/// 16      4      int32 VocabularySize  ┐ (0 for a dense-input model)
/// 20      4      int32 EmbeddingSize   │ (a dense-input model's InputSize)
/// 24      4      int32 HiddenSize      │ the model's ModelShape
/// 28      4      int32 SequenceLength  │
/// 32      4      int32 OutputSize      │
/// 36      4      int32 output activation (OutputActivation: 0 Sigmoid, 1 Softmax, 2 Linear)
/// 40      8      int64 P: number of float parameters (at most Array.MaxLength)
/// 48      4      int32 N: number of parameter tensors (1 ≤ N ≤ 64)
/// 52      …      string: the model's type name (informational: it is shown, never required to match)
///  …      …      string: architecture tag, the distinct parameter-name prefixes before the first '.', joined by '+'
///                (for example "embedding+lstm+fc"; see ArchitectureOf)
///  …      …      N times: string name (PyTorch state-dict name, 1 … 1,024 bytes); uint8 rank R (1 ≤ R ≤ 8);
///                R × int32 dimensions (each ≥ 1); int64 element count (= the product of the dimensions)
///  …      8      int64 V: byte length of the vocabulary record (0 when flag bit 0 is clear)
///  …      V      the vocabulary record, exactly as Vocabulary.Save(Stream) writes it ("LGVB", with its own CRC)
///  …      0–3    zero bytes, so that the float data starts at an offset that is a multiple of 4
///  …      4·P    the parameters as IEEE 754 float32, little-endian: the tensors back to back in table order, each
///                row-major (the element counts sum to P)
///  …      4      uint32 CRC-32 (IEEE 802.3, as in zip and PNG) of every preceding byte of the record
/// </code>
/// <para><b>Loading</b> reads the whole record and verifies the checksum before it writes a single weight, so a model is
/// never left half-loaded. It throws <see cref="ModelFileException"/> (an <see cref="IOException"/>) whose
/// <see cref="ModelFileException.Error"/> and message say what is wrong: another kind of file, a newer format version,
/// a truncated file (with the byte counts), an impossible field, a checksum mismatch, or an intact file for a model of
/// other sizes or another parameter layout (expected versus found). Sizes read from the file are checked against the
/// stream's length (when it has one), the vocabulary record is parsed as it arrives (its word count is at most the
/// header's VocabularySize, each word at most 65,535 bytes, and it must end exactly at its declared length) and the
/// weights are read in bounded chunks, so a corrupted length field cannot cause a huge allocation: memory grows only
/// with bytes actually present, and a record that ends before its declared length fails as soon as that is seen.
/// A record may be embedded in a larger stream; the stream overloads read exactly its bytes.</para>
/// <para><b>Weights are finite.</b> Saving refuses a model with a NaN or ±∞ weight (<see cref="ArgumentException"/>
/// naming the tensor and element), and loading refuses such a file (<see cref="ModelFileError.NonFiniteWeight"/>), so
/// a diverged model is never stored or loaded silently.</para>
/// <para><b>Names from a file</b> (the model type, the architecture tag, parameter names, vocabulary words) are
/// escaped before they appear in a message: control characters, escape sequences and bidirectional overrides are
/// shown as <c>\uXXXX</c>.</para>
/// <para><b>Saving to a path</b> goes through <see cref="AtomicFile"/>: a temporary file in the target's folder,
/// flushed to disk, is renamed over the target, so a crash or a full disk midway leaves any previous file intact.
/// Symbolic links are followed (the link's target is replaced); directories, FIFOs and devices are refused; an existing
/// file's permission bits are kept; see <see cref="AtomicFile"/>.</para>
/// <para><b>Version 2</b> (written only when an extension record is stored, so plain model files stay version 1): flag
/// bit 1 = an extension record follows the vocabulary; an <c>int64</c> X (its length) follows V in the header, and the X
/// bytes follow the vocabulary record, before the padding. <c>TextClassifier</c> stores its pipeline there.</para>
/// <para><b>Version 3</b> (written only when a streaming state is stored): flag bit 2 = a state record follows the
/// extension; an <c>int64</c> S (its length, 0 when bit 2 is clear) follows X in the header, and the S bytes follow the
/// extension bytes, before the padding: <c>int64</c> steps (≥ 0, see <see cref="IRecurrentState.Steps"/>), <c>int32</c>
/// N (the state's floats, 1 … <see cref="MaxStateFloats"/>), then N finite float32 values in the state's PyTorch
/// layout (h [Layers, HiddenSize], then c for an LSTM); S = 12 + 4·N. Files without a state keep versions 1 and 2.</para>
/// <para>The format is documented in <c>docs/model-file-format.md</c> too.</para>
/// </remarks>
public static class ModelFile
{
    /// <summary>The format version that <see cref="Save(IGeneratedModel, Stream, Vocabulary?)"/> writes and this library reads.</summary>
    public const int FormatVersion = 3;

    /// <summary>Largest streaming state a model file stores, in floats.</summary>
    public const int MaxStateFloats = 1 << 24;

    /// <summary>Largest extension record (see the format), in bytes.</summary>
    public const int MaxExtensionBytes = int.MaxValue;

    /// <summary>The conventional file extension.</summary>
    public const string Extension = ".lstmgen";

    /// <summary>Largest number of parameter tensors a file may declare.</summary>
    public const int MaxTensors = 64;

    /// <summary>Largest rank of a parameter tensor.</summary>
    public const int MaxRank = 8;

    /// <summary>Largest UTF-8 length of a stored string (type name, architecture tag, parameter name), in bytes.</summary>
    public const int MaxStringBytes = 1024;

    internal const uint FlagVocabulary = 1;
    internal const uint FlagExtension = 2;
    internal const uint FlagState = 4;
    internal const int ChunkBytes = 1 << 16;

    /// <summary>The 8 magic bytes at offset 0.</summary>
    public static ReadOnlySpan<byte> Magic => [0x89, (byte)'L', (byte)'G', (byte)'M', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// The architecture tag of a parameter layout: the distinct name prefixes before the first '.', in order, joined by
    /// '+' — <c>"embedding+lstm+fc"</c> for an LstmGen LSTM model.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="layout"/> is null.</exception>
    public static string ArchitectureOf(IReadOnlyList<ParameterInfo> layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var parts = new List<string>();
        foreach (ParameterInfo p in layout)
        {
            int dot = p.Name.IndexOf('.', StringComparison.Ordinal);
            string prefix = dot < 0 ? p.Name : p.Name[..dot];
            if (!parts.Contains(prefix)) parts.Add(prefix);
        }
        return string.Join('+', parts);
    }

    // ------------------------------------------------------------------------------------------------ saving

    /// <summary>
    /// Writes <paramref name="model"/>'s sizes, parameter table and weights, and <paramref name="vocabulary"/> if given,
    /// to <paramref name="stream"/> in the format described in the remarks.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="ArgumentException">The vocabulary has more ids than the model's VocabularySize, the model's
    /// parameter layout does not describe its parameter buffer, or a weight is NaN or ±∞ (the message names it).</exception>
    public static void Save(IGeneratedModel model, Stream stream, Vocabulary? vocabulary = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        Write(model, BuildHeader(model, vocabulary, null), stream);
    }

    /// <summary>
    /// Writes the model as <see cref="Save(IGeneratedModel, Stream, Vocabulary?)"/> does, plus <paramref name="state"/>
    /// (a streaming state of this model, with its step count) in a version-3 state record, so a device can resume the
    /// stream with <see cref="Load(IGeneratedModel, Stream, IRecurrentState)"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/>, <paramref name="stream"/> or <paramref name="state"/> is null.</exception>
    /// <exception cref="ArgumentException">As the plain overload, or the state's size is not the model's (the message gives both).</exception>
    public static void Save(IGeneratedModel model, Stream stream, IRecurrentState state, Vocabulary? vocabulary = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(state);
        Write(model, BuildHeader(model, vocabulary, null, StateRecord(model, state)), stream);
    }

    /// <summary>Writes the model and <paramref name="state"/> to <paramref name="path"/> atomically (see <see cref="Save(IGeneratedModel, Stream, IRecurrentState, Vocabulary?)"/> and <see cref="Save(IGeneratedModel, string, Vocabulary?)"/>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="state"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or as the stream overload.</exception>
    /// <exception cref="IOException">The file could not be written (the previous file, if any, is unchanged).</exception>
    public static void Save(IGeneratedModel model, string path, IRecurrentState state, Vocabulary? vocabulary = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] header = BuildHeader(model, vocabulary, null, StateRecord(model, state));
        AtomicFile.Write(path, file =>
        {
            Write(model, header, file);
            file.Flush();
        });
    }

    // The state record: int64 steps, int32 N, N floats (little-endian).
    private static byte[] StateRecord(IGeneratedModel model, IRecurrentState state)
    {
        int size = state.Size;
        ModelShape shape = model.Shape;
        // Every recurrent model's state is Layers·HiddenSize floats, twice for an LSTM: a multiple of HiddenSize.
        if (size < 1 || size > MaxStateFloats || size % shape.HiddenSize != 0)
            throw new ArgumentException($"The state holds {size} floats, which is not a state of {model.GetType().Name} (HiddenSize {shape.HiddenSize}).", nameof(state));
        if (state.GetType().DeclaringType is { } owner && owner != model.GetType())
            throw new ArgumentException($"The state is a {owner.Name}.State ({size} floats), not a state of {model.GetType().Name}.", nameof(state));
        var values = new float[size];
        state.CopyTo(values);
        var record = new byte[12 + 4 * size];
        BinaryPrimitives.WriteInt64LittleEndian(record, state.Steps);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(8), size);
        for (int i = 0; i < size; i++) BinaryPrimitives.WriteSingleLittleEndian(record.AsSpan(12 + 4 * i), values[i]);
        return record;
    }

    // A version-2 record with an extension record (for example a text classifier's pipeline) after the vocabulary.
    internal static void Save(IGeneratedModel model, Stream stream, Vocabulary? vocabulary, byte[] extension)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        Write(model, BuildHeader(model, vocabulary, extension), stream);
    }

    private static void Write(IGeneratedModel model, byte[] header, Stream stream)
    {
        var writer = new ChecksumWriter(stream);
        writer.Write(header);

        // The float data: on little-endian machines the buffer's bytes are already the file's; otherwise swap per chunk.
        ReadOnlySpan<float> values = model.Parameters;
        if (BitConverter.IsLittleEndian)
        {
            ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(values);
            for (int at = 0; at < bytes.Length; at += ChunkBytes)
                writer.Write(bytes.Slice(at, Math.Min(ChunkBytes, bytes.Length - at)));
        }
        else
        {
            var chunk = new byte[ChunkBytes];
            for (int at = 0; at < values.Length; at += ChunkBytes / 4)
            {
                int n = Math.Min(ChunkBytes / 4, values.Length - at);
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(4 * i), values[at + i]);
                writer.Write(chunk.AsSpan(0, 4 * n));
            }
        }
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, writer.Checksum);
        stream.Write(crc);
    }

    /// <summary>
    /// Writes the model (and <paramref name="vocabulary"/>, if given) to the file at <paramref name="path"/> atomically
    /// with <see cref="AtomicFile.Write"/>: a temporary file in the same folder, flushed to disk, then replaces the target.
    /// A failure midway leaves an existing file untouched and removes the temporary file.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty; or see <see cref="Save(IGeneratedModel, Stream, Vocabulary?)"/>
    /// (checked before the file system is touched).</exception>
    /// <exception cref="IOException">The target is a directory, FIFO, device or dangling link, or the file could not be
    /// written (the previous file, if any, is unchanged).</exception>
    /// <exception cref="UnauthorizedAccessException">The target is read-only or the folder is not writable.</exception>
    public static void Save(IGeneratedModel model, string path, Vocabulary? vocabulary = null)
        => Save(model, path, vocabulary, wrapStream: null);

    /// <summary>
    /// Writes the model (and <paramref name="vocabulary"/>, if given) with an application-defined extension record
    /// (format version 2) to <paramref name="path"/> atomically: bytes the application reads back from
    /// <see cref="ModelFileInfo.Extension"/> (<see cref="Inspect(string)"/>) beside <see cref="Load(IGeneratedModel, string)"/>. <c>TextClassifier</c> stores its pipeline there; the forecasting sample its scaler.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or as the other overloads.</exception>
    /// <exception cref="IOException">The file could not be written (the previous file, if any, is unchanged).</exception>
    public static void Save(IGeneratedModel model, string path, Vocabulary? vocabulary, ReadOnlySpan<byte> extension)
        => Save(model, path, vocabulary, wrapStream: null, extension.ToArray());

    // wrapStream lets tests put a failing stream between the writer and the temporary file.
    internal static void Save(IGeneratedModel model, string path, Vocabulary? vocabulary, Func<Stream, Stream>? wrapStream, byte[]? extension = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] header = BuildHeader(model, vocabulary, extension); // every argument error before the file system is touched
        AtomicFile.Write(path, file =>
        {
            Stream target = wrapStream is null ? file : wrapStream(file);
            Write(model, header, target);
            target.Flush();
        });
    }

    private static byte[] BuildHeader(IGeneratedModel model, Vocabulary? vocabulary, byte[]? extension, byte[]? state = null)
    {
        ModelShape shape = model.Shape;
        IReadOnlyList<ParameterInfo> layout = model.ParameterLayout;
        int count = model.ParameterCount;
        if (model.Parameters.Length != count)
            throw new ArgumentException($"The model reports {count} parameters but its buffer holds {model.Parameters.Length}.", nameof(model));
        if (layout.Count is < 1 or > MaxTensors)
            throw new ArgumentException($"The model has {layout.Count} parameter tensors; a model file holds 1 to {MaxTensors}.", nameof(model));
        int expectedOffset = 0;
        foreach (ParameterInfo p in layout)
        {
            long product = 1;
            foreach (int d in p.Shape) product *= d;
            if (p.Offset != expectedOffset || p.Shape.Count is < 1 or > MaxRank || product != p.Length)
                throw new ArgumentException($"The model's parameter '{p.Name}' {p.ShapeText} at offset {p.Offset} does not follow the previous tensor (offset {expectedOffset}) or its shape does not give its length {p.Length}.", nameof(model));
            expectedOffset += p.Length;
        }
        if (expectedOffset != count)
            throw new ArgumentException($"The model's parameter tensors hold {expectedOffset} values but it has {count} parameters.", nameof(model));
        int nonFinite = FirstNonFinite(model.Parameters);
        if (nonFinite >= 0)
            throw new ArgumentException($"The model's weight {Locate(layout, nonFinite)} is {NonFiniteText(model.Parameters[nonFinite])}; a model file holds finite weights only (did training diverge?).", nameof(model));

        byte[] vocabularyBytes = [];
        if (vocabulary is not null)
        {
            if (vocabulary.Count > shape.VocabularySize)
                throw new ArgumentException($"The vocabulary has {vocabulary.Count} ids but the model's VocabularySize is {shape.VocabularySize}; its larger ids would be out of range.", nameof(vocabulary));
            using var ms = new MemoryStream();
            vocabulary.Save(ms);
            vocabularyBytes = ms.ToArray();
        }

        var h = new HeaderWriter();
        h.Bytes(Magic);
        // Version 1 unless an extension (2) or a state (3) is stored, so files without one stay readable by older readers.
        h.UInt32(state is not null ? 3u : extension is null ? 1u : 2u);
        h.UInt32((vocabulary is null ? 0 : FlagVocabulary) | (extension is null ? 0 : FlagExtension) | (state is null ? 0 : FlagState));
        h.Int32(shape.VocabularySize);
        h.Int32(shape.IsDense ? shape.InputSize : shape.EmbeddingSize);
        h.Int32(shape.HiddenSize);
        h.Int32(shape.SequenceLength);
        h.Int32(shape.OutputSize);
        h.Int32((int)shape.Output);
        h.Int64(count);
        h.Int32(layout.Count);
        h.String(model.GetType().FullName ?? model.GetType().Name, "model type name");
        h.String(ArchitectureOf(layout), "architecture tag");
        foreach (ParameterInfo p in layout)
        {
            h.String(p.Name, "parameter name");
            h.Byte((byte)p.Shape.Count);
            foreach (int d in p.Shape) h.Int32(d);
            h.Int64(p.Length);
        }
        h.Int64(vocabularyBytes.Length);
        if (extension is not null || state is not null) h.Int64(extension?.Length ?? 0);
        if (state is not null) h.Int64(state.Length);
        h.Bytes(vocabularyBytes);
        if (extension is not null) h.Bytes(extension);
        if (state is not null) h.Bytes(state);
        while (h.Length % 4 != 0) h.Byte(0);
        return h.ToArray();
    }

    private sealed class HeaderWriter
    {
        private readonly MemoryStream _ms = new();

        public long Length => _ms.Length;

        public void Bytes(ReadOnlySpan<byte> b) => _ms.Write(b);

        public void Byte(byte b) => _ms.WriteByte(b);

        public void UInt32(uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); _ms.Write(b); }

        public void Int32(int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32LittleEndian(b, v); _ms.Write(b); }

        public void Int64(long v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, v); _ms.Write(b); }

        public void String(string s, string what)
        {
            byte[] utf8 = Utf8.GetBytes(s);
            if (utf8.Length is < 1 or > MaxStringBytes)
                throw new ArgumentException($"The {what} \"{s}\" is {utf8.Length} UTF-8 bytes long; a model file stores 1 to {MaxStringBytes}.");
            Span<byte> b = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)utf8.Length);
            _ms.Write(b);
            _ms.Write(utf8);
        }

        public byte[] ToArray() => _ms.ToArray();
    }

    private sealed class ChecksumWriter(Stream stream)
    {
        private Crc32 _crc = new();

        public uint Checksum => _crc.Value;

        public void Write(ReadOnlySpan<byte> data)
        {
            _crc.Append(data);
            stream.Write(data);
        }
    }

    /// <summary>Index of the first NaN or ±∞ in <paramref name="values"/>, or −1.</summary>
    internal static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        // The exponent bits all ones ⇔ NaN or ±∞.
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(values);
        const uint exponent = 0x7F800000u;
        for (int i = 0; i < bits.Length; i++)
            if ((bits[i] & exponent) == exponent) return i;
        return -1;
    }

    internal static string NonFiniteText(float value) => float.IsNaN(value) ? "NaN" : value > 0 ? "∞" : "-∞";

    /// <summary>"name[i, j] (parameter k)" for the element at <paramref name="index"/> of the whole parameter buffer.</summary>
    internal static string Locate(IReadOnlyList<ParameterInfo> layout, long index)
    {
        foreach (ParameterInfo p in layout)
        {
            if (index < p.Offset || index >= (long)p.Offset + p.Length) continue;
            long rest = index - p.Offset;
            var position = new long[p.Shape.Count];
            for (int d = p.Shape.Count - 1; d >= 0; d--)
            {
                position[d] = rest % p.Shape[d];
                rest /= p.Shape[d];
            }
            return $"{Printable.Escape(p.Name)}[{string.Join(", ", position)}] (parameter {index})";
        }
        return $"parameter {index}";
    }

    internal static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // ------------------------------------------------------------------------------------------------ loading

    // Loads into model (when given) and returns everything the record holds, extension included.
    internal static ModelFileInfo Read(Stream stream, IGeneratedModel? model) => new ModelFileReader(stream, model, wholeStream: false).Read();

    internal static ModelFileInfo ReadPath(string path, IGeneratedModel? model) => ReadFile(path, model);

    /// <summary>
    /// Reads a model file from <paramref name="stream"/> into <paramref name="model"/>, which must have the file's sizes
    /// and parameter layout, and publishes them with <see cref="IGeneratedModel.SetParameters"/>. The whole record, checksum
    /// included, is verified before any weight is written. The stream is left just after the record.
    /// </summary>
    /// <returns>The stored vocabulary, or null when the file has none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="ModelFileException">The data is not a valid model file for this model; <see cref="ModelFileException.Error"/>
    /// says why. <paramref name="model"/> is unchanged.</exception>
    public static Vocabulary? Load(IGeneratedModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        return new ModelFileReader(stream, model, wholeStream: false).Read().Vocabulary;
    }

    /// <summary>
    /// Reads the model file at <paramref name="path"/> into <paramref name="model"/> (see <see cref="Load(IGeneratedModel, Stream)"/>);
    /// the file must end with the record. Messages start with the path.
    /// </summary>
    /// <returns>The stored vocabulary, or null when the file has none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFileException">The file is not a valid model file for this model; <paramref name="model"/> is unchanged.</exception>
    public static Vocabulary? Load(IGeneratedModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ReadFile(path, model).Vocabulary;
    }

    /// <summary>
    /// Reads a model file into <paramref name="model"/> as <see cref="Load(IGeneratedModel, Stream)"/> does and, when the
    /// file carries a streaming state (version 3), sets <paramref name="state"/> to it, step count included; otherwise
    /// resets <paramref name="state"/>. Nothing is written unless the whole record is valid.
    /// </summary>
    /// <returns>True when the file carried a state.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ModelFileException">Not a valid model file for this model, or its state has another size than
    /// <paramref name="state"/> (<see cref="ModelFileError.ShapeMismatch"/>); <paramref name="model"/> and <paramref name="state"/> are unchanged.</exception>
    public static bool Load(IGeneratedModel model, Stream stream, IRecurrentState state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(state);
        return new ModelFileReader(stream, model, wholeStream: false, state).Read().HasState;
    }

    /// <summary>Reads the model file at <paramref name="path"/> into <paramref name="model"/> and <paramref name="state"/> (see <see cref="Load(IGeneratedModel, Stream, IRecurrentState)"/>).</summary>
    /// <returns>True when the file carried a state.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="state"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFileException">As the stream overload.</exception>
    public static bool Load(IGeneratedModel model, string path, IRecurrentState state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(state);
        return ReadFile(path, model, state).HasState;
    }

    /// <summary>
    /// Reads and fully verifies (checksum included) a model file without a model: its sizes, parameter table, model type
    /// and vocabulary. The weights are checked but not kept.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> is null.</exception>
    /// <exception cref="ModelFileException">The data is not a valid model file.</exception>
    public static ModelFileInfo Inspect(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new ModelFileReader(stream, model: null, wholeStream: false).Read();
    }

    /// <summary>Reads and fully verifies the model file at <paramref name="path"/> (see <see cref="Inspect(Stream)"/>).</summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ModelFileException">The file is not a valid model file.</exception>
    public static ModelFileInfo Inspect(string path) => ReadFile(path, model: null);

    private static ModelFileInfo ReadFile(string path, IGeneratedModel? model, IRecurrentState? state = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: ChunkBytes);
        try
        {
            return new ModelFileReader(file, model, wholeStream: true, state).Read();
        }
        catch (ModelFileException e)
        {
            throw new ModelFileException(e.Error, $"{path}: {e.Message}", e);
        }
    }
}

/// <summary>What a model file holds, as read by <see cref="ModelFile.Inspect(string)"/>.</summary>
/// <param name="FormatVersion">The file's format version.</param>
/// <param name="ModelType">The full name of the type that saved it (informational).</param>
/// <param name="Architecture">The architecture tag (see <see cref="ModelFile.ArchitectureOf"/>).</param>
/// <param name="Shape">The model's sizes.</param>
/// <param name="ParameterCount">Number of float parameters.</param>
/// <param name="Parameters">The parameter tensors, with their offsets in the parameter buffer.</param>
/// <param name="Vocabulary">The stored vocabulary, or null.</param>
/// <param name="Length">Bytes in the record, checksum included.</param>
public sealed record ModelFileInfo(
    int FormatVersion, string ModelType, string Architecture, ModelShape Shape, int ParameterCount,
    IReadOnlyList<ParameterInfo> Parameters, Vocabulary? Vocabulary, long Length)
{
    /// <summary>The extension record of a version-2 file (a text classifier's pipeline), or null.</summary>
    public byte[]? Extension { get; init; }

    /// <summary>The streaming state of a version-3 file (PyTorch layout, see <see cref="IRecurrentState"/>), or null.</summary>
    public float[]? State { get; init; }

    /// <summary>The stored state's step count (<see cref="IRecurrentState.Steps"/>); 0 without a state.</summary>
    public long StateSteps { get; init; }

    /// <summary>Whether the file carries a streaming state.</summary>
    public bool HasState => State is not null;
}
