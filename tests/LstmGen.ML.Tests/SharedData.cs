namespace LstmGen.ML.Tests;

/// <summary>
/// Locates <c>../shared/data</c> next to the repository. Users who clone the project do not have it, so tests that need it
/// skip with a reason; CI sets <c>LSTMGEN_REQUIRE_SHARED_DATA=1</c>, and then they run and fail if it is missing.
/// </summary>
internal static class SharedData
{
    public static string? UciFolder { get; } = Find();

    public static bool Required => Environment.GetEnvironmentVariable("LSTMGEN_REQUIRE_SHARED_DATA") == "1";

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "LstmGen.sln"))) continue;
            string folder = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", "uci-sentiment-labelled-sentences"));
            return Directory.Exists(folder) ? folder : null;
        }
        return null;
    }
}

/// <summary>A fact that is skipped, with the reason, when the shared data is absent (unless CI requires it).</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the data cannot be found and is not required.</summary>
    public SharedDataFactAttribute()
    {
        if (SharedData.UciFolder is null && !SharedData.Required)
            Skip = "../shared/data/uci-sentiment-labelled-sentences was not found next to the repository (set LSTMGEN_REQUIRE_SHARED_DATA=1 to make this a failure).";
    }
}
