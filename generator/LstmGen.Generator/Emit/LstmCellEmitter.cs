namespace LstmGen.Generator.Emit;

/// <summary>
/// The LSTM cell (PyTorch <c>nn.LSTM</c>, gate order i, f, g, o): the inference update, and the training step forward
/// (keeping the activations) and backward, each with its vector body in the SIMD dialect and an exact scalar fallback.
/// </summary>
internal sealed class LstmCellEmitter : CellEmitter
{
    public static readonly LstmCellEmitter Instance = new();

    private static readonly string[] s_gates = ["i", "f", "g", "o"];

    public override string Display => "LSTM";
    public override string Formula => "i = σ(zᵢ), f = σ(z_f), g = tanh(z_g), o = σ(z_o); c' = f⊙c + i⊙g; h' = o⊙tanh(c')";
    public override bool HasCellState => true;
    public override string BiasInitText => "LSTM biases zero except the forget gate's (b_ih[f] = 1, so b_ih + b_hh = 1 as Keras' unit_forget_bias)";

    public override string BiasInitStatement(string biasIhOffset) => $"p.Slice({biasIhOffset} + HiddenSize, HiddenSize).Fill(1f); // b_ih[f] = 1";

    public override string UpdateCall(string x, string hh, string h, string c) => $"CellUpdate(ref {x}, ref {h}, ref {c})";

    public override string TrainForwardCall(string act, string hh, string h, string cPrev, string c) => $"TrainCellForward(ref {act}, ref {h}, ref {cPrev}, ref {c})";

    public override string TrainBackwardCall(BackwardRefs r) => $"TrainCellBackward(ref {r.Act}, ref {r.C}, ref {r.CPrev}, ref {r.DH}, ref {r.DC})";

    public override string[] ChunkUpdate(Simd d) =>
    [
        $"{d.Vec} i = LgMath.Sigmoid(z0), f = LgMath.Sigmoid(z1), g = LgMath.Tanh(z2), o = LgMath.Sigmoid(z3);",
        $"{d.Vec} cNew = {d.Fma("f", d.Load("c", "u0"), "i * g")};",
        d.Store("cNew", "cNext", "u0"),
        d.Store("o * LgMath.Tanh(cNew)", "hNext", "u0"),
    ];

    protected override Kernel Update => CellStep("CellUpdate", "i = σ(gᵢ), f = σ(g_f), g = tanh(g_g), o = σ(g_o); c' = f⊙c + i⊙g; h' = o⊙tanh(c').", keepActivations: false);

    protected override Kernel TrainForward => CellStep("TrainCellForward", "As CellUpdate, but reading c_{t−1} from cPrev and writing c_t to c (both kept for the backward pass), and the gate pre-activations are replaced by their activations i, f, g, o.", keepActivations: true);

    protected override Kernel TrainBackward => new("TrainCellBackward", "ref float act, ref float c, ref float cPrev, ref float dh, ref float dc", BackwardComment, Inline: false, BackwardBody, BackwardScalar, ScalarBound: "HP");

