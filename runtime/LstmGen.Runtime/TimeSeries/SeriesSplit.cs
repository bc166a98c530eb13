namespace LstmGen.TimeSeries;

/// <summary>
/// A chronological split of a series of <c>Length</c> steps into train, validation and test ranges that follow one
/// another in time (never shuffled: a forecast is judged on months it has not seen, after every month it has).
/// </summary>
/// <param name="Train">The first steps.</param>
/// <param name="Validation">The steps after <paramref name="Train"/> (may be empty).</param>
/// <param name="Test">The last steps.</param>
public readonly record struct SeriesSplit(Range Train, Range Validation, Range Test)
{
    /// <summary>Splits <paramref name="length"/> steps, holding out the last <paramref name="test"/> steps and the
    /// <paramref name="validation"/> steps before them.</summary>
    public static SeriesSplit Chronological(int length, int test, int validation = 0)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "Must be at least 1.");
        if (test < 0) throw new ArgumentOutOfRangeException(nameof(test), test, "Must not be negative.");
        if (validation < 0) throw new ArgumentOutOfRangeException(nameof(validation), validation, "Must not be negative.");
        if ((long)test + validation >= length)
            throw new ArgumentException($"Holding out {test} test and {validation} validation steps leaves no training steps of {length}.");
        int trainEnd = length - test - validation;
        return new SeriesSplit(0..trainEnd, trainEnd..(trainEnd + validation), (length - test)..length);
    }

    /// <summary>Splits by fractions of <paramref name="length"/> (rounded down, at least one training step).</summary>
    public static SeriesSplit ByFraction(int length, double testFraction, double validationFraction = 0)
    {
        if (!(testFraction >= 0 && testFraction < 1)) throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "Must be in [0, 1).");
        if (!(validationFraction >= 0 && validationFraction < 1)) throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "Must be in [0, 1).");
        return Chronological(length, (int)(length * testFraction), (int)(length * validationFraction));
    }
}
