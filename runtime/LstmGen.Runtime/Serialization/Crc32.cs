namespace LstmGen.Serialization;

/// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as used by zip, gzip and PNG.</summary>
internal struct Crc32
{
    private static readonly uint[] s_table = CreateTable();
    private uint _state;

    public Crc32() => _state = 0xFFFFFFFFu;

    /// <summary>The checksum of everything appended so far.</summary>
    public readonly uint Value => ~_state;

    public void Append(ReadOnlySpan<byte> data)
    {
        uint c = _state;
        uint[] table = s_table;
        foreach (byte b in data) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
        _state = c;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(data);
        return crc.Value;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
