using LstmGen.Serialization;
using LstmGen.Training;

namespace LstmGen.Text.Tests;

/// <summary>The jointly trained wide-and-deep classifier (WideOptions.Joint) and its trainer.</summary>
[Collection(AllocationCollection.Name)]
public sealed class WideAndDeepTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("lstmgen-wd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] Fillers = ["the", "a", "film", "was", "and", "it", "so", "very"];

    // Each text is five common filler words and one cue word ("pos17" or "neg42") that decides the label. With a
    // vocabulary of the 10 most frequent words the cues are out of vocabulary for the network, so only the hashed
    // n-gram part can see them.
    private static (List<string> Texts, List<string> Labels) CueTexts(int n, int seed)
    {
        var rng = new Rng(seed);
        var texts = new List<string>();
        var labels = new List<string>();
        for (int i = 0; i < n; i++)
        {
            bool pos = rng.NextInt(2) == 1;
            var words = Enumerable.Range(0, 5).Select(_ => Fillers[rng.NextInt(Fillers.Length)]).ToList();
            words.Insert(rng.NextInt(6), (pos ? "pos" : "neg") + rng.NextInt(150).ToString(System.Globalization.CultureInfo.InvariantCulture));
            texts.Add(string.Join(' ', words));
            labels.Add(pos ? "pos" : "neg");
        }
        return (texts, labels);
    }

    private static TextClassifierOptions Options(bool joint) => new()
    {
        Epochs = 8, Seed = 3, MaxVocabulary = 10, Patience = 3, LearningRate = 0.01f,
        Wide = joint ? new WideOptions { Joint = true, Buckets = 1 << 14, NaiveBayesScaling = false } : null,
    };

    [Fact]
    public void JointTraining_LearnsCuesOnlyTheLinearPartSees()
    {
        (List<string> texts, List<string> labels) = CueTexts(1500, 1);
        (List<string> testTexts, List<string> testLabels) = CueTexts(300, 2);
        var deep = new TextClassifier<TinySentimentModel>(s => new TinySentimentModel(s), Options(joint: false));
        deep.Fit(texts, labels);
        var joint = new TextClassifier<TinySentimentModel>(s => new TinySentimentModel(s), Options(joint: true));
        IReadOnlyList<TrainingHistory> h = joint.Fit(texts, labels);
        Assert.True(joint.IsJoint);
        double deepAccuracy = deep.Evaluate(testTexts, testLabels).Accuracy, jointAccuracy = joint.Evaluate(testTexts, testLabels).Accuracy;
        Assert.True(deepAccuracy < 0.65, $"the network alone scored {deepAccuracy} though the cues are out of its vocabulary");
        Assert.True(jointAccuracy > 0.9, $"joint accuracy {jointAccuracy}; " + string.Join(" ", h[0].Epochs.Select(e => $"{e.Loss:F3}/{e.ValidationLoss:F3}")));
        Assert.NotNull(h[0].BestEpoch);
    }

    [Fact]
    public void SaveAndLoad_PredictsTheSame()
    {
        (List<string> texts, List<string> labels) = CueTexts(400, 5);
        var c = new TextClassifier<TinySentimentModel>(s => new TinySentimentModel(s), new TextClassifierOptions
        {
            Epochs = 2, Seed = 1, Wide = new WideOptions { Joint = true, Buckets = 1 << 12 },
        });
        c.Fit(texts, labels);
        string path = Path.Combine(_dir, "joint.lstmgen");
        c.Save(path);
        byte[] record = ModelFile.Inspect(path).Extension!;
        Assert.Equal(2u, BitConverter.ToUInt32(record, 4)); // record version 2: only joint files need it
        var loaded = TextClassifier<TinySentimentModel>.Load(path, s => new TinySentimentModel(s));
        Assert.True(loaded.IsJoint);
        Assert.True(loaded.Options.Wide is { Joint: true });
        Assert.False(loaded.Wide!.Scale.IsEmpty); // naive-Bayes scaling is kept
        string[] probe = ["the film was pos3", "neg12 and it", "", "unseen words only"];
        Assert.Equal(c.PredictProbabilities(probe), loaded.PredictProbabilities(probe));
        // The joint logits add: the loaded classifier's probabilities are σ(z_deep + z_wide), not a mix of probabilities.
        var tokens = loaded.Vectorizer!.EncodeBatch([probe[0]], TinySentimentModel.SequenceLength);
        var z = new float[1];
        loaded.Models[0].PredictLogitsBatch(tokens, z);
        Span<float> zw = stackalloc float[1];
        loaded.Wide.Logits(loaded.Wide.Features(loaded.Vectorizer.Normalizer.Tokenize(probe[0])), zw);
        Assert.Equal(VectorMath.Sigmoid(z[0] + zw[0]), loaded.PredictProbabilities([probe[0]])[1], 6);
    }

    [Fact]
    public void AClassifierWithoutAJointPart_StillWritesRecordVersion1()
    {
        (List<string> texts, List<string> labels) = CueTexts(200, 5);
        var c = new TextClassifier<TinySentimentModel>(s => new TinySentimentModel(s), new TextClassifierOptions { Epochs = 1, Wide = new WideOptions { Buckets = 1 << 10 } });
        c.Fit(texts, labels);
        string path = Path.Combine(_dir, "mixed.lstmgen");
        c.Save(path);
        Assert.Equal(1u, BitConverter.ToUInt32(ModelFile.Inspect(path).Extension!, 4));
        Assert.False(TextClassifier<TinySentimentModel>.Load(path, s => new TinySentimentModel(s)).IsJoint);
    }

    [Fact]
    public void JointWithAnEnsembleOrCheckpointAveraging_IsRejected()
    {
        var wide = new WideOptions { Joint = true };
        Assert.Contains("EnsembleSize is 2", Assert.Throws<ArgumentException>(() => new TextClassifier<TinySentimentModel>(s => new TinySentimentModel(s), new TextClassifierOptions { Wide = wide, EnsembleSize = 2 })).Message, StringComparison.Ordinal);
        Assert.Contains("AverageLastEpochs 3", Assert.Throws<ArgumentException>(() => new TextClassifier<TinySentimentModel>(s => new TinySentimentModel(s), new TextClassifierOptions { Wide = wide, AverageLastEpochs = 3 })).Message, StringComparison.Ordinal);
    }

    private static (int[] Tokens, List<int[]> Features, int[] Classes, HashedNGramModel Wide) Data(int n)
    {
        (List<string> texts, List<string> labels) = CueTexts(n, 9);
        TextVectorizer v = TextVectorizer.Adapt(texts, 50);
        var wide = new HashedNGramModel(2, 1 << 10);
        return (v.EncodeBatch(texts, TinySentimentModel.SequenceLength), [.. texts.Select(t => wide.Features(TextNormalizer.Default.Tokenize(t)))],
            [.. labels.Select(l => l == "pos" ? 1 : 0)], wide);
    }

    // Lazy Adam updates only the embedding rows of the step's ids (TableRows, tested in full in LazyAdamTests); dense Adam
    // moves the first step's rows again in the second by their momentum, so the check can fail.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LazyAdam_UpdatesOnlyTheStepsEmbeddingRows(bool lazy)
    {
        (int[] tokens, List<int[]> features, int[] classes, HashedNGramModel wide) = Data(12);
        var model = new TinySentimentModel(seed: 2);
        var trainer = new WideAndDeepTrainer(model, wide, new Adam(1e-2f, lazy: lazy), 0.1f, 0f, batchSize: 2);
        int t = TinySentimentModel.SequenceLength;
        ParameterInfo table = model.ParameterLayout.Single(p => p.Name == "embedding.weight");
        int e = table.Shape[1];
        trainer.Step(tokens, features, classes, [0, 1], out _);
        float[] before = model.Parameters.ToArray();
        trainer.Step(tokens, features, classes, [2, 3], out _);
        var held = new HashSet<int>(tokens.AsSpan(2 * t, 2 * t).ToArray());
        int moved = 0;
        for (int id = 0; id < table.Shape[0]; id++)
        {
            if (held.Contains(id)) continue;
            for (int j = 0; j < e; j++) if (model.Parameters[table.Offset + id * e + j] != before[table.Offset + id * e + j]) moved++;
        }
        Assert.Equal(lazy, moved == 0);
    }

    [Fact]
    public void OneStep_IsAdaGradOnTheTouchedRowsWithTheNetworksLogitGradients()
    {
        (int[] tokens, List<int[]> features, int[] classes, HashedNGramModel wide) = Data(12);
        var model = new TinySentimentModel(seed: 2);
        var reference = new TinySentimentModel(seed: 2);
        const float lr = 0.3f, l2 = 10f;
        int[] rows = [3, 0, 7, 5];
        // A feature of one positive row only, given W = 0.5: its loss gradient dz < 0 alone would raise W, but with
        // λ·W = 5 > |dz| the step lowers it, so the L2 term is seen.
        int positive = rows.First(r => classes[r] == 1);
        int lone = features[positive].First(j => rows.Count(r => features[r].Contains(j)) == 1);
        wide.Weights[lone] = 0.5f;
        float w0 = 0.5f;
        var offsets = new float[rows.Length];
        var targets = new float[rows.Length];
        var dz = new float[rows.Length];
        Span<float> zb = stackalloc float[1];
        for (int b = 0; b < rows.Length; b++)
        {
            wide.Logits(features[rows[b]], zb);
            offsets[b] = zb[0];
            targets[b] = classes[rows[b]];
        }
        int[] batch = [.. rows.SelectMany(r => tokens.AsSpan(r * TinySentimentModel.SequenceLength, TinySentimentModel.SequenceLength).ToArray())];
        reference.ComputeGradientsWithLogitOffsets(batch, targets, offsets, dz, new float[TinySentimentModel.ParameterCount], default);

        var trainer = new WideAndDeepTrainer(model, wide, new Adam(1e-3f), lr, l2, batchSize: 4);
        trainer.Step(tokens, features, classes, rows, out _);
        // g_j = Σ_b dz_b·[j ∈ F_b] + λ·W_j; the first AdaGrad step is W_j −= η·g_j/(|g_j| + 1e-8); untouched rows stay.
        var touched = new HashSet<int>(rows.SelectMany(r => features[r]));
        for (int j = 0; j < wide.Buckets; j++)
        {
            float before = j == lone ? w0 : 0;
            if (!touched.Contains(j)) { Assert.Equal(before, wide.Weights[j]); continue; }
            float g = 0;
            for (int b = 0; b < rows.Length; b++) if (features[rows[b]].Contains(j)) g += dz[b];
            g += l2 * before;
            Assert.Equal(before - lr * g / (MathF.Abs(g) + 1e-8f), wide.Weights[j], 5);
        }
        Assert.True(dz[Array.IndexOf(rows, positive)] < 0);
        Assert.Equal(w0 - lr, wide.Weights[lone], 5);
        float gb = dz.Sum();
        Assert.Equal(-lr * gb / (MathF.Abs(gb) + 1e-8f), wide.Bias[0], 5);
        Assert.False(model.Parameters.SequenceEqual(reference.Parameters)); // the network took its Adam step
    }

    [Fact]
    public void Fit_RejectsAClassOutOfRange_NamingItsIndex()
    {
        (int[] tokens, List<int[]> features, int[] classes, HashedNGramModel wide) = Data(8);
        classes[5] = 2;
        var trainer = new WideAndDeepTrainer(new TinySentimentModel(seed: 1), wide, new Adam(1e-3f), 0.2f, 1e-4f);
        Assert.Contains("at index 5", Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(tokens, features, classes, epochs: 1, seed: 0)).Message, StringComparison.Ordinal);
        Assert.Contains("4 logits", Assert.Throws<ArgumentException>(() => new WideAndDeepTrainer(new TinySentimentModel(seed: 1), new HashedNGramModel(4, 1 << 10), new Adam(), 0.2f, 0)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SteadyStateStep_AllocatesNothing()
    {
        (int[] tokens, List<int[]> features, int[] classes, HashedNGramModel wide) = Data(64);
        var trainer = new WideAndDeepTrainer(new TinySentimentModel(seed: 1), wide, new Adam(1e-3f), 0.2f, 1e-4f, batchSize: 32);
        int[] rows = [.. Enumerable.Range(0, 32)];
        Allocations.AssertNone(() => trainer.Step(tokens, features, classes, rows, out _), what: "WideAndDeepTrainer.Step");
    }
}
