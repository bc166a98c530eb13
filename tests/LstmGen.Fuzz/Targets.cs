using System.Diagnostics.CodeAnalysis;

namespace LstmGen.Fuzz;

/// <summary>A property of a target does not hold; like any undocumented exception, AFL records the input as a crash.</summary>
internal sealed class FuzzAssertionException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>The fuzz targets by name, the reproduce mode, and helpers they share.</summary>
internal static class Targets
{
    /// <summary>The target names, as given on the command line.</summary>
    public static readonly string[] Names = ["modelfile", "vocabulary", "labelled-data", "safetensors"];

    /// <summary>The target called <paramref name="name"/>.</summary>
    public static bool TryGet(string name, [NotNullWhen(true)] out Func<byte[], string>? target)
    {
        target = name switch
        {
            "modelfile" => ModelFileTarget.Run,
            "vocabulary" => VocabularyTarget.Run,
            "labelled-data" => LabelledDataTarget.Run,
            "safetensors" => SafetensorsTarget.Run,
            _ => null,
        };
        return target is not null;
    }

    /// <summary>
    /// Runs <paramref name="target"/> once on every file in <paramref name="paths"/> (a folder stands for its files, except
    /// AFL's README.txt) and prints each outcome (what each load gave); a crash prints the whole exception. Returns 1 when any input crashed.
    /// </summary>
    public static int Reproduce(Func<byte[], string> target, ReadOnlySpan<string> paths)
    {
        int inputs = 0, crashes = 0;
        foreach (string path in paths)
        {
            string[] files = Directory.Exists(path) ? Directory.GetFiles(path) : [path];
            Array.Sort(files, StringComparer.Ordinal);
            foreach (string file in files)
            {
                if (Path.GetFileName(file) == "README.txt") continue;
                inputs++;
                try
                {
                    string outcome = target(File.ReadAllBytes(file));
                    Console.WriteLine($"ok     {file}: {outcome}");
                }
                catch (Exception e)
                {
                    crashes++;
                    Console.WriteLine($"CRASH  {file}");
                    Console.WriteLine(e);
                }
            }
        }
        Console.WriteLine($"{inputs} inputs, {crashes} crashed.");
        return crashes == 0 ? 0 : 1;
    }

    private static string? s_scratch;

    /// <summary>
    /// A file of this process for the entry points that read a path: in $LSTMGEN_FUZZ_SCRATCH (run-fuzz.sh points it into
    /// its output folder, which it removes), else in /dev/shm or the temporary folder; deleted when the process exits normally.
    /// </summary>
    public static string ScratchFile
    {
        get
        {
            if (s_scratch is null)
            {
                string? folder = Environment.GetEnvironmentVariable("LSTMGEN_FUZZ_SCRATCH");
                if (string.IsNullOrEmpty(folder)) folder = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
                s_scratch = Path.Combine(folder, $"lstmgen-fuzz-{Environment.ProcessId}.input");
                AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(s_scratch);
            }
            return s_scratch;
        }
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), bit by bit: the inputs are small.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        }
        return ~c;
    }

    /// <summary>How many bytes a <see cref="TrickleStream"/> hands out per read for this input: 1 to 7, fixed by the input
    /// so that a crash reproduces.</summary>
    public static int TrickleChunk(byte[] data) => 1 + data.Length % 7;

    /// <summary>Throws <see cref="FuzzAssertionException"/> with <paramref name="message"/> unless <paramref name="condition"/>.</summary>
    public static void Check([DoesNotReturnIf(false)] bool condition, string message)
    {
        if (!condition) throw new FuzzAssertionException(message);
    }
}

/// <summary>
/// A read-only stream over a byte array that returns at most <c>chunk</c> bytes per read, and that can hide its length
/// (not seekable, like a pipe or a network stream), so the loaders' short-read and unknown-length paths run too.
/// </summary>
internal sealed class TrickleStream(byte[] data, bool seekable, int chunk = int.MaxValue) : Stream
{
    private long _position;

    /// <summary>Bytes read so far (also when the stream is not seekable).</summary>
    public long Consumed => _position;

    public override bool CanRead => true;

    public override bool CanSeek => seekable;

    public override bool CanWrite => false;

    public override long Length => seekable ? data.Length : throw new NotSupportedException();

    public override long Position
    {
        get => seekable ? _position : throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Min(Math.Min(buffer.Length, chunk), data.Length - _position);
        data.AsSpan((int)_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
