namespace LstmGen.Samples.TextGen;

/// <summary>The parsed command line.</summary>
public sealed class Options
{
    /// <summary>A UTF-8 text file; null means the project's documentation built into the sample.</summary>
    public string? DataPath { get; set; }

    /// <summary>Passes over the training text.</summary>
    public int Epochs { get; set; } = 20;

    /// <summary>Parallel streams (batch rows) the training text is cut into.</summary>
    public int Streams { get; set; } = 32;

    /// <summary>Adam's learning rate.</summary>
    public float LearningRate { get; set; } = 0.005f;

    /// <summary>The seed (weights, sampling).</summary>
    public int Seed { get; set; }

    /// <summary>The text generation starts from.</summary>
    public string Prompt { get; set; } = "The model ";

    /// <summary>Characters to generate.</summary>
    public int Length { get; set; } = 400;

    /// <summary>Sampling temperature (0 = always the most likely character).</summary>
    public float Temperature { get; set; } = 0.7f;

    /// <summary>Only the k most likely characters are drawn from (0 = all).</summary>
    public int TopK { get; set; } = 10;

    /// <summary>Where the trained model is saved.</summary>
    public string SavePath { get; set; } = "textgen.lstmgen";

    /// <summary>Skip saving.</summary>
    public bool NoSave { get; set; }

    /// <summary>A saved model to generate with, instead of training.</summary>
    public string? LoadPath { get; set; }

    /// <summary>Print usage and stop.</summary>
    public bool Help { get; set; }

    /// <summary>The usage text.</summary>
    public static string Usage => """
        Trains a character-level LSTM language model (Embedding(96, 32) → LSTM(128) → softmax over 96 symbols at every
        step) with truncated backpropagation through time, reports held-out bits per character beside a smoothed
        character 3-gram model on the same split (the last 10 % of the text), then generates text from a prompt, one
        character at a time through the model's streaming Step.

        Usage: TextGen [options]

        Options:
          --data FILE          A UTF-8 text file to learn (default: the project's own documentation, built in).
          --epochs N           Passes over the training text (default 20).
          --streams N          Parallel streams the training text is cut into, one per batch row (default 32).
          --learning-rate X    Adam's learning rate (default 0.005).
          --seed N             Seed for the weights and the sampling (default 0).
          --prompt TEXT        Where generation starts (default "The model ").
          --length N           Characters to generate (default 400).
          --temperature X      Sampling temperature, 0 = greedy (default 0.7).
          --top-k N            Draw only from the N most likely characters, 0 = all (default 10).
          --save FILE          Where to save the model with its characters (default textgen.lstmgen).
          --no-save            Do not save.
          --load FILE          Generate with a saved model instead of training.
          --help               Show this text.

        Exit codes: 0 success, 1 failure, 2 bad arguments, data or model file.
        """;

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="UsageException">An unknown option or a bad value.</exception>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        var r = new ArgumentReader(args);
        while (r.Next())
        {
            switch (r.Option)
            {
                case "--data": o.DataPath = r.Value(); break;
                case "--epochs": o.Epochs = r.Int(1, 10_000); break;
                case "--streams": o.Streams = r.Int(1, 1024); break;
                case "--learning-rate": o.LearningRate = r.Real(1e-6f, 1f); break;
                case "--seed": o.Seed = r.Int(0, int.MaxValue); break;
                case "--prompt": o.Prompt = r.Value(); break;
                case "--length": o.Length = r.Int(0, 1_000_000); break;
                case "--temperature": o.Temperature = r.Real(0, 10); break;
                case "--top-k": o.TopK = r.Int(0, CharModel.Symbols); break;
                case "--save": o.SavePath = r.Value(); break;
                case "--no-save": o.NoSave = true; break;
                case "--load": o.LoadPath = r.Value(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw r.Unknown();
            }
        }
        if (o.Prompt.Length == 0) throw new UsageException("--prompt must not be empty.");
        return o;
    }
}
