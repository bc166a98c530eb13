using System.Globalization;

namespace LstmGen.TimeSeries;

/// <summary>
/// An affine per-feature scaler, x' = (x − Offset) / Scale, fitted on training rows only and inverted on a model's
/// outputs. Its state is two numbers per feature, so it can be stored beside a model (<see cref="ToText"/>,
/// <see cref="Parse"/>) and a loaded forecaster inverts exactly as the trained one did.
/// </summary>
public abstract class SeriesScaler
{
    private double[] _offset = [];
    private double[] _scale = [];

    /// <summary>The scaler's name in <see cref="ToText"/>: <c>standard</c> or <c>minmax</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>Features the scaler was fitted on (0 before <see cref="Fit"/>).</summary>
    public int Features => _offset.Length;

    /// <summary>Subtracted from feature <paramref name="feature"/> before dividing by <see cref="ScaleOf"/>.</summary>
    public double OffsetOf(int feature) => _offset[feature];

    /// <summary>Divides feature <paramref name="feature"/> after subtracting <see cref="OffsetOf"/>.</summary>
    public double ScaleOf(int feature) => _scale[feature];

    /// <summary>Fits on rows <c>[steps, features]</c> (row-major) of training data only.</summary>
    public SeriesScaler Fit(ReadOnlySpan<float> rows, int features = 1)
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "Must be at least 1.");
        if (rows.Length == 0 || rows.Length % features != 0)
            throw new ArgumentException($"Need a whole, non-zero number of {features}-feature rows; got {rows.Length} values.", nameof(rows));
        for (int i = 0; i < rows.Length; i++)
            if (!float.IsFinite(rows[i]))
                throw new ArgumentException($"Row {i / features}, feature {i % features} is {rows[i]}; every value must be finite.", nameof(rows));
        var offset = new double[features];
        var scale = new double[features];
        for (int f = 0; f < features; f++)
        {
            (offset[f], double s) = Estimate(rows, features, f);
            // A constant feature scales by 1, so it maps to 0 instead of dividing by zero.
            scale[f] = s > 0 && double.IsFinite(s) ? s : 1;
        }
        _offset = offset;
        _scale = scale;
        return this;
    }

    /// <summary>Scales rows in place.</summary>
    public void Transform(Span<float> rows)
    {
        Ensure(rows.Length);
        for (int i = 0; i < rows.Length; i++) rows[i] = (float)((rows[i] - _offset[i % Features]) / _scale[i % Features]);
    }

    /// <summary>Scales values of feature <paramref name="feature"/> alone in place (a target column), as <see cref="Transform(Span{float})"/> scales that column.</summary>
    public void Transform(Span<float> values, int feature)
    {
        Ensure(Features);
        if ((uint)feature >= (uint)Features) throw new ArgumentOutOfRangeException(nameof(feature), feature, $"Must be in [0, {Features}).");
        for (int i = 0; i < values.Length; i++) values[i] = (float)((values[i] - _offset[feature]) / _scale[feature]);
    }

    /// <summary>Undoes <see cref="Transform(Span{float})"/> in place on values of feature <paramref name="feature"/> (a forecast's column).</summary>
    public void Inverse(Span<float> values, int feature = 0)
    {
        Ensure(Features);
        if ((uint)feature >= (uint)Features) throw new ArgumentOutOfRangeException(nameof(feature), feature, $"Must be in [0, {Features}).");
        for (int i = 0; i < values.Length; i++) values[i] = (float)(values[i] * _scale[feature] + _offset[feature]);
    }

    /// <summary>The state as one invariant line, e.g. <c>standard 280.3 119.9</c> (offset and scale per feature).</summary>
    public string ToText()
    {
        Ensure(Features);
        var parts = new List<string> { Kind };
        for (int f = 0; f < Features; f++)
        {
            parts.Add(_offset[f].ToString("R", CultureInfo.InvariantCulture));
            parts.Add(_scale[f].ToString("R", CultureInfo.InvariantCulture));
        }
        return string.Join(' ', parts);
    }

    /// <summary>Reads what <see cref="ToText"/> wrote.</summary>
    public static SeriesScaler Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        SeriesScaler scaler = parts.Length > 0 && parts[0] == "standard" ? new StandardScaler()
            : parts.Length > 0 && parts[0] == "minmax" ? new MinMaxScaler()
            : throw new FormatException($"Unknown scaler '{(parts.Length > 0 ? parts[0] : "")}'; expected 'standard' or 'minmax'.");
        if (parts.Length < 3 || parts.Length % 2 == 0)
            throw new FormatException($"A scaler needs an offset and a scale per feature; got {parts.Length - 1} numbers.");
        int features = (parts.Length - 1) / 2;
        scaler._offset = new double[features];
        scaler._scale = new double[features];
        for (int f = 0; f < features; f++)
        {
            scaler._offset[f] = Number(parts[1 + 2 * f]);
            scaler._scale[f] = Number(parts[2 + 2 * f]);
            if (!(scaler._scale[f] > 0)) throw new FormatException($"Scale {f} is {scaler._scale[f]}; it must be positive.");
        }
        return scaler;
    }

    /// <summary>The offset and the positive scale of one feature.</summary>
    private protected abstract (double Offset, double Scale) Estimate(ReadOnlySpan<float> rows, int features, int feature);

    private static double Number(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
            ? v : throw new FormatException($"'{s}' is not a finite number.");

    private void Ensure(int length)
    {
        if (Features == 0) throw new InvalidOperationException("The scaler is not fitted; call Fit on the training rows first.");
        if (length % Features != 0)
            throw new ArgumentException($"{length} values are not a whole number of {Features}-feature rows.");
    }
}

/// <summary>Standardises each feature to mean 0 and (population) standard deviation 1, as scikit-learn's StandardScaler.</summary>
public sealed class StandardScaler : SeriesScaler
{
    /// <inheritdoc />
    public override string Kind => "standard";

    private protected override (double Offset, double Scale) Estimate(ReadOnlySpan<float> rows, int features, int feature)
    {
        int n = rows.Length / features;
        double mean = 0;
        for (int i = feature; i < rows.Length; i += features) mean += rows[i];
        mean /= n;
        double var = 0;
        for (int i = feature; i < rows.Length; i += features) { double d = rows[i] - mean; var += d * d; }
        return (mean, Math.Sqrt(var / n));
    }
}

/// <summary>Maps each feature's training range [min, max] onto [0, 1], as scikit-learn's MinMaxScaler.</summary>
public sealed class MinMaxScaler : SeriesScaler
{
    /// <inheritdoc />
    public override string Kind => "minmax";

    private protected override (double Offset, double Scale) Estimate(ReadOnlySpan<float> rows, int features, int feature)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int i = feature; i < rows.Length; i += features) { min = Math.Min(min, rows[i]); max = Math.Max(max, rows[i]); }
        return (min, max - min);
    }
}
