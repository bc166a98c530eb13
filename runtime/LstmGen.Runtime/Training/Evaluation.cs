namespace LstmGen.Training;

/// <summary>Loss and accuracy on a data set, and for classifiers the per-class metrics.</summary>
/// <param name="Loss">Mean loss.</param>
/// <param name="Accuracy">Accuracy (NaN for linear outputs).</param>
public readonly record struct Evaluation(double Loss, double Accuracy)
{
    /// <summary>Precision, recall, F1, ROC-AUC and the confusion matrix, for a one-output sigmoid or a softmax model; else null.</summary>
    public ClassificationMetrics? Classification { get; init; }
}
