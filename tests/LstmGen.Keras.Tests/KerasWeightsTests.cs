using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LstmGen.Keras.Tests;

/// <summary>
/// <see cref="KerasWeights"/> against the fixtures of tests/keras/make_keras_fixtures.py: files in Keras 3 and legacy
/// layouts (written with h5py) whose expected outputs come from a NumPy implementation of Keras' equations.
/// </summary>
public class KerasWeightsTests
{
    // NumPy computes in float64, LstmGen in float32: outputs agree to float rounding.
    private const float Tolerance = 1e-5f;

    private static string Fixture(string file) => Path.Combine(AppContext.BaseDirectory, "Fixtures", file);

    public static TheoryData<string, string> Cases => new()
    {
        { "lstm.keras", nameof(KerasLstm) },
        { "lstm_no_bias.keras", nameof(KerasLstm) },
        { "gru_l2_bi.keras", nameof(KerasGruL2Bi) },
        { "rnn_l3_softmax.keras", nameof(KerasRnnL3Softmax) },
        { "lstm_l2_bi_legacy.h5", nameof(KerasLstmL2Bi) },
        { "gru_legacy_weights.h5", nameof(KerasGru) },
        { "rnn_bi_softmax_legacy.h5", nameof(KerasRnnBiSoftmax) },
        { "cnn.keras", nameof(KerasCnn) },
        { "ff_deep.keras", nameof(KerasFfDeep) },
    };

