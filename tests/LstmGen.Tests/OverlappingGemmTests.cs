namespace LstmGen.Tests;

/// <summary>The GEMM reads overlapping rows of A (lda &lt; k), as the CNN's sliding windows do, exactly like a copied im2col.</summary>
public class OverlappingGemmTests
{
    [Theory]
    [InlineData(7, 3, 5, 16)]
    [InlineData(13, 4, 3, 19)]
    public void OverlappingRowsEqualExplicitIm2Col(int n, int width, int e, int f)
    {
        var rng = new Rng(3);
        var x = new float[n * e];
        var w = new float[width * e * f];
        Initializers.Uniform(x, -1, 1, ref rng);
        Initializers.Uniform(w, -1, 1, ref rng);
        int windows = n - width + 1;
        var im2col = new float[windows * width * e];
        for (int s = 0; s < windows; s++) x.AsSpan(s * e, width * e).CopyTo(im2col.AsSpan(s * width * e));
        var expected = new float[windows * f];
        var actual = new float[windows * f];
        Gemm.MultiplyAdd(windows, f, width * e, im2col, width * e, w, f, expected, f);
        Gemm.MultiplyAdd(windows, f, width * e, x, e, w, f, actual, f);
        Assert.Equal(expected, actual);
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyAdd(windows + 1, f, width * e, x, e, w, f, new float[(windows + 1) * f], f));
    }
}
