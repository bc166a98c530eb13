using System.Buffers.Binary;
using System.Runtime.InteropServices;
using LstmGen.Serialization;
using LstmGen.Text;
using static LstmGen.Fuzz.Targets;

namespace LstmGen.Fuzz;

/// <summary>
/// <c>ModelFile.Load</c> and <c>ModelFile.Inspect</c>. Documented failure: <see cref="ModelFileException"/> only, with the
/// model unchanged. Every input is loaded from a seekable stream and inspected through a trickling unseekable one; when
/// the load fails only on the checksum, the input is loaded again with its CRC-32s recomputed (the model record's and,
/// when there is one, the embedded vocabulary's) from an unseekable stream, so that mutations reach the code behind the
/// checksum (vocabulary parsing, trailing data, the copy into the model). An input that loads, or loads once repaired,
/// is also loaded from a file (the path overload rejects bytes after the record).
/// </summary>
internal static class ModelFileTarget
{
    private static readonly float[] s_initial = new FuzzModel(seed: 1).Parameters.ToArray();
    private static FuzzModel s_model = new(seed: 1);

    /// <summary>Runs the target on one input; returns what each load gave (for the reproduce mode).</summary>
    public static string Run(byte[] data)
    {
        var seekable = new TrickleStream(data, seekable: true);
        ModelFileError? loaded = Load(data, () => ModelFile.Load(s_model, seekable), () => seekable.Consumed);
        long end = seekable.Consumed;

        var trickle = new TrickleStream(data, seekable: false, TrickleChunk(data));
        ModelFileInfo? info = null;
        ModelFileError? inspected = null;
        try
        {
            info = ModelFile.Inspect(trickle);
        }
        catch (ModelFileException e)
        {
            CheckMessage(e);
            inspected = e.Error;
        }
        // A record that loads must inspect fine, as the same bytes. One for another model may fail to inspect (Load
        // reports the mismatch before some checks that Inspect makes, such as the weights' or the vocabulary's).
        if (loaded is null)
            Check(info is not null && info.Length == end, $"Load succeeded after {end} bytes but Inspect gave {(info is null ? inspected.ToString() : $"a record of {info.Length} bytes")}.");
        if (loaded is ModelFileError.ShapeMismatch or ModelFileError.LayoutMismatch && info is not null)
            Check(info.Length == end, $"Load gave {loaded} after {end} bytes but Inspect a record of {info.Length} bytes.");
        if (info is not null)
        {
            Check(loaded is null or ModelFileError.ShapeMismatch or ModelFileError.LayoutMismatch, $"Inspect accepted the record but Load said {loaded}.");
            Check(info.ParameterCount == info.Parameters.Sum(p => (long)p.Length), $"Inspect's {info.Parameters.Count} tensors do not add up to its {info.ParameterCount} parameters.");
            Check(info.Vocabulary is null || info.Vocabulary.Count <= info.Shape.VocabularySize, "Inspect returned a vocabulary larger than the file's VocabularySize.");
        }

        string outcome = $"Load {Name(loaded)}, Inspect {(info is null ? "error" : "ok")}";
        byte[] whole = data;
        long recordEnd = end;
        if (loaded == ModelFileError.ChecksumMismatch && Layout(data) is { } layout && layout.End <= data.Length)
        {
            whole = RepairChecksums(data, layout);
            recordEnd = layout.End;
            var unseekable = new TrickleStream(whole, seekable: false, TrickleChunk(whole));
            ModelFileError? repairedLoad = Load(whole, () => ModelFile.Load(s_model, unseekable), () => unseekable.Consumed);
            outcome += $"; checksums recomputed: Load {Name(repairedLoad)}";
        }
        if (loaded is null || whole != data)
        {
            // The path overload: the file must hold exactly one record, so bytes after it are an error too; a file that
            // loads ends where its record does.
            string path = ScratchFile;
            File.WriteAllBytes(path, whole);
            ModelFileError? fromFile = Load(whole, () => ModelFile.Load(s_model, path), () => whole.Length, messagePrefix: path + ": ");
            Check(fromFile != ModelFileError.TrailingData || whole.Length > recordEnd, "Load(path) reported trailing data after a record that ends the file.");
            Check(fromFile is not null || whole.Length == recordEnd, $"Load(path) accepted {whole.Length - recordEnd} bytes after the record.");
            outcome += $", Load(path) {Name(fromFile)}";
        }
        return outcome;
    }

    private static string Name(ModelFileError? error) => error?.ToString() ?? "ok";

