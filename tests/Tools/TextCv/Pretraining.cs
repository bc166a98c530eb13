using LstmGen;
using LstmGen.Text;
using LstmGen.Samples.Sentiment;
using LstmGen.Training;

namespace LstmGen.Tools;

/// <summary>The sentiment model's embedding and LSTM as a next-word language model (a softmax over the vocabulary per step).</summary>
[LstmModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 50, OutputSize = 10_000, Output = OutputActivation.Softmax, ReturnSequences = true)]
public sealed partial class SentimentLanguageModel;

/// <summary>
/// Language-model pretraining (issue 14 item 6): the embedding and LSTM of <see cref="SentimentModel"/> trained to predict
/// the next word of the fold's training texts (no labels; class 0, the padding id, ends a text), then copied into the
/// classifier's model before it is trained as the lstm recipe. The vocabulary is adapted exactly as the classifier adapts
/// it (the same stratified validation split, normaliser and size), so the rows line up.
/// </summary>
internal static class Pretraining
{
    public static float[] LanguageModelWeights(IReadOnlyList<string> texts, int[] labels, TextClassifierOptions o, int epochs)
    {
        SplitIndices split = DataSplit.Stratified(labels, o.ValidationFraction, 0, o.Seed);
        string[] trainTexts = [.. split.Train.Select(i => texts[i])];
        TextVectorizer adapted = TextVectorizer.Adapt(trainTexts, o.MaxVocabulary ?? SentimentModel.VocabularySize, o.MinCount, o.Normalizer);
        var vectorizer = new TextVectorizer(adapted.Vocabulary, o.Normalizer) { Truncation = o.Truncation, Padding = o.Padding };
        // Every text of the fold's training part (labels unused), next-word targets per step.
        int t = SentimentLanguageModel.SequenceLength;
        int[] tokens = vectorizer.EncodeBatch([.. texts], t);
        var next = new int[tokens.Length];
        for (int r = 0; r < texts.Count; r++)
            for (int s = 0; s < t; s++)
                next[r * t + s] = s + 1 < t ? tokens[r * t + s + 1] : 0;
        var lm = new SentimentLanguageModel(o.Seed);
        TrainingHistory h = Trainer.Fit(lm, tokens, next, new FitOptions { Epochs = epochs, BatchSize = 32, Seed = o.Seed, Optimizer = new Adam(0.002f) });
        float[] w = lm.Parameters.ToArray();
        if (Environment.GetEnvironmentVariable("TEXTCV_VERBOSE") is not null)
            Console.WriteLine($"  LM: losses {string.Join(", ", h.Epochs.Select(e => e.Loss.ToString("F3")))}; max |w| {w.Max(MathF.Abs):F2}");
        return w;
    }

    // The embedding and LSTM tensors (or the embedding only) of the language model written into the classifier's model
    // (fc keeps its init).
    public static void CopyEncoder(float[] lmWeights, SentimentModel model, bool embeddingOnly)
    {
        var lm = new SentimentLanguageModel();
        lm.SetParameters(lmWeights);
        using ParameterUpdate update = model.BeginParameterUpdate();
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            if (p.Name.StartsWith("fc.", StringComparison.Ordinal) || embeddingOnly && p.Name != "embedding.weight") continue;
            ParameterInfo source = lm.ParameterLayout.Single(q => q.Name == p.Name);
            lm.Parameters.Slice(source.Offset, source.Length).CopyTo(update.Values.Slice(p.Offset, p.Length));
        }
    }
}
