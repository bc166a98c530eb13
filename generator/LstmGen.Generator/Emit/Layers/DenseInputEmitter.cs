using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// The dense-input recurrent model's own parts (<c>InputSize</c> float features per step, no embedding): its constants,
/// the layer-0 input of inference and training, and the public Predict / PredictBatch / ComputeGradients shells that take
/// a length per row (PyTorch packed sequences: row b is its first lengths[b] steps, the rest is never read).
/// </summary>
internal static class DenseInputEmitter
{
    /// <summary>The size constants that replace VocabularySize and EmbeddingSize.</summary>
    public static string InputConstants(ModelPlan f) => $$"""
        /// <summary>Float features per step (PyTorch <c>input_size</c>); layer 0's <c>weight_ih_l0</c> is [GateSize, InputSize].</summary>
        public const int InputSize = {{f.E}};
        // Layer 0's input width, under the name the recurrent code shares with the token models.
        private const int EmbeddingSize = InputSize;
        /// <summary>Maximum sequence length in steps; batched rows hold exactly this many steps (each row has a length).</summary>
        public const int SequenceLength = {{f.T}};
        """;

    /// <summary>The single-row body's layer-0 input: the n steps projected for all steps and directions in one GEMM.</summary>
    public const string SingleRowInput = """
        float[] scratch = Scratch();
        // The n steps are the sequence: project them for all steps (and directions) in one GEMM, X·W_ihᵀ + b ([n, InputSize] by [InputSize, DGP]).
        int n = inputs.Length / InputSize;
        for (int s = 0; s < n; s++) LgArray.Copy(_bias, 0, scratch, ScratchXProj + s * DGP, DGP);
        LgGemm.MultiplyAdd(n, DGP, InputSize, inputs, InputSize,
            new LgReadOnlySpan(_wihT, 0, InputSize * DGP), DGP, new LgSpan(scratch, ScratchXProj, n * DGP), DGP);
        ref float gates = ref scratch[ScratchGates];
        """;

    /// <summary>A tile step's input part: the bias, layer 0's features of step t for the rows it is real for, and their GEMM.</summary>
    public static string TileStepInput(bool gru) => $$"""
        int t = direction == 0 ? k : SequenceLength - 1 - k;
        bool any = false;
        for (int r = 0; r < rows; r++)
        {
            bool real = t < lengths[r];
            any |= real;
            LgArray.Copy(_bias, layer * DGP + column, scratch, ScratchTileGates + r * GP, GP);
            // Layer 0 reads step t's features of the rows it is real for (zeros for the others: their steps are never read).
            if (layer == 0)
            {
                if (real) inputs.Slice((r * SequenceLength + t) * InputSize, InputSize).CopyTo(new LgSpan(scratch, ScratchTileX + r * InputSize, InputSize));
                else LgArray.Clear(scratch, ScratchTileX + r * InputSize, InputSize);
            }
        {{(gru ? "    LgArray.Copy(_biasHh, layer * DGP + column, scratch, ScratchTileHH + r * GP, GP); // HH = (0, 0, b_hn)\n" : "")}}}
        if (!any) continue;
        if (layer == 0)
        {
            LgGemm.MultiplyAdd(rows, GP, InputSize, new LgReadOnlySpan(scratch, ScratchTileX, rows * InputSize), InputSize,
                new LgReadOnlySpan(_wihT, column, InputSize * DGP - column), DGP, gates, GP);
        }
        """;

    /// <summary>
    /// Predict, PredictLogits, PredictBatch and PredictLogitsBatch (with and without lengths) and their snapshot bodies:
    /// one output set per row, or (ReturnSequences) one per step.
    /// </summary>
    public static void EmitPredict(SourceWriter w, ModelPlan f, string singleBody)
    {
        var shape = new OutputShape(f);
        EmitPredictOne(w, f, singleBody, shape);
        EmitPredictBatch(w, f, shape);
    }

