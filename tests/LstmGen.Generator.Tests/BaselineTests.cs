using System.Runtime.CompilerServices;

namespace LstmGen.Generator.Tests;

/// <summary>
/// The reference model's generated source, compared with a checked-in baseline. Run with
/// <c>LSTMGEN_UPDATE_BASELINES=1</c> to rewrite the baseline in the source tree instead of comparing.
/// </summary>
public sealed class BaselineTests
{
    private const string BaselineName = "Demo.SentimentModel.g.cs";

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [Fact]
    public void ReferenceModel_MatchesBaseline()
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.ReferenceSource);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Equal(BaselineName, Assert.Single(run.GeneratedSources).HintName);
        string actual = run.SingleSourceText;

        if (Environment.GetEnvironmentVariable("LSTMGEN_UPDATE_BASELINES") == "1")
        {
            string target = Path.Combine(SourceDirectory(), "Baselines", BaselineName);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, actual, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            return;
        }

        string path = Path.Combine(AppContext.BaseDirectory, "Baselines", BaselineName);
        Assert.True(File.Exists(path), $"Baseline {path} is missing; run the tests with LSTMGEN_UPDATE_BASELINES=1 to create it.");
        string expected = GeneratorHarness.Normalize(File.ReadAllText(path));
        Assert.Equal(expected, actual);
    }
}
