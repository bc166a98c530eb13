using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LstmGen.Serialization;

namespace LstmGen.Samples.NativeLibrary;

/// <summary>
/// The C ABI (lstmgen.h). Every export returns a status code and never lets an exception cross into C: a bad handle, a
/// null pointer, a bad size, an out-of-range token or a bad model file returns its code, and <c>lstmgen_last_error</c>
/// says why. Handles are numbers looked up in a table (never pointers), so a freed or invented handle is an error, not a
/// crash. Inference on one handle may run from several threads at once.
/// </summary>
public static unsafe class NativeApi
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>The handle is not a live model (never created, or freed).</summary>
    public const int BadHandle = 1;
    /// <summary>A null pointer, a negative or too large count, or too small an output buffer.</summary>
    public const int BadArgument = 2;
    /// <summary>A token id outside [0, VocabularySize).</summary>
    public const int BadToken = 3;
    /// <summary>The model file cannot be read, or is damaged or for another model.</summary>
    public const int BadFile = 4;
    /// <summary>Anything else (the message says what).</summary>
    public const int Internal = 5;

    private static readonly ConcurrentDictionary<long, NativeModel> s_models = new();
    private static long s_nextHandle;

    // The last error of this thread, as a NUL-terminated UTF-8 string owned here (freed when the next error replaces it).
    [ThreadStatic] private static nint t_lastError;

    /// <summary><c>int32_t lstmgen_create(const char* path, int64_t* handle)</c>: a model with the weights of a model file.</summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_create")]
    public static int Create(byte* path, long* handle)
    {
        try
        {
            if (path is null || handle is null) return Fail(BadArgument, "path and handle must not be null.");
            string file = Marshal.PtrToStringUTF8((nint)path)!;
            var model = new NativeModel();
            try
            {
                ModelFile.Load(model, file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException or NotSupportedException)
            {
                return Fail(BadFile, $"cannot load {file}: {e.Message}");
            }
            *handle = Register(model);
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
    }

    /// <summary><c>int32_t lstmgen_create_seeded(int32_t seed, int64_t* handle)</c>: a freshly initialised model (Keras initialisers).</summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_create_seeded")]
    public static int CreateSeeded(int seed, long* handle)
    {
        try
        {
            if (handle is null) return Fail(BadArgument, "handle must not be null.");
            *handle = Register(new NativeModel(seed));
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
    }

    /// <summary><c>int32_t lstmgen_save(int64_t handle, const char* path)</c>: writes the model file.</summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_save")]
    public static int Save(long handle, byte* path)
    {
        try
        {
            if (!s_models.TryGetValue(handle, out NativeModel? model)) return Fail(BadHandle, $"{handle} is not a live model handle.");
            if (path is null) return Fail(BadArgument, "path must not be null.");
            string file = Marshal.PtrToStringUTF8((nint)path)!;
            try
            {
                ModelFile.Save(model, file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                return Fail(BadFile, $"cannot save {file}: {e.Message}");
            }
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
    }

    /// <summary>
    /// <c>int32_t lstmgen_shape(int64_t handle, int32_t* vocabulary_size, int32_t* sequence_length, int32_t* output_size)</c>;
    /// any pointer may be null.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_shape")]
    public static int Shape(long handle, int* vocabularySize, int* sequenceLength, int* outputSize)
    {
        try
        {
            if (!s_models.TryGetValue(handle, out NativeModel? model)) return Fail(BadHandle, $"{handle} is not a live model handle.");
            if (vocabularySize is not null) *vocabularySize = NativeModel.VocabularySize;
            if (sequenceLength is not null) *sequenceLength = NativeModel.SequenceLength;
            if (outputSize is not null) *outputSize = NativeModel.OutputSize;
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
    }

    /// <summary>
    /// <c>int32_t lstmgen_predict(int64_t handle, const int32_t* tokens, int32_t count, float* outputs, int32_t capacity)</c>:
    /// one sequence of 0 … SequenceLength token ids (0 = padding) into OutputSize floats.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_predict")]
    public static int Predict(long handle, int* tokens, int count, float* outputs, int capacity)
    {
        try
        {
            if (!s_models.TryGetValue(handle, out NativeModel? model)) return Fail(BadHandle, $"{handle} is not a live model handle.");
            if ((tokens is null && count > 0) || outputs is null) return Fail(BadArgument, "tokens and outputs must not be null.");
            if (count < 0 || count > NativeModel.SequenceLength) return Fail(BadArgument, $"count {count} is outside [0, {NativeModel.SequenceLength}].");
            if (capacity < NativeModel.OutputSize) return Fail(BadArgument, $"capacity {capacity} is below the {NativeModel.OutputSize} outputs.");
            var ids = new ReadOnlySpan<int>(tokens, count);
            if (CheckTokens(ids) is int bad) return bad;
            model.Predict(ids, new Span<float>(outputs, NativeModel.OutputSize));
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
    }

    /// <summary>
    /// <c>int32_t lstmgen_predict_batch(int64_t handle, const int32_t* tokens, int32_t rows, float* outputs, int32_t capacity)</c>:
    /// rows × SequenceLength token ids into rows × OutputSize floats.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_predict_batch")]
    public static int PredictBatch(long handle, int* tokens, int rows, float* outputs, int capacity)
    {
        try
        {
            if (!s_models.TryGetValue(handle, out NativeModel? model)) return Fail(BadHandle, $"{handle} is not a live model handle.");
            if (tokens is null || outputs is null) return Fail(BadArgument, "tokens and outputs must not be null.");
            if (rows <= 0 || rows > int.MaxValue / NativeModel.SequenceLength) return Fail(BadArgument, $"rows {rows} is not a positive row count.");
            if ((long)capacity < (long)rows * NativeModel.OutputSize) return Fail(BadArgument, $"capacity {capacity} is below {rows} × {NativeModel.OutputSize} outputs.");
            var ids = new ReadOnlySpan<int>(tokens, rows * NativeModel.SequenceLength);
            if (CheckTokens(ids) is int bad) return bad;
            model.PredictBatch(ids, new Span<float>(outputs, rows * NativeModel.OutputSize));
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
    }

    /// <summary><c>int32_t lstmgen_free(int64_t handle)</c>: releases the model; the handle is dead afterwards.</summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_free")]
    public static int Free(long handle)
        => s_models.TryRemove(handle, out _) ? Ok : Fail(BadHandle, $"{handle} is not a live model handle.");

    /// <summary>
    /// <c>const char* lstmgen_last_error(void)</c>: this thread's last error message (UTF-8), or "" when none; valid until
    /// this thread's next failing call.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_last_error")]
    public static byte* LastError() => t_lastError == 0 ? (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference("\0"u8)) : (byte*)t_lastError;

    /// <summary>
    /// <c>const char* lstmgen_kernel_path(void)</c>: the kernel path line (KernelInfo.Describe), a static string.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_kernel_path")]
    public static byte* KernelPathLine()
    {
        if (s_kernelLine == 0) s_kernelLine = Marshal.StringToCoTaskMemUTF8(KernelInfo.Describe());
        return (byte*)s_kernelLine;
    }

    private static nint s_kernelLine;

    private static long Register(NativeModel model)
    {
        long handle = Interlocked.Increment(ref s_nextHandle);
        s_models[handle] = model;
        return handle;
    }

    private static int? CheckTokens(ReadOnlySpan<int> ids)
    {
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= NativeModel.VocabularySize)
                return Fail(BadToken, $"token {ids[i]} at position {i} is outside [0, {NativeModel.VocabularySize}).");
        return null;
    }

    private static int Fail(int code, string message)
    {
        nint previous = t_lastError;
        t_lastError = Marshal.StringToCoTaskMemUTF8(message);
        if (previous != 0) Marshal.FreeCoTaskMem(previous);
        return code;
    }

    // No exception may unwind into C (the process would abort): anything unforeseen becomes Internal with its message.
    private static int Unexpected(Exception e) => Fail(Internal, $"{e.GetType().Name}: {e.Message}");
}
