using System.Diagnostics;
using System.Globalization;
using LstmGen.Samples.Sentiment;
using LstmGen.Text;
using LstmGen.Tools;

// 10-fold cross-validation on the UCI sentiment sentences (Amazon, IMDb, Yelp files in ordinal order; fold = line index
// mod 10) of the text recipes against multinomial naive Bayes on uni+bigrams, on the same folds. Prints per recipe the mean
// test accuracy ± the standard deviation over folds, and the time.
//
//   nice -n 10 dotnet run -c Release --project tests/Tools/TextCv -- [--data FOLDER] [--folds N] [recipe ...]
//
// Recipes: nb, nb-sentiment (naive Bayes with the Keras-like or the sentiment normaliser), wide (plain hashed uni+bigram
// logistic regression), wide-nb (naive-Bayes scaled), lstm, lstm-default-normaliser, avg3 (checkpoint averaging of 3
// epochs), ens3 (3 seeds), wide+lstm / wide+avg3 / wide+ens3 (the linear part's weight chosen on validation),
// wide70+lstm, wide50+avg3,
// wide50+lstm / wide50+ens3 / wide70+ens3 (fixed weight 0.5 / 0.7), default (the TextClassifierOptions defaults = the
// sample's), joint / joint-plain / joint-lrX (the jointly trained wide-and-deep model, WideOptions.Joint: naive-Bayes
// scaled features, presence features, AdaGrad rate X; paired also against default), pretrainN (lstm after N epochs of
// next-word language-model pretraining of its embedding and LSTM on the fold's training texts; pretrain-embN copies the
// embedding only; paired against lstm). RECIPE:E,I,R,H[:EPOCHS[:PATIENCE]] (RECIPE = lstm or default) adds dropout rates on the embedding, the
// LSTM's input, its recurrent state and the head's input, e.g. lstm:0.2,0,0,0.5. With --folds N only the first N folds
// run (for quick looks). TEXTCV_VERBOSE=1 prints the pretraining language model's losses.

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string data = Path.Combine("..", "shared", "data", "uci-sentiment-labelled-sentences");
int folds = 10;
bool bucketingTiming = false, dropoutTiming = false;
var recipes = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--data": data = args[++i]; break;
        case "--folds": folds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--bucketing-timing": bucketingTiming = true; break;
        case "--dropout-timing": dropoutTiming = true; break;
        default: recipes.Add(args[i]); break;
    }
}
if (recipes.Count == 0 && !bucketingTiming && !dropoutTiming) recipes.AddRange(["nb", "nb-sentiment", "wide", "lstm", "default"]);

string[] files = Directory.GetFiles(data, "*_labelled.txt").Order(StringComparer.Ordinal).ToArray();
List<LabelledExample> all = LabelledText.ReadTsv(files);
Console.WriteLine($"{all.Count} sentences from {string.Join(", ", files.Select(Path.GetFileName))}; {folds} of 10 folds (fold = line index mod 10); {Environment.ProcessorCount} CPUs");

if (dropoutTiming)
{
    BucketingTiming.RunDropout(all);
    return 0;
}
if (bucketingTiming)
{
    BucketingTiming.Run(all);
    return 0;
}

var results = new Dictionary<string, List<double>>();
foreach (string recipe in recipes)
{
    var clock = Stopwatch.StartNew();
    var accuracies = new List<double>();
    for (int fold = 0; fold < folds; fold++)
    {
        var train = all.Where((_, i) => i % 10 != fold).ToList();
        var test = all.Where((_, i) => i % 10 == fold).ToList();
        accuracies.Add(Recipes.Score(recipe, train, test, seed: fold));
    }
    double mean = accuracies.Average();
    double sd = Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / Math.Max(1, accuracies.Count - 1));
    Console.WriteLine($"{recipe,-26} {mean * 100:F2}% ± {sd * 100:F2} (sd over {accuracies.Count} folds; min {accuracies.Min() * 100:F1}, max {accuracies.Max() * 100:F1})  {clock.Elapsed.TotalSeconds:F0} s");
    results[recipe] = accuracies;
}
// Paired differences against naive Bayes (and against the recipe without dropout, for RECIPE:rates) on the same folds:
// mean ± sd of (recipe − baseline) per fold.
foreach (string baseline in results.Keys.ToList())
{
    List<double> baseScores = results[baseline];
    foreach ((string recipe, List<double> scores) in results)
    {
        if (recipe == baseline || !(baseline == "nb" || recipe.StartsWith(baseline + ":", StringComparison.Ordinal) || baseline == "default" && recipe.StartsWith("joint", StringComparison.Ordinal)
            || baseline == "lstm" && recipe.StartsWith("pretrain", StringComparison.Ordinal))) continue;
        double[] d = [.. scores.Zip(baseScores, (a, b) => a - b)];
        double m = d.Average(), sdd = Math.Sqrt(d.Sum(x => (x - m) * (x - m)) / Math.Max(1, d.Length - 1));
        Console.WriteLine($"{recipe,-26} − {baseline}: {m * 100:+0.00;-0.00} points ± {sdd * 100:F2} (paired over folds; better on {d.Count(x => x > 0)} of {d.Length}, worse on {d.Count(x => x < 0)})");
    }
}
return 0;

