using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using LstmGen.Samples.Sentiment;
using LstmGen.Serialization;
using LstmGen.Text;

namespace LstmGen.Samples.NativeLibrary;

/// <summary>
/// The C ABI of <c>lstmgen.h</c>. Every entry point catches every exception and returns a status code instead, because
/// an exception that crosses an <see cref="UnmanagedCallersOnlyAttribute"/> boundary ends the host process; the message
/// goes to the calling thread's last-error slot.
/// </summary>
public static unsafe class Exports
{
    private const int Ok = 0, ArgumentError = 1, HandleError = 2, FileError = 3, InputError = 4, InternalError = 5;

    // Handles are table keys, not pointers, so a stale or made-up handle is looked up and refused, never dereferenced.
    // They start at a large odd value, so small integers and zero are never valid.
    private static readonly ConcurrentDictionary<long, Entry> s_models = new();
    private static long s_nextHandle = 0x4C47_0000_0000_0001;

    [ThreadStatic] private static byte* t_error;

    private sealed record Entry(SentimentModel Model, TextVectorizer? Vectorizer);

    [UnmanagedCallersOnly(EntryPoint = "lstmgen_open")]
    public static int Open(byte* path, long* handle)
    {
        try
        {
            if (handle is null) return Fail(ArgumentError, "lstmgen_open: the handle pointer is null.");
            *handle = 0;
            string? file = Utf8(path);
            if (file is null) return Fail(ArgumentError, "lstmgen_open: the path is null or not UTF-8.");
            var model = new SentimentModel();
            Vocabulary? vocabulary;
            try
            {
                vocabulary = ModelFile.Load(model, file);
            }
            catch (Exception e) when (e is ModelFileException or IOException or UnauthorizedAccessException)
            {
                return Fail(FileError, e.Message);
            }
            long id = Interlocked.Add(ref s_nextHandle, 2);
            s_models[id] = new Entry(model, vocabulary is null ? null : new TextVectorizer(vocabulary));
            *handle = id;
            return Succeed();
        }
        catch (Exception e) { return Internal(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "lstmgen_info")]
    public static int Info(long handle, int* vocabularySize, int* sequenceLength, int* outputSize)
    {
        try
        {
            if (!s_models.ContainsKey(handle)) return BadHandle(handle);
            if (vocabularySize is not null) *vocabularySize = SentimentModel.VocabularySize;
            if (sequenceLength is not null) *sequenceLength = SentimentModel.SequenceLength;
            if (outputSize is not null) *outputSize = SentimentModel.OutputSize;
            return Succeed();
        }
        catch (Exception e) { return Internal(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "lstmgen_predict")]
    public static int Predict(long handle, int* tokens, int count, float* output, int capacity)
    {
        try
        {
            if (!s_models.TryGetValue(handle, out Entry? entry)) return BadHandle(handle);
            if ((tokens is null && count != 0) || count < 0) return Fail(ArgumentError, $"lstmgen_predict: {count} tokens at {(nint)tokens}.");
            if (output is null || capacity < SentimentModel.OutputSize)
                return Fail(ArgumentError, $"lstmgen_predict: the output buffer must hold {SentimentModel.OutputSize} floats; it holds {capacity}.");
            entry.Model.Predict(new ReadOnlySpan<int>(tokens, count), new Span<float>(output, SentimentModel.OutputSize));
            return Succeed();
        }
        catch (Exception e) { return Internal(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "lstmgen_predict_batch")]
    public static int PredictBatch(long handle, int* tokens, int rows, float* outputs, int capacity)
    {
        try
        {
            if (!s_models.TryGetValue(handle, out Entry? entry)) return BadHandle(handle);
            long ids = (long)rows * SentimentModel.SequenceLength, needed = (long)rows * SentimentModel.OutputSize;
            if (tokens is null || rows <= 0 || ids > int.MaxValue) return Fail(ArgumentError, $"lstmgen_predict_batch: {rows} rows at {(nint)tokens}.");
            if (outputs is null || capacity < needed)
                return Fail(ArgumentError, $"lstmgen_predict_batch: the output buffer must hold {needed} floats; it holds {capacity}.");
            entry.Model.PredictBatch(new ReadOnlySpan<int>(tokens, (int)ids), new Span<float>(outputs, (int)needed));
            return Succeed();
        }
        catch (Exception e) { return Internal(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "lstmgen_predict_text")]
    public static int PredictText(long handle, byte* text, float* output, int capacity)
    {
        try
        {
            if (!s_models.TryGetValue(handle, out Entry? entry)) return BadHandle(handle);
            if (entry.Vectorizer is null) return Fail(FileError, "lstmgen_predict_text: the model file holds no vocabulary; use lstmgen_predict with token ids.");
            string? s = Utf8(text);
            if (s is null) return Fail(InputError, "lstmgen_predict_text: the text is null or not valid UTF-8.");
            if (output is null || capacity < SentimentModel.OutputSize)
                return Fail(ArgumentError, $"lstmgen_predict_text: the output buffer must hold {SentimentModel.OutputSize} floats; it holds {capacity}.");
            Span<int> ids = stackalloc int[SentimentModel.SequenceLength];
            entry.Vectorizer.Encode(s, ids);
            entry.Model.Predict(ids, new Span<float>(output, SentimentModel.OutputSize));
            return Succeed();
        }
        catch (Exception e) { return Internal(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "lstmgen_close")]
    public static int Close(long handle)
    {
        try { return s_models.TryRemove(handle, out _) ? Succeed() : BadHandle(handle); }
        catch (Exception e) { return Internal(e); }
    }

    [UnmanagedCallersOnly(EntryPoint = "lstmgen_last_error")]
    public static byte* LastError()
    {
        if (t_error is null) SetError("");
        return t_error;
    }

    // Bad input (a token id out of range, a sequence too long) is the caller's error; anything else is internal.
    private static int Internal(Exception e) =>
        e is ArgumentException ? Fail(InputError, e.Message) : Fail(InternalError, $"{e.GetType().Name}: {e.Message}");

    private static int BadHandle(long handle) => Fail(HandleError, $"0x{handle:X} is not an open model handle (never opened, or closed).");

    private static int Succeed()
    {
        SetError("");
        return Ok;
    }

    private static int Fail(int status, string message)
    {
        SetError(message);
        return status;
    }

    private static void SetError(string message)
    {
        // Success clears the message in place instead of allocating an empty one.
        if (message.Length == 0 && t_error is not null)
        {
            t_error[0] = 0;
            return;
        }
        int length = Encoding.UTF8.GetByteCount(message);
        byte* buffer = (byte*)NativeMemory.Alloc((nuint)length + 1);
        Encoding.UTF8.GetBytes(message, new Span<byte>(buffer, length));
        buffer[length] = 0;
        byte* old = t_error;
        t_error = buffer;
        if (old is not null) NativeMemory.Free(old);
    }

    // A null-terminated UTF-8 string, or null when the pointer is null or the bytes are not valid UTF-8.
    private static string? Utf8(byte* p)
    {
        if (p is null) return null;
        var bytes = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(p);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
