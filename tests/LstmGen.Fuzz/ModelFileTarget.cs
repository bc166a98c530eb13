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
        // A record that loads must inspect fine, as the same bytes. One for another model must too, except that Load
        // reports the mismatch before it parses the vocabulary, which Inspect may then find corrupt.
        if (loaded is null)
            Check(info is not null && info.Length == end, $"Load succeeded after {end} bytes but Inspect gave {(info is null ? inspected.ToString() : $"a record of {info.Length} bytes")}.");
        if (loaded is ModelFileError.ShapeMismatch or ModelFileError.LayoutMismatch)
            Check(info is null ? inspected == ModelFileError.Corrupt : info.Length == end, $"Load gave {loaded} after {end} bytes but Inspect gave {(info is null ? inspected.ToString() : $"a record of {info.Length} bytes")}.");
        if (info is not null)
        {
            Check(loaded is null or ModelFileError.ShapeMismatch or ModelFileError.LayoutMismatch, $"Inspect accepted the record but Load said {loaded}.");
            Check(info.ParameterCount == info.Parameters.Sum(p => (long)p.Length), $"Inspect's {info.Parameters.Count} tensors do not add up to its {info.ParameterCount} parameters.");
            Check(info.Vocabulary is null || info.Vocabulary.Count <= info.Shape.VocabularySize, "Inspect returned a vocabulary larger than the file's VocabularySize.");
        }

        string outcome = $"Load {Name(loaded)}, Inspect {(info is null ? "error" : "ok")}";
        byte[] whole = data;
        if (loaded == ModelFileError.ChecksumMismatch && end >= 4)
        {
            whole = RepairChecksums(data, (int)end);
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
            Check(fromFile != ModelFileError.TrailingData || whole.Length > end, "Load(path) reported trailing data after a record that ends the file.");
            Check(fromFile is not null || whole.Length == end, $"Load(path) accepted {whole.Length - end} bytes after the record.");
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

    // Recomputes the record's CRC-32 (the 4 bytes before `end`) and, when a vocabulary is flagged, the CRC of the embedded
    // "LGVB" record whose declared length V precedes it (its last 4 bytes), so checksums do not hide the code behind them.
    private static byte[] RepairChecksums(byte[] data, int end)
    {
        byte[] r = (byte[])data.Clone();
        if (r.Length > 12 && (r[12] & 1) != 0)
        {
            int s = r.AsSpan(0, end).IndexOf("LGVB"u8);
            if (s >= 60)
            {
                long v = BinaryPrimitives.ReadInt64LittleEndian(r.AsSpan(s - 8));
                if (v >= 16 && s + v <= end - 4)
                {
                    int crcAt = s + (int)v - 4;
                    BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(crcAt), Crc32(r.AsSpan(s, crcAt - s)));
                }
            }
        }
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(end - 4), Crc32(r.AsSpan(0, end - 4)));
        return r;
    }
}