internal static class Recipes
{
    public static double Score(string recipe, List<LabelledExample> train, List<LabelledExample> test, int seed)
    {
        if (recipe is "nb" or "nb-sentiment")
        {
            TextNormalizer n = recipe == "nb" ? TextNormalizer.Default : TextNormalizer.Sentiment;
            var nb = new NaiveBayes();
            nb.Fit([.. train.Select(r => (IReadOnlyList<string>)n.Tokenize(r.Text))], [.. train.Select(r => Label(r))], 2);
            return test.Count(r => nb.Predict(n.Tokenize(r.Text)) == Label(r)) / (double)test.Count;
        }
        if (recipe is "wide" or "wide-nb")
        {
            // The linear part alone, with the classifier's split: 10% of the training rows to stop on.
            var w = new HashedNGramModel(2);
            TextNormalizer n = TextNormalizer.Sentiment;
            var split = LstmGen.Training.DataSplit.Stratified([.. train.Select(Label)], 0.1, 0, seed);
            List<int[]> F(IEnumerable<int> rows, List<LabelledExample> from) => [.. rows.Select(i => w.Features(n.Tokenize(from[i].Text)))];
            w.Fit(F(split.Train, train), [.. split.Train.Select(i => Label(train[i]))], seed: seed,
                validationFeatures: F(split.Validation, train), validationLabels: [.. split.Validation.Select(i => Label(train[i]))], naiveBayesScaling: recipe == "wide-nb");
            Span<float> p = stackalloc float[2];
            int right = 0;
            foreach (LabelledExample r in test)
            {
                w.PredictProbabilities(w.Features(n.Tokenize(r.Text)), p);
                if ((p[1] > p[0] ? 1 : 0) == Label(r)) right++;
            }
            return right / (double)test.Count;
        }
        if (recipe.StartsWith("pretrain", StringComparison.Ordinal))
        {
            // pretrainN: N epochs of next-word pretraining of the embedding and LSTM on the fold's training texts, then lstm.
            TextClassifierOptions lstm = Options("lstm", seed);
            bool embeddingOnly = recipe.StartsWith("pretrain-emb", StringComparison.Ordinal);
            string count = recipe[(embeddingOnly ? "pretrain-emb" : "pretrain").Length..];
            int epochs = count.Length > 0 ? int.Parse(count, CultureInfo.InvariantCulture) : 3;
            string[] texts = [.. train.Select(r => r.Text)];
            float[] lmWeights = Pretraining.LanguageModelWeights(texts, [.. train.Select(Label)], lstm, epochs);
            var pretrained = new TextClassifier<SentimentModel>(s =>
            {
                var m = new SentimentModel(s);
                Pretraining.CopyEncoder(lmWeights, m, embeddingOnly);
                return m;
            }, lstm);
            pretrained.Fit(texts.ToList(), train.Select(r => r.Label).ToList());
            return pretrained.Evaluate(test.Select(r => r.Text).ToList(), test.Select(r => r.Label).ToList()).Accuracy;
        }
        TextClassifierOptions options = recipe.Contains(':', StringComparison.Ordinal) ? WithDropout(recipe, seed) : Options(recipe, seed);
        var classifier = new TextClassifier<SentimentModel>(s => new SentimentModel(s), options);
        classifier.Fit(train.Select(r => r.Text).ToList(), train.Select(r => r.Label).ToList());
        return classifier.Evaluate(test.Select(r => r.Text).ToList(), test.Select(r => r.Label).ToList()).Accuracy;
    }

