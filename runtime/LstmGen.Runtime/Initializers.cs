namespace LstmGen;

/// <summary>Keras-style weight initialisers, deterministic for a seed, on row-major spans.</summary>
public static class Initializers
{
    /// <summary>Uniform in [−limit, limit] with limit = √(6 / (fanIn + fanOut)) (Keras <c>GlorotUniform</c>).</summary>
    public static void GlorotUniform(Span<float> weights, int fanIn, int fanOut, ref Rng rng)
    {
        float limit = MathF.Sqrt(6f / (fanIn + fanOut));
        Uniform(weights, -limit, limit, ref rng);
    }

    /// <summary>Uniform in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static void Uniform(Span<float> weights, float low, float high, ref Rng rng)
    {
        for (int i = 0; i < weights.Length; i++) weights[i] = rng.NextUniform(low, high);
    }

    /// <summary>
    /// Fills a row-major <paramref name="rows"/>×<paramref name="cols"/> matrix with orthonormal columns
    /// (rows ≥ cols) or rows (rows &lt; cols), like Keras <c>Orthogonal</c>: the Q of a QR factorisation of a
    /// Gaussian matrix with the signs of R's diagonal folded in (computed here by modified Gram–Schmidt in double).
    /// </summary>
    public static void Orthogonal(Span<float> weights, int rows, int cols, ref Rng rng)
    {
        if (weights.Length != rows * cols) throw new ArgumentException($"Expected {rows}×{cols} = {rows * cols} weights, got {weights.Length}.", nameof(weights));
        // Work on the tall orientation: m ≥ n, orthonormalise the n columns of an m×n matrix.
        bool transpose = rows < cols;
        int m = transpose ? cols : rows, n = transpose ? rows : cols;
        var a = new double[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextGaussian();
        for (int j = 0; j < n; j++)
        {
            for (int p = 0; p < j; p++)
            {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += a[i * n + j] * a[i * n + p];
                for (int i = 0; i < m; i++) a[i * n + j] -= dot * a[i * n + p];
            }
            double norm = 0;
            for (int i = 0; i < m; i++) norm += a[i * n + j] * a[i * n + j];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < m; i++) a[i * n + j] /= norm;
        }
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                weights[transpose ? j * cols + i : i * cols + j] = (float)a[i * n + j];
    }
}
