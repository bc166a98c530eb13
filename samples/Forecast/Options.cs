namespace LstmGen.Samples.Forecast;

/// <summary>The parsed command line.</summary>
public sealed class Options
{
    /// <summary>Months held out at the end and forecast.</summary>
    public const int TestMonths = 24;

    /// <summary>Months before the test months that choose the epoch (early stopping).</summary>
    public const int ValidationMonths = 12;

    /// <summary>A CSV file (label,value per month); null means the built-in synthetic series.</summary>
    public string? DataPath { get; set; }

    /// <summary>Networks trained, one per seed (the report gives their mean and spread).</summary>
    public int Seeds { get; set; } = 5;

    /// <summary>Most passes over the training windows (early stopping keeps the best on the validation months).</summary>
    public int Epochs { get; set; } = 400;

    /// <summary>First seed (the networks use Seed, Seed + 1, …; the synthetic series uses Seed).</summary>
    public int Seed { get; set; }

    /// <summary>Where the model with the best validation loss is saved, with its scaler.</summary>
    public string SavePath { get; set; } = "forecast.lstmgen";

    /// <summary>Skip saving.</summary>
    public bool NoSave { get; set; }

    /// <summary>A saved model to forecast with, instead of training.</summary>
    public string? LoadPath { get; set; }

    /// <summary>Where the chart is written.</summary>
    public string ChartPath { get; set; } = "forecast.png";

    /// <summary>Print usage and stop.</summary>
    public bool Help { get; set; }

    /// <summary>The usage text.</summary>
    public static string Usage => $"""
        Forecasts a monthly series with a generated LSTM (window-level inputs, 36 months in, the next month out) and
        compares it, on the same held-out last {TestMonths} months, with seasonal naive and a least-squares linear
        autoregression: one-step-ahead and 12-steps-ahead RMSE, MAE and MAPE. Writes a chart and saves the model.

        Usage: Forecast [options]

        Options:
          --data FILE      A CSV file with a header and one "label,value" row per month, e.g.
                           ../shared/data/airline-passengers/airline-passengers.csv (default: a seeded synthetic
                           airline-like series the sample makes).
          --seeds N        Networks to train, one per seed; the report gives mean ± sd (default 5).
          --epochs N       Most passes over the training windows (default 400; the epoch with the lowest loss on the
                           {ValidationMonths} months before the test months is kept).
          --seed N         First seed (default 0).
          --save FILE      Where to save the best network with its scaler (default forecast.lstmgen).
          --no-save        Do not save.
          --load FILE      Forecast with a saved network instead of training.
          --chart FILE     Where to write the PNG chart (default forecast.png).
          --help           Show this text.

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
                case "--seeds": o.Seeds = r.Int(1, 100); break;
                case "--epochs": o.Epochs = r.Int(1, 100_000); break;
                case "--seed": o.Seed = r.Int(0, int.MaxValue - 100); break;
                case "--save": o.SavePath = r.Value(); break;
                case "--no-save": o.NoSave = true; break;
                case "--load": o.LoadPath = r.Value(); break;
                case "--chart": o.ChartPath = r.Value(); break;
                case "--help" or "-h": o.Help = true; break;
                default: throw r.Unknown();
            }
        }
        return o;
    }
}
