using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Dropout in a recurrent model's training pass (never in Predict): the <c>Dropout</c> settings, the per-batch masks and
/// the helpers the training code calls, each behind a flag set once per batch, so with every rate 0 training runs exactly
/// the code it runs without dropout. Sites: the embedding output (an element mask per active (step, row) pair), every
/// layer's input x_t (Keras <c>dropout</c>: one mask per (layer, row), shared by both directions, the same at every step),
/// h_{t−1} in the recurrent product (Keras <c>recurrent_dropout</c>: one mask per (layer, direction, row)), and the head's
/// input. A mask is applied in place to a value that only the masked path reads (X, the packed Y, the features H), and the
/// backward pass multiplies the matching gradient by the same mask; h_{t−1} is kept unmasked for the cell (the GRU's
/// z⊙h_{t−1}), masked into a staging block for W_hh·(m⊙h_{t−1}), and masked in the packed copy the W_hh gradient reads.
/// </summary>
internal static class DropoutEmitter
{
    /// <summary>The dropout members of a recurrent model (its training code calls them).</summary>
    public static void Emit(SourceWriter w, RecurrentPlan L, bool dense, bool everyStep)
    {
        int inWidth = System.Math.Max(L.Input, L.F);
        // Sites a model does not have are refused when their rate is set (siteGuards). A dense-input model has no embedding: its layer-0 input is InputSize wide and the embedding site does not exist.
        string embeddingBlock = dense ? "0" : "SequenceLength * rows * EmbeddingSize";
        string siteGuards = dense
            ? "\n    if (s.Embedding > 0f) throw new global::System.InvalidOperationException(\"Dropout.Embedding is \" + s.Embedding + \" but a dense-input model has no embedding; use Dropout.Input for its inputs.\");"
            : "";
        // The per-step head (ReturnSequences) reads every step's h: the final-features head mask does not apply to it.
        if (everyStep)
            siteGuards += "\n    if (s.Head > 0f) throw new global::System.InvalidOperationException(\"Dropout.Head is \" + s.Head + \" but this ReturnSequences model's head runs at every step, where head dropout is not implemented; use Dropout.Input or Dropout.Recurrent.\");";
        w.Line($$"""
            {{Settings("_dropEmb, _dropIn, _dropRec, _dropHead")}}

            // The mask blocks of a batch of rows (N = SequenceLength·rows): the embedding site per active pair [N, E]; the
            // input site per layer [Layers][rows, LayerInputSize(layer)] (stride rows·{{inWidth}}); the recurrent site per unit
            // [Layers·Directions][rows, H]; the head site [rows, F]; a staging block [rows, HP] for m⊙h_{t−1} and its gradient.
            private const int DropInputWidth = {{inWidth}};
            private static int DropEmb(int rows) => 0;
            private static int DropIn(int rows) => DropEmb(rows) + {{embeddingBlock}};
            private static int DropRec(int rows) => DropIn(rows) + Layers * rows * DropInputWidth;
            private static int DropHead(int rows) => DropRec(rows) + Layers * Directions * rows * HiddenSize;
            private static int DropStage(int rows) => DropHead(rows) + rows * FeatureSize;
            private static int DropLength(int rows) => DropStage(rows) + rows * HP;

            // Reads the rates once per batch and, when any is above 0, draws this batch's masks (m active pairs in _trainInts).
            private void BeginDropout(int rows, int m)
            {
                global::LstmGen.Training.DropoutSettings s = _dropout;{{siteGuards}}
                _dropEmb = s.Embedding > 0f; _dropIn = s.Input > 0f; _dropRec = s.Recurrent > 0f; _dropHead = s.Head > 0f;
                if (!(_dropEmb | _dropIn | _dropRec | _dropHead)) return;
                {{Indent(NextBatch, 4)}}
                if (_dropEmb)
                    s.FillMask(global::LstmGen.Training.DropoutSite.Embedding, 0, stream, batch, new LgIntSpan(_trainInts!, 0, m), m, EmbeddingSize, new LgSpan(d, DropEmb(rows), m * EmbeddingSize));
                if (_dropIn)
                {
                    for (int layer = 0; layer < Layers; layer++)
                        s.FillMask(global::LstmGen.Training.DropoutSite.Input, layer, stream, batch, default, rows, LayerInputSize(layer), new LgSpan(d, DropIn(rows) + layer * rows * DropInputWidth, rows * LayerInputSize(layer)));
                }
                if (_dropRec)
                {
                    for (int unit = 0; unit < Layers * Directions; unit++)
                        s.FillMask(global::LstmGen.Training.DropoutSite.Recurrent, unit, stream, batch, default, rows, HiddenSize, new LgSpan(d, DropRec(rows) + unit * rows * HiddenSize, rows * HiddenSize));
                }
                if (_dropHead)
                    s.FillMask(global::LstmGen.Training.DropoutSite.Head, 0, stream, batch, default, rows, FeatureSize, new LgSpan(d, DropHead(rows), rows * FeatureSize));
            }

            """);
        EmitInputMask(w, dense ? "InputSize" : "EmbeddingSize");
        EmitRecurrentMasks(w);
        EmitHeadMasks(w);
    }

