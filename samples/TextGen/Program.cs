using System.Diagnostics;
using System.Globalization;
using LstmGen;
using LstmGen.Samples;
using LstmGen.Samples.TextGen;
using LstmGen.Serialization;
using LstmGen.Text;
using LstmGen.Training;

// The text-generation sample: a character-level LSTM language model trained with truncated backpropagation through time
// on a text (the project's documentation by default), scored in bits per character on the last 10 % beside a character
// 3-gram model, then sampled from a prompt through the streaming Step. See README.md.

return SampleMain.Run(args, Options.Parse, o => o.Help, Options.Usage, Run, e => e is InvalidDataException);

static int Run(Options options)
{
    var model = new CharModel(options.Seed);
    CharVocabulary chars;
    if (options.LoadPath is not null)
    {
        Vocabulary stored = ModelFile.Load(model, options.LoadPath) ?? throw new InvalidDataException($"{options.LoadPath}: the model file has no characters; save it with this sample.");
        chars = CharVocabulary.FromVocabulary(stored);
        Console.WriteLine($"Loaded {options.LoadPath} ({chars.Size - 2} characters).");
    }
    else
    {
        (string text, string source) = CharCorpus.Load(options.DataPath);
        int cut = (int)(text.Length * 0.9);
        if (cut < CharModel.SequenceLength * options.Streams + 1 || text.Length - cut < 100)
            throw new InvalidDataException($"{source}: {text.Length} characters are too few for {options.Streams} streams of {CharModel.SequenceLength}-character windows and a held-out part.");
        string train = text[..cut], heldOut = text[cut..];
        chars = new CharVocabulary(train, CharModel.Symbols);
        Console.WriteLine($"Text: {source}, {text.Length:N0} characters; training on the first {train.Length:N0}, held out the last {heldOut.Length:N0}; " +
            $"{chars.Size - 2} characters have ids ({chars.Covered:P2} of the training text), the rest share one.");
        int[] trainIds = chars.Encode(train), heldIds = chars.Encode(heldOut);

        var trigram = new CharTrigram(trainIds, CharModel.Symbols);
        double trigramBits = trigram.BitsPerCharacter(heldIds);
        Console.WriteLine($"Character 3-gram (interpolated Kneser–Ney): {trigramBits:F3} bits per character on the held-out text.");

        double lstmBits = Train(model, trainIds, heldIds, options);
        Console.WriteLine();
        Console.WriteLine($"Held-out bits per character: LSTM {lstmBits:F3}, 3-gram {trigramBits:F3} ({(trigramBits - lstmBits) / trigramBits:P1} fewer bits for the LSTM).");
        if (!options.NoSave)
        {
            ModelFile.Save(model, options.SavePath, chars.ToVocabulary());
            Console.WriteLine($"Saved to {Path.GetFullPath(options.SavePath)} (generate again with: TextGen --load {options.SavePath}).");
        }
    }
    Generate(model, chars, options);
    return 0;
}

// Truncated BPTT with the runtime's StreamTrainer: the training ids are cut into B streams (row b reads ids
// [b·L, (b + 1)·L), L = ⌊n / B⌋); window w of an epoch is steps [w·T, (w + 1)·T) of every stream, with the next ids as
// targets, and starts from the state the previous window ended in (gradients stop at the window's start).
static double Train(CharModel model, int[] ids, int[] heldIds, Options options)
{
    var windows = new StreamWindows(ids, options.Streams, CharModel.SequenceLength);
    Console.WriteLine($"Training: {options.Streams} streams of {windows.StreamLength:N0} characters, {windows.Windows} windows of {CharModel.SequenceLength} per epoch, " +
        $"{CharModel.ParameterCount:N0} parameters, Adam {options.LearningRate}, gradients clipped to norm 5.");
    var clock = Stopwatch.StartNew();
    TrainingHistory history = StreamTrainer.Fit(model, ids, options.Streams, options.Epochs, new Adam(learningRate: options.LearningRate), clipNorm: 5f,
        validationText: heldIds, progress: new EpochLines(Console.IsOutputRedirected));
    double bits = HeldOutBits(model, heldIds);
    Console.WriteLine($"Trained {history.Epochs.Count} epochs in {clock.Elapsed.TotalSeconds:F0} s.");
    return bits;
}

// −mean log₂ p(next | text so far) over the held-out ids, streamed through Step from a zero state.
static double HeldOutBits(CharModel model, int[] ids)
{
    CharModel.State state = model.CreateState();
    Span<float> logits = stackalloc float[CharModel.Symbols];
    double bits = 0;
    for (int i = 0; i + 1 < ids.Length; i++)
    {
        model.StepLogits(state, ids[i], logits);
        float max = float.NegativeInfinity;
        foreach (float z in logits) max = Math.Max(max, z);
        double sum = 0;
        foreach (float z in logits) sum += Math.Exp(z - max);
        bits += (Math.Log(sum) + max - logits[ids[i + 1]]) / Math.Log(2);
    }
    return bits / Math.Max(1, ids.Length - 1);
}

// Feeds the prompt, then draws one character at a time from the model's next-character distribution and prints it at once.
static void Generate(CharModel model, CharVocabulary chars, Options options)
{
    CharModel.State state = model.CreateState();
    Span<float> logits = stackalloc float[CharModel.Symbols];
    var rng = new Rng(options.Seed);
    Console.WriteLine($"\nGenerated (temperature {options.Temperature}, top-k {options.TopK}):\n");
    Console.Write(options.Prompt);
    foreach (char c in options.Prompt) model.StepLogits(state, chars.IdOf(c), logits);
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < options.Length; i++)
    {
        logits[0] = logits[1] = float.NegativeInfinity; // never padding or the out-of-vocabulary id
        int id = TokenSampler.Sample(logits, options.Temperature, options.TopK, ref rng);
        Console.Write(chars.CharOf(id));
        model.StepLogits(state, id, logits);
    }
    Console.WriteLine($"\n\n({options.Length} characters in {clock.Elapsed.TotalMilliseconds:F0} ms, {clock.Elapsed.TotalMilliseconds * 1000 / Math.Max(1, options.Length):F0} µs each)");
}

/// <summary>Prints each epoch's line (and, on a terminal, the window counter) as StreamTrainer reports it, in order.</summary>
internal sealed class EpochLines(bool redirected) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p)
    {
        if (p.EpochEnd is { } e)
        {
            if (!redirected) Console.Write("\r");
            string held = e.ValidationLoss is double v ? $", held-out {v / Math.Log(2):F3} bits/char (parallel streams)" : "";
            Console.WriteLine($"  epoch {e.Epoch}/{p.Epochs}: training {e.Loss / Math.Log(2):F3} bits/char{held}, {e.SequencesPerSecond * CharModel.SequenceLength:N0} chars/s, {e.Elapsed.TotalSeconds:F1} s");
        }
        else if (!redirected) Console.Write($"\r  epoch {p.Epoch}/{p.Epochs}: window {p.Batch}/{p.Batches}, {p.Loss / Math.Log(2):F3} bits/char   ");
    }
}