    private static int Label(LabelledExample r) => r.Label == "1" ? 1 : 0;

    // "lstm:E,I,R,H" / "default:E,I,R,H": the lstm or default recipe with dropout rates on the embedding, the LSTM's
    // input (Keras dropout), its recurrent state (Keras recurrent_dropout) and the head's input.
    private static TextClassifierOptions WithDropout(string recipe, int seed)
    {
        string[] parts = recipe.Split(':');
        float[] r = [.. parts[1].Split(',').Select(x => float.Parse(x, CultureInfo.InvariantCulture))];
        var dropout = new LstmGen.Training.DropoutSettings { Embedding = r[0], Input = r[1], Recurrent = r[2], Head = r[3], Seed = seed };
        TextClassifierOptions o = Options(parts[0], seed);
        return new TextClassifierOptions
        {
            Seed = o.Seed, Wide = o.Wide, EnsembleSize = o.EnsembleSize, AverageLastEpochs = o.AverageLastEpochs, Dropout = dropout,
            Epochs = parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : o.Epochs,
            Patience = parts.Length > 3 ? int.Parse(parts[3], CultureInfo.InvariantCulture) : o.Patience,
        };
    }

    private static TextClassifierOptions Options(string recipe, int seed)
    {
        var wide = new WideOptions { Weight = null };
        var plainWide = new WideOptions { NaiveBayesScaling = false };
        return recipe switch
        {
            "default" or "wide" => new TextClassifierOptions { Seed = seed },
            "lstm" => new TextClassifierOptions { Seed = seed, Wide = null, EnsembleSize = 1, AverageLastEpochs = 1 },
            "lstm-default-normaliser" => new TextClassifierOptions { Seed = seed, Normalizer = TextNormalizer.Default, Wide = null, EnsembleSize = 1, AverageLastEpochs = 1 },
            "avg3" => new TextClassifierOptions { Seed = seed, Wide = null, AverageLastEpochs = 3 },
            "ens3" => new TextClassifierOptions { Seed = seed, Wide = null, EnsembleSize = 3 },
            "wide+lstm" => new TextClassifierOptions { Seed = seed, Wide = wide, EnsembleSize = 1, AverageLastEpochs = 1 },
            "wide+avg3" => new TextClassifierOptions { Seed = seed, Wide = wide, AverageLastEpochs = 3 },
            "wide+ens3" => new TextClassifierOptions { Seed = seed, Wide = wide, EnsembleSize = 3 },
            "wide50+lstm" => new TextClassifierOptions { Seed = seed, Wide = new WideOptions { Weight = 0.5f } },
            "wide70+lstm" => new TextClassifierOptions { Seed = seed, Wide = new WideOptions { Weight = 0.7f } },
            "wide50+avg3" => new TextClassifierOptions { Seed = seed, Wide = new WideOptions { Weight = 0.5f }, AverageLastEpochs = 3 },
            "wide50+ens3" => new TextClassifierOptions { Seed = seed, Wide = new WideOptions { Weight = 0.5f }, EnsembleSize = 3 },
            "wide70+ens3" => new TextClassifierOptions { Seed = seed, Wide = new WideOptions { Weight = 0.7f }, EnsembleSize = 3 },
            "wide70+avg3" => new TextClassifierOptions { Seed = seed, Wide = new WideOptions { Weight = 0.7f }, AverageLastEpochs = 3 },
            // The jointly trained wide-and-deep model (WideOptions.Joint): naive-Bayes scaled or plain presence features, and
            // jointN.M: AdaGrad learning rate N/10 … e.g. joint0.05 = 0.05.
            "joint" => new TextClassifierOptions { Seed = seed, Wide = new WideOptions { Joint = true }, EnsembleSize = 1, AverageLastEpochs = 1 },
            "joint-plain" => new TextClassifierOptions { Seed = seed, Wide = new WideOptions { Joint = true, NaiveBayesScaling = false }, EnsembleSize = 1, AverageLastEpochs = 1 },
            // joint-warm / joint-warm-lrX: the linear part trained alone first, then jointly (at AdaGrad rate X).
            "joint-warm" => new TextClassifierOptions { Seed = seed, Wide = new WideOptions { Joint = true, WarmStart = true }, EnsembleSize = 1, AverageLastEpochs = 1 },
            _ when recipe.StartsWith("joint-warm-lr", StringComparison.Ordinal) => new TextClassifierOptions
            {
                Seed = seed, EnsembleSize = 1, AverageLastEpochs = 1,
                Wide = new WideOptions { Joint = true, WarmStart = true, JointLearningRate = float.Parse(recipe["joint-warm-lr".Length..], CultureInfo.InvariantCulture) },
            },
            _ when recipe.StartsWith("joint-lr", StringComparison.Ordinal) => new TextClassifierOptions
            {
                Seed = seed, EnsembleSize = 1, AverageLastEpochs = 1,
                Wide = new WideOptions { Joint = true, LearningRate = float.Parse(recipe["joint-lr".Length..], CultureInfo.InvariantCulture) },
            },
            "plainwide+ens3" => new TextClassifierOptions { Seed = seed, Wide = plainWide, EnsembleSize = 3 },
            _ => throw new ArgumentException($"Unknown recipe '{recipe}'."),
        };
    }
}

