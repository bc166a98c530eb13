using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace LstmGen.Generator.Model;

/// <summary>
/// Resolves a model's sizes into its <see cref="ModelPlan"/>, once: every derived width, tensor offset, workspace block
/// and allocated array is computed here in long (so nothing wraps) and only here. A plan whose largest array would not
/// fit a .NET array is not built; <see cref="PlanResult.TooLarge"/> names the largest such array.
/// </summary>
internal static class Planner
{
    /// <summary>Array.MaxLength.</summary>
    public const long MaxArrayLength = 0x7FFFFFC7;
    public const string ParametersBuffer = "Parameters", WorkspaceBuffer = "Workspace";

    /// <summary>PyTorch module name of a cell in parameter names: lstm, gru, rnn; the member prefix is <c>Lstm</c>, ….</summary>
    public static string Module(CellKind cell) => cell.ToString().ToLowerInvariant();

    /// <summary>Gate order in the fused weights.</summary>
    public static string GateOrder(CellKind cell) => cell switch
    {
        CellKind.Lstm => "i, f, g, o",
        CellKind.Gru => "r, z, n",
        _ => "one gate",
    };

    /// <summary>PyTorch's suffix of a unit's parameter names: <c>l0</c>, <c>l1_reverse</c>, ….</summary>
    public static string Suffix(int layer, int direction) => "l" + I(layer) + (direction == 1 ? "_reverse" : "");

    public static PlanResult Recurrent(DeclarationSpec declaration, string attribute, CellKind cell, long v, long e, long h, long t, long o,
        HeadActivation output, long layers, long d, bool dense = false, bool sequences = false)
    {
        long gates = KernelSizes.GateCount(cell), hp = KernelSizes.RoundUp(h, KernelSizes.Lanes);
        long gp = gates * hp, g = gates * h, f = d * h, dhp = d * hp, dgp = d * gp;
        long unit0 = g * e + g * h + 2 * g, unitN = g * f + g * h + 2 * g;
        var b = new Builder();
        if (dense)
        {
            // Dense inputs: e = InputSize features per step go straight into layer 0 (no embedding, no folded table).
            v = 0;
            b.Layer(new DenseInputPlan((int)e));
        }
        else
        {
            b.Layer(new EmbeddingPlan((int)v, (int)e, Folded: true, (int)dgp));
            b.Tensor("embedding.weight", "EmbeddingWeight", new[] { v, e }, Init.EmbeddingUniform, 0, 0, "; row 0 is the padding token's (unused: padding is masked).");
        }
        long weightIh = b.ParameterFloats;
        b.Layer(new RecurrentPlan(cell, (int)e, (int)h, (int)layers, (int)d, (int)gates, (int)hp, (int)gp, (int)g, (int)f, (int)dhp, (int)dgp, (int)unit0, (int)unitN, (int)weightIh));
        string module = Module(cell), member = cell.ToString(), order = GateOrder(cell);
        string others = layers * d > 1 ? "; the other layers and directions are reached by name (GetParameter) or their offset constants" : "";
        for (int layer = 0; layer < layers; layer++)
        {
            for (int direction = 0; direction < d; direction++)
            {
                string suffix = Suffix(layer, direction);
                bool first = layer == 0 && direction == 0;
                string name = first ? "" : "L" + I(layer) + (direction == 1 ? "Reverse" : "");
                b.Tensor($"{module}.weight_ih_{suffix}", $"{member}WeightIh{name}", new[] { g, layer == 0 ? e : f }, Init.Custom, 0, 0,
                    first ? $", gate blocks {order} of {I(h)} rows each{others}." : "", first);
                b.Tensor($"{module}.weight_hh_{suffix}", $"{member}WeightHh{name}", new[] { g, h }, Init.Custom, 0, 0, first ? $", gate blocks {order}." : "", first);
                b.Tensor($"{module}.bias_ih_{suffix}", $"{member}BiasIh{name}", new[] { g }, Init.Custom, 0, 0, ".", first);
                b.Tensor($"{module}.bias_hh_{suffix}", $"{member}BiasHh{name}", new[] { g }, Init.Custom, 0, 0, ".", first);
            }
        }
        string final = sequences ? "h at the step" : "final h";
        string columns = d == 2 ? $": columns [0, H) read the forward direction's {final}, [H, 2H) the reverse direction's" : "";
        b.Head(f, o, output, columns + (sequences ? "; applied at every step" : "") + ".", ".", sequences);

        // The cell state c exists for the LSTM only, the separate recurrent part for the GRU only.
        bool lstm = cell == CellKind.Lstm, gru = cell == CellKind.Gru;
        InferenceBlocks(b, lstm, gru, layers, t, e, hp, gp, dhp, dgp, dense, sequences);
        TrainingBlocks(b, lstm, gru, layers, d, dense, sequences);

        if (!dense) b.Buffer("Table", v * dgp, "the folded embedding table");
        b.Buffer("PackedInput", e * dgp + (layers - 1) * dhp * dgp, "the packed input weights");
        b.Buffer("PackedRecurrent", layers * d * gp * hp, "the packed recurrent weights");
        return b.Build(declaration, attribute, v, e, t, o, output, (int)KernelSizes.RecurrentTileRows);
    }

