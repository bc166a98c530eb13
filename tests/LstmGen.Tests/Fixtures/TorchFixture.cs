using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace LstmGen.Tests;

/// <summary>
/// Reader for the PyTorch reference fixtures written by tests/pytorch/make_fixtures.py.
/// Format (little-endian): "LGFX", int32 version (1), int32 record count, then per record:
/// int32 name byte length, UTF-8 name, int32 dtype (0 = float32, 1 = int32), int32 ndim,
/// ndim x int32 dims, prod(dims) elements in row-major order.
/// </summary>
internal sealed class TorchFixture
{
    private const int DTypeFloat32 = 0;
    private const int DTypeInt32 = 1;

    private readonly Dictionary<string, Entry> _entries;

    private TorchFixture(string path, Dictionary<string, Entry> entries)
    {
        FilePath = path;
        _entries = entries;
    }

    /// <summary>Full path of the fixture file that was loaded.</summary>
    public string FilePath { get; }

    /// <summary>All record names in the file.</summary>
    public IReadOnlyCollection<string> Names => _entries.Keys;

    public static TorchFixture Load(string caseName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", $"torch_{caseName}.bin");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Torch fixture '{caseName}' not found; regenerate with tests/pytorch/make_fixtures.py.", path);
        }

        return Parse(path, File.ReadAllBytes(path));
    }

    /// <summary>Loads a fixture file in this format by its file name in the Fixtures folder (for example the safetensors cases' <c>st_gru_l2_bi.bin</c>).</summary>
    public static TorchFixture LoadFile(string fileName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", fileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Fixture file '{fileName}' not found; see tests/pytorch/README.md.", path);
        }

        return Parse(path, File.ReadAllBytes(path));
    }

    public bool Has(string name) => _entries.ContainsKey(name);

    public int[] Shape(string name) => (int[])Get(name).Shape.Clone();

    public float[] Floats(string name)
    {
        var entry = Get(name);
        return entry.Floats is { } data
            ? (float[])data.Clone()
            : throw new InvalidOperationException($"Fixture record '{name}' is int32, not float32.");
    }

    public int[] Ints(string name)
    {
        var entry = Get(name);
        return entry.Ints is { } data
            ? (int[])data.Clone()
            : throw new InvalidOperationException($"Fixture record '{name}' is float32, not int32.");
    }

    private Entry Get(string name) =>
        _entries.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"Fixture record '{name}' not found in {FilePath}.");

    private static TorchFixture Parse(string path, byte[] bytes)
    {
        var pos = 0;

        ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || count > bytes.Length - pos)
            {
                throw new InvalidDataException($"Truncated or corrupt torch fixture: {path}");
            }

            var span = new ReadOnlySpan<byte>(bytes, pos, count);
            pos += count;
            return span;
        }

        int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        if (!Take(4).SequenceEqual("LGFX"u8))
        {
            throw new InvalidDataException($"Bad magic in torch fixture: {path}");
        }

        var version = ReadInt32();
        if (version != 1)
        {
            throw new InvalidDataException($"Unsupported torch fixture version {version}: {path}");
        }

        var recordCount = ReadInt32();
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        for (var r = 0; r < recordCount; r++)
        {
            var name = Encoding.UTF8.GetString(Take(ReadInt32()));
            var dtype = ReadInt32();
            var ndim = ReadInt32();
            if (ndim < 0)
            {
                throw new InvalidDataException($"Negative rank for '{name}' in {path}");
            }

            var shape = new int[ndim];
            long length = 1;
            for (var d = 0; d < ndim; d++)
            {
                shape[d] = ReadInt32();
                length *= shape[d];
            }

            if (length < 0 || length > int.MaxValue / 4)
            {
                throw new InvalidDataException($"Bad shape for '{name}' in {path}");
            }

            var data = Take((int)length * 4);
            Entry entry;
            switch (dtype)
            {
                case DTypeFloat32:
                    var floats = new float[length];
                    for (var i = 0; i < floats.Length; i++)
                    {
                        floats[i] = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(i * 4, 4));
                    }

                    entry = new Entry(shape, floats, null);
                    break;
                case DTypeInt32:
                    var ints = new int[length];
                    for (var i = 0; i < ints.Length; i++)
                    {
                        ints[i] = BinaryPrimitives.ReadInt32LittleEndian(data.Slice(i * 4, 4));
                    }

                    entry = new Entry(shape, null, ints);
                    break;
                default:
                    throw new InvalidDataException($"Unknown dtype {dtype} for '{name}' in {path}");
            }

            if (!entries.TryAdd(name, entry))
            {
                throw new InvalidDataException($"Duplicate record '{name}' in {path}");
            }
        }

        if (pos != bytes.Length)
        {
            throw new InvalidDataException($"Trailing bytes after last record in {path}");
        }

        return new TorchFixture(path, entries);
    }

    private sealed record Entry(int[] Shape, float[]? Floats, int[]? Ints);
}