    /// <summary>
    /// One cell step over the gate pre-activations. With <paramref name="keepActivations"/> the pre-activations are
    /// overwritten by i, f, g, o, which the backward pass reads, and c_{t−1} is read from cPrev rather than from c.
    /// </summary>
    private static Kernel CellStep(string name, string comment, bool keepActivations)
    {
        string cIn = keepActivations ? "cPrev" : "c";
        void Body(SourceWriter w, Simd d)
        {
            for (int q = 0; q < 4; q++)
                w.Line($"{d.Vec} {s_gates[q]} = LgMath.{(q == 2 ? "Tanh" : "Sigmoid")}({d.Load("gates", GateOffset(q))});");
            if (keepActivations)
            {
                for (int q = 0; q < 4; q++) w.Line($"{d.Store(s_gates[q], "gates", GateOffset(q))}");
            }
            w.Line($"{d.Vec} cNew = {d.Fma("f", d.Load(cIn, "j"), "i * g")};");
            w.Line($"{d.Store("cNew", "c", "j")}");
            w.Line($"{d.Store("o * LgMath.Tanh(cNew)", "h", "j")}");
        }
        void Scalar(SourceWriter w)
        {
            for (int q = 0; q < 4; q++)
                w.Line($"float {s_gates[q]} = LgMath.{(q == 2 ? "Tanh" : "Sigmoid")}(LgUnsafe.Add(ref gates, {GateOffset(q)}));");
            if (keepActivations)
            {
                for (int q = 0; q < 4; q++) w.Line($"LgUnsafe.Add(ref gates, {GateOffset(q)}) = {s_gates[q]};");
            }
            w.Line($"float cNew = f * LgUnsafe.Add(ref {cIn}, j) + i * g;");
            w.Line($"LgUnsafe.Add(ref c, j) = cNew;");
            w.Line($"LgUnsafe.Add(ref h, j) = o * LgMath.Tanh(cNew);");
        }
        return new Kernel(name, $"ref float gates, ref float h, {(keepActivations ? "ref float cPrev, " : "")}ref float c", comment, Inline: true, Body, Scalar);
    }

    private const string BackwardComment =
        "With τ = tanh(c_t):  dc += dh·o·(1 − τ²);  dz_o = dh·τ·o(1 − o);  dz_i = dc·g·i(1 − i);\n"
        + "dz_f = dc·c_{t−1}·f(1 − f);  dz_g = dc·i·(1 − g²);  then dc ← dc·f for step t − 1. dZ overwrites the activations.\n"
        + "The LSTM has no direct path from h_{t−1} to h_t, so dh ← 0 (the caller adds W_hhᵀ·dZ).";

    private static void BackwardBody(SourceWriter w, Simd d)
    {
        w.Line($"{d.Vec} one = {d.Vector}.Create(1f);");
        for (int q = 0; q < 4; q++) w.Line($"{d.Vec} {s_gates[q]} = {d.Load("act", GateOffset(q))};");
        w.Line($"{d.Vec} tau = LgMath.Tanh({d.Load("c", "j")});");
        w.Line($"{d.Vec} dhv = {d.Load("dh", "j")};");
        w.Line($"{d.Vec} dcv = {d.Fma("dhv * o", "one - tau * tau", d.Load("dc", "j"))};");
        w.Line($"{d.Store("dcv * g * i * (one - i)", "act", "j")}");
        w.Line($"{d.Store($"dcv * {d.Load("cPrev", "j")} * f * (one - f)", "act", "HP + j")}");
        w.Line($"{d.Store("dcv * i * (one - g * g)", "act", "2 * HP + j")}");
        w.Line($"{d.Store("dhv * tau * o * (one - o)", "act", "3 * HP + j")}");
        w.Line($"{d.Store("dcv * f", "dc", "j")}");
        w.Line($"{d.Store($"{d.Vector}.Create(0f)", "dh", "j")}");
    }

    private static void BackwardScalar(SourceWriter w)
    {
        for (int q = 0; q < 4; q++) w.Line($"float {s_gates[q]} = LgUnsafe.Add(ref act, {GateOffset(q)});");
        w.Line($"""
            float tau = LgMath.Tanh(LgUnsafe.Add(ref c, j));
            float dhv = LgUnsafe.Add(ref dh, j);
            float dcv = LgUnsafe.Add(ref dc, j) + dhv * o * (1f - tau * tau);
            LgUnsafe.Add(ref act, j) = dcv * g * i * (1f - i);
            LgUnsafe.Add(ref act, HP + j) = dcv * LgUnsafe.Add(ref cPrev, j) * f * (1f - f);
            LgUnsafe.Add(ref act, 2 * HP + j) = dcv * i * (1f - g * g);
            LgUnsafe.Add(ref act, 3 * HP + j) = dhv * tau * o * (1f - o);
            LgUnsafe.Add(ref dc, j) = dcv * f;
            LgUnsafe.Add(ref dh, j) = 0f;
            """);
    }
}