    // Inference workspace: the layer-output sequences exist only with stacked layers (two alternate when there are three or more).
    private static void InferenceBlocks(Builder b, bool lstm, bool gru, long layers, long t, long e, long hp, long gp, long dhp, long dgp, bool dense, bool sequences)
    {
        long c = lstm ? 1 : 0, hh = gru ? 1 : 0, outputs = Math.Min(layers - 1, 2);
        const long tile = KernelSizes.RecurrentTileRows;
        b.Block("ScratchH", dhp, "(D, HP): h per direction");
        b.Block("ScratchC", c * hp, "(HP): c");
        b.Block("ScratchGates", gp, "(GP)");
        b.Block("ScratchX", dense ? 0 : t * e, "(T, E): gathered embeddings");
        b.Block("ScratchXProj", t * dgp, "(T, DGP): the input part of every step");
        b.Block("ScratchY", outputs * t * dhp, $"({I(outputs)}, T, DHP): layer outputs, alternating");
        b.Block("ScratchTileH", tile * dhp, "(TileRows, DHP)");
        b.Block("ScratchTileC", c * tile * hp, "(TileRows, HP)");
        b.Block("ScratchTileGates", tile * gp, "(TileRows, GP)");
        b.Block("ScratchTileX", tile * e, "(TileRows, E)");
        b.Block("ScratchTileHH", hh * tile * gp, "(TileRows, GP): the recurrent part");
        b.Block("ScratchTileY", outputs * t * tile * dhp, $"({I(outputs)}, T, TileRows, DHP)");
        b.Block("ScratchHNext", hp, "(HP): h' of the batch-1 step");
        if (sequences) SequenceBlocks(b, t, dhp, tile);
    }

    // Training workspace of B rows, N = T·B (step, row) pairs.
    private static void TrainingBlocks(Builder b, bool lstm, bool gru, long layers, long d, bool dense, bool sequences)
    {
        b.Train("X", "SequenceLength * rows * EmbeddingSize", dense ? "(N, InputSize): the active pairs' input rows, first" : "(N, E), active pairs first");
        if (layers > 1) b.Train("Y", "(Layers - 1) * SequenceLength * rows * DHP", "(Layers − 1, N, DHP)");
        b.Train("HPrev", "Layers * SequenceLength * rows * DHP", "(Layers, N, DHP)");
        if (lstm) b.Train("CS", "Layers * SequenceLength * rows * DHP", "(Layers, N, DHP)");
        b.Train("Act", "Layers * SequenceLength * rows * DGP", "(Layers, N, DGP)");
        if (gru) b.Train("HH", "Layers * SequenceLength * rows * DGP", "(Layers, N, DGP)");
        b.Train("DX", "SequenceLength * rows * InputColumns", "(N, max(E, DHP))");
        b.Train("H", "rows * DHP", "(B, DHP)");
        b.Train("DH", "rows * HP", "(B, HP)");
        if (lstm) b.Train("DC", "rows * HP", "(B, HP)");
        b.Train("Logits", "rows * OutputSize", "(B, O)");
        b.Train("DLogits", "rows * OutputSize", "(B, O)");
        // The LSTM's c before the first step: zero, or per layer and row (unidirectional models: truncated BPTT's initial state).
        if (lstm && d == 1) b.Train("C0", "Layers * rows * HP", "(Layers, B, HP): c before the first step");
        else if (lstm) b.Train("Zero", "HP", "(HP)");
        if (sequences) SequenceTraining(b);
        b.Train("", "SequenceLength * rows", "The int workspace: the active (step, row) pairs of the batch, ascending.", ints: true);
    }

