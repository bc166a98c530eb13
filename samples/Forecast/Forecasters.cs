using LstmGen.TimeSeries;

namespace LstmGen.Samples.Forecast;

/// <summary>
/// What the network sees of a window, per month i: its value on the window's own level, ln v_i − m with m the mean of
/// the window's last 12 logs (so a window from the last, higher years looks like the training windows: shapes, not levels
/// the training months never reached), and the month of the year as sin and cos of 2π·month/12. The forecast is exp(m + x̂).
/// </summary>
public static class WindowLevel
{
    /// <summary>Months in a season.</summary>
    public const int Season = 12;

    /// <summary>Features per month.</summary>
    public const int Features = 3;

    /// <summary>
    /// Writes the features of <paramref name="window"/> (whose first value is month <paramref name="firstMonth"/> of the
    /// year, 0 = the series' first month's) into <paramref name="x"/> [window.Length, 3] and returns the level m.
    /// </summary>
    public static double Normalise(ReadOnlySpan<float> window, Span<float> x, int firstMonth)
    {
        double m = 0;
        for (int i = window.Length - Season; i < window.Length; i++) m += Math.Log(window[i]);
        m /= Season;
        for (int i = 0; i < window.Length; i++)
        {
            double angle = 2 * Math.PI * ((firstMonth + i) % Season) / Season;
            x[i * Features] = (float)(Math.Log(window[i]) - m);
            x[i * Features + 1] = (float)Math.Sin(angle);
            x[i * Features + 2] = (float)Math.Cos(angle);
        }
        return m;
    }
}

/// <summary>
/// The generated LSTM as a one-step forecaster: features of the window, scaled, predicted, unscaled, exp. Reads the
/// month of the value forecast from its position (<see cref="IOneStepForecaster.NextAt"/>); <paramref name="monthOfFirst"/>
/// is the month of the year of the series' first value.
/// </summary>
public sealed class LstmForecaster(PassengerModel model, SeriesScaler scaler, int monthOfFirst) : IOneStepForecaster
{
    /// <summary>Months the model reads.</summary>
    public int Window => PassengerModel.SequenceLength;

    /// <inheritdoc/>
    public float Next(ReadOnlySpan<float> recent) => throw new NotSupportedException("The LSTM forecaster needs the position of the value forecast (NextAt).");

    /// <inheritdoc/>
    public float NextAt(ReadOnlySpan<float> recent, int index)
    {
        Span<float> x = stackalloc float[PassengerModel.SequenceLength * WindowLevel.Features];
        double level = WindowLevel.Normalise(recent[^Window..], x, monthOfFirst + index - Window);
        scaler.Transform(x);
        Span<float> z = [model.Predict(x)];
        scaler.Inverse(z, feature: 0);
        return (float)Math.Exp(level + z[0]);
    }
}

/// <summary>
/// A forecaster of the seasonal log-difference d_t = ln v_t − ln v_{t−12} as a forecaster of the series:
/// v̂_t = v_{t−12}·exp(d̂_t). With a least-squares autoregression inside, the linear baseline.
/// </summary>
public sealed class SeasonalLogDifference(IOneStepForecaster inner) : IOneStepForecaster
{
    /// <summary>The series' seasonal log-differences (the first 12 values have none and are left out).</summary>
    public static float[] Of(ReadOnlySpan<float> series)
    {
        var d = new float[Math.Max(0, series.Length - WindowLevel.Season)];
        for (int t = 0; t < d.Length; t++) d[t] = (float)(Math.Log(series[t + WindowLevel.Season]) - Math.Log(series[t]));
        return d;
    }

    /// <inheritdoc/>
    public int Window => inner.Window + WindowLevel.Season;

    /// <inheritdoc/>
    public float Next(ReadOnlySpan<float> recent)
    {
        float[] d = Of(recent[^Window..]);
        return (float)(recent[^WindowLevel.Season] * Math.Exp(inner.Next(d)));
    }
}
