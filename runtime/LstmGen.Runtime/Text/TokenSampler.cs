using System.Buffers;

namespace LstmGen.Text;

/// <summary>
/// Draws the next token of generated text from a model's logits, with a temperature and top-k truncation: the token is
/// drawn from softmax(z / temperature) restricted to the <c>topK</c> largest logits. Allocation-free for up to 1,024
/// logits (a pooled buffer above that).
/// </summary>
public static class TokenSampler
{
    /// <summary>
    /// Returns a token id drawn from softmax(<paramref name="logits"/> / <paramref name="temperature"/>) over the
    /// <paramref name="topK"/> most likely ids (0 or ≥ the length: all of them). A temperature of 0 returns the arg-max
    /// (the first of equal maxima). Logits of −∞ are never drawn, so a caller excludes an id (such as padding) by setting
    /// its logit to <see cref="float.NegativeInfinity"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No logits, a NaN or +∞ logit, or every logit −∞.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A negative or non-finite temperature, or a negative <paramref name="topK"/>.</exception>
    public static int Sample(ReadOnlySpan<float> logits, float temperature, int topK, ref Rng rng)
    {
        if (logits.IsEmpty) throw new ArgumentException("No logits to sample from.", nameof(logits));
        if (!(temperature >= 0 && float.IsFinite(temperature))) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature must be finite and ≥ 0.");
        ArgumentOutOfRangeException.ThrowIfNegative(topK);
        int best = -1;
        for (int i = 0; i < logits.Length; i++)
        {
            float z = logits[i];
            if (float.IsNaN(z) || float.IsPositiveInfinity(z)) throw new ArgumentException($"Logit {i} is {z}; logits must be finite or −∞.", nameof(logits));
            if (z != float.NegativeInfinity && (best < 0 || z > logits[best])) best = i;
        }
        if (best < 0) throw new ArgumentException("Every logit is −∞: there is nothing to draw.", nameof(logits));
        if (temperature == 0) return best;

        // The k-th largest logit is the cut: ids below it are left out (ties at the cut are all kept).
        float cut = float.NegativeInfinity;
        if (topK > 0 && topK < logits.Length)
        {
            float[]? rented = logits.Length > 1024 ? ArrayPool<float>.Shared.Rent(logits.Length) : null;
            Span<float> sorted = rented is null ? stackalloc float[logits.Length] : rented.AsSpan(0, logits.Length);
            logits.CopyTo(sorted);
            sorted.Sort();
            cut = sorted[logits.Length - topK];
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
        // p_i ∝ exp((z_i − z_max) / τ) over the kept ids, in double; one uniform draw over the cumulative sum.
        double max = logits[best], total = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            if (logits[i] >= cut && logits[i] != float.NegativeInfinity) total += Math.Exp((logits[i] - max) / temperature);
        }
        double u = rng.NextDouble() * total, sum = 0;
        int last = best;
        for (int i = 0; i < logits.Length; i++)
        {
            if (logits[i] < cut || logits[i] == float.NegativeInfinity) continue;
            sum += Math.Exp((logits[i] - max) / temperature);
            last = i;
            if (u < sum) return i;
        }
        return last; // u at the very top of the sum (rounding): the last kept id
    }
}
