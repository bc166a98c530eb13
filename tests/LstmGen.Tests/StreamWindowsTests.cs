using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>The row-to-stream mapping of truncated-BPTT windows over one long token stream.</summary>
public class StreamWindowsTests
{
    [Fact]
    public void RowsContinueTheirStreamFromWindowToWindow()
    {
        // 3 streams of ⌊50 / 3⌋ = 16 tokens; windows of 4: ⌊15 / 4⌋ = 3 windows (a stream's last 3 tokens are left over).
        int[] text = Enumerable.Range(1, 50).ToArray();
        var windows = new StreamWindows(text, streams: 3, sequenceLength: 4);
        Assert.Equal(16, windows.StreamLength);
        Assert.Equal(3, windows.Windows);
        var tokens = new int[12];
        var targets = new int[12];
        for (int k = 0; k < windows.Windows; k++)
        {
            windows.Fill(k, tokens, targets);
            for (int b = 0; b < 3; b++)
            {
                for (int j = 0; j < 4; j++)
                {
                    // text[i] = i + 1: row b, step j of window k is stream b's token k·T + j, its target the next one.
                    Assert.Equal(b * 16 + k * 4 + j + 1, tokens[b * 4 + j]);
                    Assert.Equal(tokens[b * 4 + j] + 1, targets[b * 4 + j]);
                }
            }
        }
        // The last window's last target (position 12 of stream 0's 16) is still inside its stream; a fourth window would
        // need position 16, the first of stream 1.
        windows.Fill(2, tokens, targets);
        Assert.Equal(13, targets[3]);
        Assert.Equal(16, windows.Position(3, 0, 3) + 1);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        int[] text = Enumerable.Range(1, 20).ToArray();
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamWindows(text, 0, 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamWindows(text, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamWindows(text, 5, 4)); // streams of 4: no room for a target
        text[7] = 0;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new StreamWindows(text, 2, 4));
        Assert.Contains("position 7", e.Message);
        var windows = new StreamWindows(Enumerable.Range(1, 20).ToArray(), 2, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => windows.Fill(2, new int[8], new int[8]));
        Assert.Throws<ArgumentException>(() => windows.Fill(0, new int[7], new int[8]));
    }
}
