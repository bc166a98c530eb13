namespace LstmGen.Training;

/// <summary>
/// Cuts one long token stream (a text) into the batches of truncated backpropagation through time: B parallel streams,
/// each read in consecutive windows of SequenceLength tokens with the next token as each step's class target, so that
/// row b of window k + 1 continues row b of window k (the model's state is carried from one to the next, Keras
/// <c>stateful=True</c>).
/// </summary>
/// <remarks>
/// Row-to-stream mapping: with N tokens and B streams, each stream is L = ⌊N / B⌋ consecutive tokens and stream b is
/// tokens [b·L, (b + 1)·L) (the last N mod B tokens are not used). Window k holds, in row b, the tokens
/// text[b·L + k·T + j] for j &lt; T and the targets text[b·L + k·T + j + 1]; there are K = ⌊(L − 1) / T⌋ windows, so every
/// target lies inside its own stream. Every id must be at least 1: id 0 is padding to the models (a step that changes no
/// state and has no loss), which a stream has none of.
/// </remarks>
public sealed class StreamWindows
{
    private readonly int[] _text;

    /// <summary>Prepares the windows of <paramref name="text"/> for <paramref name="streams"/> rows of <paramref name="sequenceLength"/> steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count below 1, an id below 1, or a text too short for one window per stream.</exception>
    public StreamWindows(ReadOnlySpan<int> text, int streams, int sequenceLength)
    {
        if (streams < 1) throw new ArgumentOutOfRangeException(nameof(streams), streams, "At least one stream.");
        if (sequenceLength < 1) throw new ArgumentOutOfRangeException(nameof(sequenceLength), sequenceLength, "SequenceLength must be at least 1.");
        for (int i = 0; i < text.Length; i++)
            if (text[i] < 1) throw new ArgumentOutOfRangeException(nameof(text), text[i], $"Token id {text[i]} at position {i}: stream ids are at least 1 (0 is padding).");
        StreamLength = text.Length / streams;
        Windows = StreamLength < 1 ? 0 : (StreamLength - 1) / sequenceLength;
        if (Windows < 1)
            throw new ArgumentOutOfRangeException(nameof(text), text.Length, $"{text.Length} tokens make {streams} streams of {StreamLength}, shorter than one window of {sequenceLength} tokens plus its last target.");
        Streams = streams;
        SequenceLength = sequenceLength;
        _text = text.ToArray();
    }

    /// <summary>B, the rows of every window.</summary>
    public int Streams { get; }

    /// <summary>T, the steps of a window.</summary>
    public int SequenceLength { get; }

    /// <summary>L = ⌊N / B⌋, the tokens of each stream.</summary>
    public int StreamLength { get; }

    /// <summary>K = ⌊(L − 1) / T⌋, the windows in order.</summary>
    public int Windows { get; }

    /// <summary>Position in the text of row <paramref name="row"/>, step <paramref name="step"/> of window <paramref name="window"/>: row·L + window·T + step.</summary>
    public int Position(int window, int row, int step) => row * StreamLength + window * SequenceLength + step;

    /// <summary>
    /// Writes window <paramref name="window"/>'s B·T tokens (row-major, row b's step j at b·T + j) and their next-token
    /// targets into <paramref name="tokens"/> and <paramref name="targets"/>. Allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is not in [0, Windows).</exception>
    /// <exception cref="ArgumentException">A span does not hold B·T values.</exception>
    public void Fill(int window, Span<int> tokens, Span<int> targets)
    {
        if ((uint)window >= (uint)Windows) throw new ArgumentOutOfRangeException(nameof(window), window, $"Window must be in [0, {Windows}).");
        int n = Streams * SequenceLength;
        if (tokens.Length != n) ThrowHelper.WrongLength(nameof(tokens), tokens.Length, n, "Streams × SequenceLength");
        if (targets.Length != n) ThrowHelper.WrongLength(nameof(targets), targets.Length, n, "Streams × SequenceLength");
        for (int b = 0; b < Streams; b++)
        {
            int at = Position(window, b, 0);
            _text.AsSpan(at, SequenceLength).CopyTo(tokens.Slice(b * SequenceLength, SequenceLength));
            _text.AsSpan(at + 1, SequenceLength).CopyTo(targets.Slice(b * SequenceLength, SequenceLength));
        }
    }
}
