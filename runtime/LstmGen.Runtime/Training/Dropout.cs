using System.ComponentModel;

namespace LstmGen.Training;

/// <summary>Where a dropout mask applies in a generated model's training pass (the text CNN and the feed-forward model have Embedding and Head only).</summary>
public enum DropoutSite
{
    /// <summary>
    /// The embedding output (PyTorch <c>nn.Dropout</c> after <c>nn.Embedding</c>): one mask element per (row, step, feature). The
    /// text CNN masks each token's embedding before the convolution, the feed-forward model before the mean.
    /// </summary>
    Embedding = 0,
    /// <summary>A recurrent layer's input x_t (Keras' <c>dropout</c>): one mask per (layer, row), the same at every step.</summary>
    Input = 1,
    /// <summary>h_{t−1} in the recurrent product W_hh·h_{t−1} (Keras' <c>recurrent_dropout</c>): one mask per (layer, direction, row), the same at every step.</summary>
    Recurrent = 2,
    /// <summary>
    /// The head's input, the final features (PyTorch <c>nn.Dropout</c> before <c>fc</c>): one mask per row; the text CNN's pooled
    /// features. The feed-forward model masks every hidden layer's ReLU output with it (unit ℓ = hidden layer ℓ, one mask
    /// per row; the last is fc's input), or with no hidden layer the mean embedding.
    /// </summary>
    Head = 3,
}

/// <summary>
/// Dropout rates and the mask seed of a generated model (<see cref="IDropoutModel.Dropout"/>), settable at run
/// time, so rates are tuned without regenerating the model. Training only: <c>Predict</c> never reads them (inference is
/// unchanged bit for bit), and with every rate 0 (the default) training runs exactly the code it runs without dropout.
/// Kept elements are scaled by 1/(1 − p) (inverted dropout), so the expected activation equals inference's.
/// </summary>
/// <remarks>
/// <para>Masks are a pure function of (<see cref="Seed"/>, the fit's seed, the replica's stream, the batch number since the
/// stream restarted, the site, the layer/unit, the element): deterministic for a seed and thread count, different for every
/// batch. Assigning <see cref="Seed"/> (or a new settings object to the model) restarts the stream; so does every
/// <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>.</para>
/// <para>Every training forward pass draws a batch's masks: <c>ComputeGradients</c> and <c>ComputeHiddenGradientNorms</c>
/// (which then reports the norms of the dropped-out network).</para>
/// <para>Element j of a mask row r (of width W) is kept when its 24 bits of u = SplitMix64's finaliser of
/// (key + (r·⌈W/2⌉ + ⌊j/2⌋ + 1)·φ) are ≥ ⌊p·2²⁴⌋: bits 40–63 of u for an even j, bits 8–31 for an odd j.</para>
/// </remarks>
public sealed class DropoutSettings
{
    private float _embedding, _input, _recurrent, _head;
    private int _seed;
    private int _version;
    private ulong _salt;

    /// <summary>Rate p on the embedding output (every model), in [0, 1). Default 0 (off).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1) or NaN.</exception>
    public float Embedding { get => _embedding; set => _embedding = Check(value, nameof(Embedding)); }

    /// <summary>
    /// Variational rate on every recurrent layer's input x_t (Keras <c>dropout</c>), in [0, 1). Default 0. Recurrent models only:
    /// the text CNN and the feed-forward model throw <see cref="InvalidOperationException"/> at a training batch when it is above 0.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1) or NaN.</exception>
    public float Input { get => _input; set => _input = Check(value, nameof(Input)); }

    /// <summary>
    /// Variational rate on h_{t−1} in the recurrent product (Keras <c>recurrent_dropout</c>), in [0, 1). Default 0. Recurrent
    /// models only, as <see cref="Input"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1) or NaN.</exception>
    public float Recurrent { get => _recurrent; set => _recurrent = Check(value, nameof(Recurrent)); }

    /// <summary>
    /// Rate on the head's input features, in [0, 1). Default 0. On the feed-forward model it masks every hidden layer's ReLU
    /// output (the last is the head's input; see <see cref="DropoutSite.Head"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [0, 1) or NaN.</exception>
    public float Head { get => _head; set => _head = Check(value, nameof(Head)); }

    /// <summary>The mask seed. Assigning it (even the same value) restarts the mask stream.</summary>
    public int Seed
    {
        get => _seed;
        set { _seed = value; Interlocked.Increment(ref _version); }
    }

    /// <summary>Whether any rate is above 0.</summary>
    public bool IsActive => _embedding > 0 || _input > 0 || _recurrent > 0 || _head > 0;

    /// <summary>The rate of <paramref name="site"/>.</summary>
    public float Rate(DropoutSite site) => site switch
    {
        DropoutSite.Embedding => _embedding,
        DropoutSite.Input => _input,
        DropoutSite.Recurrent => _recurrent,
        DropoutSite.Head => _head,
        _ => throw new ArgumentOutOfRangeException(nameof(site), site, "Unknown dropout site."),
    };

    /// <summary>Copies the rates and the seed of <paramref name="other"/> (restarting the stream).</summary>
    public void CopyFrom(DropoutSettings other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _embedding = other._embedding; _input = other._input; _recurrent = other._recurrent; _head = other._head;
        Seed = other._seed;
    }

