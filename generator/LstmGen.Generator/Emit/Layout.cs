using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>Sizes, parameter offsets and workspace offsets derived once from a spec.</summary>
internal sealed class Layout
{
    /// <summary>Vector width in floats (Vector256).</summary>
    public const int Lanes = KernelSizes.Lanes;
    /// <summary>Sequences per tile in batched inference.</summary>
    public const int TileRows = KernelSizes.RecurrentTileRows;

    public Layout(ModelSpec spec, CellEmitter cell)
    {
        V = spec.VocabularySize; E = spec.EmbeddingSize; H = spec.HiddenSize; T = spec.SequenceLength; O = spec.OutputSize;
        Layers = spec.Layers; D = spec.Directions;
        Gates = KernelSizes.GateCount(spec.Cell);
        Hp = (H + Lanes - 1) / Lanes * Lanes;
        Gp = Gates * Hp;
        G = Gates * H;
        F = D * H;
        DHp = D * Hp;
        DGp = D * Gp;
        EmbeddingOffset = 0;
        WeightIhOffset = EmbeddingOffset + V * E;
        UnitSize0 = G * E + G * H + 2 * G;
        UnitSizeN = G * F + G * H + 2 * G;
        FcWeightOffset = WeightIhOffset + D * UnitSize0 + (Layers - 1) * D * UnitSizeN;
        FcBiasOffset = FcWeightOffset + O * F;
        ParameterCount = FcBiasOffset + O;
        PackedInputLength = E * DGp + (Layers - 1) * DHp * DGp;

        // The cell state c exists for the LSTM only; the separate recurrent-gate tile for the GRU only; the layer-output
        // sequences only with stacked layers (two alternate when there are three or more). Absent blocks have length 0,
        // so a one-layer LSTM keeps exactly the layout it always had.
        int c = cell.HasCellState ? 1 : 0;
        int hh = cell.SeparateRecurrent ? 1 : 0;
        int layerOutputBuffers = System.Math.Min(Layers - 1, 2); // min(Layers − 1, 2) layer-output sequences
        ScratchH = 0;
        ScratchC = ScratchH + DHp;
        ScratchGates = ScratchC + c * Hp;
        ScratchX = ScratchGates + Gp;
        ScratchXProj = ScratchX + T * E;
        ScratchY = ScratchXProj + T * DGp;
        ScratchTileH = ScratchY + layerOutputBuffers * T * DHp;
        ScratchTileC = ScratchTileH + TileRows * DHp;
        ScratchTileGates = ScratchTileC + c * TileRows * Hp;
        ScratchTileX = ScratchTileGates + TileRows * Gp;
        ScratchTileHH = ScratchTileX + TileRows * E;
        ScratchTileY = ScratchTileHH + hh * TileRows * Gp;
        ScratchHNext = ScratchTileY + layerOutputBuffers * T * TileRows * DHp;
        ScratchLength = ScratchHNext + Hp;
    }

    /// <summary>Stacked layers.</summary>
    public int Layers { get; }
    /// <summary>Directions per layer: 1, or 2 when bidirectional.</summary>
    public int D { get; }
    /// <summary>Recurrent units (layer, direction) in PyTorch order: unit u = layer·D + direction.</summary>
    public int Units => Layers * D;
    /// <summary>Features the head reads and layers above the first take as input: D·H.</summary>
    public int F { get; }
    /// <summary>A layer's padded hidden width over both directions, D·Hp (rows of the layer-output sequences).</summary>
    public int DHp { get; }
    /// <summary>A layer's packed gate width over both directions, D·Gp (one input projection covers both).</summary>
    public int DGp { get; }
    /// <summary>Parameters of one layer-0 unit: weight_ih [G, E], weight_hh [G, H], bias_ih, bias_hh.</summary>
    public int UnitSize0 { get; }
    /// <summary>Parameters of one unit above layer 0: weight_ih [G, D·H], weight_hh [G, H], bias_ih, bias_hh.</summary>
    public int UnitSizeN { get; }
    /// <summary>Floats of all layers' packed input weights: E·DGp for layer 0, DHp·DGp for each layer above.</summary>
    public int PackedInputLength { get; }

    /// <summary>PyTorch input width of a layer: E for layer 0, D·H above.</summary>
    public int InputSize(int layer) => layer == 0 ? E : F;

    /// <summary>Offset of unit (layer, direction)'s weight_ih in the parameters; weight_hh, bias_ih, bias_hh follow it.</summary>
    public int UnitOffset(int layer, int direction)
        => layer == 0 ? WeightIhOffset + direction * UnitSize0 : WeightIhOffset + D * UnitSize0 + ((layer - 1) * D + direction) * UnitSizeN;

    /// <summary>PyTorch's suffix of a unit's parameter names: <c>l0</c>, <c>l1_reverse</c>, ….</summary>
    public static string Suffix(int layer, int direction) => "l" + layer.ToString(System.Globalization.CultureInfo.InvariantCulture) + (direction == 1 ? "_reverse" : "");

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
    public int ScratchY { get; }
    public int ScratchTileY { get; }
    /// <summary>Batch-1 inference: the next state h' while the step still reads h (the fused step writes h' chunk by chunk).</summary>
    public int ScratchHNext { get; }
    public int ScratchLength { get; }
}
