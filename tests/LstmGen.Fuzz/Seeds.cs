using System.Globalization;
using System.Text;
using LstmGen.Serialization;
using LstmGen.Text;

namespace LstmGen.Fuzz;

/// <summary>
/// Writes the seed corpus (committed under corpus/): small valid inputs that reach each loader's main paths, for AFL
/// to mutate. Deterministic, so rerunning it reproduces the committed files.
/// </summary>
internal static class Seeds
{
    public static void Write(string folder)
    {
        string models = Directory.CreateDirectory(Path.Combine(folder, "modelfile")).FullName;
        var words = new Vocabulary(["good", "bad", "not", "ok"]);
        // Loads into FuzzModel: without and with a vocabulary (6 ids, the model's VocabularySize).
        ModelFile.Save(new FuzzModel(seed: 7), Path.Combine(models, "plain.model"));
        ModelFile.Save(new FuzzModel(seed: 8), Path.Combine(models, "vocabulary.model"), words);
        // Intact files for other models: ShapeMismatch and LayoutMismatch.
        ModelFile.Save(new FuzzOtherShapeModel(seed: 9), Path.Combine(models, "other-shape.model"), new Vocabulary(["yes", "no"]));
        ModelFile.Save(new FuzzGruModel(seed: 10), Path.Combine(models, "gru.model"));

        string vocabularies = Directory.CreateDirectory(Path.Combine(folder, "vocabulary")).FullName;
        words.Save(Path.Combine(vocabularies, "words.lgvb"));
        new Vocabulary(["café", "naïve", "日本", "🙂", "a\tb"]).Save(Path.Combine(vocabularies, "unicode.lgvb"));
        new Vocabulary([]).Save(Path.Combine(vocabularies, "empty.lgvb"));

        string data = Directory.CreateDirectory(Path.Combine(folder, "labelled-data")).FullName;
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(Path.Combine(data, "reviews.txt"),
            "Wow... Loved this place.\t1\nCrust is not good.\t0\r\n\n  Not tasty and the texture was just nasty. \t 0 \r\nA\ttab\tinside\t1", utf8);
        File.WriteAllBytes(Path.Combine(data, "bom.txt"), [.. Encoding.UTF8.Preamble, .. utf8.GetBytes("Très bon, 日本\t1\n")]);
        File.WriteAllText(Path.Combine(data, "separators.txt"), "next\u0085line stays one text\t0\rold Mac ending\t1\r", utf8);
        File.WriteAllText(Path.Combine(data, "bad-label.txt"), "fine\t1\nno label here\t2\n", utf8);
        // A UTF-16 byte order mark: refused (the reader reads UTF-8 only).
        File.WriteAllBytes(Path.Combine(data, "utf16.txt"), [.. Encoding.Unicode.Preamble, .. Encoding.Unicode.GetBytes("good\t1\r\n")]);

        string tensors = Directory.CreateDirectory(Path.Combine(folder, "safetensors")).FullName;
        // Loads into FuzzModel: as saved; with the names under "encoder." (the target's prefix map); with user metadata.
        Safetensors.Save(new FuzzModel(seed: 11), Path.Combine(tensors, "plain.safetensors"));
        Safetensors.Save(new FuzzModel(seed: 12), Path.Combine(tensors, "prefixed.safetensors"), new SafetensorsSaveOptions
        {
            Prefixes = new Dictionary<string, string> { [""] = "encoder." },
            Metadata = new Dictionary<string, string> { ["epoch"] = "3", ["note"] = "café" },
        });
        // F16 and BF16 data, and an extra I64 tensor (skipped: the file's last byte is odd; refused when AFL makes it even).
        File.WriteAllBytes(Path.Combine(tensors, "f16.safetensors"), Recode(new FuzzModel(seed: 13), "F16", extra: false));
        File.WriteAllBytes(Path.Combine(tensors, "bf16-extra.safetensors"), Recode(new FuzzModel(seed: 14), "BF16", extra: true));
        // Another model: a shape mismatch.
        Safetensors.Save(new FuzzOtherShapeModel(seed: 15), Path.Combine(tensors, "other-shape.safetensors"));
    }

    // The model's tensors as 16-bit floats (F16 or BF16, truncated), optionally followed by an I64 "step" tensor.
    private static byte[] Recode(ISequenceModel model, string dtype, bool extra)
    {
        var header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        var body = new List<byte>();
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            header.Append(CultureInfo.InvariantCulture, $",\"{p.Name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(',', p.Shape)}],\"data_offsets\":[{body.Count},{body.Count + 2 * p.Length}]}}");
            foreach (float v in model.Parameters.Slice(p.Offset, p.Length))
            {
                ushort bits = dtype == "F16" ? BitConverter.HalfToUInt16Bits((Half)v) : (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16);
                body.Add((byte)bits);
                body.Add((byte)(bits >> 8));
            }
        }
        if (extra)
        {
            header.Append(CultureInfo.InvariantCulture, $",\"step\":{{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[{body.Count},{body.Count + 8}]}}");
            // Odd last byte: the target then sets AllowUnusedTensors, so the skip path is a seed; AFL flips it.
            body.AddRange(BitConverter.GetBytes(0x0100_0000_0000_002AL));
        }
        header.Append('}');
        byte[] json = Encoding.UTF8.GetBytes(header.ToString());
        return [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. body];
    }
}
