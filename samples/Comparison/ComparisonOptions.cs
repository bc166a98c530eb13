using System.Globalization;
namespace LstmGen.Samples.Comparison;

/// <summary>A command-line mistake: shown to the user, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>The comparison's command line.</summary>
public sealed class ComparisonOptions
{
    /// <summary>Usage text.</summary>
    public const string Usage = """
        Usage: dotnet run -c Release --project samples/Comparison -- [options]

        Trains every model kind (LSTM, GRU, RNN, text CNN, feed-forward) on a long-range memory task at several
        dependency distances and on sentiment data, prints the tables and writes charts.

          --data FILE         text<TAB>label lines for the sentiment table (repeatable; default: built-in reviews)
          --memory-epochs N   epochs per memory-task run (default 20)
          --epochs N          epochs per sentiment run (default 5)
          --distances LIST    comma-separated dependency distances in [1, 100] (default 10,25,50,100)
          --rows N            training rows per memory-task run (default 4000)
          --threads N         data-parallel training threads (default: processor count, at most 4)
          --seed N            seed for data, weights and shuffling (default 42)
          --out DIR           where charts go (default comparison-output)
          --quick             fewer distances, rows and epochs (a smoke run)
          --help              this text
        """;

    /// <summary>Sentiment files; empty = built-in reviews.</summary>
    public List<string> DataPaths { get; } = [];
    /// <summary>Epochs per memory-task run.</summary>
    public int MemoryEpochs { get; private set; } = 20;
    /// <summary>Epochs per sentiment run.</summary>
    public int SentimentEpochs { get; private set; } = 5;
    /// <summary>Training rows per memory-task run.</summary>
    public int MemoryRows { get; private set; } = 4_000;
    /// <summary>Dependency distances for the memory task.</summary>
    public int[] Distances { get; private set; } = [10, 25, 50, 100];
    /// <summary>Training threads.</summary>
    public int Threads { get; private set; } = Math.Clamp(Environment.ProcessorCount, 1, 4);
    /// <summary>Seed.</summary>
    public int Seed { get; private set; } = 42;
    /// <summary>Chart folder.</summary>
    public string OutputDirectory { get; private set; } = "comparison-output";
    /// <summary>Smoke mode.</summary>
    public bool Quick { get; private set; }
    /// <summary>Print usage.</summary>
    public bool Help { get; private set; }

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="UsageException">An unknown option or a bad value.</exception>
    public static ComparisonOptions Parse(string[] args)
    {
        var o = new ComparisonOptions();
        bool memoryEpochsSet = false, epochsSet = false, rowsSet = false, distancesSet = false;
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            switch (a)
            {
                case "--help" or "-h": o.Help = true; break;
                case "--quick": o.Quick = true; break;
                case "--data": o.DataPaths.Add(Value(args, ref i)); break;
                case "--out": o.OutputDirectory = Value(args, ref i); break;
                case "--memory-epochs": o.MemoryEpochs = Positive(args, ref i); memoryEpochsSet = true; break;
                case "--epochs": o.SentimentEpochs = Positive(args, ref i); epochsSet = true; break;
                case "--rows": o.MemoryRows = Positive(args, ref i); rowsSet = true; break;
                case "--distances":
                    string list = Value(args, ref i);
                    o.Distances = list.Split(',').Select(d => int.TryParse(d, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v is >= 1 and <= MemoryTask.Steps
                        ? v : throw new UsageException($"--distances needs whole numbers in [1, {MemoryTask.Steps}], not '{list}'.")).ToArray();
                    distancesSet = true;
                    break;
                case "--threads": o.Threads = Positive(args, ref i); break;
                case "--seed": o.Seed = int.Parse(Value(args, ref i), NumberStyles.Integer, CultureInfo.InvariantCulture); break;
                default: throw new UsageException($"unknown option '{a}'. Try --help.");
            }
        }
        if (o.Quick)
        {
            if (!memoryEpochsSet) o.MemoryEpochs = 2;
            if (!epochsSet) o.SentimentEpochs = 1;
            if (!rowsSet) o.MemoryRows = 500;
            if (!distancesSet) o.Distances = [10, 50];
        }
        return o;
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length) throw new UsageException($"{args[i]} needs a value.");
        return args[++i];
    }

    private static int Positive(string[] args, ref int i)
    {
        string name = args[i], text = Value(args, ref i);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) || v < 1)
            throw new UsageException($"{name} needs a positive whole number, not '{text}'.");
        return v;
    }
}
