using System.Buffers.Binary;
using System.Runtime.InteropServices;
using LstmGen.Text;

namespace LstmGen.Serialization;

/// <summary>
/// Reads one model-file record (format in <see cref="ModelFile"/>'s remarks) and, when given a model, loads it — only after
/// every field and the checksum have been verified. Sizes are validated before anything is allocated for them. With
/// <c>wholeStream</c>, bytes after the record are an error too (a file must hold exactly one record).
/// </summary>
internal sealed class ModelFileReader(Stream stream, IGeneratedModel? model, bool wholeStream, IRecurrentState? state = null)
{
    private Crc32 _crc = new();
    private long _consumed;       // bytes of the record read so far
    private long _declared = -1;  // the record's total length, once the header has given it
    private long _available = -1; // bytes left in the stream at the start, when the stream knows its length

    public ModelFileInfo Read()
    {
        if (stream.CanSeek)
        {
            try { _available = stream.Length - stream.Position; }
            catch (NotSupportedException) { _available = -1; }
        }

        // Magic: compare what is there before complaining about length, so a short foreign file is called foreign.
        Span<byte> magic = stackalloc byte[8];
        int got = ReadAtMost(magic);
        if (!magic[..got].SequenceEqual(ModelFile.Magic[..got]))
            throw Error(ModelFileError.NotAModelFile, $"Not a LstmGen model file: the first bytes are {Convert.ToHexString(magic[..got])}, not the magic {Convert.ToHexString(ModelFile.Magic)}.");
        if (got < 8) throw Truncated("the magic bytes", 8);

        uint version = UInt32("the format version");
        if (version > ModelFile.FormatVersion)
            throw Error(ModelFileError.UnsupportedVersion, $"The model file has format version {version}, newer than version {ModelFile.FormatVersion}, the newest this library reads; update LstmGen to load it.");
        if (version < 1)
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: format version {version} does not exist (versions start at 1).");
        uint flags = UInt32("the flags");
        uint known = version >= 3 ? ModelFile.FlagVocabulary | ModelFile.FlagExtension | ModelFile.FlagState
            : version >= 2 ? ModelFile.FlagVocabulary | ModelFile.FlagExtension : ModelFile.FlagVocabulary;
        if ((flags & ~known) != 0)
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: unknown flag bits 0x{flags & ~known:X8} are set (version {version} defines only {(version >= 3 ? "bits 0 to 2" : version >= 2 ? "bits 0 and 1" : "bit 0")}).");

        // A dense-input model stores VocabularySize 0 and its InputSize in the EmbeddingSize field.
        int vocabularySize = Int32("VocabularySize");
        if (vocabularySize < 0 || (vocabularySize == 0 && (flags & ModelFile.FlagVocabulary) != 0))
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: VocabularySize is {vocabularySize}; it is at least 1 (0 for a dense-input model, which stores no vocabulary).");
        int embeddingSize = Size(vocabularySize == 0 ? "InputSize" : "EmbeddingSize");
        int hiddenSize = Size("HiddenSize");
        int sequenceLength = Size("SequenceLength");
        int outputSize = Size("OutputSize");
        int activation = Int32("the output activation");
        if (activation is < 0 or > (int)OutputActivation.Linear)
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: output activation {activation} is not 0 (Sigmoid), 1 (Softmax) or 2 (Linear).");
        var shape = vocabularySize == 0
            ? new ModelShape(0, 0, hiddenSize, sequenceLength, outputSize, (OutputActivation)activation) { InputSize = embeddingSize }
            : new ModelShape(vocabularySize, embeddingSize, hiddenSize, sequenceLength, outputSize, (OutputActivation)activation);
        long parameterCount = Int64("the parameter count");
        if (parameterCount < 1 || parameterCount > Array.MaxLength)
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: the parameter count {parameterCount} is outside [1, {Array.MaxLength}].");
        int tensorCount = Int32("the tensor count");
        if (tensorCount is < 1 or > ModelFile.MaxTensors)
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: the tensor count {tensorCount} is outside [1, {ModelFile.MaxTensors}].");
        string modelType = String("the model type name");
        string architecture = String("the architecture tag");

        var tensors = new List<ParameterInfo>(tensorCount);
        long offset = 0;
        for (int k = 0; k < tensorCount; k++)
        {
            string name = String($"the name of tensor {k}");
            string shown = Printable.Escape(name); // names from the file reach messages only escaped
            int rank = Byte($"the rank of tensor {k} ({shown})");
            if (rank is < 1 or > ModelFile.MaxRank)
                throw Error(ModelFileError.Corrupt, $"Corrupt model file: tensor {k} ({shown}) has rank {rank}, outside [1, {ModelFile.MaxRank}].");
            var dims = new int[rank];
            long product = 1;
            for (int d = 0; d < rank; d++)
            {
                dims[d] = Int32($"dimension {d} of tensor {k} ({shown})");
                if (dims[d] < 1)
                    throw Error(ModelFileError.Corrupt, $"Corrupt model file: dimension {d} of tensor {k} ({shown}) is {dims[d]}.");
                product *= dims[d]; // ≤ parameterCount·2³¹ after the check below, so no overflow
                if (product > parameterCount)
                    throw Error(ModelFileError.Corrupt, $"Corrupt model file: tensor {k} ({shown}) is larger than the {parameterCount} parameters of the whole model.");
            }
            long elements = Int64($"the element count of tensor {k} ({shown})");
            if (elements != product)
                throw Error(ModelFileError.Corrupt, $"Corrupt model file: tensor {k} ({shown}) declares {elements} elements but its shape [{string.Join(", ", dims)}] has {product}.");
            if (offset + elements > parameterCount)
                throw Error(ModelFileError.Corrupt, $"Corrupt model file: the tensors up to {k} ({shown}) hold more than the {parameterCount} declared parameters.");
            tensors.Add(new ParameterInfo(name, dims, (int)offset, (int)elements));
            offset += elements;
        }
        if (offset != parameterCount)
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: the tensors hold {offset} elements but the header declares {parameterCount} parameters.");

        long vocabularyLength = Int64("the vocabulary length");
        bool hasVocabulary = (flags & ModelFile.FlagVocabulary) != 0;
        if (hasVocabulary ? vocabularyLength is < 16 or > int.MaxValue : vocabularyLength != 0)
            throw Error(ModelFileError.Corrupt, hasVocabulary
                ? $"Corrupt model file: the vocabulary record length {vocabularyLength} is outside [16, {int.MaxValue}]."
                : $"Corrupt model file: no vocabulary is flagged but its length is {vocabularyLength}, not 0.");
        long extensionLength = 0;
        bool hasExtension = (flags & ModelFile.FlagExtension) != 0;
        if (version >= 2)
        {
            extensionLength = Int64("the extension length");
            if (hasExtension ? extensionLength is < 0 or > ModelFile.MaxExtensionBytes : extensionLength != 0)
                throw Error(ModelFileError.Corrupt, hasExtension
                    ? $"Corrupt model file: the extension record length {extensionLength} is outside [0, {ModelFile.MaxExtensionBytes}]."
                    : $"Corrupt model file: no extension is flagged but its length is {extensionLength}, not 0.");
        }
        long stateLength = 0;
        bool hasState = (flags & ModelFile.FlagState) != 0;
        if (version >= 3)
        {
            stateLength = Int64("the state length");
            long most = 12 + 4L * ModelFile.MaxStateFloats;
            if (hasState ? stateLength < 16 || stateLength > most || stateLength % 4 != 0 : stateLength != 0)
                throw Error(ModelFileError.Corrupt, hasState
                    ? $"Corrupt model file: the state record length {stateLength} is not 12 + 4·N for 1 ≤ N ≤ {ModelFile.MaxStateFloats}."
                    : $"Corrupt model file: no state is flagged but its length is {stateLength}, not 0.");
        }
        long afterVocabulary = _consumed + vocabularyLength + extensionLength + stateLength;
        long padding = (4 - afterVocabulary % 4) % 4;
        // Every term is bounded (lengths ≤ 2³¹, parameterCount ≤ 2³¹), so this sum cannot overflow.
        _declared = afterVocabulary + padding + 4 * parameterCount + 4;
        if (_available >= 0 && _available < _declared)
            throw Error(ModelFileError.Truncated, $"Truncated model file: its header declares a record of {_declared} bytes but only {_available} are present.");

        // An intact file for another model is a mismatch; a damaged one is corrupt. So decide only after the checksum.
        (ModelFileError Error, string Message)? mismatch = model is null ? null : Compare(shape, (int)parameterCount, tensors, modelType, architecture, model);

        // The vocabulary is parsed as it streams in: its count is bounded by the header's VocabularySize and it must end
        // exactly at its declared length, so a huge declared length costs nothing until bytes actually arrive.
        Vocabulary? vocabulary = hasVocabulary ? ReadVocabulary(vocabularyLength, shape.VocabularySize) : null;
        byte[]? extension = hasExtension ? ReadExtension(extensionLength) : null;
        (long Steps, float[] Values)? stored = hasState ? ReadState(stateLength) : null;
        Span<byte> pad = stackalloc byte[4];
        ReadExactly(pad[..(int)padding], "the alignment padding");
        if (pad[..(int)padding].ContainsAnyExcept((byte)0))
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: the alignment padding before byte {_consumed} is not zero.");

        // The weights: into a staging buffer when loading (the model is written only after the checksum), else read through.
        float[]? staging = model is not null && mismatch is null ? new float[parameterCount] : null;
        long nonFinite = -1; // the first NaN or ±∞, reported only once the file is known to be intact
        float nonFiniteValue = 0;
        if (staging is not null)
        {
            Span<byte> bytes = MemoryMarshal.AsBytes(staging.AsSpan());
            for (int at = 0; at < bytes.Length; at += ModelFile.ChunkBytes)
                ReadExactly(bytes.Slice(at, Math.Min(ModelFile.ChunkBytes, bytes.Length - at)), "the parameter data");
            if (!BitConverter.IsLittleEndian)
            {
                Span<int> words = MemoryMarshal.Cast<float, int>(staging.AsSpan());
                BinaryPrimitives.ReverseEndianness(words, words);
            }
            nonFinite = ModelFile.FirstNonFinite(staging);
            if (nonFinite >= 0) nonFiniteValue = staging[nonFinite];
        }
        else
        {
            var chunk = new byte[(int)Math.Min(ModelFile.ChunkBytes, 4 * parameterCount)];
            long index = 0;
            for (long left = 4 * parameterCount; left > 0; left -= chunk.Length)
            {
                Span<byte> part = chunk.AsSpan(0, (int)Math.Min(chunk.Length, left));
                ReadExactly(part, "the parameter data");
                if (nonFinite < 0)
                {
                    for (int i = 0; i < part.Length; i += 4)
                    {
                        // The exponent bits all ones ⇔ NaN or ±∞ (byte order does not matter for this mask test).
                        if ((BinaryPrimitives.ReadUInt32LittleEndian(part[i..]) & 0x7F800000u) == 0x7F800000u)
                        {
                            nonFinite = index + i / 4;
                            nonFiniteValue = BinaryPrimitives.ReadSingleLittleEndian(part[i..]);
                            break;
                        }
                    }
                }
                index += part.Length / 4;
            }
        }

        uint computed = _crc.Value;
        Span<byte> crcBytes = stackalloc byte[4];
        ReadExactly(crcBytes, "the checksum");
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(crcBytes);
        if (storedCrc != computed)
            throw Error(ModelFileError.ChecksumMismatch, $"Corrupt model file: checksum mismatch (stored 0x{storedCrc:X8}, computed 0x{computed:X8} over {_consumed - 4} bytes); the file was damaged after it was written.");
        if (wholeStream)
        {
            long extra = _available >= 0 ? _available - _consumed : stream.ReadByte() >= 0 ? 1 : 0;
            if (extra > 0)
                throw Error(ModelFileError.TrailingData, $"{(_available >= 0 ? extra.ToString(System.Globalization.CultureInfo.InvariantCulture) : "Some")} unexpected bytes follow the model record, which ends at byte {_consumed}.");
        }
        if (mismatch is { } m) throw Error(m.Error, m.Message);
        if (nonFinite >= 0)
        {
            throw Error(ModelFileError.NonFiniteWeight, $"The model file's weight {ModelFile.Locate(tensors, nonFinite)} is {ModelFile.NonFiniteText(nonFiniteValue)}; a model file must hold finite weights (was it saved from a diverged model?).");
        }

        if (stored is { } st)
        {
            int bad = ModelFile.FirstNonFinite(st.Values);
            if (bad >= 0)
                throw Error(ModelFileError.NonFiniteWeight, $"The model file's state value {bad} is {ModelFile.NonFiniteText(st.Values[bad])}; a state holds finite values.");
            if (st.Steps < 0)
                throw Error(ModelFileError.Corrupt, $"Corrupt model file: the state's step count is {st.Steps}; counts are at least 0.");
            if (state is not null && st.Values.Length != state.Size)
                throw Error(ModelFileError.ShapeMismatch, $"The model file's state holds {st.Values.Length} floats but the state to load holds {state.Size}.");
        }

        if (staging is not null)
        {
            model!.SetParameters(staging);
        }
        if (state is not null)
        {
            if (stored is { } loaded)
            {
                state.CopyFrom(loaded.Values);
                state.Steps = loaded.Steps;
            }
            else
            {
                state.Reset();
            }
        }
        return new ModelFileInfo((int)version, modelType, architecture, shape, (int)parameterCount, tensors, vocabulary, _consumed)
        {
            Extension = extension,
            State = stored?.Values,
            StateSteps = stored?.Steps ?? 0,
        };
    }