internal static class BucketingTiming
{
    // Training speed of the sample's model on all the sentences without dropout and with each kind (2 epochs each, twice).
    public static void RunDropout(List<LabelledExample> all)
    {
        TextVectorizer v = TextVectorizer.Adapt(all.Select(r => r.Text), SentimentModel.VocabularySize, normalizer: TextNormalizer.Sentiment);
        int[] tokens = v.EncodeBatch(all.Select(r => r.Text).ToList(), SentimentModel.SequenceLength);
        int[] labels = [.. all.Select(r => r.Label == "1" ? 1 : 0)];
        (string Name, LstmGen.Training.DropoutSettings? D)[] cases =
        [
            ("none", null),
            ("embedding 0.2 + head 0.5", new() { Embedding = 0.2f, Head = 0.5f }),
            ("input 0.2 (variational)", new() { Input = 0.2f }),
            ("recurrent 0.2 (variational)", new() { Recurrent = 0.2f }),
            ("all four", new() { Embedding = 0.2f, Input = 0.2f, Recurrent = 0.2f, Head = 0.5f }),
        ];
        for (int round = 0; round < 2; round++)
        {
            foreach ((string name, LstmGen.Training.DropoutSettings? d) in cases)
            {
                var model = new SentimentModel(1);
                var h = LstmGen.Training.Trainer.Fit(model, tokens, labels, new LstmGen.Training.FitOptions { Epochs = 2, Seed = 1, LengthBucketing = true, Dropout = d });
                Console.WriteLine($"{name,-28}: {h.Epochs.Average(e => e.Elapsed.TotalSeconds):F2} s per epoch ({h.Epochs.Average(e => e.SequencesPerSecond):N0} seq/s)");
            }
        }
    }

    // Epoch time of the sample's model on all the sentences, with and without length bucketing (3 epochs each, no validation).
    public static void Run(List<LabelledExample> all)
    {
        TextVectorizer v = TextVectorizer.Adapt(all.Select(r => r.Text), SentimentModel.VocabularySize, normalizer: TextNormalizer.Sentiment);
        int[] tokens = v.EncodeBatch(all.Select(r => r.Text).ToList(), SentimentModel.SequenceLength);
        int[] labels = [.. all.Select(r => r.Label == "1" ? 1 : 0)];
        foreach (bool bucketing in new[] { false, true, false, true })
        {
            var model = new SentimentModel(1);
            var h = LstmGen.Training.Trainer.Fit(model, tokens, labels, new LstmGen.Training.FitOptions { Epochs = 3, Seed = 1, LengthBucketing = bucketing });
            Console.WriteLine($"LengthBucketing = {bucketing,-5}: {h.Epochs.Average(e => e.Elapsed.TotalSeconds):F2} s per epoch ({h.Epochs.Average(e => e.SequencesPerSecond):N0} seq/s), final training loss {h.Epochs[^1].Loss:F4}");
        }
    }
}