    // What differs between one output set per row and ReturnSequences' one per step: docs, length checks, activation.
    private readonly struct OutputShape
    {
        public readonly bool EveryStep;
        public readonly string Writes, Holds, Logits, OneLength, OneWhat, BatchWrites, BatchLength, BatchWhat, RowLogits;

        public OutputShape(ModelPlan f)
        {
            EveryStep = f.ReturnSequences;
            Writes = EveryStep ? $") and writes {f.O} output(s) per step (steps·{f.O} values)" : $"; step s is inputs[s·InputSize …]) and writes the {f.O} output(s)";
            Holds = EveryStep ? $"steps·{f.O}" : $"{f.O}";
            Logits = EveryStep ? "each step's raw logits" : $"the head's {f.O} raw logit(s)";
            OneLength = EveryStep ? "inputs.Length / InputSize * OutputSize" : "OutputSize";
            OneWhat = EveryStep ? "steps × OutputSize" : "one per model output";
            BatchWrites = EveryStep
                ? $"""
                     features, <paramref name="lengths"/> B lengths
                    /// in [1, {f.T}] (PyTorch packed sequences), <paramref name="outputs"/> receives B×{f.T}×{f.O} values (row b's step t at
                    /// (b·{f.T} + t)·{f.O}; 0 at steps past the row's length). Rows run {f.TileRows} at a time.
                    """
                : $"""
                     features (step t of row b at
                    /// (b·{f.T} + t)·InputSize), <paramref name="lengths"/> B lengths in [1, {f.T}] (row b is its first lengths[b]
                    /// steps, as a PyTorch packed sequence; the rest of the row is never read), <paramref name="outputs"/> receives
                    /// B×{f.O} values. Rows run {f.TileRows} at a time, the recurrent product as one GEMM per step.
                    """;
            BatchLength = EveryStep ? "batch * SequenceLength * OutputSize" : "batch * OutputSize";
            BatchWhat = EveryStep ? "batch × SequenceLength × OutputSize" : "batch × OutputSize";
            RowLogits = EveryStep ? "each step's raw logits" : "each row's raw logits";
        }

        // The activation call on span (with an empty lengths span: every row full), indented as a statement.
        public string Activation(ModelPlan f, string span, string lengths) => !EveryStep
            ? ShellEmitter.ActivationCall(f, span)
            : f.Output == HeadActivation.Linear ? "    // A linear head: the logits are the outputs." : $"    ApplyStepActivation({lengths}, {span});";
    }

    // Predict (and, with one output per row, its float-returning form), PredictLogits and PredictOne on the snapshot.
    private static void EmitPredictOne(SourceWriter w, ModelPlan f, string singleBody, OutputShape s)
    {
        string type = f.Declaration.TypeName;
        if (f.O == 1 && !s.EveryStep)
        {
            w.Line($$"""
                /// <summary>Runs one sequence of steps·{{f.E}} features (1 ≤ steps ≤ {{f.T}}) and returns its one output (activated).</summary>
                /// <exception cref="global::System.ArgumentException">Not a whole number of steps, no step or more than {{f.T}}, or a value that is not finite.</exception>
                public float Predict(LgReadOnlySpan inputs)
                {
                    float result = 0f;
                    Predict(inputs, new LgSpan(ref result));
                    return result;
                }

                """);
        }
        w.Line($$"""
            /// <summary>Runs one sequence of steps·{{f.E}} features (1 ≤ steps ≤ {{f.T}}{{s.Writes}}.</summary>
            /// <exception cref="global::System.ArgumentException">Not a whole number of steps, no step or more than {{f.T}}, a value that is not finite, or <paramref name="output"/> does not hold {{s.Holds}} values.</exception>
            public void Predict(LgReadOnlySpan inputs, LgSpan output)
            {
                PredictLogits(inputs, output);
            {{s.Activation(f, "output", "default")}}
            }

            /// <summary>As <see cref="Predict(LgReadOnlySpan, LgSpan)"/> but writes {{s.Logits}} (before the output activation). Allocates nothing.</summary>
            /// <exception cref="global::System.ArgumentException">As <see cref="Predict(LgReadOnlySpan, LgSpan)"/>.</exception>
            public void PredictLogits(LgReadOnlySpan inputs, LgSpan output)
            {
                global::LstmGen.DenseChecks.Sequence(inputs, InputSize, SequenceLength, nameof(inputs));
                if (output.Length != {{s.OneLength}}) LgThrow.WrongLength(nameof(output), output.Length, {{s.OneLength}}, "{{s.OneWhat}}");
                using global::LstmGen.InferenceSnapshots<{{type}}>.Lease lease = _inference!.Acquire();
                lease.Value.PredictOne(inputs, output);
            }

            // Predict's logits on a published snapshot (this is one): its weights cannot change during the call.
            """);
        ShellEmitter.EmitSnapshotMethod(w, "private void PredictOne(LgReadOnlySpan inputs, LgSpan output)", singleBody);
    }

