// The two xunit names the linked test files use (TheoryData for model lists, Assert.Equal for one shape check), so they
// compile here without the test framework.
namespace Xunit;

/// <summary>A list of theory arguments (here only enumerated).</summary>
internal sealed class TheoryData<T> : List<T>;

/// <summary>The one assertion the linked reference code makes.</summary>
internal static class Assert
{
    /// <summary>Throws when the two values differ.</summary>
    public static void Equal<T>(T expected, T actual)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new InvalidOperationException($"expected {expected}, got {actual}");
    }
}
