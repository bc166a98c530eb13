namespace LstmGen.Training;

/// <summary>Helpers to build target arrays.</summary>
public static class Targets
{
    /// <summary>One-hot rows for class ids in [0, classes).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class id is out of range.</exception>
    public static float[] OneHot(ReadOnlySpan<int> classIds, int classes)
    {
        var result = new float[classIds.Length * classes];
        for (int i = 0; i < classIds.Length; i++)
        {
            int c = classIds[i];
            if ((uint)c >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(classIds), c, $"Class id {c} at index {i} is outside [0, {classes}).");
            result[i * classes + c] = 1f;
        }
        return result;
    }
}