    // DropoutInput: the embedding and input sites on a layer's packed input rows (x0: layer 0's input width).
    private static void EmitInputMask(SourceWriter w, string x0)
    {
        w.Line($$"""
            // x ← x ⊙ mask on layer ℓ's packed input rows (row i is active pair i, of batch row b = pairs[i] mod rows): the
            // embedding mask (layer 0), then the row's input mask. The backward pass calls it on ∂L/∂x: the same factors.
            private void DropoutInput(LgSpan x, int rows, int layer, int m)
            {
                float[] d = _dropMasks!;
                int[] pairs = _trainInts!;
                int packed = PackedInputSize(layer), width = LayerInputSize(layer), input = DropIn(rows) + layer * rows * DropInputWidth;
                bool emb = layer == 0 && _dropEmb;
                for (int i = 0; i < m; i++)
                {
                    LgSpan row = x.Slice(i * packed, packed);
                    if (emb) global::LstmGen.Elementwise.Multiply(row.Slice(0, EmbeddingSize), new LgReadOnlySpan(d, DropEmb(rows) + i * EmbeddingSize, EmbeddingSize));
                    if (!_dropIn) continue;
                    int b = pairs[i] % rows;
                    if (layer == 0)
                        global::LstmGen.Elementwise.Multiply(row.Slice(0, {{x0}}), new LgReadOnlySpan(d, input + b * width, {{x0}}));
                    else
                    {
                        for (int direction = 0; direction < Directions; direction++)
                            global::LstmGen.Elementwise.Multiply(row.Slice(direction * HP, HiddenSize), new LgReadOnlySpan(d, input + b * width + direction * HiddenSize, HiddenSize));
                    }
                }
            }

            """);
    }

    // The recurrent site: m⊙h_{t−1} for W_hh's product, its gradient, and the packed states W_hh's gradient reads.
    private static void EmitRecurrentMasks(SourceWriter w)
    {
        w.Line($$"""
            // The staging block's rows = m ⊙ h for the rows of a step (state: row b at state + b·DHP), as the left factor of
            // W_hh·(m⊙h_{t−1}) with row stride HP.
            private LgReadOnlySpan DropoutRecurrentState(float[] ws, int state, int unit, int rows)
            {
                float[] d = _dropMasks!;
                int stage = DropStage(rows), mask = DropRec(rows) + unit * rows * HiddenSize;
                for (int b = 0; b < rows; b++)
                {
                    LgSpan h = new(d, stage + b * HP, HiddenSize);
                    new LgReadOnlySpan(ws, state + b * DHP, HiddenSize).CopyTo(h);
                    global::LstmGen.Elementwise.Multiply(h, new LgReadOnlySpan(d, mask + b * HiddenSize, HiddenSize));
                }
                return new LgReadOnlySpan(d, stage, (rows - 1) * HP + HiddenSize);
            }

            // dh_{t−1} += m ⊙ (dZ_h·W_hh): the product into the staging block, then added through the mask.
            private void DropoutRecurrentGradient(LgReadOnlySpan dz, LgReadOnlySpan whhP, float[] ws, int dh, int unit, int rows)
            {
                float[] d = _dropMasks!;
                int stage = DropStage(rows), mask = DropRec(rows) + unit * rows * HiddenSize;
                LgSpan product = new(d, stage, rows * HP);
                product.Clear();
                LgGemm.MultiplyAdd(rows, HP, GP, dz, DGP, whhP, HP, product, HP);
                for (int b = 0; b < rows; b++)
                    global::LstmGen.Elementwise.AddProduct(new LgSpan(ws, dh + b * HP, HiddenSize), product.Slice(b * HP, HiddenSize), new LgReadOnlySpan(d, mask + b * HiddenSize, HiddenSize));
            }

            // The packed h_{t−1} rows of layer ℓ (row i = active pair i) ⊙ their unit's mask, for ∂L/∂W_hh = (m⊙h_{t−1})ᵀ·dZ_h.
            private void DropoutPackedStates(LgSpan hPrev, int rows, int layer, LgIntSpan active)
            {
                float[] d = _dropMasks!;
                for (int i = 0; i < active.Length; i++)
                {
                    int b = active[i] % rows;
                    for (int direction = 0; direction < Directions; direction++)
                        global::LstmGen.Elementwise.Multiply(hPrev.Slice(i * DHP + direction * HP, HiddenSize),
                            new LgReadOnlySpan(d, DropRec(rows) + (layer * Directions + direction) * rows * HiddenSize + b * HiddenSize, HiddenSize));
                }
            }

            """);
    }

