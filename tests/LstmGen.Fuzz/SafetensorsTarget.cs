using System.Buffers.Binary;
using LstmGen.Serialization;
using static LstmGen.Fuzz.Targets;

namespace LstmGen.Fuzz;

/// <summary>
/// <c>Safetensors.ReadHeader</c> and <c>Safetensors.Load</c> on untrusted bytes. Documented failure:
/// <see cref="SafetensorsException"/> only, with the model unchanged. Every input is loaded into <see cref="FuzzModel"/>
/// from a seekable stream and from an unseekable one that trickles 1–7 bytes per read (both must agree), with a prefix map
/// (<c>encoder.</c> → nothing) and, when the last byte is odd, <c>AllowUnusedTensors</c>; a header that reads is checked
/// (tensors sorted, unique, covering the data exactly, byte counts right); a load that succeeds must have copied exactly
/// the file's values (decoded here independently) and must survive Save → Load bit for bit; the path overload must
/// agree and refuse bytes after the data.
/// </summary>
internal static class SafetensorsTarget
{
    private static readonly float[] s_initial = new FuzzModel(seed: 1).Parameters.ToArray();
    private static FuzzModel s_model = new(seed: 1);
    private static readonly Dictionary<string, string> s_prefixes = new() { ["encoder."] = "" };

    /// <summary>Runs the target on one input; returns what each call gave (for the reproduce mode).</summary>
    public static string Run(byte[] data)
    {
        var options = new SafetensorsLoadOptions { Prefixes = s_prefixes, AllowUnusedTensors = data.Length > 0 && (data[^1] & 1) != 0 };

        SafetensorsHeader? header = null;
        string? headerError = null;
        try
        {
            header = Safetensors.ReadHeader(new TrickleStream(data, seekable: false, TrickleChunk(data)));
            CheckHeader(header);
        }
        catch (SafetensorsException e)
        {
            CheckMessage(e);
            headerError = e.Message;
        }

        var seekable = new TrickleStream(data, seekable: true);
        string? loaded = Load(data, () => Safetensors.Load(s_model, seekable, options), out SafetensorsHeader? loadedHeader);
        var trickle = new TrickleStream(data, seekable: false, TrickleChunk(data));
        string? trickled = Load(data, () => Safetensors.Load(s_model, trickle, options), out _);
        Check((loaded is null) == (trickled is null), $"The seekable load {(loaded is null ? "succeeded" : "failed: " + loaded)} but the unseekable one {(trickled is null ? "succeeded" : "failed: " + trickled)}.");
        if (header is null)
            Check(loaded is not null, $"ReadHeader failed ({headerError}) but Load succeeded.");
        if (loadedHeader is not null)
            Check(seekable.Consumed == loadedHeader.TotalLength && trickle.Consumed == loadedHeader.TotalLength, $"Load read {seekable.Consumed} and {trickle.Consumed} bytes of a {loadedHeader.TotalLength}-byte record.");

        string path = ScratchFile;
        File.WriteAllBytes(path, data);
        string? fromFile = Load(data, () => Safetensors.Load(s_model, path, options), out _);
        if (fromFile is not null) Check(fromFile.StartsWith(path + ": ", StringComparison.Ordinal), $"A failed Load(path) message does not start with the path: {fromFile}");
        bool exact = loadedHeader is not null && loadedHeader.TotalLength == data.Length;
        Check((fromFile is null) == exact, $"Load(path) {(fromFile is null ? "succeeded" : "failed")} on a {data.Length}-byte file whose stream load {(loaded is null ? $"read a {loadedHeader!.TotalLength}-byte record" : "failed")}.");

        return $"ReadHeader {(header is null ? "error" : $"ok ({header.Tensors.Count} tensors)")}, Load {loaded ?? "ok"}, Load(path) {(fromFile is null ? "ok" : "error")}";
    }

    // A header that reads: tensors in offset order, unique names, covering [0, DataLength) exactly, byte counts right.
    private static void CheckHeader(SafetensorsHeader header)
    {
        long at = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafetensorsTensor t in header.Tensors)
        {
            Check(names.Add(t.Name), $"ReadHeader returned '{t.Name}' twice.");
            Check(t.Begin == at, $"ReadHeader returned '{t.Name}' at {t.Begin} after data up to {at}.");
            long elements = 1;
            foreach (long d in t.Shape) elements = checked(elements * d);
            Check(elements * SafetensorsTensor.ElementBytes(t.DType) == t.End - t.Begin, $"ReadHeader returned '{t.Name}' with {t.End - t.Begin} bytes for {elements} {t.DType} elements.");
            at = t.End;
        }
        Check(at == header.DataLength, $"The tensors end at {at} but DataLength is {header.DataLength}.");
    }

    // One load: null when it succeeded (after checking what it copied), else the message (after checking that the model
    // was left unchanged).
    private static string? Load(byte[] data, Func<SafetensorsHeader> load, out SafetensorsHeader? header)
    {
        header = null;
        try
        {
            header = load();
        }
        catch (SafetensorsException e)
        {
            CheckMessage(e);
            Check(s_model.Parameters.SequenceEqual(s_initial), $"A failed load ({e.Message}) changed the model's parameters.");
            return e.Message;
        }
        CheckLoaded(data, header);
        s_model = new FuzzModel(seed: 1);
        return null;
    }

    // The model holds exactly the file's values (decoded independently of the loader), and Save → Load gives them back.
    private static void CheckLoaded(byte[] data, SafetensorsHeader header)
    {
        Check(header.TotalLength <= data.Length, $"Load succeeded on a {header.TotalLength}-byte record in {data.Length} bytes.");
        int matched = 0;
        foreach (SafetensorsTensor t in header.Tensors)
        {
            string name = t.Name.StartsWith("encoder.", StringComparison.Ordinal) ? t.Name["encoder.".Length..] : t.Name;
            ParameterInfo? p = s_model.ParameterLayout.FirstOrDefault(x => x.Name == name);
            if (p is null) continue;
            matched++;
            int size = SafetensorsTensor.ElementBytes(t.DType);
            for (int i = 0; i < p.Length; i++)
            {
                ReadOnlySpan<byte> b = data.AsSpan((int)(header.DataStart + t.Begin + (long)i * size), size);
                float expected = t.DType switch
                {
                    "F32" => BinaryPrimitives.ReadSingleLittleEndian(b),
                    "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(b),
                    "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(b) << 16),
                    _ => throw new FuzzAssertionException($"Load accepted '{t.Name}' of dtype {t.DType}."),
                };
                float actual = s_model.Parameters[p.Offset + i];
                Check(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual), $"'{t.Name}'[{i}] is {expected} in the file but {actual} in the model.");
                Check(float.IsFinite(actual), $"Load accepted the non-finite '{t.Name}'[{i}].");
            }
        }
        Check(matched == s_model.ParameterLayout.Count, $"Load succeeded but matched {matched} of {s_model.ParameterLayout.Count} tensors.");

        var saved = new MemoryStream();
        Safetensors.Save(s_model, saved);
        saved.Position = 0;
        var copy = new FuzzModel(seed: 2);
        Safetensors.Load(copy, saved);
        Check(copy.Parameters.SequenceEqual(s_model.Parameters), "Save → Load did not give the loaded weights back.");
    }

    private static void CheckMessage(SafetensorsException e) =>
        Check(!string.IsNullOrWhiteSpace(e.Message), "A SafetensorsException has no message.");
}
