using System.Buffers.Binary;
using System.Text;
using LstmGen.Serialization;
using LstmGen.Tests.Models;
using LstmGen.Text;

namespace LstmGen.Tests;

[Collection(AllocationCollection.Name)]
public sealed class ModelFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lstmgen-modelfile-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly Vocabulary s_vocabulary = new(["the", "movie", "was", "not", "good", "bad", "café", "ünïcode", "i", "love", "it"]);

    private static SmallModel Trained(int seed)
    {
        var model = new SmallModel(seed);
        TestModels.Randomize(model, seed + 100);
        return model;
    }

    private static byte[] Bytes(ISequenceModel model, Vocabulary? vocabulary)
    {
        using var ms = new MemoryStream();
        ModelFile.Save(model, ms, vocabulary);
        return ms.ToArray();
    }

    private static int[] Bits(ReadOnlySpan<float> values)
    {
        var bits = new int[values.Length];
        for (int i = 0; i < values.Length; i++) bits[i] = BitConverter.SingleToInt32Bits(values[i]);
        return bits;
    }

    private static int[] PredictionBits(ISequenceModel model, int[] tokens)
    {
        int t = model.Shape.SequenceLength, o = model.Shape.OutputSize, rows = tokens.Length / t;
        var outputs = new float[rows * o];
        model.PredictBatch(tokens, outputs);
        var single = new float[rows * o];
        for (int r = 0; r < rows; r++) model.Predict(tokens.AsSpan(r * t, t), single.AsSpan(r * o, o));
        return [.. Bits(outputs), .. Bits(single)];
    }

    private static void AssertUnchanged(ISequenceModel model, int[] before) => Assert.Equal(before, Bits(model.Parameters));

    // ------------------------------------------------------------------------------------------------ round trips

    [Theory]
    [MemberData(nameof(TestModels.All), MemberType = typeof(TestModels))]
    public void RoundTripThroughAFileGivesBitIdenticalPredictions(string name)
    {
        ISequenceModel saved = TestModels.Create(name, seed: 3);
        TestModels.Randomize(saved, 7);
        int[] tokens = TestModels.Tokens(saved.Shape, rows: 5, seed: 11);
        int[] expected = PredictionBits(saved, tokens);
        string path = Path.Combine(_dir.FullName, name + ModelFile.Extension);
        ModelFile.Save(saved, path);

        ISequenceModel loaded = TestModels.Create(name, seed: 4);
        Assert.NotEqual(expected, PredictionBits(loaded, tokens)); // builds the folded table from the old weights first
        Assert.Null(ModelFile.Load(loaded, path));

        Assert.Equal(Bits(saved.Parameters), Bits(loaded.Parameters));
        Assert.Equal(expected, PredictionBits(loaded, tokens));
        loaded.UseFoldedEmbedding = !loaded.UseFoldedEmbedding;
        saved.UseFoldedEmbedding = loaded.UseFoldedEmbedding;
        Assert.Equal(PredictionBits(saved, tokens), PredictionBits(loaded, tokens));
        Assert.Equal([path], Directory.GetFiles(_dir.FullName));
    }

    // GRU, simple RNN, text CNN and feed-forward models; the CNN's and FF's sizes beyond ModelShape (kernel sizes, hidden
    // layers) live in the tensor table.
    public static TheoryData<string> BaselineModels => new()
    {
        nameof(GruSmallModel), nameof(GruH33Model), nameof(RnnSmallModel), nameof(RnnSoftmaxModel),
        nameof(LstmL2Model), nameof(LstmBiModel), nameof(LstmL2BiModel),
        nameof(CnnSmallModel), nameof(CnnOddModel), nameof(CnnLinearModel), nameof(FfSmallModel), nameof(FfDeepModel), nameof(FfLinearModel),
    };

    private static ISequenceModel CreateBaseline(string name, int seed) => name switch
    {
        nameof(GruSmallModel) => new GruSmallModel(seed),
        nameof(LstmL2Model) => new LstmL2Model(seed),
        nameof(LstmBiModel) => new LstmBiModel(seed),
        nameof(LstmL2BiModel) => new LstmL2BiModel(seed),
        nameof(GruH33Model) => new GruH33Model(seed),
        nameof(RnnSmallModel) => new RnnSmallModel(seed),
        nameof(RnnSoftmaxModel) => new RnnSoftmaxModel(seed),
        nameof(CnnSmallModel) => new CnnSmallModel(seed),
        nameof(CnnOddModel) => new CnnOddModel(seed),
        nameof(CnnLinearModel) => new CnnLinearModel(seed),
        nameof(FfSmallModel) => new FfSmallModel(seed),
        nameof(FfDeepModel) => new FfDeepModel(seed),
        nameof(FfLinearModel) => new FfLinearModel(seed),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(BaselineModels))]
    public void OtherModelKindsRoundTripBitIdentically(string name)
    {
        ISequenceModel saved = CreateBaseline(name, 3);
        TestModels.Randomize(saved, 7);
        int[] tokens = TestModels.Tokens(saved.Shape, rows: 4, seed: 11);
        ISequenceModel loaded = CreateBaseline(name, 4);
        ModelFile.Load(loaded, new MemoryStream(Bytes(saved, null)));
        Assert.Equal(Bits(saved.Parameters), Bits(loaded.Parameters));
        Assert.Equal(PredictionBits(saved, tokens), PredictionBits(loaded, tokens));
    }

    [Fact]
    public void AFileForAnotherModelKindIsALayoutMismatch()
    {
        byte[] cnn = Bytes(new CnnSmallModel(1), null); // V 13, E 3, T 9, like FfSmallModel
        var ff = new FfSmallModel(2);
        int[] before = Bits(ff.Parameters);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(ff, new MemoryStream(cnn)));
        Assert.Equal(ModelFileError.LayoutMismatch, e.Error);
        Assert.Contains("of architecture embedding+convs+fc,", e.Message);
        Assert.Contains("FfSmallModel's architecture is embedding+hidden+fc", e.Message);
        AssertUnchanged(ff, before);
    }

    [Theory]
    [InlineData(nameof(GruSmallModel))]
    [InlineData(nameof(RnnSmallModel))]
    public void AnLstmFileIsRejectedByARecurrentModelOfTheSameShape(string name)
    {
        byte[] lstm = Bytes(Trained(1), null);
        ISequenceModel other = CreateBaseline(name, 2);
        Assert.Equal(new SmallModel(1).Shape, other.Shape); // every size agrees; only the layout tells them apart
        int[] before = Bits(other.Parameters);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(other, new MemoryStream(lstm)));
        Assert.Equal(ModelFileError.LayoutMismatch, e.Error);
        Assert.Contains("of architecture embedding+lstm+fc,", e.Message);
        Assert.Contains($"{name}'s architecture is {ModelFile.ArchitectureOf(other.ParameterLayout)}", e.Message);
        AssertUnchanged(other, before);
    }

    [Theory]
    [InlineData(nameof(LstmL2Model), "The model file has 7 parameter tensors but LstmL2Model has 11.")]
    [InlineData(nameof(LstmBiModel), "The model file has 7 parameter tensors but LstmBiModel has 11.")]
    [InlineData(nameof(LstmL2BiModel), "The model file has 7 parameter tensors but LstmL2BiModel has 19.")]
    public void AOneLayerFileIsRejectedByAStackedOrBidirectionalModel(string name, string message)
    {
        ISequenceModel other = CreateBaseline(name, 2);
        Assert.Equal(new SmallModel(1).Shape, other.Shape); // Layers and Bidirectional are not in ModelShape: the table tells
        int[] before = Bits(other.Parameters);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(other, new MemoryStream(Bytes(Trained(1), null))));
        Assert.Equal(ModelFileError.LayoutMismatch, e.Error);
        Assert.Equal(message, e.Message);
        AssertUnchanged(other, before);
        // And the other way round.
        var back = Assert.Throws<ModelFileException>(() => ModelFile.Load(new SmallModel(1), new MemoryStream(Bytes(other, null))));
        Assert.Equal(ModelFileError.LayoutMismatch, back.Error);
    }

    [Fact]
    public void VocabularyRoundTripsWithTheModel()
    {
        SmallModel saved = Trained(1);
        using var ms = new MemoryStream();
        ModelFile.Save(saved, ms, s_vocabulary);
        ms.Position = 0;
        var loaded = new SmallModel(2);
        Vocabulary? vocabulary = ModelFile.Load(loaded, ms);
        Assert.NotNull(vocabulary);
        Assert.Equal(s_vocabulary.Words, vocabulary.Words);
        Assert.Equal(8, vocabulary.IdOf("café"));
        Assert.Equal(Bits(saved.Parameters), Bits(loaded.Parameters));
        Assert.Equal(ms.Length, ms.Position);
    }

    [Fact]
    public void StreamOverloadsReadExactlyOneRecord()
    {
        SmallModel a = Trained(1), b = Trained(2);
        using var ms = new MemoryStream();
        ms.Write([1, 2, 3]); // a record may sit inside a larger stream
        ModelFile.Save(a, ms, s_vocabulary);
        ModelFile.Save(b, ms);
        ms.WriteByte(42);
        ms.Position = 3;
        var first = new SmallModel(9);
        var second = new SmallModel(9);
        Assert.NotNull(ModelFile.Load(first, ms));
        Assert.Null(ModelFile.Load(second, ms));
        Assert.Equal(42, ms.ReadByte());
        Assert.Equal(Bits(a.Parameters), Bits(first.Parameters));
        Assert.Equal(Bits(b.Parameters), Bits(second.Parameters));
    }

    [Fact]
    public void InspectReportsWhatTheFileHolds()
    {
        SmallModel model = Trained(1);
        string path = Path.Combine(_dir.FullName, "m.lstmgen");
        ModelFile.Save(model, path, s_vocabulary);
        ModelFileInfo info = ModelFile.Inspect(path);
        Assert.Equal(1, info.FormatVersion); // no extension record: still written as version 1
        Assert.Null(info.Extension);
        Assert.Equal(typeof(SmallModel).FullName, info.ModelType);
        Assert.Equal("embedding+lstm+fc", info.Architecture);
        Assert.Equal(model.Shape, info.Shape);
        Assert.Equal(SmallModel.ParameterCount, info.ParameterCount);
        Assert.Equal(model.ParameterLayout.Select(p => (p.Name, p.ShapeText, p.Offset, p.Length)),
            info.Parameters.Select(p => (p.Name, p.ShapeText, p.Offset, p.Length)));
        Assert.Equal(s_vocabulary.Words, info.Vocabulary!.Words);
        Assert.Equal(new FileInfo(path).Length, info.Length);
    }

    // The byte layout in ModelFile's remarks and docs/model-file-format.md, checked field by field.
    [Fact]
    public void BytesFollowTheDocumentedLayout()
    {
        SmallModel model = Trained(1);
        byte[] file = Bytes(model, s_vocabulary);
        ReadOnlySpan<byte> s = file;
        Assert.Equal(new byte[] { 0x89, 0x4C, 0x47, 0x4D, 0x0D, 0x0A, 0x1A, 0x0A }, s[..8].ToArray());
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(s[8..]));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(s[12..]));
        int[] sizes = [.. Enumerable.Range(0, 6).Select(i => BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(16 + 4 * i)))];
        Assert.Equal([13, 3, 7, 9, 1, (int)OutputActivation.Sigmoid], sizes);
        Assert.Equal(SmallModel.ParameterCount, BinaryPrimitives.ReadInt64LittleEndian(s[40..]));
        Assert.Equal(model.ParameterLayout.Count, BinaryPrimitives.ReadInt32LittleEndian(s[48..]));
        int at = 52;
        Assert.Equal(typeof(SmallModel).FullName, ReadString(s, ref at));
        Assert.Equal("embedding+lstm+fc", ReadString(s, ref at));
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            Assert.Equal(p.Name, ReadString(s, ref at));
            Assert.Equal(p.Shape.Count, s[at++]);
            foreach (int d in p.Shape) { Assert.Equal(d, BinaryPrimitives.ReadInt32LittleEndian(s[at..])); at += 4; }
            Assert.Equal(p.Length, BinaryPrimitives.ReadInt64LittleEndian(s[at..]));
            at += 8;
        }
        Assert.Equal(VocabularyLengthOffset(model), at);
        long v = BinaryPrimitives.ReadInt64LittleEndian(s[at..]);
        at += 8;
        using (var ms = new MemoryStream()) { s_vocabulary.Save(ms); Assert.Equal(ms.ToArray(), s.Slice(at, (int)v).ToArray()); }
        at += (int)v;
        while (at % 4 != 0) Assert.Equal(0, s[at++]);
        Assert.Equal(file.Length, at + 4 * SmallModel.ParameterCount + 4);
        for (int i = 0; i < SmallModel.ParameterCount; i++)
            Assert.Equal(model.Parameters[i], BinaryPrimitives.ReadSingleLittleEndian(s[(at + 4 * i)..]));
        Assert.Equal(Crc(s[..^4]), BinaryPrimitives.ReadUInt32LittleEndian(s[^4..]));
    }

    // ------------------------------------------------------------------------------------------------ rejection

    [Fact]
    public void EveryTruncationIsRejectedAndLeavesTheModelUnchanged()
    {
        byte[] file = Bytes(Trained(1), s_vocabulary);
        var model = new SmallModel(5);
        int[] before = Bits(model.Parameters);
        for (int length = 0; length < file.Length; length++)
        {
            foreach (bool seekable in new[] { true, false })
            {
                Stream stream = new MemoryStream(file, 0, length, writable: false);
                if (!seekable) stream = new NonSeekableStream(stream, maxRead: 7);
                var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(model, stream));
                Assert.True(e.Error == ModelFileError.Truncated, $"length {length}, seekable {seekable}: {e.Error}: {e.Message}");
                Assert.Contains(" bytes", e.Message);
            }
        }
        AssertUnchanged(model, before);
        // Through a file, the message starts with the path and gives the byte counts.
        string path = Path.Combine(_dir.FullName, "cut.lstmgen");
        File.WriteAllBytes(path, file[..^10]);
        var fileError = Assert.Throws<ModelFileException>(() => ModelFile.Load(model, path));
        Assert.StartsWith(path + ": ", fileError.Message);
        Assert.Contains($"declares a record of {file.Length} bytes but only {file.Length - 10} are present", fileError.Message);
        AssertUnchanged(model, before);
    }

    [Fact]
    public void EveryByteFlipIsRejectedAndLeavesTheModelUnchanged()
    {
        byte[] file = Bytes(Trained(1), s_vocabulary);
        var model = new SmallModel(5);
        int[] before = Bits(model.Parameters);
        var rng = new Rng(2024);
        var errors = new HashSet<ModelFileError>();
        // One flipped byte at every position, then 500 files with 2 to 6 flips at random positions.
        for (int trial = 0; trial < file.Length + 500; trial++)
        {
            byte[] bad = (byte[])file.Clone();
            int flips = trial < file.Length ? 1 : 2 + rng.NextInt(5);
            for (int f = 0; f < flips; f++)
            {
                int at = trial < file.Length ? trial : rng.NextInt(file.Length);
                bad[at] ^= (byte)(1 + rng.NextInt(255));
            }
            if (bad.AsSpan().SequenceEqual(file)) continue; // two flips that cancel out
            var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(model, new MemoryStream(bad)));
            errors.Add(e.Error);
        }
        AssertUnchanged(model, before);
        Assert.Contains(ModelFileError.ChecksumMismatch, errors);
        Assert.Contains(ModelFileError.NotAModelFile, errors);
        Assert.Contains(ModelFileError.Corrupt, errors);
    }

    [Fact]
    public void AFlippedWeightIsAChecksumMismatch()
    {
        byte[] file = Bytes(Trained(1), null);
        file[^9] ^= 0x40;
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(new SmallModel(5), new MemoryStream(file)));
        Assert.Equal(ModelFileError.ChecksumMismatch, e.Error);
        Assert.Contains("checksum mismatch", e.Message);
    }

    [Fact]
    public void AFileForAnotherShapeNamesTheDifference()
    {
        string path = Path.Combine(_dir.FullName, "small.lstmgen");
        ModelFile.Save(Trained(1), path);
        var other = new H1Model(5); // V 5, E 3, H 1, T 7: same architecture, other sizes
        int[] before = Bits(other.Parameters);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(other, path));
        Assert.Equal(ModelFileError.ShapeMismatch, e.Error);
        Assert.Contains("VocabularySize 13 in the file, 5 in H1Model", e.Message);
        Assert.Contains("HiddenSize 7 in the file, 1 in H1Model", e.Message);
        Assert.Contains("SequenceLength 9 in the file, 7 in H1Model", e.Message);
        Assert.DoesNotContain("EmbeddingSize", e.Message);
        Assert.Contains(typeof(SmallModel).FullName!, e.Message);
        AssertUnchanged(other, before);

        var softmax = Assert.Throws<ModelFileException>(() => ModelFile.Load(new SoftmaxModel(1), path));
        Assert.Contains("Output Sigmoid in the file, Softmax in SoftmaxModel", softmax.Message);
    }

    [Fact]
    public void AFileForAnotherArchitectureOrLayoutIsRejected()
    {
        SmallModel small = Trained(1);
        byte[] file = Bytes(small, null);

        var gru = new FakeModel(small, name => name.Replace("lstm.", "gru.", StringComparison.Ordinal));
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(gru, new MemoryStream(file)));
        Assert.Equal(ModelFileError.LayoutMismatch, e.Error);
        Assert.Contains("of architecture embedding+lstm+fc,", e.Message);
        Assert.Contains("FakeModel's architecture is embedding+gru+fc", e.Message);
        Assert.All(gru.Values, v => Assert.Equal(0f, v));

        var renamed = new FakeModel(small, name => name == "lstm.bias_hh_l0" ? "lstm.bias_l0" : name);
        var r = Assert.Throws<ModelFileException>(() => ModelFile.Load(renamed, new MemoryStream(file)));
        Assert.Equal(ModelFileError.LayoutMismatch, r.Error);
        Assert.Contains("Parameter 4 is lstm.bias_hh_l0 [28] in the model file but lstm.bias_l0 [28] in FakeModel", r.Message);

        // The same layout under another type loads: the type name is informational.
        var same = new FakeModel(small, name => name);
        ModelFile.Load(same, new MemoryStream(file));
        Assert.Equal(Bits(small.Parameters), Bits(same.Values));
        Assert.Equal(1, same.Changes);
    }

    [Fact]
    public void Version2_StoresAnExtensionRecord_AndRefusesItsFlagInVersion1()
    {
        SmallModel model = Trained(1);
        byte[] extension = [.. Enumerable.Range(0, 70_000).Select(i => (byte)i)];
        var ms = new MemoryStream();
        ModelFile.Save(model, ms, s_vocabulary, extension);
        byte[] file = ms.ToArray();
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8)));
        var loaded = new SmallModel(7);
        ModelFileInfo info = ModelFile.Read(new MemoryStream(file), loaded);
        Assert.Equal(2, info.FormatVersion);
        Assert.Equal(extension, info.Extension);
        Assert.Equal(s_vocabulary.Words, info.Vocabulary!.Words);
        Assert.Equal(Bits(model.Parameters), Bits(loaded.Parameters));
        // Truncated inside the extension: named.
        var t = Assert.Throws<ModelFileException>(() => ModelFile.Inspect(new LstmGen.Tests.NonSeekableStream(new MemoryStream(file[..2000]))));
        Assert.Equal(ModelFileError.Truncated, t.Error);
        // The extension flag in a version-1 header is an unknown bit.
        byte[] v1 = Bytes(model, null);
        BinaryPrimitives.WriteUInt32LittleEndian(v1.AsSpan(12), 2);
        Reseal(v1);
        Assert.Contains("unknown flag bits 0x00000002", Assert.Throws<ModelFileException>(() => ModelFile.Inspect(new MemoryStream(v1))).Message);
    }

    [Fact]
    public void ANewerFormatVersionIsRejected()
    {
        byte[] file = Bytes(Trained(1), null);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), 4);
        Reseal(file);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(new SmallModel(1), new MemoryStream(file)));
        Assert.Equal(ModelFileError.UnsupportedVersion, e.Error);
        Assert.Contains("format version 4, newer than version 3", e.Message);

        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), 0);
        Reseal(file);
        Assert.Equal(ModelFileError.Corrupt, Assert.Throws<ModelFileException>(() => ModelFile.Inspect(new MemoryStream(file))).Error);
    }

    [Fact]
    public void OtherFilesAreNotModelFiles()
    {
        using var vocabularyFile = new MemoryStream();
        s_vocabulary.Save(vocabularyFile);
        vocabularyFile.Position = 0;
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(new SmallModel(1), vocabularyFile));
        Assert.Equal(ModelFileError.NotAModelFile, e.Error);
        Assert.Contains("magic", e.Message);

        var text = new MemoryStream("sentence\t1\n"u8.ToArray());
        Assert.Equal(ModelFileError.NotAModelFile, Assert.Throws<ModelFileException>(() => ModelFile.Inspect(text)).Error);
        Assert.Equal(ModelFileError.NotAModelFile, Assert.Throws<ModelFileException>(() => ModelFile.Inspect(new MemoryStream([0x89, 0x4C, 0x00]))).Error);
    }

    [Fact]
    public void BytesAfterTheRecordAreRejectedInAFile()
    {
        string path = Path.Combine(_dir.FullName, "extra.lstmgen");
        File.WriteAllBytes(path, [.. Bytes(Trained(1), null), 0]);
        var model = new SmallModel(5);
        int[] before = Bits(model.Parameters);
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(model, path));
        Assert.Equal(ModelFileError.TrailingData, e.Error);
        Assert.Contains("1 unexpected bytes", e.Message);
        // The record itself was valid and fully read, but a file with junk after it is not loaded.
        AssertUnchanged(model, before);
    }

    [Fact]
    public void CorruptLengthFieldsDoNotCauseHugeAllocations()
    {
        SmallModel small = Trained(1);
        byte[] file = Bytes(small, s_vocabulary);
        int vocabularyAt = VocabularyLengthOffset(small);
        var cases = new (string What, Action<byte[]> Patch, ModelFileError Expected)[]
        {
            // Seekable: more than the stream holds. Not seekable: the vocabulary record ends long before its declared length.
            ("vocabulary length 2 GB", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(vocabularyAt), int.MaxValue), ModelFileError.Truncated),
            ("vocabulary length 2⁶² ", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(vocabularyAt), 1L << 62), ModelFileError.Corrupt),
            ("parameter count 2⁶² ", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(40), 1L << 62), ModelFileError.Corrupt),
            ("parameter count 2³¹−64", b => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(40), Array.MaxLength), ModelFileError.Corrupt),
            ("tensor count", b => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(48), int.MaxValue), ModelFileError.Corrupt),
            ("type name length", b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(52), ushort.MaxValue), ModelFileError.Corrupt),
        };
        var model = new SmallModel(5);
        int[] before = Bits(model.Parameters);
        ModelFile.Load(model, new MemoryStream(file)); // warm up code paths and statics
        model.SetParameters(TestModels.Create(nameof(SmallModel), 5).Parameters);
        foreach ((string what, Action<byte[]> patch, ModelFileError expected) in cases)
        {
            foreach (bool seekable in new[] { true, false })
            {
                byte[] bad = (byte[])file.Clone();
                patch(bad);
                Reseal(bad);
                Stream stream = seekable ? new MemoryStream(bad) : new NonSeekableStream(bad, maxRead: 7);
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(model, stream));
                long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                ModelFileError expectedHere = what.StartsWith("vocabulary length 2 GB", StringComparison.Ordinal) && !seekable ? ModelFileError.Corrupt : expected;
                Assert.True(e.Error == expectedHere, $"{what}, seekable {seekable}: {e.Error}: {e.Message}");
                Assert.True(allocated < 1 << 20, $"{what}, seekable {seekable}: allocated {allocated:N0} bytes");
            }
        }
        AssertUnchanged(model, before);
    }

    // ------------------------------------------------------------------------------------------------ saving

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(60L)]
    [InlineData(500L)]
    [InlineData(-1L)] // everything but the last byte
    [InlineData(long.MaxValue)] // every write succeeds; the flush fails
    public void AFailedSaveLeavesThePreviousFileIntactAndNoTemporaryFile(long failAfter)
    {
        string path = Path.Combine(_dir.FullName, "model.lstmgen");
        ModelFile.Save(Trained(1), path, s_vocabulary);
        byte[] previous = File.ReadAllBytes(path);
        SmallModel newer = Trained(2);
        long budget = failAfter < 0 ? Bytes(newer, s_vocabulary).Length - 1 : failAfter;

        var e = Assert.Throws<IOException>(() =>
            ModelFile.Save(newer, path, s_vocabulary, wrapStream: s => new FailingStream(s, budget)));
        Assert.Contains("simulated", e.Message);
        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir.FullName));

        ModelFile.Save(newer, path, s_vocabulary);
        Assert.Equal(Bytes(newer, s_vocabulary), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir.FullName));
    }

    [Fact]
    public void AFailedRenameLeavesNoTemporaryFile()
    {
        // The target is a folder, so the final rename fails after the temporary file was written in full.
        string target = Directory.CreateDirectory(Path.Combine(_dir.FullName, "taken")).FullName;
        Assert.ThrowsAny<IOException>(() => ModelFile.Save(Trained(1), target));
        Assert.Empty(Directory.GetFiles(_dir.FullName));
        Assert.True(Directory.Exists(target));
    }

    [Fact]
    public void SaveRejectsAVocabularyLargerThanTheModel()
    {
        string path = Path.Combine(_dir.FullName, "v.lstmgen");
        var big = new Vocabulary(Enumerable.Range(0, 12).Select(i => "w" + i)); // 14 ids > VocabularySize 13
        var e = Assert.Throws<ArgumentException>(() => ModelFile.Save(Trained(1), path, big));
        Assert.Contains("14 ids but the model's VocabularySize is 13", e.Message);
        Assert.Empty(Directory.GetFiles(_dir.FullName));
    }

    [Fact]
    public void ArchitectureTagIsTheDistinctNamePrefixes()
    {
        Assert.Equal("embedding+lstm+fc", ModelFile.ArchitectureOf(SmallModel.Layout));
        Assert.Equal("a+b", ModelFile.ArchitectureOf([new ParameterInfo("a.x", [1], 0, 1), new ParameterInfo("b", [1], 1, 1), new ParameterInfo("a.y", [1], 2, 1)]));
    }

    // ------------------------------------------------------------------------------------------------ hostile lengths (issue 15, defect 5)

    // A consistent file whose vocabulary length field claims up to 2 GB, on a stream that really has that many bytes (zeros
    // after the record, as a sparse file or an endless pipe would give): the loader must stop at the real record's end.
    [Theory]
    [InlineData(int.MaxValue, true)]
    [InlineData(int.MaxValue, false)]
    [InlineData(2_000_000_000L, true)]
    [InlineData(2_000_000_000L, false)]
    [InlineData(100_000_000L, true)]
    [InlineData(100_000_000L, false)]
    public void AHugeDeclaredVocabularyLengthFailsFastWithBoundedAllocation(long length, bool seekable)
    {
        SmallModel small = Trained(1);
        byte[] file = Bytes(small, s_vocabulary);
        int at = VocabularyLengthOffset(small);
        BinaryPrimitives.WriteInt64LittleEndian(file.AsSpan(at), length);
        Reseal(file);
        long declared = at + 8 + length + 4 + 4L * SmallModel.ParameterCount + 4;
        var model = new SmallModel(5);
        int[] before = Bits(model.Parameters);
        ModelFile.Load(new SmallModel(6), new MemoryStream(Bytes(small, s_vocabulary))); // warm up code paths and statics

        foreach (bool inspect in new[] { false, true })
        {
            var stream = new ZeroPaddedStream(file, declared, seekable);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<ModelFileException>(() =>
            {
                if (inspect) ModelFile.Inspect(stream);
                else ModelFile.Load(model, stream);
            });
            long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
            clock.Stop();
            Assert.True(e.Error == ModelFileError.Corrupt, $"{e.Error}: {e.Message}");
            Assert.Contains($"declared as {length} bytes but holds 102", e.Message);
            Assert.True(allocated < 256 << 10, $"allocated {allocated:N0} bytes");
            Assert.True(stream.Delivered < 64 << 10, $"read {stream.Delivered:N0} bytes");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        }
        AssertUnchanged(model, before);
    }

    [Fact]
    public void AVocabularyCountAboveTheModelsVocabularySizeIsRejectedBeforeItsWordsAreRead()
    {
        SmallModel small = Trained(1);
        byte[] file = Bytes(small, s_vocabulary);
        int countAt = VocabularyLengthOffset(small) + 8 + 8; // after the length field, "LGVB" and the version
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(countAt), Vocabulary.MaxCount);
        Reseal(file);
        var stream = new NonSeekableStream(file, maxRead: 7);
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(new SmallModel(5), stream));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.Equal(ModelFileError.Corrupt, e.Error);
        Assert.Contains($"the word count {Vocabulary.MaxCount} is outside [2, 13] (the model's VocabularySize is 13)", e.Message);
        Assert.True(allocated < 256 << 10, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void ADamagedVocabularyRecordIsAChecksumMismatch()
    {
        SmallModel small = Trained(1);
        byte[] file = Bytes(small, s_vocabulary);
        int at = file.AsSpan().IndexOf("movie"u8);
        file[at] = (byte)'n'; // every length stays valid: only the vocabulary's own checksum sees it
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(new SmallModel(5), new MemoryStream(file)));
        Assert.Equal(ModelFileError.ChecksumMismatch, e.Error);
        Assert.Contains("checksum mismatch", e.Message);
    }

    // ------------------------------------------------------------------------------------------------ names and weights from files (defect 8)

    // Replaces the string field at `at` (uint16 length + UTF-8) with `text`, and reseals the file.
    private static byte[] WithString(byte[] file, int at, string text)
    {
        int oldLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(at));
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        byte[] length = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)utf8.Length);
        byte[] patched = [.. file.AsSpan(0, at), .. length, .. utf8, .. file.AsSpan(at + 2 + oldLength)];
        return patched;
    }

    [Fact]
    public void NamesFromAFileReachMessagesEscaped()
    {
        const string evil = "\u001b]0;pwned\u0007\u001b[2J\u001b[31mEvil\u202eModel\r\n";
        // The type name (shown in a shape mismatch; its length changes, so the float data must stay aligned: pad to 4).
        byte[] file = Bytes(Trained(1), null);
        int oldType = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(52));
        string typeName = evil;
        while ((Encoding.UTF8.GetByteCount(typeName) - oldType) % 4 != 0) typeName += "x";
        byte[] badType = WithString(file, 52, typeName);
        Reseal(badType);
        Assert.Equal(typeName, ModelFile.Inspect(new MemoryStream(badType)).ModelType); // the data itself is kept as it is
        var shape = Assert.Throws<ModelFileException>(() => ModelFile.Load(new H1Model(1), new MemoryStream(badType)));
        Assert.Equal(ModelFileError.ShapeMismatch, shape.Error);
        AssertPrintable(shape.Message);
        Assert.Contains(@"\u001B]0;pwned\u0007\u001B[2J\u001B[31mEvil\u202EModel\u000D\u000A", shape.Message);

        // A parameter name of the same byte length (shown in a layout mismatch and in corrupt-field messages).
        int nameAt = file.AsSpan().IndexOf("lstm.bias_hh_l0"u8) - 2;
        byte[] badName = WithString(file, nameAt, "lstm.bias\u001b[2Jl0");
        Reseal(badName);
        var layout = Assert.Throws<ModelFileException>(() => ModelFile.Load(new SmallModel(1), new MemoryStream(badName)));
        Assert.Equal(ModelFileError.LayoutMismatch, layout.Error);
        AssertPrintable(layout.Message);
        Assert.Contains(@"lstm.bias\u001B[2Jl0 [28]", layout.Message);
        badName[nameAt + 2 + 15] = 0; // the rank of that tensor
        Reseal(badName);
        var rank = Assert.Throws<ModelFileException>(() => ModelFile.Inspect(new MemoryStream(badName)));
        Assert.Equal(ModelFileError.Corrupt, rank.Error);
        AssertPrintable(rank.Message);
        Assert.Contains(@"(lstm.bias\u001B[2Jl0) has rank 0", rank.Message);
    }

    private static void AssertPrintable(string message)
    {
        foreach (char c in message)
            Assert.False(char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format,
                $"U+{(int)c:X4} in the message: {message.Replace('\u001b', '?')}");
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "∞")]
    [InlineData(float.NegativeInfinity, "-∞")]
    public void ANonFiniteWeightIsNeitherSavedNorLoaded(float bad, string shown)
    {
        // Saving: refused before anything is written, naming the tensor and element.
        SmallModel model = Trained(1);
        ParameterInfo fc = model.ParameterLayout.Single(p => p.Name == "fc.weight"); // [1, 7]
        using (ParameterUpdate update = model.BeginParameterUpdate()) update.Values[fc.Offset + 5] = bad;
        string path = Path.Combine(_dir.FullName, "nan.lstmgen");
        var save = Assert.Throws<ArgumentException>(() => ModelFile.Save(model, path));
        Assert.Contains($"fc.weight[0, 5] (parameter {fc.Offset + 5}) is {shown}", save.Message);
        Assert.Empty(Directory.GetFiles(_dir.FullName));
        Assert.Throws<ArgumentException>(() => ModelFile.Save(model, new MemoryStream()));

        // Loading: an intact file with such a weight (written by something else) is refused; the model is unchanged.
        byte[] file = Bytes(Trained(1), s_vocabulary);
        int weightsAt = file.Length - 4 - 4 * SmallModel.ParameterCount;
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(weightsAt + 4 * (fc.Offset + 5)), bad);
        Reseal(file);
        var target = new SmallModel(5);
        int[] before = Bits(target.Parameters);
        var load = Assert.Throws<ModelFileException>(() => ModelFile.Load(target, new MemoryStream(file)));
        Assert.Equal(ModelFileError.NonFiniteWeight, load.Error);
        Assert.Contains($"fc.weight[0, 5] (parameter {fc.Offset + 5}) is {shown}", load.Message);
        AssertUnchanged(target, before);
        var inspect = Assert.Throws<ModelFileException>(() => ModelFile.Inspect(new MemoryStream(file)));
        Assert.Equal(ModelFileError.NonFiniteWeight, inspect.Error);
        Assert.Contains("fc.weight[0, 5]", inspect.Message);
        // Damage is still reported as damage first.
        file[weightsAt] ^= 1;
        Assert.Equal(ModelFileError.ChecksumMismatch, Assert.Throws<ModelFileException>(() => ModelFile.Load(target, new MemoryStream(file))).Error);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static string ReadString(ReadOnlySpan<byte> s, ref int at)
    {
        int length = BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);
        string text = Encoding.UTF8.GetString(s.Slice(at + 2, length));
        at += 2 + length;
        return text;
    }

    // Offset of the vocabulary length field, computed from the documented layout.
    private static int VocabularyLengthOffset(ISequenceModel model)
    {
        int at = 52 + 2 + Encoding.UTF8.GetByteCount(model.GetType().FullName!) + 2 + Encoding.UTF8.GetByteCount(ModelFile.ArchitectureOf(model.ParameterLayout));
        foreach (ParameterInfo p in model.ParameterLayout) at += 2 + Encoding.UTF8.GetByteCount(p.Name) + 1 + 4 * p.Shape.Count + 8;
        return at;
    }

    // CRC-32 (IEEE, reflected 0xEDB88320), written out here so the test does not trust the runtime's.
    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return ~c;
    }

    // Rewrites the trailing checksum so that only the patched field is wrong.
    private static void Reseal(byte[] file) => BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(file.Length - 4), Crc(file.AsSpan(0, file.Length - 4)));

    /// <summary>Passes writes through until <c>budget</c> bytes have gone, then fails like a full disk; flushing fails too.</summary>
    private sealed class FailingStream(Stream inner, long budget) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => throw new IOException("simulated: no space left on device (flush)");
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, budget);
            inner.Write(buffer[..n]);
            budget -= n;
            if (n < buffer.Length) throw new IOException("simulated: no space left on device");
        }
    }

    /// <summary>The given bytes, then zeros up to <c>length</c>; seekable (with that length) or not. Counts what it gave.</summary>
    private sealed class ZeroPaddedStream(byte[] head, long length, bool seekable) : Stream
    {
        private long _position;
        public long Delivered => _position;
        public override bool CanRead => true;
        public override bool CanSeek => seekable;
        public override bool CanWrite => false;
        public override long Length => seekable ? length : throw new NotSupportedException();
        public override long Position { get => seekable ? _position : throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, length - _position);
            for (int i = 0; i < n; i++) buffer[i] = _position + i < head.Length ? head[_position + i] : (byte)0;
            _position += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }


    /// <summary>
    /// A hand-written <see cref="ISequenceModel"/> with SmallModel's sizes and a renamed parameter layout, standing in for a
    /// model of another architecture. It holds weights only; it does not implement inference.
    /// </summary>
    private sealed class FakeModel : ISequenceModel
    {
        public FakeModel(ISequenceModel like, Func<string, string> rename)
        {
            Shape = like.Shape;
            ParameterLayout = [.. like.ParameterLayout.Select(p => p with { Name = rename(p.Name) })];
            _store = new ParameterStore(like.ParameterCount, ParameterLayout, out float[] values);
            Values = values;
        }

        private readonly ParameterStore _store;
        public float[] Values { get; }
        // Every completed write advances the store's version once.
        public int Changes => _store.Version;
        public ModelShape Shape { get; }
        public int ParameterCount => Values.Length;
        public ReadOnlySpan<float> Parameters => Values;
        public IReadOnlyList<ParameterInfo> ParameterLayout { get; }
        public bool UseFoldedEmbedding { get; set; }
        public void SetParameters(ReadOnlySpan<float> values) => _store.Write(values);
        public void SetParameter(string name, ReadOnlySpan<float> values) => _store.Write(name, values);
        public ParameterUpdate BeginParameterUpdate() => _store.BeginUpdate();
        public void Predict(ReadOnlySpan<int> tokens, Span<float> output) => throw new NotSupportedException("FakeModel only holds weights.");
        public void PredictBatch(ReadOnlySpan<int> tokens, Span<float> outputs) => throw new NotSupportedException("FakeModel only holds weights.");
        public void PredictLogits(ReadOnlySpan<int> tokens, Span<float> output) => throw new NotSupportedException("FakeModel only holds weights.");
        public void PredictLogitsBatch(ReadOnlySpan<int> tokens, Span<float> outputs) => throw new NotSupportedException("FakeModel only holds weights.");
    }
}
