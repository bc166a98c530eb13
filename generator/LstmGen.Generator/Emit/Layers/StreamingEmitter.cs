using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Streaming inference for unidirectional recurrent models: the caller-owned <c>State</c> (h and c of every layer,
/// padded to HP lanes, plus the step's own gate and input buffers, so a step touches no shared workspace), and
/// <c>Step</c>/<c>StepLogits</c>, which advance it by one token on a published snapshot with the same fused batch-1
/// kernel and the same chunk order (the parity of the state's step count) as Predict, so stepping a sequence gives
/// Predict's bits. Bidirectional models get none of it: their reverse direction needs the whole sequence first.
/// </summary>
internal static class StreamingEmitter
{
    public static void Emit(SourceWriter w, ModelPlan P, RecurrentPlan L, CellEmitter cell)
    {
        if (L.D != 1) return;
        w.Line($$"""
            // ---------------------------------------------------------------- streaming (Step with a caller-owned state)

            // StateSize (the truncated-BPTT section's constant) is also the floats of a State in its PyTorch layout.

            /// <summary>Creates a zero state (the state before a sequence's first step) for <see cref="Step(State, {{(P.Dense ? "LgReadOnlySpan" : "int")}}, LgSpan)"/>.</summary>
            public State CreateState() => new();

            """);
        EmitState(w, P, cell);
        EmitStep(w, P, L, cell);
    }

    // The State class: two copies of h (and c) per layer, the step count whose parity picks the current one.
    private static void EmitState(SourceWriter w, ModelPlan P, CellEmitter cell)
    {
        string type = P.Declaration.TypeName;
        bool lstm = cell.HasCellState;
        string stateDoc = lstm ? "h [Layers, HiddenSize] then c [Layers, HiddenSize] (PyTorch's h_n, c_n for a batch of one)" : "h [Layers, HiddenSize] (PyTorch's h_n for a batch of one)";
        // The LSTM's c beside h when the step count's parity changes.
        string cMove = lstm ? "\n                LgArray.Copy(C, Current, C, Layers * HP - Current, Layers * HP);" : "";
        w.Line($$"""
            /// <summary>
            /// The streaming state of a {{type}}: {{stateDoc}}, owned by the caller and advanced by
            /// <see cref="Step(State, {{(P.Dense ? "LgReadOnlySpan" : "int")}}, LgSpan)"/>. Any {{type}} can step it (the state holds no weights). One thread at a
            /// time may use a state; many states may step on one model from many threads at once.
            /// </summary>
            public sealed class State : global::LstmGen.IRecurrentState
            {
                // h of every layer twice ([2, Layers, HP]): the step reads one copy and writes the other, the step count's
                // parity says which is current. Padded lanes stay exactly 0 (zero weights).
                internal readonly float[] H = new float[2 * Layers * HP];
            {{(lstm ? "    // c of every layer twice ([2, Layers, HP]), as h: a step writes only the other copies, so a discarded step changes nothing.\n    internal readonly float[] C = new float[2 * Layers * HP];\n" : "")}}    // The step's gate pre-activations [GP] and a layer's input part [GP] (above layer 0, or unfolded).
                internal readonly float[] Gates = new float[GP];
                internal readonly float[] Input = new float[GP];
                internal long _steps;

                internal State() { }

                /// <inheritdoc/>
                public int Size => StateSize;

                /// <inheritdoc/>
                public long Steps
                {
                    get => _steps;
                    set
                    {
                        if (value < 0) throw new global::System.ArgumentOutOfRangeException(nameof(value), value, "A step count is at least 0.");
                        // The parity picks the current copy of h: keep h when it moves.
                        if (((value ^ _steps) & 1) != 0)
                        {
                            LgArray.Copy(H, Current, H, Layers * HP - Current, Layers * HP);{{cMove}}
                        }
                        _steps = value;
                    }
                }

                // Where the current h of every layer starts in H.
                internal int Current => (int)(_steps & 1) * Layers * HP;

                /// <inheritdoc/>
                public void Reset()
                {
                    LgArray.Clear(H);
            {{(lstm ? "        LgArray.Clear(C);\n" : "")}}        _steps = 0;
                }

            {{StateCopies(lstm)}}
            }

            """);
    }

    // CopyTo and CopyFrom in the PyTorch layout (the LSTM's c beside h), as class members (indented one level).
    private static string StateCopies(bool lstm)
    {
        string cTo = lstm ? "\n            new LgReadOnlySpan(C, Current + layer * HP, HiddenSize).CopyTo(destination.Slice((Layers + layer) * HiddenSize, HiddenSize));" : "";
        string cFrom = lstm ? "\n            source.Slice((Layers + layer) * HiddenSize, HiddenSize).CopyTo(new LgSpan(C, Current + layer * HP, HiddenSize));" : "";
        return $$"""
            /// <inheritdoc/>
            public void CopyTo(LgSpan destination)
            {
                if (destination.Length != StateSize) LgThrow.WrongLength(nameof(destination), destination.Length, StateSize, "StateSize");
                for (int layer = 0; layer < Layers; layer++)
                {
                    new LgReadOnlySpan(H, Current + layer * HP, HiddenSize).CopyTo(destination.Slice(layer * HiddenSize, HiddenSize));{{cTo}}
                }
            }

            /// <inheritdoc/>
            public void CopyFrom(LgReadOnlySpan source)
            {
                if (source.Length != StateSize) LgThrow.WrongLength(nameof(source), source.Length, StateSize, "StateSize");
                for (int i = 0; i < source.Length; i++)
                {
                    if (!float.IsFinite(source[i]))
                        throw new global::System.ArgumentException($"State value {i} ({(i < Layers * HiddenSize ? "h" : "c")}[{i / HiddenSize % Layers}, {i % HiddenSize}]) is {source[i]}; a state holds finite values.", nameof(source));
                }
                for (int layer = 0; layer < Layers; layer++)
                {
                    source.Slice(layer * HiddenSize, HiddenSize).CopyTo(new LgSpan(H, Current + layer * HP, HiddenSize));{{cFrom}}
                }
            }
        """;
    }

    // Step and StepLogits (argument checks, the snapshot lease) and StepOne (the step on the snapshot): one token for a
    // token model, InputSize features for a dense one.
    private static void EmitStep(SourceWriter w, ModelPlan P, RecurrentPlan L, CellEmitter cell)
    {
        EmitEntryPoints(w, P, cell);
        string bias = cell.SeparateRecurrent ? ", ref _biasHh[layer * DGP]" : "";
        string c = cell.HasCellState ? ", ref state.C[current + layer * HP], ref state.C[next + layer * HP]" : "";
        string stepCall = $"Step(ref input{bias}, ref _whhC[layer * HiddenSize * GP], ref _whhT[layer * HiddenSize * WP], ref hs[current + layer * HP], ref hs[next + layer * HP]{c}, ref state.Gates[0], reverse);";
        if (P.Dense) EmitDenseStepOne(w, stepCall);
        else EmitTokenStepOne(w, stepCall);
    }

    // Step (StepLogits, then the output activation) and StepLogits: the argument checks and the seqlock read.
    private static void EmitEntryPoints(SourceWriter w, ModelPlan P, CellEmitter cell)
    {
        string type = P.Declaration.TypeName;
        bool dense = P.Dense;
        string activation = P.Output switch
        {
            HeadActivation.Sigmoid => "LgMath.ApplyOutputActivation(global::LstmGen.OutputActivation.Sigmoid, output);",
            HeadActivation.Softmax => "LgMath.ApplyOutputActivation(global::LstmGen.OutputActivation.Softmax, output);",
            _ => "// A linear head: the logits are the outputs.",
        };
        string input = dense ? "LgReadOnlySpan features" : "int token";
        string inputArg = dense ? "features" : "token";
        string self = $"Step(State, {(dense ? "LgReadOnlySpan" : "int")}, LgSpan)";
        string predict = dense ? "Predict(LgReadOnlySpan, LgSpan)" : "Predict(LgIntSpan, LgSpan)";
        string what = dense
            ? "by one step of InputSize features (finite)"
            : "by one token (0 = padding: the state is unchanged, as Predict masks it)";
        string since = dense ? "the steps" : "the tokens";
        string inputDoc = dense
            ? $"<paramref name=\"features\"/> does not hold {P.E} values or one is NaN or ±∞ (the message names it)"
            : $"<paramref name=\"token\"/> is outside [0, {P.V})";
        string written = cell.HasCellState ? " and c" : "";
        string checks = dense
            ? "if (features.Length != InputSize) LgThrow.WrongLength(nameof(features), features.Length, InputSize, \"InputSize\");\n"
                + "    for (int i = 0; i < features.Length; i++)\n"
                + "        if (!float.IsFinite(features[i])) LgThrow.StepFeatureNotFinite(nameof(features), i, features[i]);"
            : "if ((uint)token >= VocabularySize) LgThrow.StepTokenOutOfRange(nameof(token), token, VocabularySize);";
        w.Line($$"""
            /// <summary>
            /// Advances <paramref name="state"/> {{what}} and writes the {{P.O}} output(s) the head gives on the top layer's h: what
            /// <see cref="{{predict}}"/> returns for {{since}} given since <see cref="State.Reset"/>. Runs on a published snapshot of
            /// the weights, allocates nothing and takes no lock; <paramref name="state"/> must not be used by another thread during the call.
            /// </summary>
            /// <exception cref="global::System.ArgumentNullException"><paramref name="state"/> is null.</exception>
            /// <exception cref="global::System.ArgumentException">{{inputDoc}}, or <paramref name="output"/> does not hold {{P.O}} values.</exception>
            public void Step(State state, {{input}}, LgSpan output)
            {
                StepLogits(state, {{inputArg}}, output);
                {{activation}}
            }

            /// <summary>As <see cref="{{self}}"/>, but writes the head's raw logit(s), before the output activation.</summary>
            /// <exception cref="global::System.ArgumentNullException"><paramref name="state"/> is null.</exception>
            /// <exception cref="global::System.ArgumentException">As <see cref="{{self}}"/>.</exception>
            public void StepLogits(State state, {{input}}, LgSpan output)
            {
                global::System.ArgumentNullException.ThrowIfNull(state);
                {{checks}}
                if (output.Length != OutputSize) LgThrow.WrongLength(nameof(output), output.Length, OutputSize, "one per model output");
                // A seqlock read of the current snapshot: nothing shared is written (no reader count, whose atomic
                // increments would also fence each step from the next), so steps overlap and many threads step without
                // contention. The step writes only the state's other copies of h{{written}} and the output, and commits (the
                // step count, whose parity says which copies are current) only when the snapshot was not refilled meanwhile.
                if (_inference!.TryBeginRead(out {{type}}? snapshot, out global::LstmGen.InferenceSnapshots<{{type}}>.OptimisticRead read))
                {
                    int advanced = snapshot.StepOne(state, {{inputArg}}, output, build: false);
                    if (advanced >= 0 && global::LstmGen.InferenceSnapshots<{{type}}>.EndRead(read))
                    {
                        state._steps += advanced;
                        return;
                    }
                }
                using global::LstmGen.InferenceSnapshots<{{type}}>.Lease lease = _inference.Acquire();
                state._steps += lease.Value.StepOne(state, {{inputArg}}, output, build: true);
            }

            """);
    }

    // Without build (an optimistic read), a snapshot whose packed weights are not built yet is refused (-1), not built:
    // the caller then steps under a lease, which may build.
    private const string Ready = """
        if (build) EnsurePacked();
            else if (global::System.Threading.Volatile.Read(ref _packedVersion) != _store.Version) return -1;
        """;

    // Above layer 0: bias + h_{ℓ−1}'·W_ihᵀ, one row of Predict's per-layer GEMM.
    private const string Upper = "LgGemm.BiasRowMultiplyAdd(new LgReadOnlySpan(hs, next + (layer - 1) * HP, DHP), new LgReadOnlySpan(_wihT, PackedInputOffset(layer), DHP * DGP), new LgReadOnlySpan(_bias, layer * DGP, DGP), new LgSpan(x, 0, DGP));";

    private static void EmitDenseStepOne(SourceWriter w, string stepCall)
    {
        w.Line($$"""
            // One step of every layer on a snapshot (this is one), into the state's other h copy: bias + features·W_ihᵀ
            // for layer 0 and bias + h_{ℓ−1}'·W_ihᵀ above (each one row of Predict's GEMM), then
            // the fused step from the current h, in the chunk order of the step's parity, as Predict's step s; the head
            // on the new h. Returns the steps taken (1), or −1 (see above). The caller commits the step count.
            private int StepOne(State state, LgReadOnlySpan features, LgSpan output, bool build)
            {
                {{Ready}}
                bool reverse = (state._steps & 1) != 0;
                int current = state.Current, next = Layers * HP - current;
                float[] hs = state.H, x = state.Input;
                for (int layer = 0; layer < Layers; layer++)
                {
                    if (layer == 0)
                        LgGemm.BiasRowMultiplyAdd(features, new LgReadOnlySpan(_wihT, 0, InputSize * DGP), new LgReadOnlySpan(_bias, 0, DGP), new LgSpan(x, 0, DGP));
                    else
                        {{Upper}}
                    ref float input = ref x[0];
                    {{stepCall}}
                }
                HeadLogits(ref hs[next + (Layers - 1) * HP], output);
                return 1;
            }

            """);
    }

    private static void EmitTokenStepOne(SourceWriter w, string stepCall)
    {
        w.Line($$"""
            // One step of every layer on a snapshot (this is one), into the state's other h copy. Layer 0's input part is the
            // folded table's row (or bias + embedding·W_ihᵀ, one row of Predict's GEMM); above, bias + h_{ℓ−1}'·W_ihᵀ (one
            // row of Predict's per-layer GEMM); then the fused step from the current h, in the chunk order of the step's
            // parity, as Predict's step s; the head on the new h. Returns the steps taken (0 for padding, whose head reads
            // the current h), or −1 (see above). The caller commits the step count.
            private int StepOne(State state, int token, LgSpan output, bool build)
            {
                {{Ready}}
                float[]? table = null;
                if (UseFoldedEmbedding)
                {
                    if (build) table = EnsureTable();
                    else
                    {
                        table = _table;
                        if (table is null || global::System.Threading.Volatile.Read(ref _tableVersion) != _store.Version) return -1;
                    }
                }
                if (token == 0)
                {
                    HeadLogits(ref state.H[state.Current + (Layers - 1) * HP], output);
                    return 0;
                }
                bool reverse = (state._steps & 1) != 0;
                int current = state.Current, next = Layers * HP - current;
                float[] hs = state.H, x = state.Input;
                for (int layer = 0; layer < Layers; layer++)
                {
                    ref float input = ref x[0];
                    if (layer == 0 && table is not null) input = ref table[token * DGP];
                    else
                    {
                        if (layer == 0)
                            LgGemm.BiasRowMultiplyAdd(new LgReadOnlySpan(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, EmbeddingSize),
                                new LgReadOnlySpan(_wihT, 0, EmbeddingSize * DGP), new LgReadOnlySpan(_bias, 0, DGP), new LgSpan(x, 0, DGP));
                        else
                            {{Upper}}
                    }
                    {{stepCall}}
                }
                HeadLogits(ref hs[next + (Layers - 1) * HP], output);
                return 1;
            }

            """);
    }
}