    public static PlanResult TextCnn(DeclarationSpec declaration, long v, long e, long t, int[] kernels, long filters, long o, HeadActivation output)
    {
        long fp = KernelSizes.RoundUp(filters, KernelSizes.GemmColumns), features = filters * kernels.Length;
        const long tile = KernelSizes.BaselineTileRows;
        var b = new Builder();
        b.Layer(new EmbeddingPlan((int)v, (int)e, Folded: false, 0));
        b.Tensor("embedding.weight", "EmbeddingWeight", new[] { v, e }, Init.EmbeddingUniform, 0, 0, "; row 0 is the padding token's (unused: padding is removed before the convolution).");
        var branches = new List<ConvBranch>();
        long packT = 0, packR = 0;
        for (int i = 0; i < kernels.Length; i++)
        {
            long k = kernels[i];
            // Keras Conv1D fans: fan_in = k·E, fan_out = k·F.
            b.Tensor($"convs.{I(i)}.weight", $"Conv{I(i)}Weight", new[] { filters, e, k }, Init.Glorot, k * e, k * filters,
                $": branch {I(i)}, kernel width {I(k)}, element [f, e, j] weighs embedding channel e of the window's j-th token for filter f (PyTorch Conv1d layout).");
            b.Tensor($"convs.{I(i)}.bias", $"Conv{I(i)}Bias", new[] { filters }, Init.Zero, 0, 0, $": branch {I(i)}'s filter biases.");
            branches.Add(new ConvBranch((int)k, (int)packT, (int)packR));
            packT += k * e * fp;
            packR += filters * k * e;
        }
        b.Layer(new ConvPlan((int)filters, (int)fp, new EquatableArray<ConvBranch>(branches.ToArray())));
        b.Layer(new PoolingPlan(PoolingKind.MaxOverTime));
        b.Head(features, o, output, $": the dense head; column i·{I(filters)} + f reads filter f of branch i.", ": the dense head's biases.");

        b.Block("ScratchX", tile * t * e, "(TileRows·T, E): the compacted embeddings");
        b.Block("ScratchC", tile * t * fp, "(TileRows·T, FP): one branch's convolution outputs");
        b.Block("ScratchFeatures", tile * features, "(TileRows, HiddenSize): the pooled features");
        b.Train("X", "rows * SequenceLength * EmbeddingSize", "(B·T, E)");
        b.Train("C", "rows * SequenceLength * FP", "(B·T, FP)");
        b.Train("Features", "rows * HiddenSize", "(B, HiddenSize)");
        b.Train("DFeatures", "rows * HiddenSize", "(B, HiddenSize)");
        b.Train("Logits", "2 * rows * OutputSize", "(2, B, O): logits, then ∂L/∂logits");
        b.Train("DX", "rows * SequenceLength * EmbeddingSize", "(B·T, E)");
        b.Train("", "2 * rows", "Ints: each row's first compacted position and token count (2, B), then:", ints: true);
        b.Train("Ids", "rows * SequenceLength", "(B·T): the compacted token ids", ints: true);
        b.Train("Argmax", "rows * HiddenSize", "(B, HiddenSize): each feature's winning window (negative: none)", ints: true);

        b.Buffer("ConvT", packT, "the packed convolution weights");
        b.Buffer("ConvRows", packR, "the packed convolution weights");
        return b.Build(declaration, "TextCnnModel", v, e, t, o, output, (int)tile);
    }

