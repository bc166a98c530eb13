using LstmGen.Samples.Sentiment;
using LstmGen.Serialization;
using LstmGen.Training;

namespace LstmGen.Text.Tests;

/// <summary>A small model for the classifier tests.</summary>
[LstmModel(VocabularySize = 300, EmbeddingSize = 8, HiddenSize = 8, SequenceLength = 16)]
public sealed partial class TinySentimentModel;

/// <summary>Three classes.</summary>
[LstmModel(VocabularySize = 300, EmbeddingSize = 8, HiddenSize = 8, SequenceLength = 16, OutputSize = 3, Output = OutputActivation.Softmax)]
public sealed partial class TinyTopicModel;

/// <summary>The one-object text classifier: training on raw strings, prediction, metrics and the one-file save.</summary>
public sealed class TextClassifierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lstmgen-tc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (List<string> Texts, List<string> Labels) Reviews(int n, int seed)
    {
        var reviews = ReviewGenerator.GenerateReviews(n, seed);
        return ([.. reviews.Select(r => r.Text)], [.. reviews.Select(r => r.Label == 1 ? "pos" : "neg")]);
    }

    private static TextClassifier<TinySentimentModel> Trained(TextClassifierOptions options, int reviews = 400)
    {
        (List<string> texts, List<string> labels) = Reviews(reviews, 1);
        var c = new TextClassifier<TinySentimentModel>(s => new TinySentimentModel(s), options);
        c.Fit(texts, labels);
        return c;
    }

    [Fact]
    public void TrainsOnRawStrings_PredictsLabelsAndProbabilities()
    {
        TextClassifier<TinySentimentModel> c = Trained(new TextClassifierOptions { Epochs = 15, LearningRate = 0.01f, Patience = 4, Seed = 3 }, reviews: 1500);
        Assert.Equal(["neg", "pos"], c.ClassNames);
        TextPrediction p = c.Predict("I love this movie");
        Assert.Contains(p.Label, c.ClassNames);
        Assert.Equal(1f, p.Probabilities.Sum(), 5);
        Assert.Equal(p.Probabilities.Max(), p.Confidence);
        (List<string> texts, List<string> labels) = Reviews(200, 99);
        TextEvaluation e = c.Evaluate(texts, labels);
        Assert.True(e.Accuracy > 0.7, $"accuracy {e.Accuracy}; " + string.Join(" | ", c.Histories.Select(h => string.Join(" ", h.Epochs.Select(x => $"{x.Loss:F3}/{x.ValidationLoss:F3}/{x.ValidationAccuracy:F2}")))));
        Assert.Equal(200, e.Metrics.ConfusionMatrix.Cast<int>().Sum());
        Assert.Contains("not one of the classes", Assert.Throws<ArgumentException>(() => c.Evaluate(["x"], ["maybe"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SaveAndLoad_KeepEverything_EnsembleAndWidePartIncluded()
    {
        TextClassifier<TinySentimentModel> c = Trained(new TextClassifierOptions
        {
            Epochs = 3, Seed = 5, EnsembleSize = 2, AverageLastEpochs = 2, Wide = new WideOptions { Buckets = 1 << 12, Weight = 0.3f },
            Normalizer = TextNormalizer.Sentiment, Truncation = SequenceSide.Start, Padding = SequenceSide.Start,
        });
        string path = Path.Combine(_dir, "c.lstmgen");
        c.Save(path);
        Assert.Equal(2, ModelFile.Inspect(path).FormatVersion);
        TextClassifier<TinySentimentModel> loaded = TextClassifier<TinySentimentModel>.Load(path, s => new TinySentimentModel(s));
        Assert.Equal(c.ClassNames, loaded.ClassNames);
        Assert.Equal(2, loaded.Models.Count);
        Assert.NotNull(loaded.Wide);
        Assert.Equal(TextNormalizer.Sentiment, loaded.Vectorizer!.Normalizer);
        Assert.Equal(SequenceSide.Start, loaded.Vectorizer.Truncation);
        Assert.Equal(SequenceSide.Start, loaded.Vectorizer.Padding);
        string[] probe = ["I love this movie", "It's not bad at all!", "terrible, boring and far too long?", ""];
        Assert.Equal(c.PredictProbabilities(probe), loaded.PredictProbabilities(probe));
        for (int m = 0; m < 2; m++) Assert.True(c.Models[m].Parameters.SequenceEqual(loaded.Models[m].Parameters));

        // One flipped byte anywhere in the record is a checksum failure, never a silently different classifier.
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10;
        Assert.Throws<ModelFileException>(() => TextClassifier<TinySentimentModel>.Load(new MemoryStream(bytes), s => new TinySentimentModel(s)));
    }

    [Fact]
    public void AVersion1ModelFileWithAVocabulary_LoadsAsAClassifier()
    {
        (List<string> texts, _) = Reviews(100, 2);
        TextVectorizer v = TextVectorizer.Adapt(texts, maxSize: TinySentimentModel.VocabularySize);
        var model = new TinySentimentModel(seed: 4);
        string path = Path.Combine(_dir, "v1.lstmgen");
        ModelFile.Save(model, path, v.Vocabulary);
        Assert.Equal(1, ModelFile.Inspect(path).FormatVersion);
        var c = TextClassifier<TinySentimentModel>.Load(path, s => new TinySentimentModel(s));
        Assert.Equal(["0", "1"], c.ClassNames);
        Assert.Equal(TextNormalizer.Default, c.Vectorizer!.Normalizer);
        float p = model.Predict(v.Encode("I love this movie", TinySentimentModel.SequenceLength));
        Assert.Equal(p, c.Predict("I love this movie").Probabilities[1]);

        ModelFile.Save(model, path); // no vocabulary: cannot classify text
        Assert.Contains("no vocabulary", Assert.Throws<ModelFileException>(() => TextClassifier<TinySentimentModel>.Load(path, s => new TinySentimentModel(s))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IntLabels_AndLabelCountsThatDoNotFitTheModel()
    {
        string[] texts = ["sports news", "election news", "new phone", "football match", "vote today", "laptop review"];
        var c = new TextClassifier<TinyTopicModel>(s => new TinyTopicModel(s), new TextClassifierOptions { Epochs = 2, ValidationFraction = 0 });
        c.Fit(texts, [0, 1, 2, 0, 1, 2]);
        Assert.Equal(["0", "1", "2"], c.ClassNames);
        Assert.Equal(3, c.Predict("match").Probabilities.Length);
        Assert.Contains("outside [0, 3)", Assert.Throws<ArgumentOutOfRangeException>(() => c.Fit(texts, [0, 1, 2, 0, 1, 3])).Message, StringComparison.Ordinal);
        Assert.Contains("2 distinct values", Assert.Throws<ArgumentException>(() => c.Fit(texts, ["a", "b", "a", "b", "a", "b"])).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => new TextClassifier<TinyTopicModel>(s => new TinyTopicModel(s)).Predict("x"));
    }

    [Fact]
    public void CheckpointAveraging_AveragesTheEpochsUpToTheRestoredOne()
    {
        (List<string> texts, List<string> labels) = Reviews(200, 7);
        TextVectorizer v = TextVectorizer.Adapt(texts, maxSize: TinySentimentModel.VocabularySize);
        int[] tokens = v.EncodeBatch(texts, TinySentimentModel.SequenceLength);
        int[] ids = [.. labels.Select(l => l == "pos" ? 1 : 0)];
        var snapshots = new Recorder();
        var averaging = new CheckpointAveraging(3, lookBack: 2);
        var model = new TinySentimentModel(seed: 1);
        TrainingHistory h = Trainer.Fit(model, tokens, ids, new FitOptions { Epochs = 6, Seed = 2, AutoEarlyStopping = false, Callbacks = [snapshots, averaging] });
        Assert.Equal([4, 5, 6], averaging.AveragedEpochs);
        for (int i = 0; i < TinySentimentModel.ParameterCount; i += 97)
        {
            double mean = (snapshots.Weights[3][i] + (double)snapshots.Weights[4][i] + snapshots.Weights[5][i]) / 3;
            Assert.Equal((float)mean, model.Parameters[i], 6);
        }
        Assert.Equal(6, h.Epochs.Count);
    }

    private sealed class Recorder : TrainingCallback
    {
        public List<float[]> Weights { get; } = [];
        public override void OnEpochEnd(TrainingContext context, EpochResult result) => Weights.Add(context.Model.Parameters.ToArray());
    }
}
