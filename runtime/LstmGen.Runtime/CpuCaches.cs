using System.Globalization;

namespace LstmGen;

/// <summary>
/// The per-core data cache sizes this process runs on, for blocking that fits the cache rather than constants tuned on
/// one machine. Read once from Linux's <c>/sys/devices/system/cpu/cpu0/cache</c>; elsewhere, or when that is unreadable,
/// the common 32 KiB L1d and 1 MiB L2 (the sizes the kernels were first tuned for).
/// </summary>
public static class CpuCaches
{
    private const int DefaultL1 = 32 << 10, DefaultL2 = 1 << 20;
    private static readonly (int L1, int L2) s_sizes = Read("/sys/devices/system/cpu/cpu0/cache");

    /// <summary>Level-1 data cache of one core, in bytes.</summary>
    public static int L1DataBytes => s_sizes.L1;

    /// <summary>Level-2 cache of one core, in bytes.</summary>
    public static int L2Bytes => s_sizes.L2;

    // Each indexN directory names a cache's level, type (Data, Instruction, Unified) and size ("48K", "2048K", "2M").
    internal static (int L1, int L2) Read(string directory)
    {
        int l1 = 0, l2 = 0;
        try
        {
            if (Directory.Exists(directory))
                foreach (string index in Directory.EnumerateDirectories(directory, "index*"))
                {
                    string level = ReadText(index, "level"), type = ReadText(index, "type");
                    int size = ParseSize(ReadText(index, "size"));
                    if (size <= 0 || type == "Instruction") continue;
                    if (level == "1") l1 = size;
                    else if (level == "2") l2 = size;
                }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return (l1 > 0 ? l1 : DefaultL1, l2 > 0 ? l2 : DefaultL2);
    }

    private static string ReadText(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : "";
    }

    // "48K" → 49152, "2M" → 2097152, "512" → 512; 0 when unreadable or implausible (over 1 GiB).
    internal static int ParseSize(string text)
    {
        if (text.Length == 0) return 0;
        long scale = char.ToUpperInvariant(text[^1]) switch { 'K' => 1 << 10, 'M' => 1 << 20, 'G' => 1 << 30, _ => 1 };
        string digits = scale == 1 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value)) return 0;
        long bytes = value * scale;
        return bytes is > 0 and <= 1 << 30 ? (int)bytes : 0;
    }
}