    public static PlanResult FeedForward(DeclarationSpec declaration, long v, long e, long t, int[] hidden, long o, HeadActivation output)
    {
        const long tile = KernelSizes.BaselineTileRows;
        var b = new Builder();
        b.Layer(new EmbeddingPlan((int)v, (int)e, Folded: hidden.Length > 0, hidden.Length > 0 ? (int)KernelSizes.RoundUp(hidden[0], KernelSizes.GemmColumns) : 0));
        b.Tensor("embedding.weight", "EmbeddingWeight", new[] { v, e }, Init.EmbeddingUniform, 0, 0, "; row 0 is the padding token's (unused: padding is left out of the mean).");
        b.Layer(new PoolingPlan(PoolingKind.MeanOfTokens));
        // Packed per layer: Wᵀ [in, pad(out)] for the forward GEMM, W [out, pad(in)] for ∂L/∂a_l, bias [pad(out)].
        long width = e, packed = 0, maxGrad = 0;
        string sum = "A0";
        b.Block("ScratchA0", tile * KernelSizes.RoundUp(e, KernelSizes.GemmColumns), "(TileRows, A0)");
        for (int l = 0; l < hidden.Length; l++)
        {
            long h = hidden[l], inPad = KernelSizes.RoundUp(width, KernelSizes.GemmColumns), outPad = KernelSizes.RoundUp(h, KernelSizes.GemmColumns);
            b.Tensor($"hidden.{I(l)}.weight", $"Hidden{I(l)}Weight", new[] { h, width }, Init.Glorot, width, h,
                $": hidden layer {I(l)}, a{I(l + 1)} = ReLU(W·a{I(l)} + b) (PyTorch Linear layout [out, in]).");
            b.Tensor($"hidden.{I(l)}.bias", $"Hidden{I(l)}Bias", new[] { h }, Init.Zero, 0, 0, $": hidden layer {I(l)}'s biases.");
            b.Layer(new LinearPlan(l, (int)width, (int)h, (int)inPad, (int)outPad, (int)packed, (int)(packed + width * outPad), (int)(packed + width * outPad + h * inPad)));
            packed += width * outPad + h * inPad + outPad;
            maxGrad = Math.Max(maxGrad, width * outPad);
            b.Block($"ScratchA{I(l + 1)}", tile * outPad, $"(TileRows, A{I(l + 1)})");
            sum += $" + A{I(l + 1)}";
            width = h;
        }
        b.Head(width, o, output, ": the dense head.", ": the dense head's biases.");
        b.Train("A", $"rows * ({sum})", "(B, A0 + A1 + …): the activations a_l");
        b.Train("DA", $"rows * ({sum})", "(B, A0 + A1 + …): their gradients");
        b.Train("Logits", "2 * rows * OutputSize", "(2, B, O): logits, then ∂L/∂logits");
        b.Train("", "rows", "Ints: the non-padding token count of each row (B).", ints: true);
        b.Buffer("Packed", packed, "the packed layer weights");
        b.Buffer("GradT", maxGrad, "the packed layer weights");
        return b.Build(declaration, "FeedForwardModel", v, e, t, o, output, (int)tile);
    }

    // ReturnSequences: the top layer's h at every step, for one row and for a tile (the head reads each step's row).
    private static void SequenceBlocks(Builder b, long t, long dhp, long tile)
    {
        b.Block("ScratchSeq", t * dhp, "(T, DHP): the top layer's h after each real step of the row");
        b.Block("ScratchTileSeq", t * tile * dhp, "(T, TileRows, DHP): the top layer's h after every step of the tile");
    }

