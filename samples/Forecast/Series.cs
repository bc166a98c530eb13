using System.Globalization;

namespace LstmGen.Samples.Forecast;

/// <summary>A bad data file: the message names the file and line; the program exits with code 2.</summary>
public sealed class DataException(string message) : Exception(message);

/// <summary>A monthly series: one label (such as "1949-01") and one value per month.</summary>
public sealed record MonthlySeries(string Name, string[] Labels, float[] Values)
{
    /// <summary>The month of the year of the first value (0 = January) when the first label is "yyyy-MM", else 0.</summary>
    public int MonthOfFirst => Labels.Length > 0 && Labels[0].Length >= 7 && Labels[0][4] == '-' && int.TryParse(Labels[0].AsSpan(5, 2), out int m) && m is >= 1 and <= 12 ? m - 1 : 0;

    /// <summary>
    /// Reads a CSV file with a header line and one row per month, the label in the first column and the value in the
    /// last (quotes around fields are allowed), as the airline-passengers file is.
    /// </summary>
    /// <exception cref="DataException">A row without a finite positive value, or fewer than 48 rows.</exception>
    public static MonthlySeries Load(string path)
    {
        var labels = new List<string>();
        var values = new List<float>();
        int line = 0;
        foreach (string raw in File.ReadLines(path))
        {
            line++;
            if (line == 1 || raw.Trim().Length == 0) continue; // the header
            string[] fields = raw.Split(',');
            string last = fields[^1].Trim().Trim('"');
            if (fields.Length < 2 || !float.TryParse(last, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !(value > 0) || !float.IsFinite(value))
                throw new DataException($"{path}:{line}: expected \"label,value\" with a positive number last, got \"{raw}\".");
            labels.Add(fields[0].Trim().Trim('"'));
            values.Add(value);
        }
        if (values.Count < 48) throw new DataException($"{path}: {values.Count} months; the forecast needs at least 48 (two years to train on, two to test).");
        return new MonthlySeries(Path.GetFileName(path), [.. labels], [.. values]);
    }

    /// <summary>
    /// A seeded airline-like series of <paramref name="months"/> months: a level growing 10 % a year, a yearly season whose
    /// swing grows with the level (multiplicative, peak in July–August), and 3 % noise.
    /// </summary>
    public static MonthlySeries Synthetic(int seed, int months = 144)
    {
        var rng = new Rng(seed);
        var labels = new string[months];
        var values = new float[months];
        double[] season = [-0.11, -0.12, 0.0, -0.02, -0.01, 0.12, 0.23, 0.22, 0.07, -0.07, -0.20, -0.09];
        for (int t = 0; t < months; t++)
        {
            labels[t] = $"Y{t / 12 + 1:D2}-{t % 12 + 1:D2}";
            double level = 120 * Math.Exp(0.1 * t / 12.0);
            values[t] = (float)(level * Math.Exp(season[t % 12] * (1 + t / 144.0) + 0.03 * rng.NextGaussian()));
        }
        return new MonthlySeries($"synthetic (seed {seed})", labels, values);
    }
}