    // The state record: int64 steps, int32 N (which must agree with the record's length), N floats.
    private (long, float[]) ReadState(long length)
    {
        Span<byte> head = stackalloc byte[12];
        ReadExactly(head, "the state record");
        long steps = BinaryPrimitives.ReadInt64LittleEndian(head);
        int count = BinaryPrimitives.ReadInt32LittleEndian(head[8..]);
        if (12 + 4L * count != length)
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: the state record declares {count} floats but is {length} bytes long.");
        byte[] bytes = ReadExtension(length - 12, "the state record");
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
        return (steps, values);
    }

    // The extension's bytes, in chunks, so memory grows only with bytes actually present.
    private byte[] ReadExtension(long length, string what = "the extension record")
    {
        using var collected = new MemoryStream();
        var chunk = new byte[(int)Math.Min(ModelFile.ChunkBytes, Math.Max(1, length))];
        for (long left = length; left > 0;)
        {
            int n = (int)Math.Min(chunk.Length, left);
            ReadExactly(chunk.AsSpan(0, n), what);
            collected.Write(chunk, 0, n);
            left -= n;
        }
        return collected.ToArray();
    }

    private static (ModelFileError, string)? Compare(ModelShape shape, int parameterCount, List<ParameterInfo> tensors,
        string modelType, string architecture, IGeneratedModel model)
    {
        string fileType = Printable.Escape(modelType), fileArchitecture = Printable.Escape(architecture);
        string target = model.GetType().Name;
        IReadOnlyList<ParameterInfo> layout = model.ParameterLayout;
        string expectedArchitecture = ModelFile.ArchitectureOf(layout);
        if (architecture != expectedArchitecture)
            return (ModelFileError.LayoutMismatch, $"The model file holds a {fileType} of architecture {fileArchitecture}, but {target}'s architecture is {expectedArchitecture}.");

        ModelShape s = model.Shape;
        var diffs = new List<string>();
        void Check(string name, int file, int expected) { if (file != expected) diffs.Add($"{name} {file} in the file, {expected} in {target}"); }
        Check(nameof(ModelShape.VocabularySize), shape.VocabularySize, s.VocabularySize);
        Check(nameof(ModelShape.EmbeddingSize), shape.EmbeddingSize, s.EmbeddingSize);
        Check(nameof(ModelShape.InputSize), shape.InputSize, s.InputSize);
        Check(nameof(ModelShape.HiddenSize), shape.HiddenSize, s.HiddenSize);
        Check(nameof(ModelShape.SequenceLength), shape.SequenceLength, s.SequenceLength);
        Check(nameof(ModelShape.OutputSize), shape.OutputSize, s.OutputSize);
        if (shape.Output != s.Output) diffs.Add($"Output {shape.Output} in the file, {s.Output} in {target}");
        if (diffs.Count > 0)
            return (ModelFileError.ShapeMismatch, $"The model file is for a model of other sizes ({fileType}): {string.Join("; ", diffs)}.");

        if (tensors.Count != layout.Count)
            return (ModelFileError.LayoutMismatch, $"The model file has {tensors.Count} parameter tensors but {target} has {layout.Count}.");
        for (int k = 0; k < tensors.Count; k++)
        {
            ParameterInfo f = tensors[k], m = layout[k];
            if (f.Name != m.Name || !f.Shape.SequenceEqual(m.Shape))
                return (ModelFileError.LayoutMismatch, $"Parameter {k} is {Printable.Escape(f.Name)} {f.ShapeText} in the model file but {m.Name} {m.ShapeText} in {target}.");
        }
        if (parameterCount != model.ParameterCount)
            return (ModelFileError.LayoutMismatch, $"The model file has {parameterCount} parameters but {target} has {model.ParameterCount}.");
        return null;
    }

