using System.Text;
using LstmGen;

namespace LstmGen.Samples.Sentiment;

/// <summary>The sentence structure of a generated review, which decides how its label follows from its words.</summary>
public enum ReviewKind
{
    /// <summary>A direct opinion: "the movie was really good", "I hate this phone". The label is the polarity of the opinion word.</summary>
    Plain = 0,
    /// <summary>A negated opinion: "the movie was not good", "not bad at all", "neither dull nor weak", "I don't recommend it".
    /// The label is the opposite of the opinion word's polarity.</summary>
    Negated = 1,
    /// <summary>Two opinions of opposite polarity where the structure says which counts: "I expected it to be awful, but it was
    /// wonderful", "it was great, even though I expected it to be boring". Every such review holds one positive and one
    /// negative word.</summary>
    Contrast = 2,
}

/// <summary>One generated review.</summary>
/// <param name="Text">The review, with capitalisation and punctuation.</param>
/// <param name="Label">1 = positive, 0 = negative.</param>
/// <param name="Kind">Its sentence structure.</param>
public sealed record Review(string Text, int Label, ReviewKind Kind);

/// <summary>
/// A seeded generator of short templated movie and product reviews with sentiment labels, built so that <b>word counts alone
/// cannot solve it but word order can</b>.
/// </summary>
/// <remarks>
/// <para>Reviews come in pairs of the same <see cref="ReviewKind"/>, one positive and one negative, and the kinds are dealt in
/// shuffled blocks of one each, so the classes are exactly balanced overall and within every kind. Opinion words
/// (adjectives such as "good"/"awful" and verbs such as "love"/"hate") are drawn uniformly from equal-sized positive and
/// negative pools: "good" is positive in <see cref="ReviewKind.Plain"/> reviews and negative in as many
/// <see cref="ReviewKind.Negated"/> ones; a <see cref="ReviewKind.Contrast"/> review holds one word of each polarity, and
/// which one counts depends on "but" or "even though". Fillers, intensifiers and subjects are drawn independently of the
/// label. So every word occurs about equally often in both classes, and a bag-of-words classifier is near chance, while a
/// sequence model that reads "not", "neither … nor" and "but" can be near perfect.</para>
/// <para>The output is a pure function of (count, seed) through <see cref="Rng"/>, the same on every machine and .NET version.</para>
/// </remarks>
public static class ReviewGenerator
{
    /// <summary>Positive adjectives (as many as <see cref="NegativeAdjectives"/>).</summary>
    public static readonly IReadOnlyList<string> PositiveAdjectives =
        ["good", "great", "wonderful", "excellent", "amazing", "fantastic", "brilliant", "enjoyable", "delightful", "superb", "lovely", "impressive"];

    /// <summary>Negative adjectives (as many as <see cref="PositiveAdjectives"/>).</summary>
    public static readonly IReadOnlyList<string> NegativeAdjectives =
        ["bad", "terrible", "awful", "horrible", "boring", "dull", "disappointing", "poor", "dreadful", "mediocre", "annoying", "weak"];

    /// <summary>Positive verbs, present tense (as many as <see cref="NegativeVerbs"/>).</summary>
    public static readonly IReadOnlyList<string> PositiveVerbs = ["love", "like", "enjoy", "adore", "recommend"];

    /// <summary>Negative verbs, present tense (as many as <see cref="PositiveVerbs"/>).</summary>
    public static readonly IReadOnlyList<string> NegativeVerbs = ["hate", "dislike", "despise", "detest", "loathe"];

    private static readonly string[] Subjects =
    [
        "the movie", "this movie", "the film", "this film", "the show", "the series", "the plot", "the story", "the acting",
        "the ending", "the soundtrack", "the script", "the book", "this novel", "the phone", "this phone", "the battery",
        "the screen", "the camera", "the product", "this product", "the food", "the service", "this restaurant", "the hotel",
        "the game", "the album", "the sequel", "the performance", "the dialogue",
    ];

    private static readonly string[] Aspects = ["price", "packaging", "opening", "first half", "trailer", "cover", "setup", "menu", "cast", "music"];

    private static readonly string[] Intensifiers = ["", "", "", "", "very ", "really ", "truly ", "absolutely ", "quite ", "so ", "incredibly ", "extremely ", "pretty "];

    private static readonly string[] Prefixes =
        ["", "", "", "", "", "honestly, ", "overall, ", "to be honest, ", "i have to say ", "frankly, ", "well, ", "in my opinion, ", "all in all, "];

    private static readonly string[] Suffixes = ["", "", "", "", " overall", " for me", " in my opinion", " to be honest", " if you ask me"];

    private static readonly string[] Endings = [".", ".", ".", "!", "", "..."];

    private static readonly string[] VerbAdverbs = ["", "", "really ", "absolutely ", "truly "];

    /// <summary>
    /// Generates <paramref name="count"/> labelled reviews (1 = positive, 0 = negative), deterministically for
    /// <paramref name="seed"/>. Exactly half are positive (for an odd count, the extra one is negative).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static IReadOnlyList<(string Text, int Label)> Generate(int count, int seed)
        => GenerateReviews(count, seed).Select(r => (r.Text, r.Label)).ToArray();

