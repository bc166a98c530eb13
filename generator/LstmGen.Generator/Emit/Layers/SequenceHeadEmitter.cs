using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// The head at every step (<c>ReturnSequences = true</c>): step t's logits are fc.weight·[h_fwd_t; h_rev_t] + fc.bias of
/// the top layer, 0 at padded steps. Inference reads the top layer's h saved at each step (ScratchSeq for one row,
/// ScratchTileSeq for a tile); training runs the head as one GEMM over the active (step, row) pairs, the loss is the mean
/// over the batch's real steps, and the backward pass injects ∂L/∂h_t = ∂L/∂z_t·fc.weight at every step of the top layer.
/// The recurrent emitters call in here from a few lines.
/// </summary>
internal static class SequenceHeadEmitter
{
    /// <summary>Inside the single-row direction loop, after the step: the top layer's h into row s of ScratchSeq.</summary>
    public static void EmitSaveRowStep(SourceWriter w, RecurrentPlan L)
    {
        string copy = "LgMarshal.CreateReadOnlySpan(ref h, HP).CopyTo(new LgSpan(scratch, ScratchSeq + s * DHP + direction * HP, HP));";
        w.Line($"// The head reads the top layer's h after every real step s.");
        w.Line($"{(L.Layers > 1 ? "if (layer == Layers - 1) " : "")}{copy}");
    }

    /// <summary>Inside RunTile's step, after the cell update: the top layer's h of every row into ScratchTileSeq.</summary>
    public static void EmitSaveTileStep(SourceWriter w, RecurrentPlan L)
    {
        string copy = "for (int r = 0; r < rows; r++) LgArray.Copy(scratch, state + r * DHP, scratch, ScratchTileSeq + (t * rows + r) * DHP + direction * HP, HP);";
        w.Line($"// The head reads the top layer's h after every step (a padded step's output is written as 0).");
        w.Line($"{(L.Layers > 1 ? "if (layer == Layers - 1) " : "")}{copy}");
    }

    /// <summary>The single row's outputs, in place of the final-state head call (a dense row's n steps are all real).</summary>
    public static string RowCall(bool dense) => dense ? "SequenceHeadSteps(n, scratch, output);" : "SequenceHeadRow(tokens, scratch, output);";

    /// <summary>The batch body of PredictRows over tiles.</summary>
    public const string BatchBody = """
        float[]? table = UseFoldedEmbedding ? EnsureTable() : null;
        float[] scratch = Scratch();
        for (int row0 = 0; row0 < batch; row0 += TileRows)
        {
            int rows = global::System.Math.Min(TileRows, batch - row0);
            LgIntSpan tile = tokens.Slice(row0 * SequenceLength, rows * SequenceLength);
            RunTile(tile, rows, table, scratch);
            SequenceHeadTile(tile, rows, scratch, outputs.Slice(row0 * SequenceLength * OutputSize, rows * SequenceLength * OutputSize));
        }
        """;

    /// <summary>The output activation over per-step logits in <paramref name="span"/>, real steps only (padded steps stay 0).</summary>
    public static string ActivationCall(ModelPlan f, string span) => f.Output == HeadActivation.Linear
        ? "    // A linear head: the logits are the outputs."
        : $"    ApplyStepActivation(tokens, {span});";

