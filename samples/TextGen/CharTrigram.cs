namespace LstmGen.Samples.TextGen;

/// <summary>
/// The baseline: a character 3-gram model with interpolated Kneser–Ney smoothing (absolute discount D = 0.75 at every
/// order, lower orders counted by continuation), so every character of the vocabulary keeps a non-zero probability.
/// </summary>
public sealed class CharTrigram
{
    private const double Discount = 0.75;
    private readonly int _v;
    private readonly Dictionary<long, int> _tri = [], _biCont = [];
    private readonly Dictionary<long, (int Total, int Types)> _triContext = [];
    private readonly Dictionary<int, (int Total, int Types)> _biContext = [];
    private readonly int[] _uniCont;
    private readonly int _biTypes;

    /// <summary>Counts the 3-grams of <paramref name="ids"/> over a vocabulary of <paramref name="vocabulary"/> ids.</summary>
    public CharTrigram(ReadOnlySpan<int> ids, int vocabulary)
    {
        _v = vocabulary;
        _uniCont = new int[vocabulary];
        for (int i = 2; i < ids.Length; i++)
        {
            long key = Key(ids[i - 2], ids[i - 1], ids[i]);
            int n = _tri.GetValueOrDefault(key);
            _tri[key] = n + 1;
            var ctx = _triContext.GetValueOrDefault(Key(0, ids[i - 2], ids[i - 1]));
            _triContext[Key(0, ids[i - 2], ids[i - 1])] = (ctx.Total + 1, ctx.Types + (n == 0 ? 1 : 0));
            if (n != 0) continue;
            // A new 3-gram type (a, b, c) is one continuation of the 2-gram (b, c).
            long bi = Key(0, ids[i - 1], ids[i]);
            int m = _biCont.GetValueOrDefault(bi);
            _biCont[bi] = m + 1;
            var bctx = _biContext.GetValueOrDefault(ids[i - 1]);
            _biContext[ids[i - 1]] = (bctx.Total + 1, bctx.Types + (m == 0 ? 1 : 0));
            if (m != 0) continue;
            _uniCont[ids[i]]++;
            _biTypes++;
        }
    }

    /// <summary>P(c | a, b), interpolated down to a uniform floor.</summary>
    public double Probability(int a, int b, int c)
    {
        // Unigram continuation probability, mixed with 1/V so unseen characters keep some mass.
        double p1 = (_uniCont[c] + 1.0) / (_biTypes + _v);
        double p2 = p1;
        if (_biContext.TryGetValue(b, out var bc))
            p2 = (Math.Max(_biCont.GetValueOrDefault(Key(0, b, c)) - Discount, 0) + Discount * bc.Types * p1) / bc.Total;
        if (!_triContext.TryGetValue(Key(0, a, b), out var tc)) return p2;
        return (Math.Max(_tri.GetValueOrDefault(Key(a, b, c)) - Discount, 0) + Discount * tc.Types * p2) / tc.Total;
    }

    /// <summary>Bits per character of <paramref name="ids"/> from its third character on (the first two are context).</summary>
    public double BitsPerCharacter(ReadOnlySpan<int> ids)
    {
        double bits = 0;
        for (int i = 2; i < ids.Length; i++) bits -= Math.Log2(Probability(ids[i - 2], ids[i - 1], ids[i]));
        return bits / Math.Max(1, ids.Length - 2);
    }

    private long Key(int a, int b, int c) => ((long)a * _v + b) * _v + c;
}