    // ReturnSequences training: the top layer's outputs of all N pairs (packed to the active pairs for the head), the
    // head's gradient with respect to them, and the logits and their gradient for the active pairs.
    private static void SequenceTraining(Builder b)
    {
        b.Train("Seq", "SequenceLength * rows * DHP", "(N, DHP): the top layer's h after every pair, active pairs first");
        b.Train("DSeq", "SequenceLength * rows * DHP", "(N, DHP): ∂L/∂h from the head at every pair (0 at padded pairs)");
        b.Train("SeqZ", "SequenceLength * rows * OutputSize", "(N, O): the active pairs' logits");
        b.Train("SeqDZ", "SequenceLength * rows * OutputSize", "(N, O): their ∂L/∂z");
    }

    private static string I(long value) => value.ToString(CultureInfo.InvariantCulture);

    // Collects a plan's parts in order, summing tensor and block lengths in long.
    private sealed class Builder
    {
        private readonly List<LayerPlan> _layers = new();
        private readonly List<TensorPlan> _tensors = new();
        private readonly List<BlockPlan> _blocks = new();
        private readonly List<TrainingBlockPlan> _training = new();
        private readonly List<(string Name, long Floats, string What)> _buffers = new();
        private long _scratch;

        public long ParameterFloats { get; private set; }

        public void Layer(LayerPlan layer) => _layers.Add(layer);

        public void Tensor(string name, string property, long[] shape, Init init, long fanIn, long fanOut, string doc, bool view = true)
        {
            _tensors.Add(new TensorPlan(name, property, new EquatableArray<int>(shape.Select(x => (int)x).ToArray()), (int)ParameterFloats, init, (int)fanIn, (int)fanOut, doc, view));
            ParameterFloats += shape.Aggregate(1L, (a, x) => a * x);
        }

        // fc.weight [O, features] (Glorot) and fc.bias [O] (zero), and the head layer.
        public void Head(long features, long outputs, HeadActivation output, string weightDoc, string biasDoc, bool everyStep = false)
        {
            Tensor("fc.weight", "FcWeight", new[] { outputs, features }, Init.Glorot, features, outputs, weightDoc);
            Tensor("fc.bias", "FcBias", new[] { outputs }, Init.Zero, 0, 0, biasDoc);
            Layer(new HeadPlan((int)features, (int)outputs, output, everyStep));
        }

        // An absent block (length 0) is left out: the next block starts at the same offset.
        public void Block(string name, long length, string shape)
        {
            if (length == 0) return;
            _blocks.Add(new BlockPlan(name, (int)_scratch, (int)length, shape));
            _scratch += length;
        }

        public void Train(string name, string length, string shape, bool ints = false) => _training.Add(new TrainingBlockPlan(name, length, shape, ints));

        public void Buffer(string name, long floats, string what) => _buffers.Add((name, floats, what));

        // The parameters first and the workspace last, as the model allocates them.
        public PlanResult Build(DeclarationSpec declaration, string attribute, long v, long e, long t, long o, HeadActivation output, int tileRows)
        {
            var buffers = new List<(string Name, long Floats, string What)> { (ParametersBuffer, ParameterFloats, "its parameters") };
            buffers.AddRange(_buffers);
            buffers.Add((WorkspaceBuffer, _scratch, "the per-thread workspace"));
            // The largest array names what to shrink first (several may be too large at once).
            (string _, long largest, string what) = buffers.OrderByDescending(b => b.Floats).First();
            if (largest > MaxArrayLength) return new PlanResult(null, largest, what);
            var plan = new ModelPlan(declaration, attribute, (int)v, (int)e, (int)t, (int)o, output, tileRows,
                new EquatableArray<LayerPlan>(_layers.ToArray()), new EquatableArray<TensorPlan>(_tensors.ToArray()),
                new EquatableArray<BlockPlan>(_blocks.ToArray()), new EquatableArray<TrainingBlockPlan>(_training.ToArray()),
                new EquatableArray<BufferPlan>(buffers.Select(x => new BufferPlan(x.Name, (int)x.Floats, x.What)).ToArray()));
            return new PlanResult(plan, 0, "");
        }
    }
}

/// <summary>A plan, or (when it is null) the largest array, which would exceed Array.MaxLength, and its length.</summary>
internal sealed record PlanResult(ModelPlan? Plan, long TooLargeFloats, string TooLarge);