    /// <summary>The inference head methods: one row, one tile, and the activation over real steps.</summary>
    public static void EmitInference(SourceWriter w, ModelPlan P)
    {
        if (P.Dense)
        {
            EmitDenseInference(w, P);
            return;
        }
        w.Line($$"""
            // Step t's logits (OutputSize floats at t·OutputSize) from the top layer's h after t, row s of ScratchSeq where s
            // counts the real steps before t; a padded step's are 0.
            private void SequenceHeadRow(LgIntSpan tokens, float[] scratch, LgSpan output)
            {
                for (int t = 0, s = 0; t < tokens.Length; t++)
                {
                    LgSpan z = output.Slice(t * OutputSize, OutputSize);
                    if (tokens[t] == 0) { z.Clear(); continue; }
                    HeadLogits(ref scratch[ScratchSeq + s * DHP], z);
                    s++;
                }
            }

            // Row r, step t of a tile: logits at (r·SequenceLength + t)·OutputSize from ScratchTileSeq row t·rows + r; 0 at padded steps.
            private void SequenceHeadTile(LgIntSpan tokens, int rows, float[] scratch, LgSpan outputs)
            {
                for (int r = 0; r < rows; r++)
                {
                    for (int t = 0; t < SequenceLength; t++)
                    {
                        LgSpan z = outputs.Slice((r * SequenceLength + t) * OutputSize, OutputSize);
                        if (tokens[r * SequenceLength + t] == 0) { z.Clear(); continue; }
                        HeadLogits(ref scratch[ScratchTileSeq + (t * rows + r) * DHP], z);
                    }
                }
            }

            // The output activation at every real step q (token ≠ 0) of OutputSize logits at q·OutputSize; padded steps stay 0.
            private static void ApplyStepActivation(LgIntSpan tokens, LgSpan outputs)
            {
                for (int q = 0; q < tokens.Length; q++)
                {
                    if (tokens[q] != 0) LgMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{P.Output}}, outputs.Slice(q * OutputSize, OutputSize));
                }
            }

            """);
    }

    // A dense model's head methods: the n steps of one row (all real), a tile by its lengths, the activation by lengths.
    private static void EmitDenseInference(SourceWriter w, ModelPlan P)
    {
        w.Line($$"""
            // Step s's logits (OutputSize floats at s·OutputSize) from row s of ScratchSeq, for the row's n steps.
            private void SequenceHeadSteps(int n, float[] scratch, LgSpan output)
            {
                for (int s = 0; s < n; s++) HeadLogits(ref scratch[ScratchSeq + s * DHP], output.Slice(s * OutputSize, OutputSize));
            }

            // Row r, step t of a tile: logits at (r·SequenceLength + t)·OutputSize from ScratchTileSeq row t·rows + r; 0 for t ≥ lengths[r].
            private void SequenceHeadTile(LgIntSpan lengths, int rows, float[] scratch, LgSpan outputs)
            {
                for (int r = 0; r < rows; r++)
                {
                    for (int t = 0; t < SequenceLength; t++)
                    {
                        LgSpan z = outputs.Slice((r * SequenceLength + t) * OutputSize, OutputSize);
                        if (t >= lengths[r]) { z.Clear(); continue; }
                        HeadLogits(ref scratch[ScratchTileSeq + (t * rows + r) * DHP], z);
                    }
                }
            }

            // The output activation at every real step (t < lengths[b]; every step when lengths is empty); padded steps stay 0.
            private static void ApplyStepActivation(LgIntSpan lengths, LgSpan outputs)
            {
                for (int q = 0; q < outputs.Length / OutputSize; q++)
                {
                    if (lengths.IsEmpty || q % SequenceLength < lengths[q / SequenceLength])
                        LgMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{P.Output}}, outputs.Slice(q * OutputSize, OutputSize));
                }
            }

            """);
    }

    /// <summary>The training fields: fc.weight in the packed layout, both ways, and its packed gradient.</summary>
    public static void EmitTrainingFields(SourceWriter w)
    {
        w.Line($"""
            // ReturnSequences: fc.weight padded to the packed hidden layout, as Wᵀ [DHP, O] for the head's GEMM and W [O, DHP] for
            // ∂L/∂h (padded lanes zero; filled from the parameters at each forward pass), and ∂L/∂fc.weight packed [O, DHP].
            private readonly float[] _seqFcT = new float[DHP * OutputSize];
            private readonly float[] _seqFcP = new float[OutputSize * DHP];
            private readonly float[] _seqFcGrad = new float[OutputSize * DHP];

            """);
    }

