namespace LstmGen.Training;

/// <summary>The row indices of a train/validation/test split, each ascending.</summary>
/// <param name="Train">Rows to train on.</param>
/// <param name="Validation">Rows to choose epochs and settings on (may be empty).</param>
/// <param name="Test">Rows to report on (may be empty).</param>
public sealed record SplitIndices(int[] Train, int[] Validation, int[] Test);

/// <summary>Seeded, stratified splits of labelled rows.</summary>
public static class DataSplit
{
    /// <summary>
    /// Splits rows 0 … n−1 by their <paramref name="classes"/> (one class id per row): within each class the rows are
    /// shuffled with <paramref name="seed"/>, then round(n_c·<paramref name="testFraction"/>) go to the test set,
    /// round(n_c·<paramref name="validationFraction"/>) to validation and the rest to training, so every part has the
    /// class proportions of the whole (to within one row per class). Same classes and seed → same split.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A fraction is outside [0, 1) or NaN, or they sum to 1 or more.</exception>
    /// <exception cref="ArgumentException">No rows, or the split leaves no training row.</exception>
    public static SplitIndices Stratified(ReadOnlySpan<int> classes, double validationFraction, double testFraction, int seed)
    {
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in [0, 1).");
        if (!(testFraction >= 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in [0, 1).");
        if (validationFraction + testFraction >= 1)
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, $"The validation ({validationFraction}) and test ({testFraction}) fractions must sum to less than 1.");
        if (classes.IsEmpty) throw new ArgumentException("There are no rows to split.", nameof(classes));
        var byClass = new SortedDictionary<int, List<int>>();
        for (int i = 0; i < classes.Length; i++)
        {
            if (!byClass.TryGetValue(classes[i], out List<int>? rows)) byClass[classes[i]] = rows = [];
            rows.Add(i);
        }
        var rng = new Rng(seed);
        List<int> train = [], validation = [], test = [];
        foreach (List<int> rows in byClass.Values)
        {
            int[] shuffled = [.. rows];
            rng.Shuffle<int>(shuffled);
            int nTest = (int)Math.Round(shuffled.Length * testFraction, MidpointRounding.AwayFromZero);
            int nVal = (int)Math.Round(shuffled.Length * validationFraction, MidpointRounding.AwayFromZero);
            nVal = Math.Min(nVal, shuffled.Length - nTest);
            test.AddRange(shuffled.AsSpan(0, nTest));
            validation.AddRange(shuffled.AsSpan(nTest, nVal));
            train.AddRange(shuffled.AsSpan(nTest + nVal));
        }
        if (train.Count == 0) throw new ArgumentException($"Splitting {classes.Length} rows with validation {validationFraction} and test {testFraction} leaves no training row.", nameof(classes));
        train.Sort(); validation.Sort(); test.Sort();
        return new SplitIndices([.. train], [.. validation], [.. test]);
    }

    /// <summary>
    /// The class of each target row, for stratifying: a single sigmoid output → 1 if y ≥ 0.5 else 0; softmax → the arg-max;
    /// anything else (several sigmoid outputs, linear) → 0 for every row (a plain seeded shuffle).
    /// </summary>
    public static int[] ClassesOfTargets(OutputActivation activation, int outputSize, ReadOnlySpan<float> targets)
    {
        int rows = targets.Length / outputSize;
        var classes = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> y = targets.Slice(r * outputSize, outputSize);
            if (activation == OutputActivation.Sigmoid && outputSize == 1) classes[r] = y[0] >= 0.5f ? 1 : 0;
            else if (activation == OutputActivation.Softmax)
            {
                int best = 0;
                for (int i = 1; i < y.Length; i++) if (y[i] > y[best]) best = i;
                classes[r] = best;
            }
        }
        return classes;
    }
}
