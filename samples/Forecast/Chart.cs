using ScottPlot;

namespace LstmGen.Samples.Forecast;

/// <summary>The forecast chart: history, the held-out truth and each forecaster's one-step forecasts, as PNG.</summary>
public static class Chart
{
    /// <summary>Writes the chart to <paramref name="path"/> and returns its full path.</summary>
    public static string Write(string path, MonthlySeries series, int testStart, IReadOnlyList<(string Name, float[] Forecast)> forecasts)
    {
        var plot = new Plot();
        double[] xs = Enumerable.Range(0, series.Values.Length).Select(t => (double)t).ToArray();
        var history = plot.Add.Scatter(xs[..(testStart + 1)], series.Values[..(testStart + 1)].Select(v => (double)v).ToArray(), Colors.Black);
        history.LegendText = "history";
        history.MarkerSize = 0;
        var truth = plot.Add.Scatter(xs[testStart..], series.Values[testStart..].Select(v => (double)v).ToArray(), Colors.Gray);
        truth.LegendText = "truth (held out)";
        truth.MarkerSize = 4;
        for (int i = 0; i < forecasts.Count; i++)
        {
            var line = plot.Add.Scatter(xs[testStart..], forecasts[i].Forecast.Select(v => (double)v).ToArray(), plot.Add.Palette.GetColor(i));
            line.LegendText = forecasts[i].Name;
            line.MarkerSize = 0;
            line.LineWidth = 2;
        }
        plot.Add.VerticalLine(testStart - 0.5, 1, Colors.Gray, LinePattern.Dashed);
        int every = Math.Max(1, series.Values.Length / 12 / 12) * 12;
        double[] ticks = Enumerable.Range(0, series.Values.Length).Where(t => t % every == 0).Select(t => (double)t).ToArray();
        plot.Axes.Bottom.SetTicks(ticks, ticks.Select(t => series.Labels[(int)t]).ToArray());
        plot.Title($"{series.Name}: one-step forecasts of the last {series.Values.Length - testStart} months");
        plot.YLabel("value");
        plot.ShowLegend(Alignment.UpperLeft);
        string full = System.IO.Path.GetFullPath(path);
        plot.SavePng(full, 1000, 560);
        return full;
    }
}