    /// <summary>Inside the training forward step, after the cell update: the top layer's h of every row into Seq.</summary>
    public static void EmitSaveTrainingStep(SourceWriter w, RecurrentPlan L)
    {
        string copy = "for (int b = 0; b < rows; b++) LgArray.Copy(ws, state + b * DHP, ws, TrainSeq(rows) + stepHidden + b * DHP, HP);";
        w.Line($"// The head reads the top layer's h after every pair.");
        w.Line($"{(L.Layers > 1 ? "if (layer == Layers - 1) " : "")}{copy}");
    }

    /// <summary>The extra parameter of TrainForward (class ids, empty for float targets) and its argument for callers without them.</summary>
    public const string ClassesParameter = ", LgIntSpan classes";

    /// <summary>The end of TrainForward.</summary>
    public const string ForwardReturn = "return SequenceHeadForward(rows, ws, targets, classes, outputs);";

    /// <summary>Inside the backward step, before the cell's backward step: dh += ∂L/∂h_t from the head, for the top layer.</summary>
    public static void EmitInjectStep(SourceWriter w, RecurrentPlan L)
    {
        string inject = "for (int b = 0; b < rows; b++) LgGemm.Axpy(1f, new LgReadOnlySpan(ws, TrainDSeq(rows) + (t * rows + b) * DHP + direction * HP, HP), new LgSpan(ws, dh + b * HP, HP));";
        w.Line($"// The top layer: dh += ∂L/∂h_t from the head at this step (0 at padded pairs).");
        w.Line($"{(L.Layers > 1 ? "if (layer == Layers - 1) " : "")}{inject}");
    }

