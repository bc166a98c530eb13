namespace LstmGen.Training;

/// <summary>Loss and accuracy on a data set.</summary>
public readonly record struct Evaluation(double Loss, double Accuracy);
