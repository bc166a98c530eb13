using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using LstmGen.Serialization;
using LstmGen.Tests.Models;

namespace LstmGen.Tests;

/// <summary>
/// <see cref="Safetensors"/>: PyTorch-trained weights (tests/pytorch/make_safetensors.py) load by name and predict as
/// PyTorch does; Save → Load is bit-exact; LstmGen's files load in PyTorch (the committed torch outputs); and every rule
/// of the untrusted header is enforced with a message that names the tensor, leaving the model unchanged.
/// </summary>
public class SafetensorsTests
{
    // The PyTorch models are run in float32 by another library: outputs agree to float rounding (as TorchParityTests).
    private const float Tolerance = 1e-5f;

    private static readonly Dictionary<string, string> NestedPrefixes = new() { ["encoder."] = "", ["head."] = "fc." };

    public static TheoryData<string> PyTorchCases => new() { "lstm_nested", "gru_l2_bi", "rnn_l3_softmax", "cnn_small", "ff_deep", "lstm_bi_f16", "lstm_bi_bf16" };

    private static ISequenceModel ModelFor(string fixture, int seed = 1) => fixture switch
    {
        "lstm_nested" => new SmallModel(seed),
        "gru_l2_bi" => new GruL2BiModel(seed),
        "rnn_l3_softmax" => new RnnL3SoftmaxModel(seed),
        "cnn_small" => new CnnSmallModel(seed),
        "ff_deep" => new FfDeepModel(seed),
        "lstm_bi_f16" or "lstm_bi_bf16" => new LstmBiModel(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(fixture), fixture, null),
    };

    private static string FixturePath(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);

    private static SafetensorsLoadOptions? OptionsFor(string fixture) =>
        fixture == "lstm_nested" ? new SafetensorsLoadOptions { Prefixes = NestedPrefixes } : null;

    private static void AssertPredictsAsFixture(ISequenceModel model, int[] tokens, float[] expected, string what)
    {
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize, rows = tokens.Length / t;
        var y = new float[o];
        for (int r = 0; r < rows; r++)
        {
            model.Predict(tokens.AsSpan(r * t, t), y);
            for (int i = 0; i < o; i++)
                Assert.True(Math.Abs(y[i] - expected[r * o + i]) <= Tolerance, $"{what}: row {r} output {i}: expected {expected[r * o + i]:R}, LstmGen {y[i]:R}");
        }
        var batch = new float[rows * o];
        model.PredictBatch(tokens, batch);
        for (int i = 0; i < batch.Length; i++)
            Assert.True(Math.Abs(batch[i] - expected[i]) <= Tolerance, $"{what}: batch element {i}: expected {expected[i]:R}, LstmGen {batch[i]:R}");
    }

    [Theory]
    [MemberData(nameof(PyTorchCases))]
    public void PyTorchTrainedWeightsPredictAsPyTorch(string fixture)
    {
        ISequenceModel model = ModelFor(fixture);
        SafetensorsHeader header = Safetensors.Load(model, FixturePath($"st_{fixture}.safetensors"), OptionsFor(fixture));
        Assert.Equal(model.ParameterLayout.Count, header.Tensors.Count);
        Assert.Equal("pt", header.Metadata["format"]);
        TorchFixture fx = TorchFixture.LoadFile($"st_{fixture}.bin");
        AssertPredictsAsFixture(model, fx.Ints("tokens"), fx.Floats("probabilities"), fixture);
    }

    [Fact]
    public void SixteenBitTypesWidenExactly()
    {
        // The F16 and BF16 files hold the same trained weights rounded to each type: every loaded value is exactly
        // representable in that type, and the two agree with each other to BF16's precision.
        var f16 = new LstmBiModel(1);
        var bf16 = new LstmBiModel(1);
        Safetensors.Load(f16, FixturePath("st_lstm_bi_f16.safetensors"));
        Safetensors.Load(bf16, FixturePath("st_lstm_bi_bf16.safetensors"));
        for (int i = 0; i < LstmBiModel.ParameterCount; i++)
        {
            float h = f16.Parameters[i], b = bf16.Parameters[i];
            Assert.Equal(h, (float)(Half)h);
            Assert.Equal(0, BitConverter.SingleToInt32Bits(b) & 0xFFFF);
            Assert.True(Math.Abs(h - b) <= 1e-2f * Math.Max(1, Math.Abs(h)), $"parameter {i}: F16 {h}, BF16 {b}");
        }
    }

