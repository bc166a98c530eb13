using LstmGen.Samples.Sentiment;

namespace LstmGen.Text.Tests;

/// <summary>The sample's model-file options: <c>--save</c>, <c>--no-save</c>, <c>--load</c>.</summary>
public class CommandLineTests
{
    [Fact]
    public void SavesToTheDefaultPathUnlessToldOtherwise()
    {
        Options defaults = Options.Parse([]);
        Assert.Null(defaults.SavePath);
        Assert.False(defaults.NoSave);
        Assert.Equal("sentiment.lstmgen", Options.DefaultSavePath);

        Assert.Equal("m.lstmgen", Options.Parse(["--save", "m.lstmgen"]).SavePath);
        Assert.Equal("m.lstmgen", Options.Parse(["--save=m.lstmgen"]).SavePath);
        Assert.True(Options.Parse(["--no-save"]).NoSave);
    }

    [Fact]
    public void LoadTakesAFileAndKeepsTheSentences()
    {
        Options o = Options.Parse(["--load", "m.lstmgen", "not bad at all", "--", "--weird"]);
        Assert.Equal("m.lstmgen", o.LoadPath);
        Assert.Equal(["not bad at all", "--weird"], o.Sentences);
    }

    [Theory]
    [InlineData(new[] { "--load", "m.lstmgen", "--data", "x.txt" }, "--load skips training")]
    [InlineData(new[] { "--load", "m.lstmgen", "--save", "n.lstmgen" }, "--load skips training")]
    [InlineData(new[] { "--save", "m.lstmgen", "--no-save" }, "contradict")]
    [InlineData(new[] { "--load" }, "needs a value")]
    [InlineData(new[] { "--save=" }, "needs a value")]
    public void ContradictoryOrIncompleteOptionsAreUsageErrors(string[] args, string message)
    {
        var e = Assert.Throws<UsageException>(() => Options.Parse(args));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void UsageDocumentsTheModelFileOptions()
    {
        Assert.Contains("--save FILE", Options.Usage);
        Assert.Contains("--no-save", Options.Usage);
        Assert.Contains("--load FILE", Options.Usage);
    }

    [Theory]
    [InlineData("65536")]
    [InlineData("4097")]
    [InlineData("0")]
    public void AnAbsurdBatchSizeIsAUsageErrorNamingTheLargestAllowed(string size)
    {
        var e = Assert.Throws<UsageException>(() => Options.Parse(["--batch-size", size]));
        Assert.Contains($"between 1 and {Options.MaxBatchSize}; got {size}", e.Message);
        Assert.Equal(Options.MaxBatchSize, Options.Parse(["--batch-size", "4096"]).BatchSize);
        Assert.Contains($"1 to {Options.MaxBatchSize}", Options.Usage);
    }
}

/// <summary>The sample's <c>--test</c> option.</summary>
public class TestOptionTests
{
    [Fact]
    public void TestFilesAreCollected_AndDocumented()
    {
        Options o = Options.Parse(["--test", "a.txt", "--test=b.txt", "--data", "d.txt"]);
        Assert.Equal(["a.txt", "b.txt"], o.TestPaths);
        Assert.Contains("--test PATH", Options.Usage);
        Assert.Equal(10, Options.DefaultEpochs);
    }
}
