using System.Globalization;
using System.Text;

namespace LstmGen.Training;

/// <summary>
/// Classification metrics from predicted class probabilities and true class ids (scikit-learn's definitions):
/// confusion matrix C[true, predicted]; per class k precision = C[k,k] / Σᵢ C[i,k], recall = C[k,k] / Σⱼ C[k,j],
/// F1 = 2·P·R / (P + R) (each 0 when its denominator is 0); macro averages are plain means over classes; ROC-AUC is the
/// probability that a random positive scores above a random negative (ties count ½), for two classes on the score of
/// class 1, otherwise the macro mean of one-vs-rest AUCs (a class with no positive or no negative row is left out).
/// </summary>
public sealed class ClassificationMetrics
{
    private ClassificationMetrics(int[,] confusion, double[] precision, double[] recall, double[] f1, double rocAuc)
    {
        ConfusionMatrix = confusion;
        Precision = precision;
        Recall = recall;
        F1 = f1;
        RocAuc = rocAuc;
    }

    /// <summary>Number of classes.</summary>
    public int Classes => Precision.Count;
    /// <summary>C[true class, predicted class]: row counts.</summary>
    public int[,] ConfusionMatrix { get; }
    /// <summary>Precision per class.</summary>
    public IReadOnlyList<double> Precision { get; }
    /// <summary>Recall per class.</summary>
    public IReadOnlyList<double> Recall { get; }
    /// <summary>F1 per class.</summary>
    public IReadOnlyList<double> F1 { get; }
    /// <summary>Mean F1 over classes.</summary>
    public double MacroF1 => F1.Average();
    /// <summary>Mean precision over classes.</summary>
    public double MacroPrecision => Precision.Average();
    /// <summary>Mean recall over classes.</summary>
    public double MacroRecall => Recall.Average();
    /// <summary>Fraction of rows predicted right.</summary>
    public double Accuracy
    {
        get
        {
            long right = 0, all = 0;
            for (int i = 0; i < Classes; i++)
                for (int j = 0; j < Classes; j++) { all += ConfusionMatrix[i, j]; if (i == j) right += ConfusionMatrix[i, j]; }
            return all == 0 ? double.NaN : (double)right / all;
        }
    }
    /// <summary>ROC-AUC (see the class summary); NaN when no class has both positives and negatives.</summary>
    public double RocAuc { get; }

    /// <summary>
    /// Computes the metrics from <paramref name="probabilities"/> (rows of <paramref name="classes"/> values; the predicted
    /// class is the arg-max, first on ties) and <paramref name="labels"/> (true ids in [0, classes)).
    /// </summary>
    /// <exception cref="ArgumentException">Lengths that disagree, fewer than 2 classes, or an id out of range.</exception>
    public static ClassificationMetrics Compute(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, int classes)
    {
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "At least 2 classes are needed.");
        if (probabilities.Length != labels.Length * classes)
            throw new ArgumentException($"Expected {labels.Length} × {classes} probabilities but got {probabilities.Length}.", nameof(probabilities));
        var confusion = new int[classes, classes];
        for (int r = 0; r < labels.Length; r++)
        {
            int y = labels[r];
            if ((uint)y >= (uint)classes) throw new ArgumentOutOfRangeException(nameof(labels), y, $"Label {y} at index {r} is outside [0, {classes}).");
            ReadOnlySpan<float> p = probabilities.Slice(r * classes, classes);
            int best = 0;
            for (int k = 1; k < classes; k++) if (p[k] > p[best]) best = k;
            confusion[y, best]++;
        }
        var precision = new double[classes];
        var recall = new double[classes];
        var f1 = new double[classes];
        for (int k = 0; k < classes; k++)
        {
            long predicted = 0, actual = 0;
            for (int i = 0; i < classes; i++) { predicted += confusion[i, k]; actual += confusion[k, i]; }
            precision[k] = predicted == 0 ? 0 : (double)confusion[k, k] / predicted;
            recall[k] = actual == 0 ? 0 : (double)confusion[k, k] / actual;
            f1[k] = precision[k] + recall[k] == 0 ? 0 : 2 * precision[k] * recall[k] / (precision[k] + recall[k]);
        }
        double auc;
        if (classes == 2) auc = Auc(probabilities, labels, classes, 1);
        else
        {
            double sum = 0;
            int counted = 0;
            for (int k = 0; k < classes; k++)
            {
                double a = Auc(probabilities, labels, classes, k);
                if (!double.IsNaN(a)) { sum += a; counted++; }
            }
            auc = counted == 0 ? double.NaN : sum / counted;
        }
        return new ClassificationMetrics(confusion, precision, recall, f1, auc);
    }

    // Mann–Whitney: AUC = (Σ ranks of positives − n₊(n₊+1)/2) / (n₊·n₋), ranks averaged over ties.
    private static double Auc(ReadOnlySpan<float> probabilities, ReadOnlySpan<int> labels, int classes, int positive)
    {
        int n = labels.Length;
        var scores = new float[n];
        var index = new int[n];
        long positives = 0;
        for (int r = 0; r < n; r++)
        {
            scores[r] = probabilities[r * classes + positive];
            index[r] = r;
            if (labels[r] == positive) positives++;
        }
        long negatives = n - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        Array.Sort(scores, index);
        double rankSum = 0;
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && scores[j + 1] == scores[i]) j++;
            double rank = (i + j) / 2.0 + 1; // 1-based average rank of the tie group
            for (int q = i; q <= j; q++) if (labels[index[q]] == positive) rankSum += rank;
            i = j + 1;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    /// <summary>A short text report: accuracy, macro F1, ROC-AUC, per-class lines and the confusion matrix.</summary>
    public string ToString(IReadOnlyList<string>? classNames)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"accuracy {Accuracy * 100:F1}%  macro F1 {MacroF1:F3}  ROC-AUC {RocAuc:F3}\n");
        int width = Math.Max(5, classNames?.Max(c => c.Length) ?? 5);
        for (int k = 0; k < Classes; k++)
        {
            string name = classNames?[k] ?? k.ToString(CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $"  {name.PadRight(width)}  precision {Precision[k]:F3}  recall {Recall[k]:F3}  F1 {F1[k]:F3}\n");
        }
        sb.Append("  confusion (rows: true, columns: predicted)\n");
        for (int i = 0; i < Classes; i++)
        {
            string name = classNames?[i] ?? i.ToString(CultureInfo.InvariantCulture);
            sb.Append("  ").Append(name.PadRight(width));
            for (int j = 0; j < Classes; j++) sb.Append(CultureInfo.InvariantCulture, $" {ConfusionMatrix[i, j],6}");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => ToString(null);
}