    // PredictBatch and PredictLogitsBatch (with and without lengths), PredictRows on the snapshot, tile by tile.
    private static void EmitPredictBatch(SourceWriter w, ModelPlan f, OutputShape s)
    {
        string type = f.Declaration.TypeName;
        // The head on a tile: the last h of each row, or every step's h.
        string head = s.EveryStep
            ? """
                LgIntSpan tile = lengths.IsEmpty ? new LgIntSpan(s_fullLengths, 0, rows) : lengths.Slice(row0, rows);
                        RunTile(inputs.Slice(row0 * SequenceLength * InputSize, rows * SequenceLength * InputSize), tile, rows, scratch);
                        SequenceHeadTile(tile, rows, scratch, outputs.Slice(row0 * SequenceLength * OutputSize, rows * SequenceLength * OutputSize));
                """
            : """
                RunTile(inputs.Slice(row0 * SequenceLength * InputSize, rows * SequenceLength * InputSize),
                            lengths.IsEmpty ? new LgIntSpan(s_fullLengths, 0, rows) : lengths.Slice(row0, rows), rows, scratch);
                        for (int r = 0; r < rows; r++)
                            HeadLogits(ref scratch[ScratchTileH + r * DHP], outputs.Slice((row0 + r) * OutputSize, OutputSize));
                """;
        w.Line($$"""

            /// <summary>
            /// Runs a batch: <paramref name="inputs"/> holds B rows of {{f.T}}·{{f.E}}{{s.BatchWrites}}
            /// </summary>
            /// <exception cref="global::System.ArgumentException">The spans do not describe B whole rows, a length is outside [1, {{f.T}}], or a value inside a row's length is not finite (the message names row and step).</exception>
            public void PredictBatch(LgReadOnlySpan inputs, LgIntSpan lengths, LgSpan outputs)
            {
                PredictLogitsBatch(inputs, lengths, outputs);
            {{s.Activation(f, "outputs", "lengths")}}
            }

            /// <summary>As <see cref="PredictBatch(LgReadOnlySpan, LgIntSpan, LgSpan)"/> with every row {{f.T}} steps long.</summary>
            /// <exception cref="global::System.ArgumentException">As <see cref="PredictBatch(LgReadOnlySpan, LgIntSpan, LgSpan)"/>.</exception>
            public void PredictBatch(LgReadOnlySpan inputs, LgSpan outputs)
            {
                PredictLogitsBatch(inputs, outputs);
            {{s.Activation(f, "outputs", "default")}}
            }

            /// <summary>As <see cref="PredictBatch(LgReadOnlySpan, LgIntSpan, LgSpan)"/> but writes {{s.RowLogits}}.</summary>
            /// <exception cref="global::System.ArgumentException">As <see cref="PredictBatch(LgReadOnlySpan, LgIntSpan, LgSpan)"/>.</exception>
            public void PredictLogitsBatch(LgReadOnlySpan inputs, LgIntSpan lengths, LgSpan outputs)
            {
                int batch = global::LstmGen.DenseChecks.Batch(inputs, lengths, InputSize, SequenceLength, nameof(inputs), nameof(lengths));
                if (outputs.Length != {{s.BatchLength}}) LgThrow.WrongLength(nameof(outputs), outputs.Length, {{s.BatchLength}}, "{{s.BatchWhat}}");
                using global::LstmGen.InferenceSnapshots<{{type}}>.Lease lease = _inference!.Acquire();
                lease.Value.PredictRows(inputs, lengths, batch, outputs);
            }

            /// <summary>As <see cref="PredictLogitsBatch(LgReadOnlySpan, LgIntSpan, LgSpan)"/> with every row {{f.T}} steps long.</summary>
            /// <exception cref="global::System.ArgumentException">As <see cref="PredictBatch(LgReadOnlySpan, LgIntSpan, LgSpan)"/>.</exception>
            public void PredictLogitsBatch(LgReadOnlySpan inputs, LgSpan outputs)
            {
                int batch = global::LstmGen.DenseChecks.FullRows(inputs, InputSize, SequenceLength, nameof(inputs));
                if (outputs.Length != {{s.BatchLength}}) LgThrow.WrongLength(nameof(outputs), outputs.Length, {{s.BatchLength}}, "{{s.BatchWhat}}");
                using global::LstmGen.InferenceSnapshots<{{type}}>.Lease lease = _inference!.Acquire();
                lease.Value.PredictRows(inputs, default, batch, outputs);
            }

            // Lengths of a tile of full rows (the overloads without lengths).
            private static readonly int[] s_fullLengths = FullLengths();

            private static int[] FullLengths()
            {
                var lengths = new int[TileRows];
                global::System.Array.Fill(lengths, SequenceLength);
                return lengths;
            }

            // PredictBatch on a published snapshot (this is one); empty lengths = every row full.
            private void PredictRows(LgReadOnlySpan inputs, LgIntSpan lengths, int batch, LgSpan outputs)
            {
                EnsurePacked();
                float[] scratch = Scratch();
                for (int row0 = 0; row0 < batch; row0 += TileRows)
                {
                    int rows = global::System.Math.Min(TileRows, batch - row0);
                    {{head}}
                }
            }

            """);
    }