    [Theory]
    [MemberData(nameof(PyTorchCases))]
    public void SaveThenLoadIsBitExact(string fixture)
    {
        ISequenceModel source = ModelFor(fixture);
        Safetensors.Load(source, FixturePath($"st_{fixture}.safetensors"), OptionsFor(fixture));
        var bytes = new MemoryStream();
        Safetensors.Save(source, bytes);

        ISequenceModel copy = ModelFor(fixture, seed: 99);
        Assert.False(copy.Parameters.SequenceEqual(source.Parameters));
        bytes.Position = 0;
        SafetensorsHeader header = Safetensors.Load(copy, bytes);
        Assert.Equal(bytes.Length, bytes.Position);
        Assert.True(MemoryMarshalBits(copy.Parameters).SequenceEqual(MemoryMarshalBits(source.Parameters)));
        Assert.Equal(0, header.DataStart % 8);
        Assert.Equal(["format", "lstmgen.model", "producer"], header.Metadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(source.GetType().Name, header.Metadata["lstmgen.model"]);

        // The same through files (AtomicFile) and an unseekable stream that returns 3 bytes per read.
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-st-{Guid.NewGuid():N}.safetensors");
        try
        {
            Safetensors.Save(source, path);
            Assert.Equal(bytes.ToArray(), File.ReadAllBytes(path));
            ISequenceModel fromFile = ModelFor(fixture, seed: 98);
            Safetensors.Load(fromFile, path);
            Assert.True(MemoryMarshalBits(fromFile.Parameters).SequenceEqual(MemoryMarshalBits(source.Parameters)));
        }
        finally
        {
            File.Delete(path);
        }
        ISequenceModel fromPipe = ModelFor(fixture, seed: 97);
        Safetensors.Load(fromPipe, new NonSeekableStream(bytes.ToArray(), maxRead: 3));
        Assert.True(MemoryMarshalBits(fromPipe.Parameters).SequenceEqual(MemoryMarshalBits(source.Parameters)));
    }

    private static int[] MemoryMarshalBits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }

    [Fact]
    public void SavePrefixesRenameAndLoadPrefixesUndo()
    {
        var model = new SmallModel(3);
        var bytes = new MemoryStream();
        Safetensors.Save(model, bytes, new SafetensorsSaveOptions
        {
            Prefixes = new Dictionary<string, string> { ["lstm."] = "encoder.lstm.", ["embedding."] = "encoder.embedding.", ["fc."] = "head." },
            Metadata = new Dictionary<string, string> { ["epoch"] = "3" },
        });
        bytes.Position = 0;
        SafetensorsHeader header = Safetensors.ReadHeader(bytes);
        Assert.Equal(["encoder.embedding.weight", "encoder.lstm.weight_ih_l0", "encoder.lstm.weight_hh_l0", "encoder.lstm.bias_ih_l0", "encoder.lstm.bias_hh_l0", "head.weight", "head.bias"],
            header.Tensors.Select(t => t.Name));
        Assert.Equal("3", header.Metadata["epoch"]);

        var copy = new SmallModel(4);
        bytes.Position = 0;
        var missing = Assert.Throws<SafetensorsException>(() => Safetensors.Load(copy, bytes));
        Assert.Contains("lacks 7 of the model's 7 tensors", missing.Message);
        Assert.Contains("Prefixes", missing.Message);
        bytes.Position = 0;
        // The longest key wins: "encoder.lstm." over "encoder.".
        Safetensors.Load(copy, bytes, new SafetensorsLoadOptions { Prefixes = new Dictionary<string, string> { ["encoder."] = "", ["encoder.lstm."] = "lstm.", ["head."] = "fc." } });
        Assert.True(copy.Parameters.SequenceEqual(model.Parameters));
    }

    // ---------------------------------------------------------------------------------------------- LstmGen → PyTorch

    public static TheoryData<string> SavedCases => new() { "gru_l2_bi", "cnn_small" };

