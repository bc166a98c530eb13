using LstmGen.Tests.Models;

namespace LstmGen.Tests;

/// <summary>Token 0 is padding: any amount of it, anywhere, leaves the score unchanged.</summary>
public class MaskingTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PaddingAnywhereGivesBitIdenticalScores(bool folded)
    {
        var model = new H33Model(seed: 5) { UseFoldedEmbedding = folded };
        int[] words = [7, 3, 12, 40, 9];
        var expected = new float[H33Model.OutputSize];
        model.Predict(words, expected);
        int[][] variants =
        [
            [0, 0, 0, 7, 3, 12, 40, 9],
            [7, 3, 12, 40, 9, 0, 0, 0, 0, 0, 0, 0],
            [7, 0, 3, 0, 0, 12, 40, 0, 9],
            [0, 7, 3, 12, 0, 40, 9, 0],
        ];
        var y = new float[H33Model.OutputSize];
        foreach (int[] v in variants)
        {
            model.Predict(v, y);
            Assert.Equal(expected, y);
        }
    }

    [Fact]
    public void BatchRowsWithDifferentPaddingScoreTheSame()
    {
        var model = new ReferenceModel(seed: 3);
        const int t = ReferenceModel.SequenceLength;
        int[] words = [17, 250, 9000, 42, 1, 3333, 77];
        var tokens = new int[4 * t];
        words.CopyTo(tokens, t - words.Length);                 // left-padded
        words.CopyTo(tokens, t);                                // right-padded
        for (int i = 0; i < words.Length; i++) tokens[2 * t + 10 * i] = words[i]; // spread out
        words.CopyTo(tokens, 3 * t + 40);                       // in the middle
        var outputs = new float[4];
        model.PredictBatch(tokens, outputs);
        float single = model.Predict(words);
        foreach (float y in outputs) Assert.Equal(single, y, 6);
    }
}