    /// <summary>Bumped whenever the stream restarts; a model resets its batch counter when it sees a new value.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public int Version => Volatile.Read(ref _version);

    // Fit restarts the stream, salted with its own seed, so fits with different FitOptions.Seed draw different masks.
    internal void Restart(int fitSeed)
    {
        _salt = unchecked((ulong)fitSeed * 0xD6E8FEB86659FD93UL + 1);
        Interlocked.Increment(ref _version);
    }

    /// <summary>Test hook: when set, <see cref="FillMask"/> asks it for the multipliers instead of drawing them.</summary>
    internal DropoutMaskSource? MaskSource { get; set; }

    /// <summary>
    /// Fills <paramref name="mask"/> ([rows, width], row-major) with the multipliers of one site for one batch: 0 for a
    /// dropped element, 1/(1 − p) for a kept one. Called by generated code once per site and batch. Row i of the mask
    /// belongs to row id <paramref name="rowIds"/>[i] (for the embedding site the pair q = t·B + b of step t and batch row
    /// b), or to row i itself when <paramref name="rowIds"/> is empty. Allocates nothing.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void FillMask(DropoutSite site, int unit, int stream, long batch, ReadOnlySpan<int> rowIds, int rows, int width, Span<float> mask)
    {
        if (mask.Length < rows * width) ThrowHelper.WrongLength(nameof(mask), mask.Length, rows * width, "rows × width");
        Span<float> m = mask[..(rows * width)];
        if (MaskSource is { } source)
        {
            source(site, unit, rowIds, rows, width, m);
            return;
        }
        float p = Rate(site);
        float scale = 1f / (1f - p);
        ulong threshold = (ulong)(p * 16777216.0);
        ulong key = StreamKey((ulong)(uint)_seed ^ _salt, stream, batch, site, unit);
        ulong pairsPerRow = (ulong)(width + 1) / 2;
        uint keep = BitConverter.SingleToUInt32Bits(scale);
        int pairs = width >> 1;
        for (int i = 0; i < rows; i++)
        {
            ulong row = (ulong)(rowIds.IsEmpty ? i : rowIds[i]) * pairsPerRow;
            Span<float> r = m.Slice(i * width, width);
            // One 64-bit hash gives two elements: bits 40–63 for element 2k, bits 8–31 for element 2k + 1. Branch-free
            // (a kept element is scale's bits under an all-ones mask), since a drop is a coin flip the predictor cannot learn.
            for (int k = 0; k < pairs; k++)
            {
                ulong u = Hash(key, row + (ulong)k);
                r[2 * k] = BitConverter.UInt32BitsToSingle(keep & Kept(u >> 40, threshold));
                r[2 * k + 1] = BitConverter.UInt32BitsToSingle(keep & Kept((u >> 8) & 0xFFFFFF, threshold));
            }
            if ((width & 1) != 0) r[width - 1] = BitConverter.UInt32BitsToSingle(keep & Kept(Hash(key, row + (ulong)pairs) >> 40, threshold));
        }
    }

    // All ones when the 24-bit draw v ≥ threshold (kept), else 0: the sign of v − threshold, both below 2²⁴ + 1.
    private static uint Kept(ulong v, ulong threshold) => (uint)~((long)v - (long)threshold >> 63);

    /// <summary>The key of one (seed, stream, batch, site, unit) mask: SplitMix64's finaliser chained over the parts.</summary>
    internal static ulong StreamKey(ulong seed, int stream, long batch, DropoutSite site, int unit)
    {
        ulong k = Finalise(seed);
        k = Finalise(k ^ (ulong)(uint)stream);
        k = Finalise(k ^ (ulong)batch);
        k = Finalise(k ^ (ulong)(uint)site);
        return Finalise(k ^ (ulong)(uint)unit);
    }

    /// <summary>Finalise(key + (index + 1)·φ): the 64 bits behind two mask elements.</summary>
    internal static ulong Hash(ulong key, ulong index) => Finalise(unchecked(key + (index + 1) * 0x9E3779B97F4A7C15UL));

    private static ulong Finalise(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    private static float Check(float value, string name)
        => value >= 0f && value < 1f ? value : throw new ArgumentOutOfRangeException(name, value, $"A dropout rate must be in [0, 1) but {name} is {value}.");
}

/// <summary>Supplies a site's multipliers in place of the seeded stream (tests inject fixed masks with it).</summary>
internal delegate void DropoutMaskSource(DropoutSite site, int unit, ReadOnlySpan<int> rowIds, int rows, int width, Span<float> mask);

/// <summary>A generated model with dropout in its training pass (every generated model: recurrent, text CNN, feed-forward).</summary>
public interface IDropoutModel : ITrainableModel
{
    /// <summary>
    /// The dropout rates and seed the training pass uses (all 0 by default). Replicas made for data-parallel training
    /// share the object of the model they train (<see cref="TrainingStep"/> assigns it).
    /// </summary>
    /// <exception cref="ArgumentNullException">Assigning null.</exception>
    DropoutSettings Dropout { get; set; }

    /// <summary>This instance's mask stream (0 for a model, the shard index for <see cref="TrainingStep"/>'s replicas), so shards draw different masks.</summary>
    int DropoutStream { get; set; }
}
