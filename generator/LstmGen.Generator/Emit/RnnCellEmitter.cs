namespace LstmGen.Generator.Emit;

/// <summary>
/// The simple (Elman) RNN cell as PyTorch <c>nn.RNN</c> with tanh: h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh). The
/// inference update, and the training step forward and backward, each with an AVX2 body and an exact scalar fallback.
/// </summary>
internal sealed class RnnCellEmitter : CellEmitter
{
    public static readonly RnnCellEmitter Instance = new();

    public override string Display => "RNN";
    public override string Module => "rnn";
    public override string Member => "Rnn";
    public override string GateOrder => "one gate";
    public override string Formula => "h' = tanh(W_ih·x + b_ih + W_hh·h + b_hh)";

    public override string UpdateCall(string x, string hh, string h, string c) => $"CellUpdate(ref {x}, ref {h})";

    public override string TrainForwardCall(string act, string hh, string h, string cPrev, string c) => $"TrainCellForward(ref {act}, ref {h})";

    public override string TrainBackwardCall(BackwardRefs r) => $"TrainCellBackward(ref {r.Act}, ref {r.DH})";

    public override string[] ChunkUpdate(string vec, string vector, string fma) =>
    [
        $"{vector}.StoreUnsafe(LgMath.Tanh(z0), ref hNext, u0);",
    ];

    public override void EmitInference(SourceWriter w, Layout L)
    {
        w.Line($$"""
            // h' = tanh(a), where a = W_ih·x + b_ih + b_hh + W_hh·h.
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void CellUpdate(ref float gates, ref float h)
            {
                if (LgMath.IsAccelerated)
                {
                    for (nuint j = 0; j < HP; j += 8) LgVector.StoreUnsafe(LgMath.Tanh(LgVector.LoadUnsafe(ref gates, j)), ref h, j);
                }
                else
                {
                    for (nuint j = 0; j < HiddenSize; j++) LgUnsafe.Add(ref h, j) = LgMath.Tanh(LgUnsafe.Add(ref gates, j));
                }
            }

            """);
    }

    public override void EmitTraining(SourceWriter w, Layout L)
    {
        w.Line($$"""
            // As CellUpdate, but the pre-activation a is replaced by the activation h' = tanh(a) for the backward pass.
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void TrainCellForward(ref float act, ref float h)
            {
                if (LgMath.IsAccelerated)
                {
                    for (nuint j = 0; j < HP; j += 8)
                    {
                        LgVec a = LgMath.Tanh(LgVector.LoadUnsafe(ref act, j));
                        LgVector.StoreUnsafe(a, ref act, j);
                        LgVector.StoreUnsafe(a, ref h, j);
                    }
                }
                else
                {
                    for (nuint j = 0; j < HiddenSize; j++) LgUnsafe.Add(ref h, j) = LgUnsafe.Add(ref act, j) = LgMath.Tanh(LgUnsafe.Add(ref act, j));
                }
            }

            // da = dh⊙(1 − h'²) overwrites the activation; no direct path from h_{t−1} to h_t, so dh ← 0 (the caller adds W_hhᵀ·da).
            private static void TrainCellBackward(ref float act, ref float dh)
            {
                if (LgMath.IsAccelerated)
                {
                    LgVec one = LgVec.One;
                    for (nuint j = 0; j < HP; j += 8)
                    {
                        LgVec a = LgVector.LoadUnsafe(ref act, j);
                        LgVector.StoreUnsafe(LgVector.LoadUnsafe(ref dh, j) * (one - a * a), ref act, j);
                        LgVector.StoreUnsafe(LgVec.Zero, ref dh, j);
                    }
                }
                else
                {
                    for (nuint j = 0; j < HP; j++)
                    {
                        float a = LgUnsafe.Add(ref act, j);
                        LgUnsafe.Add(ref act, j) = LgUnsafe.Add(ref dh, j) * (1f - a * a);
                        LgUnsafe.Add(ref dh, j) = 0f;
                    }
                }
            }

            """);
    }
}