    // The head site: the features in place, and the final h's gradient.
    private static void EmitHeadMasks(SourceWriter w)
    {
        w.Line($$"""
            // The head's input: features H (row b at TrainH + b·DHP) ⊙ the head mask, in place (the head and fc.weight's
            // gradient read the masked features).
            private void DropoutHead(float[] ws, int rows)
            {
                float[] d = _dropMasks!;
                for (int b = 0; b < rows; b++)
                {
                    for (int direction = 0; direction < Directions; direction++)
                        global::LstmGen.Elementwise.Multiply(new LgSpan(ws, TrainH(rows) + b * DHP + direction * HP, HiddenSize), new LgReadOnlySpan(d, DropHead(rows) + b * FeatureSize + direction * HiddenSize, HiddenSize));
                }
            }

            // ∂L/∂h_final of one direction (dh, rows of HP) ⊙ the head mask's columns of that direction.
            private void DropoutHeadGradient(float[] ws, int dh, int direction, int rows)
            {
                float[] d = _dropMasks!;
                for (int b = 0; b < rows; b++)
                    global::LstmGen.Elementwise.Multiply(new LgSpan(ws, dh + b * HP, HiddenSize), new LgReadOnlySpan(d, DropHead(rows) + b * FeatureSize + direction * HiddenSize, HiddenSize));
            }

            """);
    }

    /// <summary>
    /// The settings members every model with dropout shares: the settings, the batch counter and its restart state, the
    /// mask buffer, the per-batch site flags (<paramref name="flags"/>, a field list), Dropout and DropoutStream.
    /// </summary>
    public static string Settings(string flags) => $$"""
        // ---------------------------------------------------------------- dropout (training only)
        private global::LstmGen.Training.DropoutSettings _dropout = new();
        // The settings object and version the batch counter belongs to; the counter restarts when either changes.
        private object? _dropoutSeen;
        private int _dropoutVersion;
        private long _dropoutBatch;
        // This batch's masks (multipliers 0 or 1/(1 − p)), grown to the largest batch seen, and which sites are on.
        private float[]? _dropMasks;
        private int _dropRows;
        private bool {{flags}};

        /// <summary>
        /// Dropout rates and seed of the training pass (all rates 0 by default: off). Settable at any time between
        /// batches; Predict never reads them. See <see cref="global::LstmGen.Training.DropoutSettings"/>.
        /// </summary>
        /// <exception cref="global::System.ArgumentNullException">Assigning null.</exception>
        public global::LstmGen.Training.DropoutSettings Dropout
        {
            get => _dropout;
            set => _dropout = value ?? throw new global::System.ArgumentNullException(nameof(value));
        }

        /// <inheritdoc cref="global::LstmGen.Training.IDropoutModel.DropoutStream"/>
        public int DropoutStream { get; set; }
        """;

    /// <summary>
    /// BeginDropout's common middle, once a site is on (settings in <c>s</c>, batch size in <c>rows</c>): restart the
    /// counter for new settings or a new version, take this batch's number, grow the mask buffer to DropLength(rows);
    /// leaves <c>batch</c>, <c>d</c> (the masks) and <c>stream</c>.
    /// </summary>
    public const string NextBatch = """
        int version = s.Version;
        if (!ReferenceEquals(s, _dropoutSeen) || version != _dropoutVersion)
        {
            _dropoutSeen = s;
            _dropoutVersion = version;
            _dropoutBatch = 0;
        }
        long batch = _dropoutBatch++;
        if (_dropMasks is null || _dropRows < rows)
        {
            _dropMasks = new float[DropLength(rows)];
            _dropRows = rows;
        }
        float[] d = _dropMasks;
        int stream = DropoutStream;
        """;

    /// <summary><paramref name="text"/> with every line after the first indented by <paramref name="spaces"/>, to sit inside a template line.</summary>
    public static string Indent(string text, int spaces)
        => text.Replace("\r\n", "\n").Replace("\n", "\n" + new string(' ', spaces));
}
