using LstmGen.Testing;
using LstmGen.TimeSeries;

namespace LstmGen.Tests;

public class TimeSeriesTests
{
    [Fact]
    public void WindowsFollowKerasLayout()
    {
        // Two features per step: (t, 10t). Window 3, horizon 2, stride 2, target = feature 1.
        float[] series = new float[2 * 9];
        for (int t = 0; t < 9; t++) { series[2 * t] = t; series[2 * t + 1] = 10 * t; }
        SeriesWindows w = SeriesWindows.Create(series, features: 2, window: 3, horizon: 2, stride: 2, targetFeature: 1);
        // Starts 0, 2, 4 fit (4 + 3 + 2 = 9 steps); 6 would need step 10.
        Assert.Equal(3, w.Count);
        for (int i = 0; i < w.Count; i++)
        {
            int s = 2 * i;
            Assert.Equal(s, w.StartOf(i));
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(s + k, w.InputOf(i)[2 * k]);
                Assert.Equal(10 * (s + k), w.InputOf(i)[2 * k + 1]);
            }
            Assert.Equal([10f * (s + 3), 10f * (s + 4)], w.TargetOf(i).ToArray());
        }
    }

    [Fact]
    public void WindowsOfAShortSeriesAreEmptyAndBadArgumentsAreNamed()
    {
        Assert.Equal(0, SeriesWindows.Create([1f, 2f, 3f], window: 3).Count);
        Assert.Equal(1, SeriesWindows.Create([1f, 2f, 3f, 4f], window: 3).Count);
        Assert.Equal("window", Assert.Throws<ArgumentOutOfRangeException>(() => SeriesWindows.Create([1f], window: 0)).ParamName);
        Assert.Equal("stride", Assert.Throws<ArgumentOutOfRangeException>(() => SeriesWindows.Create([1f], window: 1, stride: 0)).ParamName);
        var e = Assert.Throws<ArgumentException>(() => SeriesWindows.Create([1f, float.NaN, 3f], window: 1));
        Assert.Contains("step 1", e.Message);
        Assert.Throws<ArgumentException>(() => SeriesWindows.Create([1f, 2f, 3f], features: 2, window: 1, horizon: 1, stride: 1, targetFeature: 0));
    }

    [Fact]
    public void ChronologicalSplitKeepsTimeOrder()
    {
        SeriesSplit s = SeriesSplit.Chronological(144, test: 24, validation: 12);
        Assert.Equal((0, 108), s.Train.GetOffsetAndLength(144));
        Assert.Equal((108, 12), s.Validation.GetOffsetAndLength(144));
        Assert.Equal((120, 24), s.Test.GetOffsetAndLength(144));
        SeriesSplit f = SeriesSplit.ByFraction(100, 0.2, 0.1);
        Assert.Equal((0, 70), f.Train.GetOffsetAndLength(100));
        Assert.Equal((80, 20), f.Test.GetOffsetAndLength(100));
        Assert.Throws<ArgumentException>(() => SeriesSplit.Chronological(10, test: 6, validation: 4));
    }

    [Fact]
    public void MetricsMatchHandComputedValues()
    {
        float[] y = [100, 200, -50, 10];
        float[] f = [110, 180, -50, 0];
        // Errors 10, −20... absolute 10, 20, 0, 10.
        Assert.Equal(10.0, ForecastMetrics.Mae(y, f), 12);
        Assert.Equal(Math.Sqrt((100 + 400 + 0 + 100) / 4.0), ForecastMetrics.Rmse(y, f), 12);
        Assert.Equal(100 * (0.1 + 0.1 + 0 + 1.0) / 4, ForecastMetrics.Mape(y, f), 12);
        Assert.Equal(100 * (20.0 / 210 + 40.0 / 380 + 0 + 20.0 / 10) / 4, ForecastMetrics.Smape(y, f), 12);
        Assert.Equal(0.0, ForecastMetrics.Smape([0f], [0f]));
        Assert.Contains("at 0 is zero", Assert.Throws<ArgumentException>(() => ForecastMetrics.Mape([0f], [1f])).Message);
        Assert.Throws<ArgumentException>(() => ForecastMetrics.Rmse([1f], [1f, 2f]));
        Assert.Throws<ArgumentException>(() => ForecastMetrics.Mae([1f], [float.PositiveInfinity]));
    }

    [Fact]
    public void ScalersFitTrainingRowsAndInvertExactlyAfterARoundTripThroughText()
    {
        // Two features: the standard scaler's mean/population std and the min-max range are computed per column.
        float[] rows = [1, 10, 2, 30, 3, 20, 6, 40];
        var standard = new StandardScaler().Fit(rows, features: 2);
        Assert.Equal(3.0, standard.OffsetOf(0), 12);
        Assert.Equal(Math.Sqrt((4 + 1 + 0 + 9) / 4.0), standard.ScaleOf(0), 12);
        Assert.Equal(25.0, standard.OffsetOf(1), 12);
        var minmax = new MinMaxScaler().Fit(rows, features: 2);
        Assert.Equal((1.0, 5.0), (minmax.OffsetOf(0), minmax.ScaleOf(0)));
        Assert.Equal((10.0, 30.0), (minmax.OffsetOf(1), minmax.ScaleOf(1)));

        foreach (SeriesScaler scaler in new SeriesScaler[] { standard, minmax })
        {
            float[] scaled = (float[])rows.Clone();
            scaler.Transform(scaled);
            SeriesScaler loaded = SeriesScaler.Parse(scaler.ToText());
            Assert.Equal(scaler.GetType(), loaded.GetType());
            float[] again = (float[])rows.Clone();
            loaded.Transform(again);
            Assert.Equal(scaled, again); // the text form keeps every bit of the fitted state
            float[] column1 = [scaled[1], scaled[3], scaled[5], scaled[7]];
            loaded.Inverse(column1, feature: 1);
            for (int i = 0; i < 4; i++) Assert.Equal(rows[2 * i + 1], column1[i], 4);
        }
        Assert.Equal([0f, 1f], Transformed(new MinMaxScaler().Fit([5f, 9f]), [5f, 9f]));
    }

    [Fact]
    public void ScalersRejectUnfittedUseBadTextAndAConstantFeatureMapsToZero()
    {
        Assert.Throws<InvalidOperationException>(() => new StandardScaler().Transform(new float[2]));
        Assert.Throws<FormatException>(() => SeriesScaler.Parse("robust 1 2"));
        Assert.Throws<FormatException>(() => SeriesScaler.Parse("standard 1"));
        Assert.Throws<FormatException>(() => SeriesScaler.Parse("standard 1 -2"));
        Assert.Throws<FormatException>(() => SeriesScaler.Parse("minmax 1 NaN"));
        Assert.Equal([0f, 0f], Transformed(new StandardScaler().Fit([7f, 7f]), [7f, 7f]));
        Assert.Contains("Row 1", Assert.Throws<ArgumentException>(() => new StandardScaler().Fit([1f, float.NaN])).Message);
    }

    [Fact]
    public void LinearAutoregressionRecoversAnExactProcessAndLeavesResidualsOrthogonal()
    {
        // y_t = 3 + 0.6 y_{t−1} − 0.2 y_{t−2} + small deterministic noise.
        var rng = new Rng(5);
        float[] y = new float[300];
        y[0] = 1; y[1] = 2;
        for (int t = 2; t < y.Length; t++) y[t] = (float)(3 + 0.6 * y[t - 1] - 0.2 * y[t - 2] + 0.5 * rng.NextGaussian());
        var ar = LinearAutoregression.Fit(y, order: 2);
        Assert.Equal(2, ar.Window);
        Assert.InRange(ar.Lag(1), 0.5, 0.7);
        Assert.InRange(ar.Lag(2), -0.3, -0.1);
        // Least squares: the residual is orthogonal to every regressor (1, y_{t−2}, y_{t−1}), to rounding.
        double[] dot = new double[3];
        double scale = 0;
        for (int t = 2; t < y.Length; t++)
        {
            double r = y[t] - (ar.Intercept + ar.Lag(1) * y[t - 1] + ar.Lag(2) * y[t - 2]);
            dot[0] += r; dot[1] += r * y[t - 2]; dot[2] += r * y[t - 1];
            scale += Math.Abs(y[t] * y[t - 1]);
        }
        foreach (double d in dot) Assert.True(Math.Abs(d) < 1e-9 * scale, $"residual·regressor = {d}");
        Assert.Equal((float)(ar.Intercept + ar.Lag(1) * y[^1] + ar.Lag(2) * y[^2]), ar.Next(y), 5);
        Assert.Throws<InvalidOperationException>(() => LinearAutoregression.Fit(new float[50], order: 3));
        Assert.NotNull(LinearAutoregression.Fit(new float[50], order: 3, ridge: 1e-3));
    }

    [Fact]
    public void RecursiveForecastFeedsBackItsOutputsAndOneStepAheadReadsTheTruth()
    {
        var f = new LastPlusOne();
        float[] outSteps = new float[4];
        RecursiveForecast.Run(f, [5f, 7f], outSteps);
        Assert.Equal([8f, 9f, 10f, 11f], outSteps);
        float[] series = [1, 5, 2, 8, 3];
        Assert.Equal([6f, 3f, 9f], RecursiveForecast.OneStepAhead(f, series, 2..5));
        Assert.Throws<ArgumentException>(() => RecursiveForecast.OneStepAhead(f, series, 0..2));
        // Three steps ahead of step 4 starts from the truth [1, 5] (steps 0–1): 6, 7, 8; of step 5 from [1, 5, 2]: 3, 4, 5.
        Assert.Equal([8f, 5f], RecursiveForecast.StepsAhead(f, [1, 5, 2, 8, 3, 9], 4..6, steps: 3));
        Assert.Equal(RecursiveForecast.OneStepAhead(f, series, 2..5), RecursiveForecast.StepsAhead(f, series, 2..5, steps: 1));
        Assert.Throws<ArgumentException>(() => RecursiveForecast.StepsAhead(f, series, 3..5, steps: 4));
    }

    [Fact]
    public void SeasonalNaiveMatchesItsDefinition()
    {
        float[] y = [1, 2, 3, 4, 2, 4, 6];
        Assert.Equal(2f, new SeasonalNaive(3).Next(y)); // y_{t−3} = y_4 for t = 7
        Assert.Equal(3f, new SeasonalNaive(3, growthAdjusted: true).Next(y)); // y_4 · y_6 / y_3 = 2 · 6 / 4
        Assert.Throws<ArgumentException>(() => new SeasonalNaive(3, growthAdjusted: true).Next([1f, 2f, 3f]));
    }

    [SharedDataFolderFact("airline-passengers")]
    public void AirlineSeriesBaselinesGiveTheDocumentedFigures()
    {
        string folder = SharedDataFolders.Find("airline-passengers")
            ?? throw new InvalidOperationException("CI requires ../shared/data/airline-passengers, and it is missing.");
        float[] y = File.ReadAllLines(Path.Combine(folder, "airline-passengers.csv")).Skip(1)
            .Select(l => float.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(144, y.Length);
        Range test = SeriesSplit.Chronological(y.Length, test: 24).Test;
        float[] truth = y[test];
        Assert.Equal(49.987, ForecastMetrics.Rmse(truth, RecursiveForecast.OneStepAhead(new SeasonalNaive(12), y, test)), 3);
        Assert.Equal(19.714, ForecastMetrics.Rmse(truth, RecursiveForecast.OneStepAhead(new SeasonalNaive(12, true), y, test)), 3);
    }

    [Fact]
    public void RecursiveForecastsTellAForecasterThePositionOfTheValueItForecasts()
    {
        // The forecast of position t is t (from NextAt); Next alone would give −1.
        var f = new Position();
        Assert.Equal([2f, 3f, 4f], RecursiveForecast.OneStepAhead(f, [9, 9, 9, 9, 9], 2..5));
        float[] run = new float[3];
        RecursiveForecast.Run(f, [9f, 9f], run);
        Assert.Equal([2f, 3f, 4f], run);
        RecursiveForecast.Run(f, [9f, 9f], run, historyStart: 10);
        Assert.Equal([12f, 13f, 14f], run);
        // Four steps ahead of position 5: from the truth up to position 1, the path is 2, 3, 4, 5.
        Assert.Equal([5f, 6f], RecursiveForecast.StepsAhead(f, [9, 9, 9, 9, 9, 9, 9], 5..7, steps: 4));
        // A forecaster without calendar features is called through the default NextAt.
        Assert.Equal([9f], RecursiveForecast.OneStepAhead(new LastPlusOne(), [1, 8, 9], 2..3)); // 8 + 1
    }

    [Fact]
    public void AScalerScalesOneFeatureAloneAsItScalesThatColumn()
    {
        float[] rows = [1, 10, 3, 30, 5, 50];
        SeriesScaler s = new StandardScaler().Fit(rows, features: 2);
        float[] column = [10, 30, 50];
        s.Transform(column, feature: 1);
        float[] scaled = Transformed(s, (float[])rows.Clone());
        Assert.Equal([scaled[1], scaled[3], scaled[5]], column);
        s.Inverse(column, feature: 1);
        Assert.Equal([10f, 30f, 50f], column, (a, b) => Math.Abs(a - b) <= 1e-5f * Math.Abs(b));
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Transform(column, feature: 2));
        Assert.Throws<InvalidOperationException>(() => new MinMaxScaler().Transform(column, feature: 0));
    }

    private static float[] Transformed(SeriesScaler s, float[] v) { s.Transform(v); return v; }

    private sealed class Position : IOneStepForecaster
    {
        public int Window => 2;
        public float Next(ReadOnlySpan<float> recent) => -1;
        public float NextAt(ReadOnlySpan<float> recent, int index) => index;
    }

    private sealed class LastPlusOne : IOneStepForecaster
    {
        public int Window => 2;
        public float Next(ReadOnlySpan<float> recent) => recent[^1] + 1;
    }
}
