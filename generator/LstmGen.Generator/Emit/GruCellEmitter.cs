namespace LstmGen.Generator.Emit;

/// <summary>
/// The GRU cell exactly as PyTorch <c>nn.GRU</c> (gate order r, z, n; the reset gate multiplies the recurrent part
/// W_hn·h + b_hn, i.e. Keras <c>reset_after=True</c>): the inference update, and the training step forward and backward,
/// each with its vector body in the SIMD dialect and an exact scalar fallback.
/// </summary>
/// <remarks>
/// The input part x = W_ih·x + b_ih carries b_hr and b_hz too (they add to r and z unconditionally); b_hn cannot be
/// folded because r multiplies it, so it starts the recurrent part hh = W_hh·h + (0, 0, b_hn).
/// </remarks>
internal sealed class GruCellEmitter : CellEmitter
{
    public static readonly GruCellEmitter Instance = new();

    public override string Display => "GRU";
    public override string Formula => "r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r⊙(W_hn·h + b_hn)); h' = (1 − z)⊙n + z⊙h";
    public override bool SeparateRecurrent => true;

    public override bool FoldsRecurrentBias(int gate) => gate < 2;

    public override string UpdateCall(string x, string hh, string h, string c) => $"CellUpdate(ref {x}, ref {hh}, ref {h})";

    public override string TrainForwardCall(string act, string hh, string h, string cPrev, string c) => $"TrainCellForward(ref {act}, ref {hh}, ref {h})";

    public override string TrainBackwardCall(BackwardRefs r) => $"TrainCellBackward(ref {r.Act}, ref {r.HH}, ref {r.HPrev}, ref {r.DH})";

    public override string StepInit(int gate) => gate == 2 ? "biasHh" : "input";

    // r and z start from the input part (which holds b_hr, b_hz), hh_n = z2 from b_hn: as CellUpdate with hh = W_hh·h + (0, 0, b_hn).
    public override string[] ChunkUpdate(Simd d) =>
    [
        $"{d.Vec} r = LgMath.Sigmoid(z0), z = LgMath.Sigmoid(z1);",
        $"{d.Vec} n = LgMath.Tanh({d.Fma("r", "z2", d.Load("input", "u0 + 2 * HP"))});",
        $"// h' = n + z⊙(h − n) = (1 − z)⊙n + z⊙h",
        d.Store(d.Fma("z", d.Load("h", "u0") + " - n", "n"), "hNext", "u0"),
    ];

    protected override Kernel Update => CellStep("CellUpdate", "r = σ(x_r + hh_r), z = σ(x_z + hh_z), n = tanh(x_n + r⊙hh_n); h' = (1 − z)⊙n + z⊙h, with x = W_ih·x + b_ih + (b_hr, b_hz, 0) and hh = W_hh·h + (0, 0, b_hn).", keepActivations: false);

    protected override Kernel TrainForward => CellStep("TrainCellForward", "As CellUpdate, but the input part is replaced by the activations r, z, n for the backward pass (hh, which holds W_hn·h + b_hn, is kept).", keepActivations: true);

    protected override Kernel TrainBackward => new("TrainCellBackward", "ref float act, ref float hh, ref float hPrev, ref float dh", BackwardComment, Inline: false, BackwardBody, BackwardScalar, ScalarBound: "HP");