    /// <summary>The head's training forward and the head's parameter gradients.</summary>
    public static void EmitTraining(SourceWriter w, ModelPlan P)
    {
        w.Line($$"""
            // The head at every active pair i (q = active[i] = t·rows + b): Seq packed to the active pairs, Z = Seq·W_fcᵀ + fc.bias
            // ([m, DHP] by [DHP, O]); L = (1/m)·Σ_i ℓ_i over the m real steps and ∂L/∂z_i = (1/m)·∂ℓ_i/∂z_i; then
            // DSeq = ∂L/∂Z·W_fc ([m, O] by [O, DHP]) unpacked to pair order, 0 at padded pairs. Targets of row b, step t are at
            // (b·T + t)·O (float) or b·T + t (class ids, when classes is not empty). No real step: L = 0.
            private float SequenceHeadForward(int rows, float[] ws, LgReadOnlySpan targets, LgIntSpan classes, LgSpan outputs)
            {
                int n = SequenceLength * rows, m = _pairCount;
                LgIntSpan active = new(_trainInts!, 0, m);
                for (int o = 0; o < OutputSize; o++)
                {
                    for (int d = 0; d < Directions; d++)
                    {
                        for (int j = 0; j < HiddenSize; j++)
                        {
                            float v = _parameters[FcWeightOffset + o * FeatureSize + d * HiddenSize + j];
                            _seqFcT[(d * HP + j) * OutputSize + o] = v;
                            _seqFcP[o * DHP + d * HP + j] = v;
                        }
                    }
                }
                var seq = new LgSpan(ws, TrainSeq(rows), n * DHP);
                var dseq = new LgSpan(ws, TrainDSeq(rows), n * DHP);
                dseq.Clear();
                if (!outputs.IsEmpty) outputs.Clear();
                if (m == 0) return 0f;
                global::LstmGen.RowPacking.Pack(seq, DHP, active);
                var z = new LgSpan(ws, TrainSeqZ(rows), m * OutputSize);
                for (int i = 0; i < m; i++) LgArray.Copy(_parameters, FcBiasOffset, ws, TrainSeqZ(rows) + i * OutputSize, OutputSize);
                LgGemm.MultiplyAdd(m, OutputSize, DHP, seq, DHP, _seqFcT, OutputSize, z, OutputSize);
                double loss = 0;
                float scale = 1f / m;
                for (int i = 0; i < m; i++)
                {
                    int q = active[i], at = q % rows * SequenceLength + q / rows;
                    LgSpan zi = z.Slice(i * OutputSize, OutputSize);
                    LgSpan dz = new(ws, TrainSeqDZ(rows) + i * OutputSize, OutputSize);
                    loss += classes.IsEmpty
                        ? global::LstmGen.Training.Losses.RowLossAndGradient(global::LstmGen.OutputActivation.{{P.Output}}, zi, targets.Slice(at * OutputSize, OutputSize), dz, scale)
                        : global::LstmGen.Training.StepLosses.ClassLossAndGradient(zi, classes[at], dz, scale);
                    if (!outputs.IsEmpty)
                    {
                        LgSpan y = outputs.Slice(at * OutputSize, OutputSize);
                        zi.CopyTo(y);
                        LgMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{P.Output}}, y);
                    }
                }
                LgGemm.MultiplyAdd(m, DHP, OutputSize, new LgReadOnlySpan(ws, TrainSeqDZ(rows), m * OutputSize), OutputSize, _seqFcP, DHP, dseq, DHP);
                global::LstmGen.RowPacking.Unpack(dseq, DHP, active, clearOthers: true);
                return (float)(loss * scale);
            }

            // ∂L/∂fc.bias = Σ_i ∂L/∂z_i and ∂L/∂fc.weight = ∂L/∂Zᵀ·Seq ([O, m] by [m, DHP], Seq still packed), unpadded into
            // PyTorch's [O, FeatureSize].
            private void SequenceHeadGradients(int rows, float[] ws, LgSpan gradients)
            {
                int m = _pairCount;
                LgArray.Clear(_seqFcGrad);
                if (m == 0) return;
                LgReadOnlySpan dz = new(ws, TrainSeqDZ(rows), m * OutputSize);
                for (int i = 0; i < m; i++) LgGemm.Axpy(1f, dz.Slice(i * OutputSize, OutputSize), gradients.Slice(FcBiasOffset, OutputSize));
                LgGemm.MultiplyAddTransA(OutputSize, DHP, m, dz, OutputSize, new LgReadOnlySpan(ws, TrainSeq(rows), m * DHP), DHP, _seqFcGrad, DHP);
                for (int o = 0; o < OutputSize; o++)
                {
                    for (int d = 0; d < Directions; d++)
                        new LgReadOnlySpan(_seqFcGrad, o * DHP + d * HP, HiddenSize).CopyTo(gradients.Slice(FcWeightOffset + o * FeatureSize + d * HiddenSize, HiddenSize));
                }
            }

            """);
    }

    /// <summary>The generated class's interfaces: <paramref name="baseInterface"/>, and the class-id training interface for a softmax head.</summary>
    public static string Interfaces(ModelPlan P, string baseInterface)
        => P.ReturnSequences && P.Output == HeadActivation.Softmax
            ? $"{baseInterface}, global::LstmGen.Training.{(P.Dense ? "IDenseStepClassModel" : TruncatedBpttEmitter.Applies(P.Find<RecurrentPlan>()!) ? "ITruncatedStepClassModel" : "IStepClassModel")}"
            : baseInterface;

