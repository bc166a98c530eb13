using LstmGen.Text;

namespace LstmGen.Text.Tests;

/// <summary>TokenSampler: greedy at temperature 0, top-k truncation, −∞ exclusion, and draws that follow softmax(z / τ).</summary>
public class TokenSamplerTests
{
    [Fact]
    public void TemperatureZeroAndTopOneAreTheArgMax()
    {
        var rng = new Rng(1);
        Assert.Equal(1, TokenSampler.Sample([0.5f, 2f, 2f, -1f], 0, 0, ref rng)); // the first of equal maxima
        float[] z = [0.5f, 1.9f, 2f, -1f];
        for (int i = 0; i < 50; i++) Assert.Equal(2, TokenSampler.Sample(z, 1f, 1, ref rng));
        // Ties at the cut are all kept: top-1 of two equal maxima draws both.
        var seen = new HashSet<int>();
        for (int i = 0; i < 200; i++) seen.Add(TokenSampler.Sample([0f, 3f, 3f], 1f, 1, ref rng));
        Assert.Equal([1, 2], seen.Order());
    }

    [Fact]
    public void DrawsFollowTheTemperedSoftmaxOverTheTopK()
    {
        float[] z = [1f, 0f, 2f, -0.5f, 1.5f];
        const float temperature = 0.8f;
        const int k = 3, draws = 200_000;
        var counts = new int[z.Length];
        var rng = new Rng(7);
        for (int i = 0; i < draws; i++) counts[TokenSampler.Sample(z, temperature, k, ref rng)]++;
        // The top 3 are ids 2, 4, 0; the others are never drawn.
        Assert.Equal(0, counts[1]);
        Assert.Equal(0, counts[3]);
        double total = new[] { 2, 4, 0 }.Sum(i => Math.Exp(z[i] / temperature));
        foreach (int i in new[] { 2, 4, 0 })
        {
            double p = Math.Exp(z[i] / temperature) / total;
            // Binomial sd = sqrt(p(1 − p)/n) ≤ 0.0012 here; 5 sd.
            Assert.InRange(counts[i] / (double)draws, p - 0.006, p + 0.006);
        }
    }

    [Fact]
    public void NegativeInfinityIsNeverDrawnAndAllNegativeInfinityIsAnError()
    {
        float[] z = [float.NegativeInfinity, 0f, float.NegativeInfinity, 0f];
        var rng = new Rng(3);
        for (int i = 0; i < 1000; i++) Assert.True(TokenSampler.Sample(z, 5f, 0, ref rng) is 1 or 3);
        float[] none = [float.NegativeInfinity, float.NegativeInfinity];
        Assert.Throws<ArgumentException>(() => { var r = new Rng(1); TokenSampler.Sample(none, 1f, 0, ref r); });
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        var rng = new Rng(1);
        Assert.Throws<ArgumentException>(() => { var r = new Rng(1); TokenSampler.Sample([], 1f, 0, ref r); });
        Assert.Throws<ArgumentException>(() => { var r = new Rng(1); TokenSampler.Sample([0f, float.NaN], 1f, 0, ref r); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { var r = new Rng(1); TokenSampler.Sample([0f], -1f, 0, ref r); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { var r = new Rng(1); TokenSampler.Sample([0f], float.PositiveInfinity, 0, ref r); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { var r = new Rng(1); TokenSampler.Sample([0f], 1f, -1, ref r); });
        Assert.Equal(0, TokenSampler.Sample([0f], 1f, 5, ref rng));
    }

    [Fact]
    public void SamplingAllocatesNothing()
    {
        float[] z = [.. Enumerable.Range(0, 96).Select(i => (float)Math.Sin(i))];
        var rng = new Rng(5);
        TokenSampler.Sample(z, 0.7f, 10, ref rng);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) TokenSampler.Sample(z, 0.7f, 10, ref rng);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