    private static Kernel CellStep(string name, string comment, bool keepActivations)
    {
        void Body(SourceWriter w, Simd d)
        {
            w.Line($"{d.Vec} r = LgMath.Sigmoid({d.Load("x", "j")} + {d.Load("hh", "j")});");
            w.Line($"{d.Vec} z = LgMath.Sigmoid({d.Load("x", "HP + j")} + {d.Load("hh", "HP + j")});");
            w.Line($"{d.Vec} n = LgMath.Tanh({d.Fma("r", d.Load("hh", "2 * HP + j"), d.Load("x", "2 * HP + j"))});");
            if (keepActivations)
            {
                w.Line($"{d.Store("r", "x", "j")}\n{d.Store("z", "x", "HP + j")}\n{d.Store("n", "x", "2 * HP + j")}");
            }
            w.Line($"// h' = n + z⊙(h − n) = (1 − z)⊙n + z⊙h");
            w.Line($"{d.Store(d.Fma("z", d.Load("h", "j") + " - n", "n"), "h", "j")}");
        }
        void Scalar(SourceWriter w)
        {
            w.Line($"""
                float r = LgMath.Sigmoid(LgUnsafe.Add(ref x, j) + LgUnsafe.Add(ref hh, j));
                float z = LgMath.Sigmoid(LgUnsafe.Add(ref x, HP + j) + LgUnsafe.Add(ref hh, HP + j));
                float n = LgMath.Tanh(LgUnsafe.Add(ref x, 2 * HP + j) + r * LgUnsafe.Add(ref hh, 2 * HP + j));
                """);
            if (keepActivations)
            {
                w.Line($"LgUnsafe.Add(ref x, j) = r;\nLgUnsafe.Add(ref x, HP + j) = z;\nLgUnsafe.Add(ref x, 2 * HP + j) = n;");
            }
            w.Line($"LgUnsafe.Add(ref h, j) = (1f - z) * n + z * LgUnsafe.Add(ref h, j);");
        }
        return new Kernel(name, "ref float x, ref float hh, ref float h", comment, Inline: true, Body, Scalar);
    }

    private const string BackwardComment =
        "With d = ∂L/∂h_t and hn = W_hn·h_{t−1} + b_hn (kept in hh):  da_n = d⊙(1 − z)⊙(1 − n²);\n"
        + "da_z = d⊙(h_{t−1} − n)⊙z(1 − z);  da_r = da_n⊙hn⊙r(1 − r).  Input side (W_ih, b_ih, x): act ← (da_r, da_z, da_n);\n"
        + "recurrent side (W_hh, b_hh): hh ← (da_r, da_z, r⊙da_n);  direct path: dh ← z⊙d (the caller adds W_hhᵀ·hh).";

    private static void BackwardBody(SourceWriter w, Simd d)
    {
        w.Line($"{d.Vec} one = {d.Vec}.One;");
        w.Line($"{d.Vec} r = {d.Load("act", "j")};");
        w.Line($"{d.Vec} z = {d.Load("act", "HP + j")};");
        w.Line($"{d.Vec} n = {d.Load("act", "2 * HP + j")};");
        w.Line($"{d.Vec} hn = {d.Load("hh", "2 * HP + j")};");
        w.Line($"{d.Vec} d = {d.Load("dh", "j")};");
        w.Line($"{d.Vec} daN = d * (one - z) * (one - n * n);");
        w.Line($"{d.Vec} daZ = d * ({d.Load("hPrev", "j")} - n) * z * (one - z);");
        w.Line($"{d.Vec} daR = daN * hn * r * (one - r);");
        w.Line($"{d.Store("daR", "act", "j")}\n{d.Store("daZ", "act", "HP + j")}\n{d.Store("daN", "act", "2 * HP + j")}");
        w.Line($"{d.Store("daR", "hh", "j")}\n{d.Store("daZ", "hh", "HP + j")}\n{d.Store("daN * r", "hh", "2 * HP + j")}");
        w.Line($"{d.Store("d * z", "dh", "j")}");
    }

    private static void BackwardScalar(SourceWriter w) => w.Line($"""
        float r = LgUnsafe.Add(ref act, j);
        float z = LgUnsafe.Add(ref act, HP + j);
        float n = LgUnsafe.Add(ref act, 2 * HP + j);
        float hn = LgUnsafe.Add(ref hh, 2 * HP + j);
        float d = LgUnsafe.Add(ref dh, j);
        float daN = d * (1f - z) * (1f - n * n);
        float daZ = d * (LgUnsafe.Add(ref hPrev, j) - n) * z * (1f - z);
        float daR = daN * hn * r * (1f - r);
        LgUnsafe.Add(ref act, j) = daR;
        LgUnsafe.Add(ref act, HP + j) = daZ;
        LgUnsafe.Add(ref act, 2 * HP + j) = daN;
        LgUnsafe.Add(ref hh, j) = daR;
        LgUnsafe.Add(ref hh, HP + j) = daZ;
        LgUnsafe.Add(ref hh, 2 * HP + j) = daN * r;
        LgUnsafe.Add(ref dh, j) = d * z;
        """);
}
