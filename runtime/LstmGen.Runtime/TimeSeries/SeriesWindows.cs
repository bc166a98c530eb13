namespace LstmGen.TimeSeries;

/// <summary>
/// Supervised windows cut from a series, as Keras' <c>timeseries_dataset_from_array</c> gives them: window <c>i</c>
/// holds the rows <c>[s, s + Window)</c> with <c>s = i·Stride</c>, and its targets are the target column at rows
/// <c>[s + Window, s + Window + Horizon)</c>, the steps that follow the window.
/// </summary>
public sealed class SeriesWindows
{
    private SeriesWindows(float[] inputs, float[] targets, int count, int window, int features, int horizon, int stride)
    {
        Inputs = inputs;
        Targets = targets;
        Count = count;
        Window = window;
        Features = features;
        Horizon = horizon;
        Stride = stride;
    }

    /// <summary>Window inputs, row-major <c>[Count, Window, Features]</c>.</summary>
    public float[] Inputs { get; }

    /// <summary>Targets, row-major <c>[Count, Horizon]</c>.</summary>
    public float[] Targets { get; }

    /// <summary>Number of windows.</summary>
    public int Count { get; }

    /// <summary>Steps per window.</summary>
    public int Window { get; }

    /// <summary>Features per step.</summary>
    public int Features { get; }

    /// <summary>Target steps after each window.</summary>
    public int Horizon { get; }

    /// <summary>Steps between the starts of consecutive windows.</summary>
    public int Stride { get; }

    /// <summary>The series row at which window <paramref name="index"/> starts.</summary>
    public int StartOf(int index) => index * Stride;

    /// <summary>Window <paramref name="index"/>'s inputs, <c>[Window, Features]</c>.</summary>
    public ReadOnlySpan<float> InputOf(int index) => Inputs.AsSpan(Checked(index) * Window * Features, Window * Features);

    /// <summary>Window <paramref name="index"/>'s targets, <c>[Horizon]</c>.</summary>
    public ReadOnlySpan<float> TargetOf(int index) => Targets.AsSpan(Checked(index) * Horizon, Horizon);

    /// <summary>Windows over a one-feature series.</summary>
    public static SeriesWindows Create(ReadOnlySpan<float> series, int window, int horizon = 1, int stride = 1) =>
        Create(series, features: 1, window, horizon, stride, targetFeature: 0);

    /// <summary>
    /// Windows over a multi-feature series stored row-major as <c>[steps, features]</c>; the targets are column
    /// <paramref name="targetFeature"/>. Every window whose targets lie inside the series is produced.
    /// </summary>
    public static SeriesWindows Create(ReadOnlySpan<float> series, int features, int window, int horizon, int stride, int targetFeature)
    {
        if (features < 1) throw new ArgumentOutOfRangeException(nameof(features), features, "Must be at least 1.");
        if (series.Length % features != 0)
            throw new ArgumentException($"The series has {series.Length} values, not a whole number of {features}-feature rows.", nameof(series));
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "Must be at least 1.");
        if (horizon < 1) throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "Must be at least 1.");
        if (stride < 1) throw new ArgumentOutOfRangeException(nameof(stride), stride, "Must be at least 1.");
        if ((uint)targetFeature >= (uint)features)
            throw new ArgumentOutOfRangeException(nameof(targetFeature), targetFeature, $"Must be in [0, {features}).");
        int steps = series.Length / features;
        for (int i = 0; i < series.Length; i++)
            if (!float.IsFinite(series[i]))
                throw new ArgumentException($"The series value at step {i / features}, feature {i % features} is {series[i]}; every value must be finite.", nameof(series));

        long span = (long)window + horizon;
        int count = steps < span ? 0 : (int)((steps - span) / stride + 1);
        if ((long)count * window * features > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(window), window, "The windows would exceed the largest array .NET allows; raise the stride or shorten the window.");
        var inputs = new float[count * window * features];
        var targets = new float[count * horizon];
        for (int i = 0; i < count; i++)
        {
            int s = i * stride;
            series.Slice(s * features, window * features).CopyTo(inputs.AsSpan(i * window * features));
            for (int h = 0; h < horizon; h++)
                targets[i * horizon + h] = series[(s + window + h) * features + targetFeature];
        }
        return new SeriesWindows(inputs, targets, count, window, features, horizon, stride);
    }

    private int Checked(int index) =>
        (uint)index < (uint)Count ? index : throw new ArgumentOutOfRangeException(nameof(index), index, $"Must be in [0, {Count}).");
}
