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

    /// <summary>Gates per cell: 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n) or 1 (RNN).</summary>
    public static int GateCount(CellKind cell) => cell switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        _ => 1,
    };

    public Layout(ModelSpec spec, CellEmitter cell)
    {
        V = spec.VocabularySize; E = spec.EmbeddingSize; H = spec.HiddenSize; T = spec.SequenceLength; O = spec.OutputSize;
        Gates = GateCount(spec.Cell);
        Hp = (H + Lanes - 1) / Lanes * Lanes;
        Gp = Gates * Hp;
        G = Gates * H;
        EmbeddingOffset = 0;
        WeightIhOffset = EmbeddingOffset + V * E;
        WeightHhOffset = WeightIhOffset + G * E;
        BiasIhOffset = WeightHhOffset + G * H;
        BiasHhOffset = BiasIhOffset + G;
        FcWeightOffset = BiasHhOffset + G;
        FcBiasOffset = FcWeightOffset + O * H;
        ParameterCount = FcBiasOffset + O;

        // The cell state c exists for the LSTM only; the separate recurrent-gate tile for the GRU only. Absent blocks have
        // length 0, so an LSTM keeps exactly the layout it always had.
        int c = cell.HasCellState ? 1 : 0;
        int hh = cell.SeparateRecurrent ? 1 : 0;
        ScratchH = 0;
        ScratchC = ScratchH + Hp;
        ScratchGates = ScratchC + c * Hp;
        ScratchX = ScratchGates + Gp;
        ScratchXProj = ScratchX + T * E;
        ScratchTileH = ScratchXProj + T * Gp;
        ScratchTileC = ScratchTileH + TileRows * Hp;
        ScratchTileGates = ScratchTileC + c * TileRows * Hp;
        ScratchTileX = ScratchTileGates + TileRows * Gp;
        ScratchTileHH = ScratchTileX + TileRows * E;
        ScratchLength = ScratchTileHH + hh * TileRows * Gp;
    }

    /// <summary>Gates per cell.</summary>
    public int Gates { get; }
    /// <summary>Unpadded fused gate width Gates·H (rows of weight_ih and weight_hh).</summary>
    public int G { get; }

    public int V { get; }
    public int E { get; }
    public int H { get; }
    public int T { get; }
    public int O { get; }
    /// <summary>H rounded up to whole vectors: each gate occupies Hp lanes in the packed weights.</summary>
    public int Hp { get; }
    /// <summary>Packed gate width Gates·Hp.</summary>
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
    public int ScratchTileHH { get; }
    public int ScratchLength { get; }
}