    /// <summary>
    /// ComputeGradients with float per-step targets and, for a softmax head, with class ids; for a unidirectional model
    /// (<paramref name="stateful"/>) also both with a carried state (truncated BPTT: initialState, finalState); and
    /// ComputeHiddenGradientNorms (float per-step targets). Token models take token rows; dense models features and a
    /// length per row.
    /// </summary>
    public static void EmitEntryPoints(SourceWriter w, ModelPlan f, RecurrentPlan L, string passDoc, string normsOf, bool stateful)
    {
        bool dense = f.Dense;
        string input = dense ? "LgReadOnlySpan inputs, LgIntSpan lengths" : "LgIntSpan tokens", args = dense ? "inputs, lengths" : "tokens";
        string rowsDoc = dense ? $"{f.T}·{f.E} features with B lengths in [1, {f.T}] (PyTorch packed sequences; steps past a row's length are padded steps)" : $"exactly {f.T} token ids";
        string cref = dense ? "ComputeGradients(LgReadOnlySpan, LgIntSpan, LgReadOnlySpan, LgSpan, LgSpan)" : "ComputeGradients(LgIntSpan, LgReadOnlySpan, LgSpan, LgSpan)";
        string classCref = dense ? "LgReadOnlySpan, LgIntSpan, LgIntSpan, LgSpan, LgSpan" : "LgIntSpan, LgIntSpan, LgSpan, LgSpan";
        string padded = dense ? "steps past the row's length" : "padded steps, token 0";
        string noState = stateful ? "default, default, " : "";
        const string outputsCheck = "if (!outputs.IsEmpty && outputs.Length != rows * SequenceLength * OutputSize) LgThrow.WrongLength(nameof(outputs), outputs.Length, rows * SequenceLength * OutputSize, \"batch × SequenceLength × OutputSize, or empty\");";
        const string gradientsCheck = "if (gradients.Length != ParameterCount) LgThrow.WrongLength(nameof(gradients), gradients.Length, ParameterCount, \"ParameterCount\");";
        const string normsCheck = "if (norms.Length != SequenceLength) LgThrow.WrongLength(nameof(norms), norms.Length, SequenceLength, \"SequenceLength\");";
        string classCheck = dense
            ? "global::LstmGen.Training.StepLosses.ValidateDenseStepClasses(OutputSize, SequenceLength, lengths, classes, nameof(classes));"
            : "global::LstmGen.Training.StepLosses.ValidateStepClasses(OutputSize, SequenceLength, tokens, classes, nameof(classes));";
        string Prologue(string checks, string? targetCheck = null) => dense
            ? "int rows = global::LstmGen.DenseChecks.Batch(inputs, lengths, InputSize, SequenceLength, nameof(inputs), nameof(lengths));\n"
                + "if (rows > s_maxTrainRows) global::LstmGen.WorkspaceLimits.ThrowBatchTooLarge(nameof(lengths), rows, s_maxTrainRows);\n"
                + checks + "\n" + ShellEmitter.TrainingPrologueEnd(f, targetCheck)
            : ShellEmitter.TrainingPrologue(f, checks, targetCheck);
        string Body(string targets, string classes, string states) => $"""
            float[] ws = _train;
            float loss = TrainForward({args}, rows, {targets}, {classes}, outputs, {states}ws);
            gradients.Clear();
            TrainBackward({args}, rows, ws, default, gradients);
            SequenceHeadGradients(rows, ws, gradients);
            return loss;
            """;
        if (stateful) TruncatedBpttEmitter.EmitConstant(w, L, dense);
        string floatChecks = gradientsCheck + "\n" + outputsCheck, stateChecks = floatChecks + "\n" + TruncatedBpttEmitter.Checks;
        EmitEntry(w, FloatTargetsDoc(f, rowsDoc, padded, passDoc),
            $"public float ComputeGradients({input}, LgReadOnlySpan targets, LgSpan gradients, LgSpan outputs)",
            $"{Prologue(floatChecks)}\n{Body("targets", "default", noState)}");
        if (stateful)
        {
            EmitEntry(w, TruncatedBpttEmitter.Doc(f, dense ? "LgReadOnlySpan, LgIntSpan, LgReadOnlySpan, LgSpan, LgSpan" : "LgIntSpan, LgReadOnlySpan, LgSpan, LgSpan"),
                $"public float ComputeGradients({input}, LgReadOnlySpan targets, LgReadOnlySpan initialState, LgSpan finalState, LgSpan gradients, LgSpan outputs)",
                $"{Prologue(stateChecks)}\n{Body("targets", "default", "initialState, finalState, ")}");
        }
        if (f.Output == HeadActivation.Softmax)
        {
            EmitEntry(w, ClassTargetsDoc(f, cref),
                $"public float ComputeGradients({input}, LgIntSpan classes, LgSpan gradients, LgSpan outputs)",
                $"{Prologue(floatChecks, classCheck)}\n{Body("default", "classes", noState)}");
            if (stateful)
            {
                EmitEntry(w, TruncatedBpttEmitter.Doc(f, classCref),
                    $"public float ComputeGradients({input}, LgIntSpan classes, LgReadOnlySpan initialState, LgSpan finalState, LgSpan gradients, LgSpan outputs)",
                    $"{Prologue(stateChecks, classCheck)}\n{Body("default", "classes", "initialState, finalState, ")}");
            }
        }
        EmitEntry(w, NormsDoc(f, rowsDoc, normsOf, cref), $"public float ComputeHiddenGradientNorms({input}, LgReadOnlySpan targets, LgSpan norms)", $"""
            {Prologue(normsCheck)}
            float loss = TrainForward({args}, rows, targets, default, default, {noState}_train);
            TrainBackward({args}, rows, _train, norms, default);
            return loss;
            """);
    }

