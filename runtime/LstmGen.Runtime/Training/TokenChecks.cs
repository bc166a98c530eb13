using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace LstmGen.Training;

/// <summary>Token checks for code that splits a batch, so an error names the row of the whole batch, not of a shard.</summary>
internal static class TokenChecks
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for the first id outside [0, vocabularySize), naming its batch row and position.</summary>
    public static void InRange(ReadOnlySpan<int> tokens, int sequenceLength, int vocabularySize, string paramName)
    {
        int i = 0;
        uint v = (uint)vocabularySize;
        if (Vector256.IsHardwareAccelerated)
        {
            // Unsigned compare: negative ids wrap to ≥ 2³¹ and fail with the too-large ones.
            ref uint r = ref Unsafe.As<int, uint>(ref MemoryMarshal.GetReference(tokens));
            Vector256<uint> limit = Vector256.Create(v);
            for (; i + 8 <= tokens.Length; i += 8)
                if (Vector256.GreaterThanOrEqualAny(Vector256.LoadUnsafe(ref r, (nuint)i), limit)) break;
        }
        for (; i < tokens.Length; i++)
            if ((uint)tokens[i] >= v)
                ThrowHelper.TokenOutOfRangeInBatch(paramName, tokens[i], i / sequenceLength, i % sequenceLength, vocabularySize);
    }
}
