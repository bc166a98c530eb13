namespace LstmGen.Generator.Emit;

/// <summary>
/// One SIMD width as the emitted code spells it: the vector type, its static class, the fused multiply-add and the lanes.
/// Every vector kernel body is written once against a dialect and emitted for each width, so the widths compute the
/// same operations lane for lane and give bit-identical results.
/// </summary>
/// <param name="Suffix">Suffix of the kernel forms emitted for this width: <c>CellUpdate256</c>, <c>CellUpdate512</c>.</param>
/// <param name="Vec">The vector type alias (emitted in the file header).</param>
/// <param name="Vector">The static vector class alias.</param>
/// <param name="FmaName">The fused multiply-add a·b + c, rounded once.</param>
/// <param name="Lanes">Floats per vector.</param>
/// <param name="PartialSums">Partial sums per recurrent pre-activation: 4 with 32 zmm registers, 2 with 16 ymm registers.</param>
internal sealed record Simd(string Suffix, string Vec, string Vector, string FmaName, int Lanes, int PartialSums)
{
    /// <summary>AVX2 + FMA: Vector256 with the FMA3 instruction.</summary>
    public static readonly Simd Avx2 = new("256", "LgVec", "LgVector", "LgFma.MultiplyAdd", 8, 2);

    /// <summary>
    /// AVX-512: Vector512 through the portable API only, so the form also runs (in software, exactly) where the
    /// hardware lacks it, which is how the tests compare it with the AVX2 form on any machine.
    /// </summary>
    public static readonly Simd Avx512 = new("512", "LgWide", "LgWideVector", "LgWideVector.FusedMultiplyAdd", 16, 4);

    /// <summary>
    /// 128-bit: Vector128 through the portable API, for x64 without AVX2 and ARM64 AdvSimd; its multiply-add is the
    /// runtime's <c>VectorMath.MultiplyAdd</c> (fused where the hardware has FMA, so the form then gives the wider forms' bits).
    /// </summary>
    public static readonly Simd Narrow = new("128", "LgNarrow", "LgNarrowVector", "LgMath.MultiplyAdd", 4, 2);

    /// <summary><c>Vector.LoadUnsafe(ref source, offset)</c>.</summary>
    public string Load(string source, string offset) => $"{Vector}.LoadUnsafe(ref {source}, {offset})";

    /// <summary><c>Vector.StoreUnsafe(value, ref target, offset);</c></summary>
    public string Store(string value, string target, string offset) => $"{Vector}.StoreUnsafe({value}, ref {target}, {offset});";

    /// <summary>a·b + c with one rounding.</summary>
    public string Fma(string a, string b, string c) => $"{FmaName}({a}, {b}, {c})";

    /// <summary>Units a width's form covers in whole vectors of a hidden layer <paramref name="hp"/> floats wide.</summary>
    public int WholeUnits(int hp) => hp - hp % Lanes;
}
