using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace LstmGen.Generator.Tests;

/// <summary>Edits that do not change a model's spec re-use the cached parse, spec and source; edits that do, do not.</summary>
public sealed class IncrementalTests
{
    private const string Unrelated = """
        namespace Demo;

        internal static class Helpers
        {
            public static int Twice(int x) => x * 2;
        }
        """;

    private static readonly string[] s_pipelineSteps = { LstmModelGenerator.TrackingNames.Parse, LstmModelGenerator.TrackingNames.Specs };

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun(string modelSource)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(modelSource)
            .AddSyntaxTrees(GeneratorHarness.Parse(Unrelated, "Helpers.cs"));
        GeneratorRun run = GeneratorHarness.Run(compilation);
        Assert.Single(run.GeneratedSources);
        // The first run computes everything from scratch.
        foreach (string step in s_pipelineSteps)
        {
            Assert.All(Outputs(run.Result, step), o => Assert.Equal(IncrementalStepRunReason.New, o.Reason));
        }
        return (run.Driver, compilation);
    }

    private static ImmutableArray<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string step)
    {
        Assert.True(result.TrackedSteps.TryGetValue(step, out ImmutableArray<IncrementalGeneratorRunStep> runs), $"step '{step}' was not tracked");
        ImmutableArray<(object Value, IncrementalStepRunReason Reason)> outputs = runs.SelectMany(r => r.Outputs).ToImmutableArray();
        Assert.NotEmpty(outputs);
        return outputs;
    }

    private static void AssertAllCached(GeneratorRun run)
    {
        GeneratorRunResult result = run.Result;
        foreach (string step in s_pipelineSteps)
        {
            Assert.All(Outputs(result, step), o => Assert.True(
                o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"step '{step}' output was {o.Reason}"));
        }
        Assert.NotEmpty(result.TrackedOutputSteps);
        foreach (KeyValuePair<string, ImmutableArray<IncrementalGeneratorRunStep>> step in result.TrackedOutputSteps)
        {
            Assert.All(step.Value.SelectMany(r => r.Outputs), o => Assert.True(
                o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"output step '{step.Key}' was {o.Reason}"));
        }
    }

    [Fact]
    public void AddingAnUnrelatedFile_ReusesEverything()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(GeneratorHarness.ReferenceSource);
        CSharpCompilation next = compilation.AddSyntaxTrees(GeneratorHarness.Parse("namespace Demo; internal sealed class Another { }", "Another.cs"));
        GeneratorRun run = GeneratorHarness.Run(next, driver);
        AssertAllCached(run);
        Assert.Single(run.GeneratedSources);
    }

    [Fact]
    public void EditingAnUnrelatedMethodBody_ReusesEverything()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(GeneratorHarness.ReferenceSource);
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Helpers.cs");
        SyntaxTree edited = GeneratorHarness.Parse(Unrelated.Replace("x * 2", "x + x", StringComparison.Ordinal), "Helpers.cs");
        GeneratorRun run = GeneratorHarness.Run(compilation.ReplaceSyntaxTree(old, edited), driver);
        AssertAllCached(run);
    }

    [Fact]
    public void MovingTheModelDown_DoesNotRegenerate()
    {
        // Only the location moves; the spec (and so the source) is unchanged.
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(GeneratorHarness.ReferenceSource);
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Model.cs");
        SyntaxTree moved = old.WithChangedText(old.GetText().WithChanges(new TextChange(new TextSpan(0, 0), "// a comment\n\n")));
        GeneratorRun run = GeneratorHarness.Run(compilation.ReplaceSyntaxTree(old, moved), driver);
        Assert.All(Outputs(run.Result, LstmModelGenerator.TrackingNames.Specs), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"Specs output was {o.Reason}"));
        Assert.All(run.Result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"output was {o.Reason}"));
    }

    [Fact]
    public void ChangingHiddenSize_ModifiesTheSpec()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun(GeneratorHarness.ReferenceSource);
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Model.cs");
        string changed = GeneratorHarness.ReferenceSource.Replace("HiddenSize = 64", "HiddenSize = 65", StringComparison.Ordinal);
        Assert.NotEqual(GeneratorHarness.ReferenceSource, changed);
        GeneratorRun run = GeneratorHarness.Run(compilation.ReplaceSyntaxTree(old, GeneratorHarness.Parse(changed, "Model.cs")), driver);

        Assert.Contains(Outputs(run.Result, LstmModelGenerator.TrackingNames.Parse), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(Outputs(run.Result, LstmModelGenerator.TrackingNames.Specs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(run.Result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(r => r.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("public const int HiddenSize = 65;", run.SingleSourceText, StringComparison.Ordinal);
    }

    [Fact]
    public void FixingAnError_ProducesTheSource()
    {
        string broken = GeneratorHarness.ReferenceSource.Replace("HiddenSize = 64", "HiddenSize = 0", StringComparison.Ordinal);
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation(broken, options: GeneratorHarness.DefaultOptions);
        GeneratorRun first = GeneratorHarness.Run(compilation);
        Assert.Equal("LSTMGEN004", Assert.Single(first.GeneratorDiagnostics).Id);
        Assert.Empty(first.GeneratedSources);

        SyntaxTree old = compilation.SyntaxTrees.Single();
        GeneratorRun second = GeneratorHarness.Run(compilation.ReplaceSyntaxTree(old, GeneratorHarness.Parse(GeneratorHarness.ReferenceSource, "Model.cs")), first.Driver);
        Assert.Empty(second.GeneratorDiagnostics);
        Assert.Single(second.GeneratedSources);
    }
}
