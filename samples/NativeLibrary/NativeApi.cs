using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LstmGen.Serialization;

namespace LstmGen.Samples.NativeLibrary;

/// <summary>
/// The C ABI (lstmgen.h). Every export returns a status code and never lets an exception cross into C: a bad handle, a
/// null pointer, a bad size, an out-of-range token or a bad model file returns its code, and <c>lstmgen_last_error</c>
/// says why. Handles are numbers looked up in a table (never pointers), so a freed or invented handle is an error, not a
/// crash. Inference on one handle may run from several threads at once. A streaming state (lstmgen_state_create) is a
/// handle of its own table; one state steps on one thread at a time (a second thread stepping it at the same moment gets
/// <see cref="BadArgument"/>, not a torn state), and any number of states may step on one model at once.
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
    private static readonly ConcurrentDictionary<long, StateBox> s_states = new();

    // A state with a flag that makes concurrent use of one state an error instead of a race.
    private sealed class StateBox(NativeModel.State state)
    {
        public readonly NativeModel.State State = state;
        public int Busy;
    }
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

    /// <summary>
    /// <c>int32_t lstmgen_state_create(int64_t handle, int64_t* state)</c>: a zero streaming state (before a sequence's first
    /// token) for the model; it holds h and c of every layer and no weights, so any live model handle can step it.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_state_create")]
    public static int StateCreate(long handle, long* state)
    {
        try
        {
            if (!s_models.TryGetValue(handle, out NativeModel? model)) return Fail(BadHandle, $"{handle} is not a live model handle.");
            if (state is null) return Fail(BadArgument, "state must not be null.");
            *state = RegisterState(model.CreateState());
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
    }

    /// <summary>
    /// <c>int32_t lstmgen_step(int64_t handle, int64_t state, int32_t token, float* outputs, int32_t capacity)</c>: advances the
    /// state by one token (0 = padding: unchanged) and writes OutputSize floats, Predict's outputs for the tokens so far.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_step")]
    public static int Step(long handle, long state, int token, float* outputs, int capacity)
    {
        try
        {
            if (!s_models.TryGetValue(handle, out NativeModel? model)) return Fail(BadHandle, $"{handle} is not a live model handle.");
            if (!s_states.TryGetValue(state, out StateBox? box)) return Fail(BadHandle, $"{state} is not a live state handle.");
            if (outputs is null) return Fail(BadArgument, "outputs must not be null.");
            if (capacity < NativeModel.OutputSize) return Fail(BadArgument, $"capacity {capacity} is below the {NativeModel.OutputSize} outputs.");
            if ((uint)token >= NativeModel.VocabularySize) return Fail(BadToken, $"token {token} is outside [0, {NativeModel.VocabularySize}).");
            if (Interlocked.Exchange(ref box.Busy, 1) != 0) return Fail(BadArgument, $"state {state} is being used by another thread.");
            try
            {
                model.Step(box.State, token, new Span<float>(outputs, NativeModel.OutputSize));
            }
            finally
            {
                Volatile.Write(ref box.Busy, 0);
            }
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
    }

    /// <summary><c>int32_t lstmgen_state_reset(int64_t state)</c>: back to the zero state.</summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_state_reset")]
    public static int StateReset(long state)
        => WithState(state, box => box.State.Reset());

    /// <summary>
    /// <c>int32_t lstmgen_state_get(int64_t state, float* values, int32_t capacity, int64_t* steps)</c>: the state in PyTorch's
    /// layout (h [layers, hidden], then c), lstmgen_state_size floats, and its step count; steps may be NULL.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_state_get")]
    public static int StateGet(long state, float* values, int capacity, long* steps)
    {
        try
        {
            if (!s_states.TryGetValue(state, out StateBox? box)) return Fail(BadHandle, $"{state} is not a live state handle.");
            if (values is null) return Fail(BadArgument, "values must not be null.");
            if (capacity < NativeModel.StateSize) return Fail(BadArgument, $"capacity {capacity} is below the state's {NativeModel.StateSize} floats.");
            if (Interlocked.Exchange(ref box.Busy, 1) != 0) return Fail(BadArgument, $"state {state} is being used by another thread.");
            try
            {
                box.State.CopyTo(new Span<float>(values, NativeModel.StateSize));
                if (steps is not null) *steps = box.State.Steps;
            }
            finally
            {
                Volatile.Write(ref box.Busy, 0);
            }
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
    }

    /// <summary>
    /// <c>int32_t lstmgen_state_set(int64_t state, const float* values, int32_t count, int64_t steps)</c>: sets the state from
    /// count = lstmgen_state_size finite floats in PyTorch's layout and a step count ≥ 0 (pass the one lstmgen_state_get gave
    /// to continue bit for bit).
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_state_set")]
    public static int StateSet(long state, float* values, int count, long steps)
    {
        try
        {
            if (!s_states.TryGetValue(state, out StateBox? box)) return Fail(BadHandle, $"{state} is not a live state handle.");
            if (values is null) return Fail(BadArgument, "values must not be null.");
            if (count != NativeModel.StateSize) return Fail(BadArgument, $"count {count} is not the state's {NativeModel.StateSize} floats.");
            if (steps < 0) return Fail(BadArgument, $"steps {steps} is negative.");
            var source = new ReadOnlySpan<float>(values, count);
            for (int i = 0; i < source.Length; i++)
                if (!float.IsFinite(source[i])) return Fail(BadArgument, $"state value {i} is not finite.");
            if (Interlocked.Exchange(ref box.Busy, 1) != 0) return Fail(BadArgument, $"state {state} is being used by another thread.");
            try
            {
                box.State.CopyFrom(source);
                box.State.Steps = steps;
            }
            finally
            {
                Volatile.Write(ref box.Busy, 0);
            }
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
    }

    /// <summary><c>int32_t lstmgen_state_size(int32_t* size)</c>: floats in a state (layers·hidden, twice for an LSTM).</summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_state_size")]
    public static int StateSize(int* size)
    {
        if (size is null) return Fail(BadArgument, "size must not be null.");
        *size = NativeModel.StateSize;
        return Ok;
    }

    /// <summary><c>int32_t lstmgen_state_free(int64_t state)</c>: releases the state; the handle is dead afterwards.</summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_state_free")]
    public static int StateFree(long state)
        => s_states.TryRemove(state, out _) ? Ok : Fail(BadHandle, $"{state} is not a live state handle.");

    /// <summary>
    /// <c>int32_t lstmgen_save_with_state(int64_t handle, int64_t state, const char* path)</c>: writes the model file with the
    /// state (and its step count) in it, so a device can resume the stream after a restart.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_save_with_state")]
    public static int SaveWithState(long handle, long state, byte* path)
    {
        try
        {
            if (!s_models.TryGetValue(handle, out NativeModel? model)) return Fail(BadHandle, $"{handle} is not a live model handle.");
            if (!s_states.TryGetValue(state, out StateBox? box)) return Fail(BadHandle, $"{state} is not a live state handle.");
            if (path is null) return Fail(BadArgument, "path must not be null.");
            string file = Marshal.PtrToStringUTF8((nint)path)!;
            try
            {
                ModelFile.Save(model, file, box.State);
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
    /// <c>int32_t lstmgen_create_with_state(const char* path, int64_t* handle, int64_t* state)</c>: a model and a state from a
    /// model file; the state is the file's (lstmgen_save_with_state) or, when it holds none, the zero state.
    /// </summary>
    [UnmanagedCallersOnly(EntryPoint = "lstmgen_create_with_state")]
    public static int CreateWithState(byte* path, long* handle, long* state)
    {
        try
        {
            if (path is null || handle is null || state is null) return Fail(BadArgument, "path, handle and state must not be null.");
            string file = Marshal.PtrToStringUTF8((nint)path)!;
            var model = new NativeModel();
            NativeModel.State loaded = model.CreateState();
            try
            {
                ModelFile.Load(model, file, loaded);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException or NotSupportedException)
            {
                return Fail(BadFile, $"cannot load {file}: {e.Message}");
            }
            *handle = Register(model);
            *state = RegisterState(loaded);
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

    private static long RegisterState(NativeModel.State state)
    {
        long handle = Interlocked.Increment(ref s_nextHandle); // one counter: a model handle is never a state handle
        s_states[handle] = new StateBox(state);
        return handle;
    }

    private static int WithState(long state, Action<StateBox> action)
    {
        try
        {
            if (!s_states.TryGetValue(state, out StateBox? box)) return Fail(BadHandle, $"{state} is not a live state handle.");
            if (Interlocked.Exchange(ref box.Busy, 1) != 0) return Fail(BadArgument, $"state {state} is being used by another thread.");
            try
            {
                action(box);
            }
            finally
            {
                Volatile.Write(ref box.Busy, 0);
            }
            return Ok;
        }
        catch (Exception e)
        {
            return Unexpected(e);
        }
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
