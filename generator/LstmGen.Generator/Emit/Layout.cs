using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>Sizes, parameter offsets and workspace offsets derived once from a spec.</summary>
internal sealed class Layout
{
    /// <summary>Vector width in floats (Vector256).</summary>
    public const int Lanes = 8;
    /// <summary>Accumulators per register block in the recurrent product (8 of the 16 ymm registers).</summary>
    public const int BlockVectors = 8;
    /// <summary>Sequences per tile in batched inference.</summary>
    public const int TileRows = 32;

    public Layout(ModelSpec spec)
    {
        V = spec.VocabularySize; E = spec.EmbeddingSize; H = spec.HiddenSize; T = spec.SequenceLength; O = spec.OutputSize;
        Hp = (H + Lanes - 1) / Lanes * Lanes;
        Gp = 4 * Hp;
        EmbeddingOffset = 0;
        WeightIhOffset = EmbeddingOffset + V * E;
        WeightHhOffset = WeightIhOffset + 4 * H * E;
        BiasIhOffset = WeightHhOffset + 4 * H * H;
        BiasHhOffset = BiasIhOffset + 4 * H;
        FcWeightOffset = BiasHhOffset + 4 * H;
        FcBiasOffset = FcWeightOffset + O * H;
        ParameterCount = FcBiasOffset + O;

        ScratchH = 0;
        ScratchC = ScratchH + Hp;
        ScratchGates = ScratchC + Hp;
        ScratchX = ScratchGates + Gp;
        ScratchXProj = ScratchX + T * E;
        ScratchTileH = ScratchXProj + T * Gp;
        ScratchTileC = ScratchTileH + TileRows * Hp;
        ScratchTileGates = ScratchTileC + TileRows * Hp;
        ScratchTileX = ScratchTileGates + TileRows * Gp;
        ScratchLength = ScratchTileX + TileRows * E;
    }

    public int V { get; }
    public int E { get; }
    public int H { get; }
    public int T { get; }
    public int O { get; }
    /// <summary>H rounded up to whole vectors: each gate occupies Hp lanes in the packed weights.</summary>
    public int Hp { get; }
    /// <summary>Packed gate width 4·Hp.</summary>
    public int Gp { get; }

    public int EmbeddingOffset { get; }
    public int WeightIhOffset { get; }
    public int WeightHhOffset { get; }
    public int BiasIhOffset { get; }
    public int BiasHhOffset { get; }
    public int FcWeightOffset { get; }
    public int FcBiasOffset { get; }
    public int ParameterCount { get; }

    public int ScratchH { get; }
    public int ScratchC { get; }
    public int ScratchGates { get; }
    public int ScratchX { get; }
    public int ScratchXProj { get; }
    public int ScratchTileH { get; }
    public int ScratchTileC { get; }
    public int ScratchTileGates { get; }
    public int ScratchTileX { get; }
    public int ScratchLength { get; }
}