    private static ISequenceModel Create(string name, int seed = 1) => name switch
    {
        nameof(KerasLstm) => new KerasLstm(seed),
        nameof(KerasGruL2Bi) => new KerasGruL2Bi(seed),
        nameof(KerasGru) => new KerasGru(seed),
        nameof(KerasRnnL3Softmax) => new KerasRnnL3Softmax(seed),
        nameof(KerasRnnBiSoftmax) => new KerasRnnBiSoftmax(seed),
        nameof(KerasLstmL2Bi) => new KerasLstmL2Bi(seed),
        nameof(KerasCnn) => new KerasCnn(seed),
        nameof(KerasFfDeep) => new KerasFfDeep(seed),
        nameof(KerasLstmLinear) => new KerasLstmLinear(seed),
        nameof(KerasLstmH8) => new KerasLstmH8(seed),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void KerasWeightsPredictAsKerasEquations(string file, string modelName)
    {
        ISequenceModel model = Create(modelName);
        IReadOnlyList<KerasLayerMapping> mapping = KerasWeights.Load(model, Fixture(file));
        Assert.Equal(model.ParameterLayout.Count, mapping.Sum(m => m.Tensors.Count));

        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Fixture(Path.GetFileNameWithoutExtension(file) + ".expected.json")));
        JsonElement[] rows = expected.RootElement.GetProperty("tokens").EnumerateArray().ToArray();
        JsonElement[] probabilities = expected.RootElement.GetProperty("probabilities").EnumerateArray().ToArray();
        int o = model.Shape.OutputSize;
        var y = new float[o];
        for (int r = 0; r < rows.Length; r++)
        {
            int[] tokens = rows[r].EnumerateArray().Select(e => e.GetInt32()).ToArray();
            model.Predict(tokens, y);
            float[] want = probabilities[r].EnumerateArray().Select(e => e.GetSingle()).ToArray();
            for (int i = 0; i < o; i++)
                Assert.True(Math.Abs(y[i] - want[i]) <= Tolerance, $"{file} row {r} output {i}: NumPy (Keras equations) {want[i]:R}, LstmGen {y[i]:R}");
        }
    }

    [Fact]
    public void MappingNamesEveryLayer()
    {
        IReadOnlyList<KerasLayerMapping> m = KerasWeights.Load(new KerasGruL2Bi(1), Fixture("gru_l2_bi.keras"));
        Assert.Equal(["layers/embedding", "layers/bidirectional", "layers/bidirectional_1", "layers/dense"], m.Select(x => x.KerasLayer));
        Assert.Equal(["Embedding", "Bidirectional(GRU)", "Bidirectional(GRU)", "Dense"], m.Select(x => x.Kind));
        Assert.Equal(["gru.weight_ih_l1", "gru.weight_hh_l1", "gru.bias_ih_l1", "gru.bias_hh_l1", "gru.weight_ih_l1_reverse", "gru.weight_hh_l1_reverse", "gru.bias_ih_l1_reverse", "gru.bias_hh_l1_reverse"], m[2].Tensors);

        m = KerasWeights.Load(new KerasLstmL2Bi(1), Fixture("lstm_l2_bi_legacy.h5"));
        Assert.Equal(["embedding", "bidirectional", "bidirectional_1", "dense"], m.Select(x => x.KerasLayer));
    }

    [Fact]
    public void UseBiasFalseGivesZeroBiases()
    {
        var model = new KerasLstm(1);
        KerasWeights.Load(model, Fixture("lstm_no_bias.keras"));
        foreach (string name in new[] { "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.bias" })
            Assert.All(model.GetParameter(name).ToArray(), v => Assert.Equal(0f, v));
        Assert.Contains(model.GetParameter("lstm.weight_hh_l0").ToArray(), v => v != 0);
    }

    [Fact]
    public void GruBiasesAreSplitAndReordered()
    {
        // Keras' reset_after bias is [2, 3H]: row 0 the input bias, row 1 the recurrent one, blocks z, r, h; PyTorch's blocks are r, z, n.
        var model = new KerasGru(1);
        KerasWeights.Load(model, Fixture("gru_legacy_weights.h5"));
        using var h5 = PureHDF.H5File.OpenRead(Fixture("gru_legacy_weights.h5"));
        float[] bias = PureHDF.IH5GroupExtensions.Dataset(h5, "gru/gru/gru_cell/bias:0").Read<float[]>();
        const int H = 7;
        ReadOnlySpan<float> bih = model.GetParameter("gru.bias_ih_l0"), bhh = model.GetParameter("gru.bias_hh_l0");
        for (int j = 0; j < H; j++)
        {
            Assert.Equal(bias[H + j], bih[j]);          // r ← Keras block 1
            Assert.Equal(bias[j], bih[H + j]);          // z ← Keras block 0
            Assert.Equal(bias[2 * H + j], bih[2 * H + j]);
            Assert.Equal(bias[3 * H + H + j], bhh[j]);
            Assert.Equal(bias[3 * H + j], bhh[H + j]);
            Assert.Equal(bias[3 * H + 2 * H + j], bhh[2 * H + j]);
        }
    }

    private static KerasImportException Refused(ISequenceModel model, byte[] file, string expected, KerasLoadOptions? options = null)
    {
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<KerasImportException>(() => KerasWeights.Load(model, new MemoryStream(file), options));
        Assert.Contains(expected, e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
        return e;
    }

    [Fact]
    public void ResetBeforeGruIsRefusedWithTheFix()
    {
        var model = new KerasGru(1);
        float[] before = model.Parameters.ToArray();
        var e = Assert.Throws<KerasImportException>(() => KerasWeights.Load(model, Fixture("gru_reset_before.keras")));
        Assert.Contains("reset_after=False", e.Message);
        Assert.Contains("Rebuild the Keras layer with reset_after=True", e.Message);
        Assert.StartsWith(Fixture("gru_reset_before.keras") + ": ", e.Message);
        Assert.Equal(before, model.Parameters.ToArray());
        // Without the configuration, the [3H] bias alone gives it away.
        byte[] stripped = EditArchive("gru_reset_before.keras", null, dropConfig: true);
        Refused(new KerasGru(1), stripped, "its bias layers/gru/cell/vars/2 is [21], not [2, 21]");
    }

    /// <summary>The fixture archive with its config.json edited (or removed).</summary>
    private static byte[] EditArchive(string file, Action<JsonObject>? edit, bool dropConfig = false)
    {
        using var source = ZipFile.OpenRead(Fixture(file));
        var output = new MemoryStream();
        using (var target = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                if (entry.FullName == "config.json" && dropConfig) continue;
                using Stream from = entry.Open();
                using var buffer = new MemoryStream();
                from.CopyTo(buffer);
                byte[] bytes = buffer.ToArray();
                if (entry.FullName == "config.json" && edit is not null)
                {
                    JsonObject config = JsonNode.Parse(bytes)!.AsObject();
                    edit(config);
                    bytes = Encoding.UTF8.GetBytes(config.ToJsonString());
                }
                using Stream to = target.CreateEntry(entry.FullName).Open();
                to.Write(bytes);
            }
        }
        return output.ToArray();
    }

    private static JsonObject LayerConfig(JsonObject model, string className, int nth = 0) =>
        model["config"]!["layers"]!.AsArray().Where(l => (string?)l!["class_name"] == className).ElementAt(nth)!["config"]!.AsObject();

    [Fact]
    public void UnsupportedSettingsSayWhatToChange()
    {
        Refused(new KerasLstm(1), EditArchive("lstm.keras", c => LayerConfig(c, "LSTM")["activation"] = "relu"), "rebuild it with activation=\"tanh\"");
        Refused(new KerasLstm(1), EditArchive("lstm.keras", c => LayerConfig(c, "LSTM")["recurrent_activation"] = "hard_sigmoid"), "recurrent_activation=\"sigmoid\"");
        Refused(new KerasLstm(1), EditArchive("lstm.keras", c => LayerConfig(c, "LSTM")["go_backwards"] = true), "go_backwards=False");
        Refused(new KerasLstm(1), EditArchive("lstm.keras", c => LayerConfig(c, "LSTM")["return_sequences"] = true), "set return_sequences=False");
        Refused(new KerasLstm(1), EditArchive("lstm.keras", c => LayerConfig(c, "Dense")["activation"] = "softmax"), "the model's Output is Sigmoid");
        Refused(new KerasLstmLinear(1), File.ReadAllBytes(Fixture("lstm.keras")), "the model's Output is Linear");
        Refused(new KerasGruL2Bi(1), EditArchive("gru_l2_bi.keras", c => LayerConfig(c, "Bidirectional", 1)["merge_mode"] = "sum"), "use merge_mode=\"concat\"");
        Refused(new KerasGruL2Bi(1), EditArchive("gru_l2_bi.keras", c => LayerConfig(c, "Bidirectional")["layer"]!["config"]!["return_sequences"] = false), "set return_sequences=True");
        Refused(new KerasCnn(1), EditArchive("cnn.keras", c => LayerConfig(c, "Conv1D", 2)["padding"] = "same"), "Use padding=\"valid\"");
        Refused(new KerasCnn(1), EditArchive("cnn.keras", c => LayerConfig(c, "Conv1D", 1)["strides"] = new JsonArray(2)), "Use strides=1");
        Refused(new KerasFfDeep(1), EditArchive("ff_deep.keras", c => LayerConfig(c, "Dense", 1)["activation"] = "tanh"), "activation=\"relu\"");

        // mask_zero=False: refused for recurrent models unless allowed (the weights load the same).
        byte[] unmasked = EditArchive("lstm.keras", c => LayerConfig(c, "Embedding")["mask_zero"] = false);
        Refused(new KerasLstm(1), unmasked, "mask_zero=True");
        var allowed = new KerasLstm(1);
        KerasWeights.Load(allowed, new MemoryStream(unmasked), new KerasLoadOptions { AllowUnmaskedEmbedding = true });
        var masked = new KerasLstm(2);
        KerasWeights.Load(masked, Fixture("lstm.keras"));
        Assert.True(allowed.Parameters.SequenceEqual(masked.Parameters));

        // A layer class LstmGen has no counterpart for.
        Refused(new KerasLstm(1), EditArchive("lstm.keras", c => c["config"]!["layers"]!.AsArray().Insert(2,
            new JsonObject { ["class_name"] = "LayerNormalization", ["config"] = new JsonObject { ["name"] = "layer_normalization" } })), "class LayerNormalization");
    }

    [Fact]
    public void MismatchedModelsSayWhatToChange()
    {
        Refused(new KerasGru(1), File.ReadAllBytes(Fixture("lstm.keras")), "is a Keras LSTM but the model is [GruModel]");
        Refused(new KerasLstmH8(1), File.ReadAllBytes(Fixture("lstm.keras")), "needs [3, 32]");
        Refused(new KerasLstmL2Bi(1), File.ReadAllBytes(Fixture("lstm.keras")), "has 1 recurrent layer(s) but the model has Layers = 2");
        Refused(new KerasRnnBiSoftmax(1), File.ReadAllBytes(Fixture("rnn_l3_softmax.keras")), "has 3 recurrent layer(s)");
        // A dataset larger than the whole model is refused before it is read (ff_deep's embedding [40, 20] > 383 parameters).
        Refused(new KerasLstm(1), File.ReadAllBytes(Fixture("ff_deep.keras")), "more values than the whole model has (383)");
        Refused(new KerasLstmL2Bi(1), File.ReadAllBytes(Fixture("lstm_l2_bi_legacy.h5")).AsSpan(0, 4000).ToArray(), "cannot be read");
        Refused(new KerasLstm(1), Encoding.UTF8.GetBytes("not a model at all"), "neither a .keras archive");
        Refused(new KerasLstm(1), EditArchive("lstm.keras", null, dropConfig: true)[..100], "not a valid zip");
    }

    [Fact]
    public void BareKeras3WeightsFileLoadsLikeTheArchive()
    {
        // model.weights.h5 alone (Keras 3's model.save_weights("x.weights.h5")): no configuration, the same weights.
        using var zip = ZipFile.OpenRead(Fixture("gru_l2_bi.keras"));
        var h5 = new MemoryStream();
        using (Stream s = zip.GetEntry("model.weights.h5")!.Open()) s.CopyTo(h5);
        h5.Position = 0;
        var bare = new KerasGruL2Bi(1);
        KerasWeights.Load(bare, h5);
        var archive = new KerasGruL2Bi(2);
        KerasWeights.Load(archive, Fixture("gru_l2_bi.keras"));
        Assert.True(bare.Parameters.SequenceEqual(archive.Parameters));
    }

    [Fact]
    public void ArchiveWithoutWeightsIsRefused()
    {
        var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            using Stream s = zip.CreateEntry("config.json").Open();
            s.Write("{}"u8);
        }
        Refused(new KerasLstm(1), output.ToArray(), "has no model.weights.h5");
    }
}
