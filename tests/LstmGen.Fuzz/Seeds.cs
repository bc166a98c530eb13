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
    }
}