    // One entry point: its doc comment, signature and body, then a blank line.
    private static void EmitEntry(SourceWriter w, string doc, string signature, string body)
    {
        w.Line($"{doc}");
        w.Open($"{signature}");
        w.Line($"{body}");
        w.Close();
        w.Line();
    }

    private static string FloatTargetsDoc(ModelPlan f, string rowsDoc, string padded, string passDoc) => $$"""
        /// <summary>
        /// Forward and backward pass for a batch of B rows of {{rowsDoc}}, with per-step targets: B×{{f.T}}×{{f.O}}
        /// values, row b's step t at (b·{{f.T}} + t)·{{f.O}} (ignored at {{padded}}). Overwrites
        /// <paramref name="gradients"/> ({{f.ParameterCount}} values, layout of <see cref="Layout"/>) with ∂L/∂θ of L = (Σ over the
        /// batch's real steps of the step's loss ({{ShellEmitter.LossName(f.Output)}})) / (number of real steps) and returns L
        /// (0 when there is no real step). If <paramref name="outputs"/> is not empty it receives the B×{{f.T}}×{{f.O}} activated
        /// outputs, 0 at padded steps. {{passDoc}} Padded steps carry no loss and no gradient.
        /// B is a runtime argument; the training workspace grows to the largest B seen, then nothing is allocated.
        /// </summary>
        /// <exception cref="global::System.ArgumentException">Spans of the wrong length, {{(f.Dense ? "a length out of range or a non-finite input" : "token ids out of range")}}, or targets the loss cannot take (the message names row and step).</exception>
        """;

    private static string ClassTargetsDoc(ModelPlan f, string cref) => $$"""
        /// <summary>
        /// As <see cref="{{cref}}"/> with one class id per step (<paramref name="classes"/>: B×{{f.T}} ids in [0, {{f.O}}),
        /// row b's step t at b·{{f.T}} + t; anything, −1 by convention, at padded steps): the loss of a step is its softmax
        /// cross-entropy, −log softmax(z_t)[class], the same value and gradient as a one-hot target row.
        /// </summary>
        /// <exception cref="global::System.ArgumentException">Spans of the wrong length, bad inputs as for float targets, or a real step's class id outside [0, {{f.O}}) (the message names row and step).</exception>
        """;

    private static string NormsDoc(ModelPlan f, string rowsDoc, string normsOf, string cref) => $$"""
        /// <summary>
        /// Runs the training forward pass and the generated backpropagation through time on a batch of B rows of {{rowsDoc}}
        /// with B×{{f.T}}×{{f.O}} per-step targets, and writes into <paramref name="norms"/> ({{f.T}} values) Σ_b ‖∂L/∂h_{b,t}‖₂
        /// for every step t, where L is the loss (the mean over real steps) and h_{b,t} row b's hidden state of {{normsOf}} after
        /// step t. Returns L. Weight gradients are not formed; nothing is allocated once the workspace holds B rows.
        /// </summary>
        /// <exception cref="global::System.ArgumentException">As <see cref="{{cref}}"/>.</exception>
        """;
}
