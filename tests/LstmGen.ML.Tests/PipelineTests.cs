using LstmGen.Testing;
using LstmGen.Text;
using LstmGen.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace LstmGen.ML.Tests;

/// <summary>A labelled sentence as the UCI files (and the synthetic ones here) hold it: text, tab, 0 or 1.</summary>
public sealed class Review
{
    [LoadColumn(0)]
    public string Text { get; set; } = "";

    [LoadColumn(1)]
    public bool Label { get; set; }
}

/// <summary>A row of token ids (as a numeric vector, ML.NET's default) with a label.</summary>
public sealed class TokenRow
{
    [VectorType]
    public float[] Ids { get; set; } = [];

    public bool Label { get; set; }
}

/// <summary>
/// An LstmGen model inside ML.NET pipelines: <c>LoadFromTextFile</c> → <c>TrainTestSplit</c> → <c>Fit</c> →
/// <c>BinaryClassification.Evaluate</c>, <c>PredictionEngine</c>, and ML.NET model files.
/// </summary>
public sealed class PipelineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lstmgen-ml-").FullName;
    private readonly ITestOutputHelper _output;

    public PipelineTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [SharedDataFact]
    public void UCI_sentences_train_and_evaluate_in_an_MLNET_pipeline()
    {
        var ml = new MLContext(seed: 1);
        // All three files (1,000 sentences each) through ML.NET's loader; the path's wildcard is ML.NET's.
        IDataView data = ml.Data.LoadFromTextFile<Review>(Path.Combine(SharedData.UciFolder!, "*_labelled.txt"), separatorChar: '\t');
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);

        var estimator = ml.LstmGenBinaryClassifier<MlSentimentModel>("Label", "Text",
            new FitOptions { Epochs = 6, BatchSize = 32, Seed = 1 }, () => new MlSentimentModel(seed: 1));
        LstmGenTransformer model = estimator.Fit(split.TrainSet);
        CalibratedBinaryClassificationMetrics metrics = ml.BinaryClassification.Evaluate(model.Transform(split.TestSet));

        int trainRows = split.TrainSet.GetColumn<bool>("Label").Count(), testRows = split.TestSet.GetColumn<bool>("Label").Count();
        _output.WriteLine($"UCI: {trainRows} training, {testRows} test sentences; AUC {metrics.AreaUnderRocCurve:F3}, accuracy {metrics.Accuracy:F3}, F1 {metrics.F1Score:F3}, log-loss {metrics.LogLoss:F3}");
        Assert.Equal(3000, trainRows + testRows);
        Assert.InRange(testRows, 450, 750);
        // Chance is 0.5 (the files are balanced); a small LSTM on 2,400 sentences reaches about 0.75–0.8.
        Assert.True(metrics.AreaUnderRocCurve >= 0.78, $"AUC {metrics.AreaUnderRocCurve:F3} on {testRows} held-out sentences");
        Assert.True(metrics.Accuracy >= 0.7, $"accuracy {metrics.Accuracy:F3}");
        Assert.True(metrics.LogLoss < 1.5, $"log-loss {metrics.LogLoss:F3}");
    }

    [Fact]
    public void Synthetic_text_pipeline_trains_evaluates_and_matches_Predict()
    {
        var ml = new MLContext(seed: 2);
        string path = WriteMemoryTask(600, seed: 3);
        IDataView data = ml.Data.LoadFromTextFile<Review>(path, separatorChar: '\t');
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 4);

        LstmGenTransformer model = ml.LstmGenBinaryClassifier<MlMemoryGru>(fit: new FitOptions { Epochs = 12, BatchSize = 16, Seed = 1 },
            createModel: () => new MlMemoryGru(seed: 5)).Fit(split.TrainSet);
        IDataView scored = model.Transform(split.TestSet);
        CalibratedBinaryClassificationMetrics metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.True(metrics.Accuracy >= 0.95 && metrics.AreaUnderRocCurve >= 0.98,
            $"accuracy {metrics.Accuracy:F3}, AUC {metrics.AreaUnderRocCurve:F3} on the memory task");

        // Every scored row is the model's own Predict on the vectorizer's encoding; Score is the logit, the label p ≥ 0.5.
        var vectorizer = new TextVectorizer(model.Vocabulary!);
        string[] texts = scored.GetColumn<string>("Text").ToArray();
        float[] probabilities = scored.GetColumn<float>("Probability").ToArray();
        float[] scores = scored.GetColumn<float>("Score").ToArray();
        bool[] predicted = scored.GetColumn<bool>("PredictedLabel").ToArray();
        Assert.True(texts.Length > 100);
        for (int i = 0; i < texts.Length; i++)
        {
            float expected = Predict(model.Model, vectorizer.Encode(texts[i], MlMemoryGru.SequenceLength));
            Assert.Equal(expected, probabilities[i]);
            Assert.Equal(expected >= 0.5f, predicted[i]);
            float[] logit = new float[1];
            model.Model.PredictLogits(vectorizer.Encode(texts[i], MlMemoryGru.SequenceLength), logit);
            Assert.Equal(logit[0], scores[i]);
        }
        Assert.NotNull(model.History);
    }

    [Fact]
    public void Model_file_round_trip_predicts_the_same_and_works_in_a_PredictionEngine()
    {
        var ml = new MLContext(seed: 6);
        IDataView data = ml.Data.LoadFromTextFile<Review>(WriteMemoryTask(300, seed: 7), separatorChar: '\t');
        LstmGenTransformer model = ml.LstmGenBinaryClassifier<MlMemoryGru>(fit: new FitOptions { Epochs = 3, Seed = 1 }).Fit(data);

        string path = Path.Combine(_directory, "model.zip");
        ml.Model.SaveWithLstmGen(model, data.Schema, path);
        ITransformer loaded = ml.Model.LoadWithLstmGen(path, out DataViewSchema schema);
        Assert.NotNull(schema.GetColumnOrNull("Text"));

        PredictionEngine<Review, LstmGenPrediction> before = ml.Model.CreatePredictionEngine<Review, LstmGenPrediction>(model);
        PredictionEngine<Review, LstmGenPrediction> after = ml.Model.CreatePredictionEngine<Review, LstmGenPrediction>(loaded);
        foreach (string text in new[] { "good the plot was", "bad the plot was", "never seen words", "" })
        {
            LstmGenPrediction a = before.Predict(new Review { Text = text }), b = after.Predict(new Review { Text = text });
            Assert.Equal(a.Probability, b.Probability);
            Assert.Equal(a.Score, b.Score);
            Assert.Equal(a.PredictedLabel, b.PredictedLabel);
        }

        // The file is an ML.NET zip plus one LstmGen entry; a loaded model saves again to an equivalent file.
        using (var zip = System.IO.Compression.ZipFile.OpenRead(path))
            Assert.Single(zip.Entries, e => e.FullName.StartsWith(LstmGenModelOperations.EntryFolder, StringComparison.Ordinal));
        string again = Path.Combine(_directory, "again.zip");
        ml.Model.SaveWithLstmGen(loaded, schema, again);
        ITransformer reloaded = ml.Model.LoadWithLstmGen(again, out _);
        Assert.Equal(after.Predict(new Review { Text = "good plot" }).Probability,
            ml.Model.CreatePredictionEngine<Review, LstmGenPrediction>(reloaded).Predict(new Review { Text = "good plot" }).Probability);
    }

    [Fact]
    public void Plain_MLNET_save_and_load_are_refused_with_a_message_that_names_the_LstmGen_methods()
    {
        var ml = new MLContext(seed: 8);
        IDataView data = ml.Data.LoadFromTextFile<Review>(WriteMemoryTask(100, seed: 9), separatorChar: '\t');
        LstmGenTransformer model = ml.LstmGenBinaryClassifier<MlMemoryGru>(fit: new FitOptions { Epochs = 1 }).Fit(data);

        Exception save = Assert.ThrowsAny<Exception>(() => ml.Model.Save(model, data.Schema, Path.Combine(_directory, "plain.zip")));
        Assert.Contains("SaveWithLstmGen", Flatten(save), StringComparison.Ordinal);

        string path = Path.Combine(_directory, "model.zip");
        ml.Model.SaveWithLstmGen(model, data.Schema, path);
        Exception load = Assert.ThrowsAny<Exception>(() => ml.Model.Load(path, out _));
        Assert.Contains("LoadWithLstmGen", Flatten(load), StringComparison.Ordinal);
    }

    [Fact]
    public void Classifier_composes_with_other_MLNET_estimators_and_the_chain_saves_and_loads()
    {
        // The user's column is "Review"; ML.NET's own transforms run before the LstmGen estimator.
        var ml = new MLContext(seed: 18);
        IDataView data = ml.Data.LoadFromTextFile<Review>(WriteMemoryTask(300, seed: 19), separatorChar: '\t');
        var pipeline = ml.Transforms.CopyColumns("Review", "Text")
            .Append(ml.Transforms.Text.NormalizeText("Review", keepPunctuations: false))
            .Append(ml.LstmGenBinaryClassifier<MlMemoryGru>("Label", "Review", new FitOptions { Epochs = 8, BatchSize = 16, Seed = 1 }));
        TransformerChain<LstmGenTransformer> model = pipeline.Fit(data);
        Assert.True(ml.BinaryClassification.Evaluate(model.Transform(data)).Accuracy >= 0.95);

        string path = Path.Combine(_directory, "chain.zip");
        ml.Model.SaveWithLstmGen(model, data.Schema, path);
        ITransformer loaded = ml.Model.LoadWithLstmGen(path, out _);
        Assert.Equal(model.Transform(data).GetColumn<float>("Probability").ToArray(), loaded.Transform(data).GetColumn<float>("Probability").ToArray());
    }

    [Fact]
    public void A_file_whose_LstmGen_entry_is_missing_or_cut_is_refused()
    {
        var ml = new MLContext(seed: 20);
        IDataView data = ml.Data.LoadFromTextFile<Review>(WriteMemoryTask(50, seed: 21), separatorChar: '\t');
        LstmGenTransformer model = ml.LstmGenBinaryClassifier<MlMemoryGru>(fit: new FitOptions { Epochs = 1 }).Fit(data);
        string path = Path.Combine(_directory, "model.zip");
        ml.Model.SaveWithLstmGen(model, data.Schema, path);
        string entryName = LstmGenModelOperations.EntryFolder + "0.lstmgen";
        byte[] entry;
        using (var zip = System.IO.Compression.ZipFile.OpenRead(path))
        using (var bytes = new MemoryStream())
        {
            using (Stream stream = zip.GetEntry(entryName)!.Open()) stream.CopyTo(bytes);
            entry = bytes.ToArray();
        }

        string missing = Rewrite(path, "missing.zip", entryName, null);
        Exception noEntry = Assert.ThrowsAny<Exception>(() => ml.Model.LoadWithLstmGen(missing, out _));
        Assert.Contains("more LstmGen mappings than the file has LstmGen models", Flatten(noEntry), StringComparison.Ordinal);

        string cut = Rewrite(path, "cut.zip", entryName, entry[..(entry.Length / 2)]);
        Exception truncated = Assert.ThrowsAny<Exception>(() => ml.Model.LoadWithLstmGen(cut, out _));
        Assert.Contains("runcated", Flatten(truncated), StringComparison.Ordinal);
    }

    // A copy of the zip with one entry removed (replacement null) or replaced.
    private string Rewrite(string source, string name, string entryName, byte[]? replacement)
    {
        string path = Path.Combine(_directory, name);
        File.Copy(source, path);
        using var zip = System.IO.Compression.ZipFile.Open(path, System.IO.Compression.ZipArchiveMode.Update);
        zip.GetEntry(entryName)!.Delete();
        if (replacement is not null)
        {
            using Stream stream = zip.CreateEntry(entryName).Open();
            stream.Write(replacement);
        }
        return path;
    }

    [Fact]
    public void Token_vector_column_trains_a_CNN_and_scores_as_Predict()
    {
        var ml = new MLContext(seed: 10);
        var rng = new Random(11);
        // The label is whether token 2 occurs anywhere; rows of 1 … 8 ids (shorter rows are padded by the transformer).
        TokenRow[] rows = Enumerable.Range(0, 400).Select(i =>
        {
            int n = 1 + rng.Next(MlMemoryCnn.SequenceLength);
            float[] ids = Enumerable.Range(0, n).Select(_ => (float)rng.Next(3, MlMemoryCnn.VocabularySize)).ToArray();
            bool positive = i % 2 == 0;
            if (positive) ids[rng.Next(n)] = 2;
            return new TokenRow { Ids = ids, Label = positive };
        }).ToArray();
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(data, testFraction: 0.25, seed: 12);

        LstmGenTransformer model = ml.LstmGenBinaryClassifier<MlMemoryCnn>(
            new LstmGenBinaryOptions { TokensColumnName = "Ids", Fit = new FitOptions { Epochs = 15, BatchSize = 16, Seed = 1 } },
            () => new MlMemoryCnn(seed: 13)).Fit(split.TrainSet);
        Assert.Null(model.Vocabulary);
        IDataView scored = model.Transform(split.TestSet);
        CalibratedBinaryClassificationMetrics metrics = ml.BinaryClassification.Evaluate(scored);
        Assert.True(metrics.Accuracy >= 0.95, $"accuracy {metrics.Accuracy:F3}");

        float[][] ids = scored.GetColumn<float[]>("Ids").ToArray();
        float[] probabilities = scored.GetColumn<float>("Probability").ToArray();
        for (int i = 0; i < ids.Length; i++)
            Assert.Equal(Predict(model.Model, ids[i].Select(v => (int)v).ToArray()), probabilities[i]);

        // Token input saves and loads too.
        string path = Path.Combine(_directory, "tokens.zip");
        ml.Model.SaveWithLstmGen(model, data.Schema, path);
        IDataView reloaded = ml.Model.LoadWithLstmGen(path, out _).Transform(split.TestSet);
        Assert.Equal(probabilities, reloaded.GetColumn<float>("Probability").ToArray());
    }

    [Fact]
    public void Bad_settings_and_data_are_refused_with_the_name_of_what_is_wrong()
    {
        var ml = new MLContext(seed: 14);
        var wrongHead = Assert.Throws<ArgumentException>(() => ml.LstmGenBinaryClassifier<MlTwoOutputModel>());
        Assert.Contains("OutputSize = 1", wrongHead.Message, StringComparison.Ordinal);

        IDataView data = ml.Data.LoadFromTextFile<Review>(WriteMemoryTask(20, seed: 15), separatorChar: '\t');
        var noColumn = Assert.Throws<ArgumentOutOfRangeException>(() => ml.LstmGenBinaryClassifier<MlMemoryGru>("Label", "Review").Fit(data));
        Assert.Contains("'Review'", noColumn.Message, StringComparison.Ordinal);
        var noLabel = Assert.Throws<ArgumentOutOfRangeException>(() => ml.LstmGenBinaryClassifier<MlMemoryGru>("Sentiment").Fit(data));
        Assert.Contains("'Sentiment'", noLabel.Message, StringComparison.Ordinal);

        IDataView fractional = ml.Data.LoadFromEnumerable(new[] { new { Text = "good", Label = 1f }, new { Text = "bad", Label = 0.5f } });
        var badLabel = Assert.Throws<ArgumentOutOfRangeException>(() => ml.LstmGenBinaryClassifier<MlMemoryGru>().Fit(fractional));
        Assert.Contains("Row 1", badLabel.Message, StringComparison.Ordinal);

        TokenRow[] tooLong = [new TokenRow { Ids = new float[MlMemoryCnn.SequenceLength + 1], Label = true }];
        var longRow = Assert.Throws<ArgumentOutOfRangeException>(() => ml.LstmGenBinaryClassifier<MlMemoryCnn>(
            new LstmGenBinaryOptions { TokensColumnName = "Ids" }).Fit(ml.Data.LoadFromEnumerable(tooLong)));
        Assert.Contains("Row 0", longRow.Message, StringComparison.Ordinal);

        TokenRow[] fractionalId = [new TokenRow { Ids = [3f, 2.5f], Label = true }];
        var notWhole = Assert.Throws<ArgumentException>(() => ml.LstmGenBinaryClassifier<MlMemoryCnn>(
            new LstmGenBinaryOptions { TokensColumnName = "Ids" }).Fit(ml.Data.LoadFromEnumerable(fractionalId)));
        Assert.Contains("token 1 is 2.5", notWhole.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Estimator_output_schema_adds_the_binary_classification_columns()
    {
        var ml = new MLContext(seed: 16);
        IDataView data = ml.Data.LoadFromTextFile<Review>(WriteMemoryTask(20, seed: 17), separatorChar: '\t');
        SchemaShape shape = ml.LstmGenBinaryClassifier<MlMemoryGru>().GetOutputSchema(Shape(data.Schema));
        Assert.Contains(shape, c => c.Name == "Score" && c.ItemType == NumberDataViewType.Single);
        Assert.Contains(shape, c => c.Name == "Probability" && c.ItemType == NumberDataViewType.Single);
        Assert.Contains(shape, c => c.Name == "PredictedLabel" && c.ItemType == BooleanDataViewType.Instance);
        Assert.Contains(shape, c => c.Name == "Text");
    }

    [Fact]
    public void Score_is_the_models_logit_and_Probability_its_sigmoid()
    {
        var model = new MlMemoryGru(seed: 5);
        using (ParameterUpdate u = model.BeginParameterUpdate()) u.Tensor("fc.bias")[0] = 30f; // σ(z) rounds to 1 in float
        var scorer = new LstmGenScorer(model, InputKind.Tokens, null);
        var row = new LstmGenTokenRow { Tokens = [3, 9, 27, 5] };
        var prediction = new LstmGenPrediction();
        scorer.MapTokens(row, prediction);
        float[] z = new float[1];
        model.PredictLogits([3, 9, 27, 5], z);
        Assert.Equal(z[0], prediction.Score);
        Assert.InRange(prediction.Score, 20f, 40f); // a real logit, not ln(p / (1 − p)) of a rounded p
        Assert.Equal(model.Predict([3, 9, 27, 5]), prediction.Probability);
        Assert.True(prediction.PredictedLabel);
    }

    // Rows "good|bad w w w …": the label is whether the first word is "good"; the other words are noise.
    private string WriteMemoryTask(int rows, int seed)
    {
        string[] noise = ["the", "a", "film", "plot", "was", "is", "and", "it", "very", "quite", "story", "acting"];
        var rng = new Random(seed);
        var lines = new List<string>();
        for (int i = 0; i < rows; i++)
        {
            bool good = i % 2 == 0;
            int n = 2 + rng.Next(5);
            string text = string.Join(' ', [good ? "good" : "bad", .. Enumerable.Range(0, n).Select(_ => noise[rng.Next(noise.Length)])]);
            lines.Add($"{text}\t{(good ? 1 : 0)}");
        }
        string path = Path.Combine(_directory, $"memory-{seed}.tsv");
        File.WriteAllLines(path, lines);
        return path;
    }

    // SchemaShape.Create is internal to ML.NET; estimators are handed shapes made by it.
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .Invoke(null, [schema])!;

    private static float Predict(ISequenceModel model, int[] tokens)
    {
        var output = new float[1];
        model.Predict(tokens, output);
        return output[0];
    }

    private static string Flatten(Exception error)
    {
        var text = new System.Text.StringBuilder();
        for (Exception? e = error; e is not null; e = e.InnerException) text.AppendLine(e.Message);
        return text.ToString();
    }
}