    private static ISequenceModel SavedModel(string name) => name switch
    {
        "gru_l2_bi" => new GruL2BiModel(seed: 7),
        "cnn_small" => new CnnSmallModel(seed: 7),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>
    /// The committed lstmgen_*.safetensors were saved by LstmGen (this test, with LSTMGEN_UPDATE_FIXTURES=1, from a
    /// seeded model); make_safetensors.py loaded each into PyTorch (load_state_dict, strict) and committed PyTorch's
    /// probabilities. Loading the file here predicts them, and saving it again gives the committed bytes.
    /// </summary>
    [Theory]
    [MemberData(nameof(SavedCases))]
    public void LstmGenFilesPredictTheSameInPyTorch(string name)
    {
        if (Environment.GetEnvironmentVariable("LSTMGEN_UPDATE_FIXTURES") == "1") WriteSavedFixture(name);
        ISequenceModel model = SavedModel(name);
        byte[] committed = File.ReadAllBytes(FixturePath($"lstmgen_{name}.safetensors"));
        ISequenceModel loaded = SavedModel(name);
        using (var scope = loaded.BeginParameterUpdate()) scope.Values.Clear();
        Safetensors.Load(loaded, new MemoryStream(committed));
        var again = new MemoryStream();
        Safetensors.Save(loaded, again);
        Assert.Equal(committed, again.ToArray());

        TorchFixture expected = TorchFixture.LoadFile($"lstmgen_{name}.expected.bin");
        TorchFixture torch = TorchFixture.LoadFile($"lstmgen_{name}.torch.bin");
        AssertPredictsAsFixture(loaded, expected.Ints("tokens"), torch.Floats("probabilities"), $"{name} vs PyTorch");
        GC.KeepAlive(model);
    }

    // Writes lstmgen_NAME.safetensors and lstmgen_NAME.expected.bin (tokens and LstmGen's probabilities, LGFX format)
    // into the source tree's Fixtures folder and the output folder.
    private static void WriteSavedFixture(string name, [CallerFilePath] string source = "")
    {
        ISequenceModel model = SavedModel(name);
        // Weights of order 0.5 everywhere (biases too), so outputs are far from the 0.5 that Keras-style zero biases give.
        using (ParameterUpdate scope = model.BeginParameterUpdate())
        {
            Span<float> w = scope.Values;
            for (int i = 0; i < w.Length; i++) w[i] = (float)(0.6 * Math.Sin(0.37 * i + 1.0));
        }
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize;
        int[] tokens = FixtureTokens(model.Shape.VocabularySize, t);
        var probabilities = new float[tokens.Length / t * o];
        model.PredictBatch(tokens, probabilities);
        foreach (string folder in new[] { Path.Combine(Path.GetDirectoryName(source)!, "Fixtures"), Path.Combine(AppContext.BaseDirectory, "Fixtures") })
        {
            Safetensors.Save(model, Path.Combine(folder, $"lstmgen_{name}.safetensors"));
            File.WriteAllBytes(Path.Combine(folder, $"lstmgen_{name}.expected.bin"), Lgfx(("tokens", [tokens.Length / t, t], tokens, null), ("probabilities", [tokens.Length / t, o], null, probabilities)));
        }
    }

    // Rows: no padding, left-padded, right-padded, padding in the middle, a single token.
    private static int[] FixtureTokens(int vocabulary, int t)
    {
        var rng = new Random(11);
        var rows = new int[5 * t];
        for (int i = 0; i < rows.Length; i++) rows[i] = rng.Next(1, vocabulary);
        for (int i = 0; i < t / 3; i++) rows[t + i] = 0;
        for (int i = t - t / 4; i < t; i++) rows[2 * t + i] = 0;
        for (int i = t / 3; i < t / 3 + 2; i++) rows[3 * t + i] = 0;
        for (int i = 0; i < t; i++) if (i != t / 2) rows[4 * t + i] = 0;
        return rows;
    }

    private static byte[] Lgfx(params (string Name, int[] Shape, int[]? Ints, float[]? Floats)[] records)
    {
        var s = new MemoryStream();
        var w = new BinaryWriter(s);
        w.Write("LGFX"u8);
        w.Write(1);
        w.Write(records.Length);
        foreach (var (recordName, shape, ints, floats) in records)
        {
            byte[] n = Encoding.UTF8.GetBytes(recordName);
            w.Write(n.Length);
            w.Write(n);
            w.Write(ints is null ? 0 : 1);
            w.Write(shape.Length);
            foreach (int d in shape) w.Write(d);
            if (ints is not null) foreach (int v in ints) w.Write(v);
            else foreach (float v in floats!) w.Write(v);
        }
        return s.ToArray();
    }

    // ---------------------------------------------------------------------------------------------- the untrusted header

    /// <summary>A safetensors record with the given header text and data (no padding added).</summary>
    private static byte[] Record(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var r = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(r, (ulong)json.Length);
        json.CopyTo(r, 8);
        data.CopyTo(r, 8 + json.Length);
        return r;
    }

    /// <summary>A valid record for <see cref="H1Model"/> with one tensor's entry replaced by <paramref name="entry"/>.</summary>
    private static (byte[] Record, H1Model Model) H1Record(Func<string, string>? edit = null, byte[]? data = null)
    {
        var model = new H1Model(5);
        var s = new MemoryStream();
        Safetensors.Save(model, s);
        byte[] saved = s.ToArray();
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(saved);
        string header = Encoding.UTF8.GetString(saved, 8, n).TrimEnd(' ');
        return (Record(edit is null ? header : edit(header), data ?? saved[(8 + n)..]), model);
    }

    private static SafetensorsException Refused(byte[] record, string expected, SafetensorsLoadOptions? options = null)
    {
        var model = new H1Model(5);
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<SafetensorsException>(() => Safetensors.Load(model, new MemoryStream(record), options));
        Assert.Contains(expected, e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
        // The unseekable path refuses it too (perhaps later, once the bytes run out).
        Assert.Throws<SafetensorsException>(() => Safetensors.Load(model, new NonSeekableStream(record, maxRead: 5), options));
        Assert.Equal(before, model.Parameters.ToArray());
        return e;
    }

    [Fact]
    public void TheH1RecordIsValid()
    {
        (byte[] record, H1Model source) = H1Record();
        var model = new H1Model(6);
        Safetensors.Load(model, new MemoryStream(record));
        Assert.True(model.Parameters.SequenceEqual(source.Parameters));
    }

    [Fact]
    public void HeaderLengthIsBounded()
    {
        var r = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(r, (ulong)Safetensors.MaxHeaderBytes + 1);
        Refused(r, "above the limit");
        BinaryPrimitives.WriteUInt64LittleEndian(r, ulong.MaxValue);
        Refused(r, "above the limit");
        BinaryPrimitives.WriteUInt64LittleEndian(r, 1000);
        Refused(r, "Truncated");
        Refused(r[..5], "Truncated");
        Refused(Record("[]", []), "does not start with '{'");
    }

    [Fact]
    public void HeaderJsonIsStrict()
    {
        Refused(H1Record(h => h + "x").Record, "after its JSON object");
        Refused(H1Record(h => h + "\n").Record, "only spaces");
        Refused(H1Record(h => h[..^1] + ",}").Record, "not valid JSON");
        Refused(H1Record(h => h.Replace("{\"__metadata__\"", "{/*c*/\"__metadata__\"")).Record, "not valid JSON");
        Refused(H1Record(h => h[..^1]).Record, "not valid JSON");
        Refused(Record("{\"a\":{\"dtype\":\"F32\",\"shape\":[[1]],\"data_offsets\":[0,4]}}", new byte[4]), "not valid JSON"); // too deep
        Refused(H1Record(h => h.Replace("\"format\":\"pt\"", "\"format\":1")).Record, "metadata values must be strings");
    }

    [Fact]
    public void NamesAndKeysAreUnique()
    {
        const string entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        SafetensorsException e = Refused(Record($"{{\"x\":{entry},\"x\":{entry}}}", new byte[4]), "names tensor 'x' twice");
        Assert.Equal("x", e.TensorName);
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "the key 'dtype' twice");
        Refused(Record($"{{\"__metadata__\":{{}},\"__metadata__\":{{}},\"x\":{entry}}}", new byte[4]), "'__metadata__' twice");
        Refused(Record($"{{\"__metadata__\":{{\"a\":\"1\",\"a\":\"2\"}},\"x\":{entry}}}", new byte[4]), "key 'a' twice");
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", new byte[4]), "unknown key 'extra'");
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]), "has no 'shape'");
        Refused(Record("{\"x\":{\"dtype\":\"F31\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "unknown dtype 'F31'");
        Refused(Record("{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "empty name");
    }

    [Fact]
    public void NumbersAreNonNegativeIntegers()
    {
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]), "non-negative integers");
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", new byte[4]), "non-negative integers");
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}}", new byte[4]), "non-negative integers");
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}}", new byte[4]), "non-negative integers");
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", new byte[8]), "needs two");
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", new byte[4]), "end is before the begin");
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[0,4]}}", new byte[4]), "overflows");
        Refused(Record("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new byte[4]), "span 4 bytes");
    }

    [Fact]
    public void TensorsCoverTheDataExactly()
    {
        const string a = "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        Refused(Record($"{{{a},\"b\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}}}", new byte[6]), "overlaps 'a'");
        Refused(Record($"{{{a},\"b\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}}}", new byte[4]), "overlaps");
        Refused(Record($"{{{a},\"b\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}}}", new byte[12]), "Bytes [4, 8) of the data belong to no tensor");
        // Data missing at the end: the declared data reaches past the stream.
        (byte[] record, _) = H1Record();
        Refused(record[..^1], "Truncated");
        // A file must end where the data does; a stream may go on (the record is read exactly).
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-st-{Guid.NewGuid():N}.safetensors");
        try
        {
            File.WriteAllBytes(path, [.. record, 0]);
            var e = Assert.Throws<SafetensorsException>(() => Safetensors.Load(new H1Model(5), path));
            Assert.StartsWith(path + ": ", e.Message);
            Assert.Contains("1 bytes after the last tensor", e.Message);
            Assert.Throws<SafetensorsException>(() => Safetensors.ReadHeader(path));
            var longer = new MemoryStream([.. record, 1, 2, 3]);
            Safetensors.Load(new H1Model(5), longer);
            Assert.Equal(record.Length, longer.Position);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ModelMismatchesNameTheTensor()
    {
        // A missing tensor.
        var e = Refused(H1Record(h => h.Replace("\"fc.bias\"", "\"fc.b\"")).Record, "lacks 1 of the model's 7 tensors: 'fc.bias'");
        Assert.Contains("unmatched tensors are 'fc.b'", e.Message);
        Assert.Equal("fc.bias", e.TensorName);
        // Another shape (the name is the model's: [4H, E] = [4, 3]).
        e = Refused(H1Record(h => h.Replace("\"shape\":[4,3]", "\"shape\":[3,4]")).Record, "'lstm.weight_ih_l0' has shape [3, 4] but the model's 'lstm.weight_ih_l0' is [4, 3]");
        Assert.Equal("lstm.weight_ih_l0", e.TensorName);
        // An integer dtype of the same byte size.
        Refused(H1Record(h => h.Replace("{\"dtype\":\"F32\",\"shape\":[4,3]", "{\"dtype\":\"I32\",\"shape\":[4,3]")).Record, "'lstm.weight_ih_l0' is I32");
        // Two file names mapped onto one model name.
        Refused(H1Record().Record, "both map to the model's 'lstm.bias_ih_l0'", new SafetensorsLoadOptions { Prefixes = new Dictionary<string, string> { ["lstm.bias_hh"] = "lstm.bias_ih" } });
    }

    [Fact]
    public void UnusedTensorsAreRefusedUnlessAllowed()
    {
        var model = new H1Model(5);
        var s = new MemoryStream();
        Safetensors.Save(model, s);
        byte[] saved = s.ToArray();
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(saved);
        string header = Encoding.UTF8.GetString(saved, 8, n).TrimEnd(' ');
        int dataLength = saved.Length - 8 - n;
        // An int64 step counter and a bf16 tensor after the model's data.
        string extra = $",\"optimizer.step\":{{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[{dataLength},{dataLength + 8}]}},\"aux.w\":{{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[{dataLength + 8},{dataLength + 14}]}}}}";
        byte[] record = Record(header[..^1] + extra, [.. saved[(8 + n)..], .. new byte[14]]);
        var e = Refused(record, "2 tensor(s) that the model does not have: 'optimizer.step', 'aux.w'");
        Assert.Contains("AllowUnusedTensors", e.Message);
        var copy = new H1Model(6);
        SafetensorsHeader h = Safetensors.Load(copy, new NonSeekableStream(record, maxRead: 7), new SafetensorsLoadOptions { AllowUnusedTensors = true });
        Assert.True(copy.Parameters.SequenceEqual(model.Parameters));
        Assert.Equal(9, h.Tensors.Count);
        Assert.Equal("optimizer.step", h.Tensors[7].Name);
        Assert.Empty(h.Tensors[7].Shape);
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedBothWays()
    {
        (byte[] record, H1Model model) = H1Record();
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(record);
        int fcWeight = model.ParameterLayout.Single(p => p.Name == "fc.weight").Offset;
        BinaryPrimitives.WriteSingleLittleEndian(record.AsSpan(8 + n + 4 * fcWeight), float.NaN);
        Refused(record, "'fc.weight' holds NaN at fc.weight[0, 0]");

        using (var scope = model.BeginParameterUpdate()) scope.Tensor("lstm.bias_hh_l0")[2] = float.PositiveInfinity;
        var e = Assert.Throws<ArgumentException>(() => Safetensors.Save(model, new MemoryStream()));
        Assert.Contains("lstm.bias_hh_l0[2]", e.Message);
    }

    [Fact]
    public void SaveRefusesCollidingNames()
    {
        var e = Assert.Throws<ArgumentException>(() => Safetensors.Save(new H1Model(1), new MemoryStream(),
            new SafetensorsSaveOptions { Prefixes = new Dictionary<string, string> { ["lstm.bias_ih_l0"] = "lstm.bias_hh_l0" } }));
        Assert.Contains("already taken", e.Message);
    }
}
