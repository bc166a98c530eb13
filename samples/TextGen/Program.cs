using System.Diagnostics;
using System.Globalization;
using LstmGen;
using LstmGen.Samples.TextGen;
using LstmGen.Serialization;
using LstmGen.Text;
using LstmGen.Training;

// The text-generation sample: a character-level LSTM language model trained with truncated backpropagation through time
// on a text (the project's documentation by default), scored in bits per character on the last 10 % beside a character
// 3-gram model, then sampled from a prompt through the streaming Step. See README.md.

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
Options options;
try
{
    options = Options.Parse(args);
}
catch (UsageException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
if (options.Help)
{
    Console.WriteLine(Options.Usage);
    return 0;
}
Console.WriteLine(KernelInfo.Describe());
try
{
    return Run(options);
}
catch (Exception e) when (e is ModelFileException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
catch (Exception e)
{
    Console.Error.WriteLine($"Failed: {e.Message}");
    return 1;
}

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

// Truncated BPTT: the training ids are cut into B streams (row b reads ids [b·L, (b + 1)·L), L = ⌊n / B⌋); window w of an
// epoch is steps [w·T, (w + 1)·T) of every stream, with targets the next ids, and starts from the state the previous
// window ended in (gradients stop at the window's start). The state is zero at the start of every epoch.
static double Train(CharModel model, int[] ids, int[] heldIds, Options options)
{
    int b = options.Streams, t = CharModel.SequenceLength, length = ids.Length / b, windows = (length - 1) / t;
    var tokens = new int[b * t];
    var classes = new int[b * t];
    var gradients = new float[CharModel.ParameterCount];
    float[] state = new float[b * CharModel.StateSize], next = new float[b * CharModel.StateSize];
    var adam = new Adam(learningRate: options.LearningRate);
    double bits = double.NaN;
    Console.WriteLine($"Training: {b} streams of {length:N0} characters, {windows} windows of {t} per epoch, {CharModel.ParameterCount:N0} parameters.");
    for (int epoch = 1; epoch <= options.Epochs; epoch++)
    {
        var clock = Stopwatch.StartNew();
        Array.Clear(state);
        double loss = 0;
        for (int w = 0; w < windows; w++)
        {
            for (int r = 0; r < b; r++)
            {
                ids.AsSpan(r * length + w * t, t).CopyTo(tokens.AsSpan(r * t));
                ids.AsSpan(r * length + w * t + 1, t).CopyTo(classes.AsSpan(r * t));
            }
            loss += model.ComputeGradients(tokens, classes, gradients, default, state, next);
            Gradients.ClipByGlobalNorm(gradients, 5f);
            using (ParameterUpdate update = model.BeginParameterUpdate()) adam.Step(update.Values, gradients);
            (state, next) = (next, state);
            if (!Console.IsOutputRedirected && (w % 10 == 9 || w == windows - 1))
                Console.Write($"\r  epoch {epoch}/{options.Epochs}: window {w + 1}/{windows}, training {loss / (w + 1) / Math.Log(2):F3} bits/char, {(w + 1) * b * t / clock.Elapsed.TotalSeconds:N0} chars/s   ");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        bits = HeldOutBits(model, heldIds);
        if (!Console.IsOutputRedirected) Console.Write("\r");
        Console.WriteLine($"  epoch {epoch}/{options.Epochs}: training {loss / windows / Math.Log(2):F3} bits/char, held-out {bits:F3} bits/char, " +
            $"{windows * b * t / seconds:N0} chars/s, {seconds:F1} s");
    }
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
