namespace LstmGen.TimeSeries;

/// <summary>Forecast errors, accumulated in double precision over paired actual and forecast values.</summary>
public static class ForecastMetrics
{
    /// <summary>Mean absolute error, mean |y − ŷ|.</summary>
    public static double Mae(ReadOnlySpan<float> actual, ReadOnlySpan<float> forecast)
    {
        double s = 0;
        for (int i = 0; i < Check(actual, forecast); i++) s += Math.Abs((double)actual[i] - forecast[i]);
        return s / actual.Length;
    }

    /// <summary>Root mean squared error, √(mean (y − ŷ)²).</summary>
    public static double Rmse(ReadOnlySpan<float> actual, ReadOnlySpan<float> forecast)
    {
        double s = 0;
        for (int i = 0; i < Check(actual, forecast); i++) { double d = (double)actual[i] - forecast[i]; s += d * d; }
        return Math.Sqrt(s / actual.Length);
    }

    /// <summary>Mean absolute percentage error in percent, 100 · mean |y − ŷ| / |y|; every actual value must be non-zero.</summary>
    public static double Mape(ReadOnlySpan<float> actual, ReadOnlySpan<float> forecast)
    {
        double s = 0;
        for (int i = 0; i < Check(actual, forecast); i++)
        {
            if (actual[i] == 0) throw new ArgumentException($"MAPE is undefined: the actual value at {i} is zero (use sMAPE).", nameof(actual));
            s += Math.Abs(((double)actual[i] - forecast[i]) / actual[i]);
        }
        return 100 * s / actual.Length;
    }

    /// <summary>Symmetric MAPE in percent, 100 · mean 2|y − ŷ| / (|y| + |ŷ|), a pair of zeros counting as 0.</summary>
    public static double Smape(ReadOnlySpan<float> actual, ReadOnlySpan<float> forecast)
    {
        double s = 0;
        for (int i = 0; i < Check(actual, forecast); i++)
        {
            double den = Math.Abs((double)actual[i]) + Math.Abs((double)forecast[i]);
            if (den > 0) s += 2 * Math.Abs((double)actual[i] - forecast[i]) / den;
        }
        return 100 * s / actual.Length;
    }

    private static int Check(ReadOnlySpan<float> actual, ReadOnlySpan<float> forecast)
    {
        if (actual.Length != forecast.Length)
            throw new ArgumentException($"{actual.Length} actual values but {forecast.Length} forecasts.", nameof(forecast));
        if (actual.Length == 0) throw new ArgumentException("No values to score.", nameof(actual));
        for (int i = 0; i < actual.Length; i++)
            if (!float.IsFinite(actual[i]) || !float.IsFinite(forecast[i]))
                throw new ArgumentException($"Value {i} is not finite (actual {actual[i]}, forecast {forecast[i]}).", nameof(forecast));
        return actual.Length;
    }
}
