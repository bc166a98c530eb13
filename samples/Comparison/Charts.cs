using ScottPlot;

namespace LstmGen.Samples.Comparison;

/// <summary>The comparison's charts, written as PNG with ScottPlot.</summary>
public static class Charts
{
    /// <summary>Held-out accuracy against dependency distance, one line per model kind. Returns the file's path.</summary>
    public static string AccuracyAgainstDistance(string folder, string[] names, int[] distances, double[,] accuracy)
    {
        var plot = new Plot();
        double[] xs = distances.Select(d => (double)d).ToArray();
        for (int c = 0; c < names.Length; c++)
        {
            var line = plot.Add.Scatter(xs, Enumerable.Range(0, distances.Length).Select(d => accuracy[c, d] * 100).ToArray());
            line.LegendText = names[c];
            line.MarkerSize = 7;
        }
        plot.Add.HorizontalLine(50, 1, Colors.Gray, LinePattern.Dashed);
        plot.Title("Memory task: accuracy against dependency distance");
        plot.XLabel("steps from the key to the end of the sequence");
        plot.YLabel("held-out accuracy (%)");
        plot.Axes.SetLimitsY(40, 102);
        plot.ShowLegend(Alignment.LowerLeft);
        return Save(plot, folder, "memory-accuracy.png");
    }

    /// <summary>Sentiment accuracy and batch-1 predict time per model kind, as two bar groups. Returns the file's path.</summary>
    public static string Sentiment(string folder, string[] names, double[] accuracy, double[] predictMicros)
    {
        var plot = new Plot();
        var bars = plot.Add.Bars(accuracy.Select(a => a * 100).ToArray());
        for (int i = 0; i < bars.Bars.Count; i++) bars.Bars[i].Label = $"{accuracy[i] * 100:F1}% · {predictMicros[i]:F0} µs";
        bars.ValueLabelStyle.FontSize = 11;
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, names.Length).Select(i => (double)i).ToArray(), names);
        plot.Title("Sentiment: held-out accuracy (label: accuracy · batch-1 predict time)");
        plot.YLabel("test accuracy (%)");
        plot.Axes.SetLimitsY(0, 105);
        return Save(plot, folder, "sentiment.png");
    }

    /// <summary>
    /// log₁₀ (‖∂L/∂h_t‖ / ‖∂L/∂h_last‖) against t, per recurrent kind: dashed before training, solid after. Returns the
    /// file's path.
    /// </summary>
    public static string GradientNorms(string folder, string[] names, float[][] initial, float[][] trained, int firstStep)
    {
        var plot = new Plot();
        for (int c = 0; c < names.Length; c++)
        {
            Color color = plot.Add.Palette.GetColor(c);
            foreach ((float[] norms, bool isTrained) in new[] { (initial[c], false), (trained[c], true) })
            {
                double last = Math.Max(norms[^1], 1e-30);
                double[] ys = norms.Skip(firstStep).Select(v => Math.Log10(Math.Max(v / last, 1e-30))).ToArray();
                var line = plot.Add.Scatter(Enumerable.Range(firstStep, ys.Length).Select(t => (double)t).ToArray(), ys, color);
                line.LegendText = $"{names[c]}, {(isTrained ? "trained" : "initial")}";
                line.MarkerSize = 0;
                line.LinePattern = isTrained ? LinePattern.Solid : LinePattern.Dashed;
            }
        }
        plot.Title("Share of the output's gradient reaching step t: log₁₀ ‖∂L/∂h_t‖ / ‖∂L/∂h_last‖");
        plot.XLabel("time step t (the key is at the first step shown; the loss reads the last)");
        plot.YLabel("log₁₀ relative gradient norm");
        plot.ShowLegend(Alignment.LowerRight);
        return Save(plot, folder, "gradient-norms.png");
    }

    private static string Save(Plot plot, string folder, string name)
    {
        string path = Path.GetFullPath(Path.Combine(folder, name));
        plot.SavePng(path, 900, 540);
        return path;
    }
}
