using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// What the shared emitters (model shell, batch-1 recurrent step, training driver) need to know about one recurrent cell,
/// and the cell-specific code itself: the inference step and, side by side, the training step forward and backward.
/// </summary>
/// <remarks>
/// Every cell computes its gate pre-activations as an input part <c>W_ih·x + b</c> (a GEMM over all steps in training,
/// a folded table row in inference) and a recurrent part <c>W_hh·h</c> (the broadcast-FMA product). LSTM and RNN add
/// the two into one buffer; the GRU keeps them apart (<see cref="SeparateRecurrent"/>), because its candidate applies the
/// reset gate to the recurrent part only: n = tanh(W_in·x + b_in + r ⊙ (W_hn·h + b_hn)).
/// </remarks>
internal abstract class CellEmitter
{
    public static CellEmitter For(CellKind kind) => kind switch
    {
        CellKind.Lstm => LstmCellEmitter.Instance,
        CellKind.Gru => GruCellEmitter.Instance,
        _ => RnnCellEmitter.Instance,
    };

    /// <summary>Display name: LSTM, GRU, RNN.</summary>
    public abstract string Display { get; }
    /// <summary>The cell update in one line, for documentation comments.</summary>
    public abstract string Formula { get; }
    /// <summary>The LSTM's memory cell c.</summary>
    public virtual bool HasCellState => false;
    /// <summary>The recurrent part W_hh·h + b_hh is kept apart from the input part (GRU).</summary>
    public virtual bool SeparateRecurrent => false;
    /// <summary>The recurrent state a padded step leaves unchanged, for comments: "h and c" or "h".</summary>
    public string State => HasCellState ? "h and c" : "h";

    /// <summary>Whether gate <paramref name="gate"/>'s b_hh is added into the input bias (and the folded table).</summary>
    public virtual bool FoldsRecurrentBias(int gate) => true;

    /// <summary>Text describing the initial biases, for the ResetParameters documentation.</summary>
    public virtual string BiasInitText => $"{Display} biases zero";

    /// <summary>
    /// A statement run after a unit's Keras initialisers, on <c>p</c> (the parameter span), given the expression for the
    /// unit's bias_ih offset; empty when the biases stay zero. LSTM: the forget-gate bias.
    /// </summary>
    public virtual string BiasInitStatement(string biasIhOffset) => "";

    /// <summary>
    /// A call of the inference step. <paramref name="x"/>: the input part (or the full pre-activations when
    /// <see cref="SeparateRecurrent"/> is false); <paramref name="hh"/>: the recurrent part; h and c: the state.
    /// </summary>
    public abstract string UpdateCall(string x, string hh, string h, string c);

    /// <summary>
    /// A call of the training step forward, which leaves the gate activations in <paramref name="act"/>; an LSTM reads
    /// c_{t−1} from <paramref name="cPrev"/> and writes c_t to <paramref name="c"/>.
    /// </summary>
    public abstract string TrainForwardCall(string act, string hh, string h, string cPrev, string c);

    /// <summary>
    /// A call of the training step backward for one row: it turns the activations into the gradients of the input-side
    /// pre-activations (in act) and, for a separate recurrent part, of the recurrent-side ones (in hh), and replaces dh by
    /// the part of ∂L/∂h_{t−1} that does not pass through W_hh (zero unless the cell has a direct path, as the GRU's z⊙h).
    /// </summary>
    public abstract string TrainBackwardCall(BackwardRefs refs);

    /// <summary>
    /// Where the batch-1 step's accumulator for gate <paramref name="gate"/> starts: the input part (<c>input</c>), or for
    /// the GRU's candidate the recurrent bias (<c>biasHh</c>, holding b_hn), since r multiplies W_hn·h + b_hn only.
    /// </summary>
    public virtual string StepInit(int gate) => "input";

    /// <summary>
    /// The cell update of one chunk of units at <c>u0</c> in the fused batch-1 step, in dialect <paramref name="d"/>: it
    /// reads the gate pre-activations z0, z1, … (z_q = StepInit(q) + W_hh[q]·h), h and, where needed, <c>input</c> and c,
    /// and writes h' to <c>hNext</c> (and c). The same operations as the cell's own update, so both give the same values.
    /// </summary>
    public abstract string[] ChunkUpdate(Simd d);

    /// <summary>The inference step: CellUpdate.</summary>
    public void EmitInference(SourceWriter w, RecurrentPlan L) => EmitKernel(w, L, Update);

