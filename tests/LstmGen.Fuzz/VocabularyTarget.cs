using System.Buffers.Binary;
using LstmGen.Text;
using static LstmGen.Fuzz.Targets;

namespace LstmGen.Fuzz;

/// <summary>
/// <c>Vocabulary.Load</c> (stream, BinaryReader and path overloads). Documented failure: <see cref="InvalidDataException"/>
/// only (the path overload adds FileNotFoundException, which cannot happen here). Every input is loaded from a seekable
/// stream and through a BinaryReader over a trickling unseekable one, which must both succeed or both fail; a vocabulary
/// that loads must save back to exactly the bytes it was read from. When the only fault is the checksum, the input is
/// loaded again with its CRC-32 recomputed, from a stream and from a file.
/// </summary>
internal static class VocabularyTarget
{
    /// <summary>Runs the target on one input; returns what each load gave (for the reproduce mode).</summary>
    public static string Run(byte[] data)
    {
        var seekable = new TrickleStream(data, seekable: true);
        string outcome = Load(data, () => Vocabulary.Load(seekable), () => seekable.Consumed);
        long end = seekable.Consumed;

        var trickle = new TrickleStream(data, seekable: false, TrickleChunk(data));
        using (var reader = new BinaryReader(trickle))
        {
            string viaReader = Load(data, () => Vocabulary.Load(reader), () => trickle.Consumed);
            // The messages may differ: a stream that knows its length lets the loader reject a count that cannot fit early.
            Check((viaReader == "ok") == (outcome == "ok"), $"Load(Stream) gave \"{outcome}\" but Load(BinaryReader) over short unseekable reads gave \"{viaReader}\".");
        }

        if (outcome.Contains("checksum mismatch", StringComparison.Ordinal) && end >= 16)
        {
            byte[] repaired = (byte[])data.Clone();
            BinaryPrimitives.WriteUInt32LittleEndian(repaired.AsSpan((int)end - 4), Crc32(repaired.AsSpan(0, (int)end - 4)));
            var unseekable = new TrickleStream(repaired, seekable: false, TrickleChunk(repaired));
            string fixedOutcome = Load(repaired, () => Vocabulary.Load(unseekable), () => unseekable.Consumed);
            Check(!fixedOutcome.Contains("checksum mismatch", StringComparison.Ordinal), $"The recomputed checksum is still a mismatch: {fixedOutcome}");

            // The path overload: the file must hold exactly the record.
            string path = ScratchFile;
            File.WriteAllBytes(path, repaired);
            string fromFile = Load(repaired, () => Vocabulary.Load(path), () => repaired.Length);
            Check(fromFile == "ok" ? repaired.Length == end : fromFile.StartsWith(path + ": ", StringComparison.Ordinal),
                $"Load(path) of a {repaired.Length}-byte file whose record is {end} bytes gave \"{fromFile}\".");
            outcome += $"; checksum recomputed: {fixedOutcome}; Load(path): {fromFile}";
        }
        return outcome;
    }

    // Runs one load: "ok" after checking the vocabulary (`end` gives where the record ended), else the message.
    private static string Load(byte[] data, Func<Vocabulary> load, Func<long> end)
    {
        Vocabulary vocabulary;
        try
        {
            vocabulary = load();
        }
        catch (InvalidDataException e)
        {
            Check(!string.IsNullOrWhiteSpace(e.Message), "An InvalidDataException has no message.");
            return e.Message;
        }
        long length = end();
        Check(vocabulary.Count >= 2 && vocabulary.Count <= Vocabulary.MaxCount, $"A loaded vocabulary has {vocabulary.Count} ids.");
        Check(vocabulary.WordOf(Vocabulary.PaddingId) == Vocabulary.PaddingToken && vocabulary.WordOf(Vocabulary.OutOfVocabularyId) == Vocabulary.OutOfVocabularyToken,
            "A loaded vocabulary does not start with the reserved words.");
        for (int id = 2; id < vocabulary.Count; id++)
        {
            string word = vocabulary.WordOf(id);
            Check(vocabulary.IdOf(word) == id, $"Word {id} (\"{word}\") maps back to id {vocabulary.IdOf(word)}.");
        }
        using var saved = new MemoryStream();
        vocabulary.Save(saved);
        Check(length <= data.Length && saved.ToArray().AsSpan().SequenceEqual(data.AsSpan(0, (int)length)),
            $"A vocabulary read from {length} bytes saves as {saved.Length} different bytes.");
        return "ok";
    }
}
