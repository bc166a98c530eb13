namespace LstmGen.Testing;

/// <summary>
/// Locates a folder of <c>../shared/data</c> next to the repository. Users who clone the project do not have it, so
/// tests that need it skip with a reason; CI sets <c>LSTMGEN_REQUIRE_SHARED_DATA=1</c>, and then they fail instead.
/// </summary>
internal static class SharedDataFolders
{
    public static bool Required => Environment.GetEnvironmentVariable("LSTMGEN_REQUIRE_SHARED_DATA") == "1";

    /// <summary>The full path of <c>../shared/data/<paramref name="name"/></c>, or null when it is absent.</summary>
    public static string? Find(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "LstmGen.sln"))) continue;
            string folder = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "data", name));
            return Directory.Exists(folder) ? folder : null;
        }
        return null;
    }

    /// <summary>The reason a test that needs <paramref name="name"/> is skipped, or null when it runs.</summary>
    public static string? SkipReason(string name) =>
        Find(name) is null && !Required
            ? $"../shared/data/{name} was not found next to the repository (set LSTMGEN_REQUIRE_SHARED_DATA=1 to make this a failure)."
            : null;
}

/// <summary>A fact that is skipped, with the reason, when its <c>../shared/data</c> folder is absent (unless CI requires it).</summary>
public sealed class SharedDataFolderFactAttribute : FactAttribute
{
    /// <summary>Skips the fact when <paramref name="folder"/> cannot be found and is not required.</summary>
    public SharedDataFolderFactAttribute(string folder) => Skip = SharedDataFolders.SkipReason(folder);
}

/// <summary>The UCI sentiment sentences (<c>../shared/data/uci-sentiment-labelled-sentences</c>), which several test projects read.</summary>
internal static class SharedData
{
    public const string UciName = "uci-sentiment-labelled-sentences";

    public static string? UciFolder { get; } = SharedDataFolders.Find(UciName);

    public static bool Required => SharedDataFolders.Required;
}

/// <summary>A fact that is skipped, with the reason, when the UCI sentences are absent (unless CI requires them).</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the data cannot be found and is not required.</summary>
    public SharedDataFactAttribute() => Skip = SharedDataFolders.SkipReason(SharedData.UciName);
}