    private int Size(string name)
    {
        int v = Int32(name);
        if (v < 1) throw Error(ModelFileError.Corrupt, $"Corrupt model file: {name} is {v}; sizes are at least 1.");
        return v;
    }

    private byte Byte(string what)
    {
        Span<byte> b = stackalloc byte[1];
        ReadExactly(b, what);
        return b[0];
    }

    private uint UInt32(string what)
    {
        Span<byte> b = stackalloc byte[4];
        ReadExactly(b, what);
        return BinaryPrimitives.ReadUInt32LittleEndian(b);
    }

    private int Int32(string what)
    {
        Span<byte> b = stackalloc byte[4];
        ReadExactly(b, what);
        return BinaryPrimitives.ReadInt32LittleEndian(b);
    }

    private long Int64(string what)
    {
        Span<byte> b = stackalloc byte[8];
        ReadExactly(b, what);
        return BinaryPrimitives.ReadInt64LittleEndian(b);
    }

    private string String(string what)
    {
        Span<byte> b = stackalloc byte[2];
        ReadExactly(b, $"the length of {what}");
        int length = BinaryPrimitives.ReadUInt16LittleEndian(b);
        if (length is < 1 or > ModelFile.MaxStringBytes)
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: {what} is {length} bytes long, outside [1, {ModelFile.MaxStringBytes}].");
        Span<byte> text = stackalloc byte[length];
        ReadExactly(text, what);
        try
        {
            return ModelFile.Utf8.GetString(text);
        }
        catch (System.Text.DecoderFallbackException e)
        {
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: {what} is not valid UTF-8.", e);
        }
    }