    /// <summary>As <see cref="Generate"/>, with each review's <see cref="ReviewKind"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static IReadOnlyList<Review> GenerateReviews(int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var rng = new Rng(seed);
        var reviews = new List<Review>(count + 1);
        Span<ReviewKind> block = stackalloc ReviewKind[3];
        int pairs = (count + 1) / 2;
        for (int p = 0; p < pairs; p++)
        {
            if (p % 3 == 0)
            {
                block[0] = ReviewKind.Plain;
                block[1] = ReviewKind.Negated;
                block[2] = ReviewKind.Contrast;
                rng.Shuffle(block);
            }
            ReviewKind kind = block[p % 3];
            reviews.Add(Make(ref rng, kind, 0));
            if (reviews.Count < count) reviews.Add(Make(ref rng, kind, 1));
        }
        Review[] result = [.. reviews];
        rng.Shuffle<Review>(result);
        return result;
    }

    private static Review Make(ref Rng rng, ReviewKind kind, int label)
    {
        bool positive = label == 1;
        string core = kind switch
        {
            ReviewKind.Plain => MakePlain(ref rng, positive),
            ReviewKind.Negated => MakeNegated(ref rng, positive),
            _ => MakeContrast(ref rng, positive),
        };
        string text = Pick(ref rng, Prefixes) + core + Pick(ref rng, Suffixes) + Pick(ref rng, Endings);
        return new Review(Polish(text), label, kind);
    }

    // Plain: the opinion word has the label's polarity. Three quarters adjectives, one quarter verbs (as in Negated).
    private static string MakePlain(ref Rng rng, bool positive)
    {
        if (rng.NextInt(4) == 0)
            return $"i {Pick(ref rng, VerbAdverbs)}{Verb(ref rng, positive)} {Pick(ref rng, Subjects)}";
        string subject = Pick(ref rng, Subjects);
        string be = Be(ref rng);
        return rng.NextInt(4) switch
        {
            0 => $"{subject} {be} {Pick(ref rng, Intensifiers)}{Adjective(ref rng, positive)} and {Pick(ref rng, Intensifiers)}{Adjective(ref rng, positive)}",
            1 => $"{subject} {be} {Pick(ref rng, Intensifiers)}{Adjective(ref rng, positive)} from start to finish",
            _ => $"{subject} {be} {Pick(ref rng, Intensifiers)}{Adjective(ref rng, positive)}",
        };
    }

    // Negated: the opinion word has the opposite polarity of the label. Same shares of verbs and two-adjective forms as Plain.
    private static string MakeNegated(ref Rng rng, bool positive)
    {
        bool word = !positive;
        if (rng.NextInt(4) == 0)
        {
            string not = rng.NextInt(2) == 0 ? "do not" : "don't";
            return $"i {not} {Verb(ref rng, word)} {Pick(ref rng, Subjects)}";
        }
        string subject = Pick(ref rng, Subjects);
        string be = Be(ref rng);
        return rng.NextInt(4) switch
        {
            0 => $"{subject} {be} neither {Adjective(ref rng, word)} nor {Adjective(ref rng, word)}",
            1 => rng.NextInt(2) == 0 ? $"{subject} {be} not {Adjective(ref rng, word)} at all" : $"not {Adjective(ref rng, word)} at all",
            _ => rng.NextInt(3) switch
            {
                0 => $"{subject} {be} not {Adjective(ref rng, word)}",
                1 => $"{subject} {be}n't {Adjective(ref rng, word)}",
                _ => $"{subject} {be} never {Adjective(ref rng, word)}",
            },
        };
    }

    // Contrast: one adjective of each polarity; the one that counts (`final`) has the label's polarity.
    private static string MakeContrast(ref Rng rng, bool positive)
    {
        string first = Adjective(ref rng, !positive);
        string final = Pick(ref rng, Intensifiers) + Adjective(ref rng, positive);
        string subject = rng.NextInt(4) == 0 ? "it" : Pick(ref rng, Subjects);
        string comma = rng.NextInt(3) == 0 ? "" : ",";
        return rng.NextInt(8) switch
        {
            0 => $"i expected {subject} to be {first}{comma} but it was {final}",
            1 => $"i thought {subject} would be {first}{comma} but it turned out {final}",
            2 => $"{subject} started {first} but ended up {final}",
            3 => $"at first {subject} seemed {first}{comma} but in the end it was {final}",
            4 => $"everyone said {subject} was {first}{comma} but i found it {final}",
            5 => $"the reviews called {subject} {first}{comma} but it was actually {final}",
            6 => $"although the {Pick(ref rng, Aspects)} was {first}, {subject} was {final}",
            _ => $"{subject} was {final}{comma} even though i expected it to be {first}",
        };
    }

    private static string Be(ref Rng rng) => rng.NextInt(3) == 0 ? "is" : "was";

    private static string Adjective(ref Rng rng, bool positive) => Pick(ref rng, positive ? PositiveAdjectives : NegativeAdjectives);

    private static string Verb(ref Rng rng, bool positive) => Pick(ref rng, positive ? PositiveVerbs : NegativeVerbs);

    private static string Pick(ref Rng rng, IReadOnlyList<string> items) => items[rng.NextInt(items.Count)];

    // Capitalises the first letter and the pronoun "i", so the text reads like a review (the normaliser lower-cases it again).
    private static string Polish(string text)
    {
        var sb = new StringBuilder(text);
        sb[0] = char.ToUpperInvariant(sb[0]);
        for (int i = 0; i < sb.Length; i++)
        {
            if (sb[i] == 'i' && (i == 0 || sb[i - 1] == ' ') && (i + 1 == sb.Length || sb[i + 1] is ' ' or ',' or '.' or '!'))
                sb[i] = 'I';
        }
        return sb.ToString();
    }
}
