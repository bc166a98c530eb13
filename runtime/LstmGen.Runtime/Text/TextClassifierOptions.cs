using LstmGen.Training;

namespace LstmGen.Text;

/// <summary>Settings of a <see cref="TextClassifier{TModel}"/>; the defaults are the recipe measured best on the UCI sentences.</summary>
public sealed class TextClassifierOptions
{
    /// <summary>How texts are split into words (default <see cref="TextNormalizer.Sentiment"/>: keeps ?, ! and contractions).</summary>
    public TextNormalizer Normalizer { get; init; } = TextNormalizer.Sentiment;
    /// <summary>Largest vocabulary, counting the 2 reserved ids (null = the model's VocabularySize).</summary>
    public int? MaxVocabulary { get; init; }
    /// <summary>Fewest occurrences for a word to get its own id (default 1).</summary>
    public int MinCount { get; init; } = 1;
    /// <summary>Where long texts are cut (default: keep the first tokens).</summary>
    public SequenceSide Truncation { get; init; } = SequenceSide.End;
    /// <summary>Where padding goes (default: after the tokens).</summary>
    public SequenceSide Padding { get; init; } = SequenceSide.End;
    /// <summary>Upper bound on epochs; early stopping on the validation part usually ends training sooner (default 10).</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Sequences per step (default 32).</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Learning rate of each member's Adam (default 1e-3, Keras').</summary>
    public float LearningRate { get; init; } = 1e-3f;
    /// <summary>Decoupled weight decay (AdamW) of each member; 0 = plain Adam (default 0).</summary>
    public float WeightDecay { get; init; }
    /// <summary>Fraction of the training texts held out (stratified, seeded) to choose the epoch (default 0.1).</summary>
    public double ValidationFraction { get; init; } = 0.1;
    /// <summary>Early-stopping patience on validation loss (default 2).</summary>
    public int Patience { get; init; } = 2;
    /// <summary>Models trained from different seeds whose probabilities are averaged (default 1).</summary>
    public int EnsembleSize { get; init; } = 1;
    /// <summary>
    /// Checkpoint averaging: each model's final weights are the mean of its weights at the end of this many epochs up to
    /// and including the best one (1 = the best epoch's weights alone; default 1).
    /// </summary>
    public int AverageLastEpochs { get; init; } = 1;
    /// <summary>
    /// The hashed uni+bigram linear part (naive-Bayes scaled, its weight chosen on the validation part), or null for none.
    /// Default on: on the UCI sentences it lifts the LSTM from 82.0% to 85.2% (10-fold CV; tests/Tools/TextCv), naive
    /// Bayes scoring 83.8%.
    /// </summary>
    public WideOptions? Wide { get; init; } = new();
    /// <summary>Length bucketing in Fit (default true: same results' quality, less padding work).</summary>
    public bool LengthBucketing { get; init; } = true;
    /// <summary>Seed for the split, initialisation and shuffling (member k uses Seed + k).</summary>
    public int Seed { get; init; }
    /// <summary>Threads per training step (default 1).</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Extra callbacks for every member's Fit (for example a <see cref="ConsoleProgress"/>).</summary>
    public IReadOnlyList<TrainingCallback>? Callbacks { get; init; }
    /// <summary>
    /// Dropout for every member's training (each member gets its own copy; masks salted with the member's seed). Null
    /// (default) = off: on the UCI sentences it did not measurably help (see the README's dropout section).
    /// </summary>
    public DropoutSettings? Dropout { get; init; }
}

/// <summary>The linear part of a wide-and-deep classifier (see <see cref="HashedNGramModel"/>).</summary>
public sealed class WideOptions
{
    /// <summary>Hash buckets (a power of two; default 2¹⁸).</summary>
    public int Buckets { get; init; } = 1 << 18;
    /// <summary>Use bigrams besides unigrams (default true).</summary>
    public bool Bigrams { get; init; } = true;
    /// <summary>Scale the features by their naive-Bayes log-count ratios (two classes only; default true).</summary>
    public bool NaiveBayesScaling { get; init; } = true;
    /// <summary>AdaGrad learning rate (default 0.2).</summary>
    public float LearningRate { get; init; } = 0.2f;
    /// <summary>L2 coefficient (default 1e-4).</summary>
    public float L2 { get; init; } = 1e-4f;
    /// <summary>Most epochs (default 20; early stopping on the validation part).</summary>
    public int Epochs { get; init; } = 20;
    /// <summary>
    /// Weight w of the linear part's probabilities in the final average, in [0, 1]: p = (1 − w)·p_deep + w·p_wide
    /// (default 0.5, the best measured). Null: chosen on the validation part, the w of 0, 0.05, …, 1 with the lowest
    /// validation cross-entropy (0.5 when there is no validation part); on the UCI sentences that scored 84.9% against
    /// 85.2% for 0.5 (the validation part is small), but it adapts to data where bag-of-words fails.
    /// </summary>
    public float? Weight { get; init; } = 0.5f;
    /// <summary>
    /// Train the linear part jointly with the network as one wide-and-deep model (default false): the logits are the
    /// network's plus the linear part's, both trained on the same loss (<see cref="WideAndDeepTrainer"/>: Adam for the
    /// network, AdaGrad with <see cref="LearningRate"/> and <see cref="L2"/> for the linear part), for
    /// <see cref="TextClassifierOptions.Epochs"/> epochs with early stopping on the validation part; <see cref="Weight"/>
    /// and <see cref="Epochs"/> are not used. Needs a token recurrent model with one output row per sequence
    /// (<see cref="Training.ILogitOffsetModel"/>), one ensemble member, no checkpoint averaging, dropout or weight decay;
    /// it trains on one thread without length bucketing, and callbacks are not called.
    /// </summary>
    public bool Joint { get; init; }
    /// <summary>
    /// With <see cref="Joint"/>: train the linear part alone first (as without Joint, up to <see cref="Epochs"/> epochs), then
    /// both parts together (default false).
    /// </summary>
    public bool WarmStart { get; init; }
    /// <summary>With <see cref="Joint"/>: the linear part's AdaGrad rate during joint training (null = <see cref="LearningRate"/>).</summary>
    public float? JointLearningRate { get; init; }
}