    private Vocabulary ReadVocabulary(long length, int vocabularySize)
    {
        var record = new RecordStream(this, length);
        long available = _available >= 0 ? Math.Min(length, _available - _consumed) : length;
        Vocabulary vocabulary;
        try
        {
            vocabulary = Vocabulary.Read(record, available, Math.Min(vocabularySize, Vocabulary.MaxCount), $" (the model's VocabularySize is {vocabularySize})");
        }
        catch (InvalidDataException e) when (e.Data.Contains(Vocabulary.ChecksumMismatchKey))
        {
            throw Error(ModelFileError.ChecksumMismatch, $"Corrupt model file: the vocabulary record is damaged: {e.Message}", e);
        }
        catch (InvalidDataException e) when (record.ReadPastEnd)
        {
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: the vocabulary record is longer than its declared {length} bytes ({e.Message})", e);
        }
        catch (InvalidDataException e)
        {
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: the vocabulary record is invalid: {e.Message}", e);
        }
        if (record.Left > 0)
            throw Error(ModelFileError.Corrupt, $"Corrupt model file: the vocabulary record is declared as {length} bytes but holds {length - record.Left}.");
        return vocabulary;
    }

    // The vocabulary record's bytes, read through the reader (so they count in the checksum and the byte counts) and
    // never past its declared length: reading past it looks like the end of the record to the vocabulary parser.
    private sealed class RecordStream(ModelFileReader reader, long length) : Stream
    {
        public long Left { get; private set; } = length;
        public bool ReadPastEnd { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Span<byte> part = buffer[..(int)Math.Min(buffer.Length, Left)];
            if (part.IsEmpty)
            {
                ReadPastEnd |= !buffer.IsEmpty;
                return 0;
            }
            int got = reader.ReadAtMost(part);
            if (got < part.Length) throw reader.Truncated("the vocabulary record", part.Length - got);
            Left -= got;
            return got;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private int ReadAtMost(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        _crc.Append(buffer[..total]);
        _consumed += total;
        return total;
    }

    private void ReadExactly(Span<byte> buffer, string what)
    {
        int got = ReadAtMost(buffer);
        if (got < buffer.Length) throw Truncated(what, buffer.Length - got);
    }

    private ModelFileException Truncated(string what, int missing)
    {
        string expected = _declared >= 0
            ? $"the header declares {_declared} bytes"
            : $"at least {_consumed + missing} bytes were needed";
        return Error(ModelFileError.Truncated, $"Truncated model file: the data ends after {_consumed} bytes, inside {what}; {expected}.");
    }

    private static ModelFileException Error(ModelFileError error, string message, Exception? inner = null) => new(error, message, inner);
}
