using Microsoft.CodeAnalysis;

namespace LstmGen.Generator.Tests;

/// <summary>
/// Streaming members (issue 12 item 3): every unidirectional recurrent model gets State, CreateState, Step, StepLogits
/// and StateSize; a bidirectional one gets none (its reverse direction runs from the sequence's end, so no state can be
/// advanced one token at a time), nor does a model that is not recurrent.
/// </summary>
public sealed class StreamingGeneratorTests
{
    private const string Sizes = "VocabularySize = 100, EmbeddingSize = 8, HiddenSize = 8, SequenceLength = 10";

    private static INamedTypeSymbol ModelType(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
        return Assert.IsAssignableFrom<INamedTypeSymbol>(run.Output.GetTypeByMetadataName("Demo.SentimentModel"));
    }

    [Theory]
    [InlineData("LstmModel", "")]
    [InlineData("LstmModel", ", Layers = 3")]
    [InlineData("GruModel", "")]
    [InlineData("GruModel", ", Layers = 2")]
    [InlineData("RnnModel", ", Layers = 2")]
    public void UnidirectionalModels_GetStreamingMembers(string attribute, string extra)
    {
        INamedTypeSymbol model = ModelType(GeneratorHarness.ModelSource(Sizes + extra).Replace("[LstmModel(", $"[{attribute}(", StringComparison.Ordinal));
        INamedTypeSymbol state = Assert.Single(model.GetTypeMembers("State"));
        Assert.Equal(Accessibility.Public, state.DeclaredAccessibility);
        Assert.Contains(state.AllInterfaces, i => i.ToDisplayString() == "LstmGen.IRecurrentState");
        Assert.Single(model.GetMembers("CreateState"));
        Assert.Single(model.GetMembers("StepLogits"));
        IMethodSymbol step = Assert.IsAssignableFrom<IMethodSymbol>(Assert.Single(model.GetMembers("Step").Where(m => m.DeclaredAccessibility == Accessibility.Public)));
        Assert.Equal(["State", "int", "System.Span<float>"], step.Parameters.Select(p => p.Type.ToDisplayString().Replace("Demo.SentimentModel.", "", StringComparison.Ordinal)));
        int layers = extra.Length == 0 ? 1 : int.Parse(extra[^1..], System.Globalization.CultureInfo.InvariantCulture);
        IFieldSymbol size = Assert.IsAssignableFrom<IFieldSymbol>(Assert.Single(model.GetMembers("StateSize")));
        Assert.Equal(layers * 8 * (attribute == "LstmModel" ? 2 : 1), size.ConstantValue);
    }

    [Theory]
    [InlineData("LstmModel", "")]
    [InlineData("GruModel", ", Layers = 2")]
    public void DenseModels_StepTakeFeatures(string attribute, string extra)
    {
        INamedTypeSymbol model = ModelType(GeneratorHarness.ModelSource("InputSize = 3, HiddenSize = 8, SequenceLength = 10" + extra).Replace("[LstmModel(", $"[{attribute}(", StringComparison.Ordinal));
        Assert.Single(model.GetTypeMembers("State"));
        IMethodSymbol step = Assert.IsAssignableFrom<IMethodSymbol>(Assert.Single(model.GetMembers("Step").Where(m => m.DeclaredAccessibility == Accessibility.Public)));
        Assert.Equal(["State", "System.ReadOnlySpan<float>", "System.Span<float>"], step.Parameters.Select(p => p.Type.ToDisplayString().Replace("Demo.SentimentModel.", "", StringComparison.Ordinal)));
        Assert.Single(model.GetMembers("StepLogits"));
    }

    [Theory]
    [InlineData("LstmModel")]
    [InlineData("GruModel")]
    [InlineData("RnnModel")]
    public void BidirectionalModels_GetNoStreamingMembers(string attribute)
    {
        foreach (string sizes in new[] { Sizes, "InputSize = 3, HiddenSize = 8, SequenceLength = 10" })
            AssertNoStreaming(ModelType(GeneratorHarness.ModelSource(sizes + ", Layers = 2, Bidirectional = true").Replace("[LstmModel(", $"[{attribute}(", StringComparison.Ordinal)));
    }

    private static void AssertNoStreaming(INamedTypeSymbol model)
    {
        Assert.Empty(model.GetTypeMembers("State"));
        Assert.Empty(model.GetMembers("CreateState"));
        Assert.Empty(model.GetMembers("StepLogits"));
        Assert.Empty(model.GetMembers("StateSize"));
        // The private batch-1 kernel named Step stays; no public Step exists.
        Assert.DoesNotContain(model.GetMembers("Step"), m => m.DeclaredAccessibility == Accessibility.Public);
    }
}
