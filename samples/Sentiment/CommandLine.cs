using System.Globalization;

namespace LstmGen.Samples.Sentiment;

/// <summary>A command-line mistake: the message is shown to the user and the program exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The parsed command line.</summary>
public sealed class Options
{
    /// <summary>Default largest number of epochs (early stopping on the validation part usually ends sooner).</summary>
    public const int DefaultEpochs = 10;

    /// <summary>Default batch size.</summary>
    public const int DefaultBatchSize = 32;

    /// <summary>
    /// Largest batch size accepted: a training step keeps every row's activations, so memory grows with the batch and
    /// far larger batches only exhaust it (and sizes near 55,000 exceed what one training workspace can index).
    /// </summary>
    public const int MaxBatchSize = 4_096;

    /// <summary>Default seed for data generation, weight initialisation, shuffling and the splits.</summary>
    public const int DefaultSeed = 42;

    /// <summary>Data files or folders given with <c>--data</c>; empty means the built-in generated reviews.</summary>
    public List<string> DataPaths { get; } = [];

    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; set; } = DefaultEpochs;

    /// <summary>Sequences per gradient step.</summary>
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>The seed.</summary>
    public int Seed { get; set; } = DefaultSeed;

    /// <summary>Number of built-in reviews to generate.</summary>
    public int Reviews { get; set; } = 4_000;

    /// <summary>Whether to print usage and stop.</summary>
    public bool Help { get; set; }

    /// <summary>Extra sentences to classify after training.</summary>
    public List<string> Sentences { get; } = [];

    /// <summary>Where the trained model is saved when <c>--save</c> is not given.</summary>
    public const string DefaultSavePath = "sentiment.lstmgen";

    /// <summary>Where to save the trained model and its vocabulary; null means <see cref="DefaultSavePath"/>.</summary>
    public string? SavePath { get; set; }

    /// <summary>Whether to skip saving the trained model.</summary>
    public bool NoSave { get; set; }

    /// <summary>A saved model (with its vocabulary) to load instead of training.</summary>
    public string? LoadPath { get; set; }

    /// <summary>Labelled files to test on as given (instead of holding out 20% of the data).</summary>
    public List<string> TestPaths { get; } = [];

    /// <summary>The usage text.</summary>
    public static string Usage => $"""
        Trains a sentiment classifier — LstmGen's default text recipe: a generated LSTM (Embedding(10000, 128) → LSTM(64) →
        Dense(1, sigmoid)) whose probabilities are averaged with a naive-Bayes-scaled hashed uni+bigram logistic
        regression — reports its test accuracy, then classifies a few sentences.

        Usage: Sentiment [options] [--] [sentence ...]

        Options:
          --data PATH        Train on labelled data instead of the built-in generated reviews. PATH is a UTF-8 file of
                             lines "text<TAB>label" (label 0 = negative, 1 = positive; blank lines are skipped; at most
                             1 MiB a line) or a folder, whose *.txt files are all read. Repeat to combine several.
                             Example: --data ../shared/data/uci-sentiment-labelled-sentences
          --test PATH        Test on these labelled files (same format as --data) as given, instead of holding out 20%
                             of the data. Repeat to combine. With --load: score the loaded classifier on them.
          --epochs N         Most passes over the training data; early stopping on a 10% validation part usually
                             ends sooner (default {DefaultEpochs}).
          --batch-size N     Sequences per gradient step, 1 to {MaxBatchSize} (default {DefaultBatchSize}).
          --seed N           Seed for data, initial weights, shuffling and splits (default {DefaultSeed}).
          --reviews N        Number of built-in reviews to generate (default 4000).
          --save FILE        Where to save the trained model with its vocabulary (default {DefaultSavePath} in the
                             current folder). The file is replaced atomically.
          --no-save          Do not save the trained model.
          --load FILE        Skip training: load a model saved with --save and classify the sentences.
          -h, --help         Show this help.

        Every other argument is a sentence to classify after training, in addition to "I love this movie",
        "This movie is terrible" and "I hate this movie".

        Exit codes: 0 success, 1 training or saving failed, 2 bad arguments, data or model file.
        """;

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="UsageException">An unknown option, a missing value or a value out of range.</exception>
    public static Options Parse(IReadOnlyList<string> args)
    {
        var o = new Options();
        bool sentencesOnly = false;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (sentencesOnly || !a.StartsWith('-') || a == "-")
            {
                o.Sentences.Add(a);
                continue;
            }
            // Allow --name=value as well as --name value.
            string name = a;
            string? inline = null;
            int eq = a.IndexOf('=', StringComparison.Ordinal);
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 2)
            {
                name = a[..eq];
                inline = a[(eq + 1)..];
            }
            switch (name)
            {
                case "--":
                    sentencesOnly = true;
                    break;
                case "-h" or "--help" or "-?":
                    o.Help = true;
                    break;
                case "--data":
                    o.DataPaths.Add(Value(args, ref i, name, inline));
                    break;
                case "--test":
                    o.TestPaths.Add(Value(args, ref i, name, inline));
                    break;
                case "--epochs":
                    o.Epochs = Int(args, ref i, name, inline, 1, 10_000);
                    break;
                case "--batch-size":
                    o.BatchSize = Int(args, ref i, name, inline, 1, MaxBatchSize);
                    break;
                case "--seed":
                    o.Seed = Int(args, ref i, name, inline, int.MinValue, int.MaxValue);
                    break;
                case "--reviews":
                    o.Reviews = Int(args, ref i, name, inline, 20, 10_000_000);
                    break;
                case "--save":
                    o.SavePath = Value(args, ref i, name, inline);
                    break;
                case "--no-save":
                    o.NoSave = true;
                    break;
                case "--load":
                    o.LoadPath = Value(args, ref i, name, inline);
                    break;
                default:
                    throw new UsageException($"Unknown option '{a}'. Run with --help for the options; put '--' before a sentence that starts with '-'.");
            }
        }
        if (o.LoadPath is not null && (o.SavePath is not null || o.DataPaths.Count > 0))
            throw new UsageException("--load skips training, so it cannot be combined with --save or --data.");
        if (o.NoSave && o.SavePath is not null)
            throw new UsageException("--save and --no-save contradict each other; give one.");
        return o;
    }

    private static string Value(IReadOnlyList<string> args, ref int i, string name, string? inline)
    {
        if (inline is not null)
        {
            if (inline.Length == 0) throw new UsageException($"Option {name} needs a value.");
            return inline;
        }
        if (i + 1 >= args.Count || args[i + 1].Length == 0)
            throw new UsageException($"Option {name} needs a value.");
        return args[++i];
    }

    private static int Int(IReadOnlyList<string> args, ref int i, string name, string? inline, int min, int max)
    {
        string text = Value(args, ref i, name, inline);
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
            throw new UsageException($"Option {name} needs a whole number; got '{text}'.");
        if (value < min || value > max)
            throw new UsageException($"Option {name} must be between {min.ToString(CultureInfo.InvariantCulture)} and {max.ToString(CultureInfo.InvariantCulture)}; got {text}.");
        return value;
    }
}