    /// <summary>The training step forward and backward: TrainCellForward, TrainCellBackward.</summary>
    public void EmitTraining(SourceWriter w, RecurrentPlan L)
    {
        EmitKernel(w, L, TrainForward);
        EmitKernel(w, L, TrainBackward);
    }

    /// <summary>The inference update (CellUpdate), called as <see cref="UpdateCall"/>.</summary>
    protected abstract Kernel Update { get; }
    /// <summary>The training step forward (TrainCellForward), called as <see cref="TrainForwardCall"/>.</summary>
    protected abstract Kernel TrainForward { get; }
    /// <summary>The training step backward (TrainCellBackward), called as <see cref="TrainBackwardCall"/>.</summary>
    protected abstract Kernel TrainBackward { get; }

    /// <summary>
    /// One elementwise kernel over the hidden units, its vector body written once against the SIMD dialect: the
    /// dispatcher <c>Name</c> runs the widest accelerated form, or the exact scalar loop; <c>Name512</c> (when HP spans
    /// a 16-float vector: 16 units a step, then one 8-unit step when HP is an odd number of 8s) and <c>Name256</c> are
    /// internal, so tests can run both forms on the same inputs (Vector512 runs in software without AVX-512).
    /// </summary>
    protected static void EmitKernel(SourceWriter w, RecurrentPlan L, Kernel k)
    {
        string args = k.Parameters.Replace("float ", "");
        int wideUnits = Simd.Avx512.WholeUnits(L.Hp);
        foreach (string line in k.Comment.Split('\n')) w.Line($"// {line}");
        if (k.Inline) w.Line($"{Inlining}");
        using (w.Block($"private static void {k.Name}({k.Parameters})"))
        {
            if (wideUnits > 0) w.Line($"if (LgMath.IsWideAccelerated) {k.Name}{Simd.Avx512.Suffix}({args});");
            w.Line($"{(wideUnits > 0 ? "else " : "")}if (LgMath.IsAccelerated) {k.Name}{Simd.Avx2.Suffix}({args});");
            w.Line($"else if (LgMath.IsNarrowAccelerated) {k.Name}{Simd.Narrow.Suffix}({args});");
            using (w.Block($"else"))
            using (w.Block($"for (nuint j = 0; j < {k.ScalarBound}; j++)"))
                k.Scalar(w);
        }
        w.Line();
        if (wideUnits > 0)
        {
            EmitForm(w, k, Simd.Avx512, wideUnits.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (wideUnits != L.Hp)
                using (w.Block())
                {
                    w.Line($"const nuint j = {wideUnits};");
                    k.Body(w, Simd.Avx2);
                }
            w.Close();
            w.Line();
        }
        EmitForm(w, k, Simd.Avx2, "HP");
        w.Close();
        w.Line();
        EmitForm(w, k, Simd.Narrow, "HP");
        w.Close();
        w.Line();
    }

    // Opens a kernel's form for one width and writes its loop over the whole vectors below `units`; the caller closes it.
    private static void EmitForm(SourceWriter w, Kernel k, Simd d, string units)
    {
        w.Line($"{Inlining}");
        w.Open($"internal static void {k.Name}{d.Suffix}({k.Parameters})");
        using (w.Block($"for (nuint j = 0; j < {units}; j += {d.Lanes})"))
            k.Body(w, d);
    }

    /// <summary>Where gate <paramref name="gate"/> of unit j lies in a packed gate row: <c>j</c>, <c>HP + j</c>, <c>2 * HP + j</c>, ….</summary>
    protected static string GateOffset(int gate)
        => gate == 0 ? "j" : gate == 1 ? "HP + j" : gate.ToString(System.Globalization.CultureInfo.InvariantCulture) + " * HP + j";

    /// <summary>The attribute that asks the JIT to inline a kernel.</summary>
    protected const string Inlining = "[LgMethodImpl(LgMethodImplOptions.AggressiveInlining)]";

    /// <summary>
    /// An elementwise kernel: its name and parameters, the comment above it (lines split at '\n'), whether it is inlined,
    /// the vector body for one vector of units at <c>j</c>, and the scalar body for unit <c>j</c> below
    /// <paramref name="ScalarBound"/>.
    /// </summary>
    protected sealed record Kernel(string Name, string Parameters, string Comment, bool Inline,
        System.Action<SourceWriter, Simd> Body, System.Action<SourceWriter> Scalar, string ScalarBound = "HiddenSize");

    /// <summary>Expressions (without <c>ref</c>) for the rows a backward step reads and writes.</summary>
    internal sealed record BackwardRefs(string Act, string HH, string HPrev, string C, string CPrev, string DH, string DC);
}