    // Runs one load; returns null when it succeeded (after checking what it loaded; `end` gives where the record ended),
    // else the error (after checking that the model was left unchanged).
    private static ModelFileError? Load(byte[] data, Func<Vocabulary?> load, Func<long> end, string messagePrefix = "")
    {
        Vocabulary? vocabulary;
        try
        {
            vocabulary = load();
        }
        catch (ModelFileException e)
        {
            CheckMessage(e);
            Check(e.Message.StartsWith(messagePrefix, StringComparison.Ordinal), $"The message of a failed Load(path) does not start with the path: {e.Message}");
            Check(s_model.Parameters.SequenceEqual(s_initial), $"A failed load ({e.Error}: {e.Message}) changed the model's parameters.");
            return e.Error;
        }
        CheckLoaded(data, end(), vocabulary);
        s_model = new FuzzModel(seed: 1);
        return null;
    }

    // After a successful load the model holds exactly the file's float data, and the vocabulary matches the flag.
    private static void CheckLoaded(byte[] data, long end, Vocabulary? vocabulary)
    {
        int floatBytes = 4 * FuzzModel.ParameterCount;
        Check(end >= 52 + floatBytes + 4 && end <= data.Length, $"Load succeeded, but its record end {end} cannot hold {floatBytes} bytes of weights in {data.Length} bytes of input.");
        ReadOnlySpan<byte> stored = data.AsSpan((int)end - 4 - floatBytes, floatBytes);
        if (BitConverter.IsLittleEndian)
            Check(MemoryMarshal.AsBytes(s_model.Parameters).SequenceEqual(stored), "Load succeeded but the model's parameters are not the file's float data.");
        bool flagged = (data[12] & 1) != 0;
        Check(flagged == vocabulary is not null, $"The vocabulary flag is {(flagged ? "set" : "clear")} but Load returned {(vocabulary is null ? "no" : "a")} vocabulary.");
        Check(vocabulary is null || vocabulary.Count <= FuzzModel.VocabularySize, $"Load returned a vocabulary of {vocabulary?.Count} ids for a model of {FuzzModel.VocabularySize}.");
    }

    private static void CheckMessage(ModelFileException e)
    {
        Check(!string.IsNullOrWhiteSpace(e.Message), $"A ModelFileException ({e.Error}) has no message.");
        Check(Enum.IsDefined(e.Error), $"A ModelFileException has the undefined error {(int)e.Error}.");
    }

    // Where the embedded vocabulary record starts, its declared length and where the model record ends, from the header
    // fields (format in ModelFile's remarks) without validating them; null when they do not fit in the input.
    private static (long VocabularyStart, long VocabularyLength, long End)? Layout(byte[] d)
    {
        if (d.Length < 52) return null;
        long parameters = BinaryPrimitives.ReadInt64LittleEndian(d.AsSpan(40));
        int tensors = BinaryPrimitives.ReadInt32LittleEndian(d.AsSpan(48));
        if (parameters is < 1 or > int.MaxValue || tensors is < 1 or > ModelFile.MaxTensors) return null;
        long at = 52;
        bool Skip(long bytes) => (at += bytes) <= d.Length;
        bool SkipString() => at + 2 <= d.Length && Skip(2 + BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan((int)at)));
        if (!SkipString() || !SkipString()) return null; // model type name, architecture tag
        for (int k = 0; k < tensors; k++)
        {
            if (!SkipString() || at >= d.Length) return null; // name
            if (!Skip(1 + 4L * d[at] + 8)) return null;      // rank, dimensions, element count
        }
        if (at + 8 > d.Length) return null;
        long vocabularyLength = BinaryPrimitives.ReadInt64LittleEndian(d.AsSpan((int)at));
        if (vocabularyLength is < 0 or > int.MaxValue) return null;
        long afterVocabulary = at + 8 + vocabularyLength;
        return (at + 8, vocabularyLength, afterVocabulary + (4 - afterVocabulary % 4) % 4 + 4 * parameters + 4);
    }

    // Recomputes the CRC-32 that ends the embedded vocabulary record (its last 4 bytes), when one is flagged, then the
    // model record's, so that checksums do not hide the code behind them.
    private static byte[] RepairChecksums(byte[] data, (long VocabularyStart, long VocabularyLength, long End) layout)
    {
        byte[] r = (byte[])data.Clone();
        (long start, long length, long end) = layout;
        if ((r[12] & 1) != 0 && length >= 16 && start + length <= end)
        {
            int crcAt = (int)(start + length - 4);
            BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(crcAt), Crc32(r.AsSpan((int)start, crcAt - (int)start)));
        }
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan((int)end - 4), Crc32(r.AsSpan(0, (int)end - 4)));
        return r;
    }
}
