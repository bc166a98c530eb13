using LstmGen.Tests.Models;

namespace LstmGen.Tests;

/// <summary>Bad input gets an ArgumentException-family exception that names the value and the position.</summary>
public class BadInputTests
{
    private readonly SmallModel _model = new();

    [Theory]
    [InlineData(-1)]
    [InlineData(SmallModel.VocabularySize)]
    [InlineData(int.MaxValue)]
    public void TokenOutOfRange(int bad)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _model.Predict([2, 3, bad, 4]));
        Assert.Contains($"Token id {bad} at position 2", ex.Message);
        Assert.Equal("tokens", ex.ParamName);
    }

    [Fact]
    public void TokenOutOfRangeInBatchNamesRowAndPosition()
    {
        var tokens = new int[3 * SmallModel.SequenceLength];
        tokens[2 * SmallModel.SequenceLength + 4] = 99;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _model.PredictBatch(tokens, new float[3]));
        Assert.Contains("Token id 99 at position 4 of row 2", ex.Message);
    }

    [Fact]
    public void SequenceTooLong()
    {
        var ex = Assert.Throws<ArgumentException>(() => _model.Predict(new int[SmallModel.SequenceLength + 1]));
        Assert.Contains($"{SmallModel.SequenceLength + 1} tokens", ex.Message);
    }

    [Fact]
    public void OutputSpanOfWrongLength()
    {
        var model = new SoftmaxModel();
        var ex = Assert.Throws<ArgumentException>(() => model.Predict([2], new float[2]));
        Assert.Equal("output", ex.ParamName);
        Assert.Contains("Expected 3", ex.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(SmallModel.SequenceLength + 1)]
    public void BatchNotWholeRows(int length)
    {
        var ex = Assert.Throws<ArgumentException>(() => _model.PredictBatch(new int[length], new float[1]));
        Assert.Equal("tokens", ex.ParamName);
    }

    [Fact]
    public void BatchOutputsMismatch()
    {
        var ex = Assert.Throws<ArgumentException>(() => _model.PredictBatch(new int[2 * SmallModel.SequenceLength], new float[3]));
        Assert.Equal("outputs", ex.ParamName);
    }

    [Fact]
    public void UnknownParameterNameListsTheKnownOnes()
    {
        var ex = Assert.Throws<KeyNotFoundException>(() => _model.GetParameter("lstm.weight_ih_l1"));
        Assert.Contains("lstm.weight_ih_l0", ex.Message);
    }

    [Fact]
    public void FailedCallLeavesTheModelUsable()
    {
        float before = _model.Predict([5, 6]);
        Assert.ThrowsAny<ArgumentException>(() => _model.Predict([5, -3]));
        Assert.Equal(before, _model.Predict([5, 6]));
    }
}
