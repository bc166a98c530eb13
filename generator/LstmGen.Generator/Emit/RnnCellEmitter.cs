namespace LstmGen.Generator.Emit;

/// <summary>
/// The simple (Elman) RNN cell as PyTorch <c>nn.RNN</c> with tanh: h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh). The
/// inference update, and the training step forward and backward, each with its vector body in the SIMD dialect and an exact scalar fallback.
/// </summary>
internal sealed class RnnCellEmitter : CellEmitter
{
    public static readonly RnnCellEmitter Instance = new();

    public override string Display => "RNN";
    public override string Formula => "h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh)";

    public override string UpdateCall(string x, string hh, string h, string c) => $"CellUpdate(ref {x}, ref {h})";

    public override string TrainForwardCall(string act, string hh, string h, string cPrev, string c) => $"TrainCellForward(ref {act}, ref {h})";

    public override string TrainBackwardCall(BackwardRefs r) => $"TrainCellBackward(ref {r.Act}, ref {r.DH})";

    public override string[] ChunkUpdate(Simd d) => [d.Store("LgMath.Tanh(z0)", "hNext", "u0")];

    protected override Kernel Update => new("CellUpdate", "ref float gates, ref float h", "h' = tanh(a), where a = W_ih·x + b_ih + b_hh + W_hh·h.", Inline: true,
        static (w, d) => w.Line($"{d.Store($"LgMath.Tanh({d.Load("gates", "j")})", "h", "j")}"),
        static w => w.Line($"LgUnsafe.Add(ref h, j) = LgMath.Tanh(LgUnsafe.Add(ref gates, j));"));

    protected override Kernel TrainForward => new("TrainCellForward", "ref float act, ref float h", "As CellUpdate, but the pre-activation a is replaced by the activation h' = tanh(a) for the backward pass.", Inline: true,
        static (w, d) => w.Line($"{d.Vec} a = LgMath.Tanh({d.Load("act", "j")});\n{d.Store("a", "act", "j")}\n{d.Store("a", "h", "j")}"),
        static w => w.Line($"LgUnsafe.Add(ref h, j) = LgUnsafe.Add(ref act, j) = LgMath.Tanh(LgUnsafe.Add(ref act, j));"));

    protected override Kernel TrainBackward => new("TrainCellBackward", "ref float act, ref float dh", "da = dh⊙(1 − h'²) overwrites the activation; no direct path from h_{t−1} to h_t, so dh ← 0 (the caller adds W_hhᵀ·da).", Inline: false,
        static (w, d) => w.Line($"{d.Vec} a = {d.Load("act", "j")};\n{d.Store($"{d.Load("dh", "j")} * ({d.Vec}.One - a * a)", "act", "j")}\n{d.Store($"{d.Vec}.Zero", "dh", "j")}"),
        static w => w.Line($"float a = LgUnsafe.Add(ref act, j);\nLgUnsafe.Add(ref act, j) = LgUnsafe.Add(ref dh, j) * (1f - a * a);\nLgUnsafe.Add(ref dh, j) = 0f;"),
        ScalarBound: "HP");
}