    /// <summary>The training forward pass's layer-0 input: the active pairs (t inside row b's length) and their feature rows, packed.</summary>
    public const string TrainingInput = """
        // The active pairs q = t·rows + b (t inside row b's length), ascending. The input-side GEMMs run on their rows only.
        int[] pairs = _trainInts!;
        int m = 0;
        for (int q = 0; q < n; q++)
        {
            if (q / rows < lengths[q % rows]) pairs[m++] = q;
        }
        _pairCount = m;
        LgIntSpan active = new(pairs, 0, m);
        // X row i = the features of pair pairs[i]: step q / rows of row q mod rows.
        for (int i = 0; i < m; i++)
            features.Slice((pairs[i] % rows * SequenceLength + pairs[i] / rows) * InputSize, InputSize).CopyTo(new LgSpan(ws, TrainX(rows) + i * InputSize, InputSize));
        BeginDropout(rows, m);
        """;

    /// <summary>
    /// ComputeGradients and ComputeHiddenGradientNorms on dense rows with lengths: docs, the argument checks (rows from
    /// the lengths, finite inputs), then the recurrent model's <paramref name="body"/> and <paramref name="normsBody"/>.
    /// </summary>
    public static void EmitTrainingEntryPoints(SourceWriter w, ModelPlan f, string passDoc, string body, string normsOf, string normsBody, string? stateBody)
    {
        const string rows = """
            int rows = global::LstmGen.DenseChecks.Batch(inputs, lengths, InputSize, SequenceLength, nameof(inputs), nameof(lengths));
            if (rows > s_maxTrainRows) global::LstmGen.WorkspaceLimits.ThrowBatchTooLarge(nameof(lengths), rows, s_maxTrainRows);
            """;
        w.Line($$"""
            /// <summary>
            /// Forward and backward pass for a batch of B rows of {{f.T}}·{{f.E}} features with B lengths in [1, {{f.T}}] (PyTorch
            /// packed sequences) and B×{{f.O}} targets. Overwrites <paramref name="gradients"/> ({{f.ParameterCount}} values, layout of
            /// <see cref="Layout"/>) with ∂L/∂θ of the batch-mean loss L ({{ShellEmitter.LossName(f.Output)}}) and returns L. If
            /// <paramref name="outputs"/> is not empty it receives the B×{{f.O}} activated outputs. {{passDoc}}
            /// B is a runtime argument; the training workspace grows to the largest B seen, then nothing is allocated.
            /// </summary>
            /// <exception cref="global::System.ArgumentException">Spans of the wrong length, a length outside [1, {{f.T}}], a non-finite input (the message names row and step), or targets the loss cannot take.</exception>
            public float ComputeGradients(LgReadOnlySpan inputs, LgIntSpan lengths, LgReadOnlySpan targets, LgSpan gradients, LgSpan outputs)
            {
            {{Indent(rows)}}
                if (gradients.Length != ParameterCount) LgThrow.WrongLength(nameof(gradients), gradients.Length, ParameterCount, "ParameterCount");
                if (!outputs.IsEmpty && outputs.Length != rows * OutputSize) LgThrow.WrongLength(nameof(outputs), outputs.Length, rows * OutputSize, "batch × OutputSize, or empty");
            {{Indent(ShellEmitter.TrainingPrologueEnd(f))}}
            {{Indent(body)}}
            }

            /// <summary>
            /// Runs the training forward and backward pass on a batch of dense rows with their lengths and B×{{f.O}} targets, and
            /// writes into <paramref name="norms"/> ({{f.T}} values) the batch mean of ‖∂ℓ_b/∂h_t‖₂ for every step t, where ℓ_b is
            /// row b's loss and h_t the hidden state of {{normsOf}} after step t. Returns the batch-mean loss.
            /// </summary>
            /// <exception cref="global::System.ArgumentException">As <see cref="ComputeGradients(LgReadOnlySpan, LgIntSpan, LgReadOnlySpan, LgSpan, LgSpan)"/>.</exception>
            public float ComputeHiddenGradientNorms(LgReadOnlySpan inputs, LgIntSpan lengths, LgReadOnlySpan targets, LgSpan norms)
            {
            {{Indent(rows)}}
                if (norms.Length != SequenceLength) LgThrow.WrongLength(nameof(norms), norms.Length, SequenceLength, "SequenceLength");
            {{Indent(ShellEmitter.TrainingPrologueEnd(f))}}
            {{Indent(normsBody)}}
            }

            """);
        if (stateBody is null) return;
        w.Line($$"""
            {{TruncatedBpttEmitter.Doc(f, "LgReadOnlySpan, LgIntSpan, LgReadOnlySpan, LgSpan, LgSpan")}}
            public float ComputeGradients(LgReadOnlySpan inputs, LgIntSpan lengths, LgReadOnlySpan targets, LgReadOnlySpan initialState, LgSpan finalState, LgSpan gradients, LgSpan outputs)
            {
            {{Indent(rows)}}
                if (gradients.Length != ParameterCount) LgThrow.WrongLength(nameof(gradients), gradients.Length, ParameterCount, "ParameterCount");
                if (!outputs.IsEmpty && outputs.Length != rows * OutputSize) LgThrow.WrongLength(nameof(outputs), outputs.Length, rows * OutputSize, "batch × OutputSize, or empty");
                {{TruncatedBpttEmitter.Checks}}
            {{Indent(ShellEmitter.TrainingPrologueEnd(f))}}
            {{Indent(stateBody)}}
            }

            """);
    }

    // Indents every line but the first by four spaces (the first takes the placeholder's indentation).
    private static string Indent(string text) => text.TrimEnd('\n').Replace("\n", "\n    ");
}
