namespace LstmGen.Generator.Emit;

/// <summary>
/// The GRU cell exactly as PyTorch <c>nn.GRU</c> (gate order r, z, n; the reset gate multiplies the recurrent part
/// W_hn·h + b_hn, i.e. Keras <c>reset_after=True</c>): the inference update, and the training step forward and backward,
/// each with an AVX2+FMA body and an exact scalar fallback.
/// </summary>
/// <remarks>
/// The input part x = W_ih·x + b_ih carries b_hr and b_hz too (they add to r and z unconditionally); b_hn cannot be
/// folded because r multiplies it, so it starts the recurrent part hh = W_hh·h + (0, 0, b_hn).
/// </remarks>
internal sealed class GruCellEmitter : CellEmitter
{
    public static readonly GruCellEmitter Instance = new();

    public override string Display => "GRU";
    public override string Module => "gru";
    public override string Member => "Gru";
    public override string GateOrder => "r, z, n";
    public override string Formula => "r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r⊙(W_hn·h + b_hn)); h' = (1 − z)⊙n + z⊙h";
    public override bool SeparateRecurrent => true;

    public override bool FoldsRecurrentBias(int gate) => gate < 2;

    public override string UpdateCall(string x, string hh, string h, string c) => $"CellUpdate(ref {x}, ref {hh}, ref {h})";

    public override string TrainForwardCall(string act, string hh, string h, string cPrev, string c) => $"TrainCellForward(ref {act}, ref {hh}, ref {h})";

    public override string TrainBackwardCall(BackwardRefs r) => $"TrainCellBackward(ref {r.Act}, ref {r.HH}, ref {r.HPrev}, ref {r.DH})";

    public override string StepInit(int gate) => gate == 2 ? "biasHh" : "input";

    // r and z start from the input part (which holds b_hr, b_hz), hh_n = z2 from b_hn: as CellUpdate with hh = W_hh·h + (0, 0, b_hn).
    public override string[] ChunkUpdate(string vec, string vector, string fma) =>
    [
        $"{vec} r = LgMath.Sigmoid(z0), z = LgMath.Sigmoid(z1);",
        $"{vec} n = LgMath.Tanh({fma}(r, z2, {vector}.LoadUnsafe(ref input, u0 + 2 * HP)));",
        $"// h' = n + z⊙(h − n) = (1 − z)⊙n + z⊙h",
        $"{vector}.StoreUnsafe({fma}(z, {vector}.LoadUnsafe(ref h, u0) - n, n), ref hNext, u0);",
    ];

    public override void EmitInference(SourceWriter w, Layout L)
        => EmitCellStep(w, "CellUpdate", "r = σ(x_r + hh_r), z = σ(x_z + hh_z), n = tanh(x_n + r⊙hh_n); h' = (1 − z)⊙n + z⊙h, with x = W_ih·x + b_ih + (b_hr, b_hz, 0) and hh = W_hh·h + (0, 0, b_hn).", keepActivations: false);

    public override void EmitTraining(SourceWriter w, Layout L)
    {
        EmitCellStep(w, "TrainCellForward", "As CellUpdate, but the input part is replaced by the activations r, z, n for the backward pass (hh, which holds W_hn·h + b_hn, is kept).", keepActivations: true);
        EmitCellBackward(w);
    }

    private static void EmitCellStep(SourceWriter w, string name, string comment, bool keepActivations)
    {
        string vectorStore = keepActivations ? """
                        LgVector.StoreUnsafe(r, ref x, j);
                        LgVector.StoreUnsafe(z, ref x, HP + j);
                        LgVector.StoreUnsafe(n, ref x, 2 * HP + j);

            """ : "";
        string scalarStore = keepActivations ? """
                        LgUnsafe.Add(ref x, j) = r;
                        LgUnsafe.Add(ref x, HP + j) = z;
                        LgUnsafe.Add(ref x, 2 * HP + j) = n;

            """ : "";
        w.Line($$"""
            // {{comment}}
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void {{name}}(ref float x, ref float hh, ref float h)
            {
                if (LgMath.IsAccelerated)
                {
                    for (nuint j = 0; j < HP; j += 8)
                    {
                        LgVec r = LgMath.Sigmoid(LgVector.LoadUnsafe(ref x, j) + LgVector.LoadUnsafe(ref hh, j));
                        LgVec z = LgMath.Sigmoid(LgVector.LoadUnsafe(ref x, HP + j) + LgVector.LoadUnsafe(ref hh, HP + j));
                        LgVec n = LgMath.Tanh(LgFma.MultiplyAdd(r, LgVector.LoadUnsafe(ref hh, 2 * HP + j), LgVector.LoadUnsafe(ref x, 2 * HP + j)));
            {{vectorStore}}            // h' = n + z⊙(h − n) = (1 − z)⊙n + z⊙h
                        LgVector.StoreUnsafe(LgFma.MultiplyAdd(z, LgVector.LoadUnsafe(ref h, j) - n, n), ref h, j);
                    }
                }
                else
                {
                    for (nuint j = 0; j < HiddenSize; j++)
                    {
                        float r = LgMath.Sigmoid(LgUnsafe.Add(ref x, j) + LgUnsafe.Add(ref hh, j));
                        float z = LgMath.Sigmoid(LgUnsafe.Add(ref x, HP + j) + LgUnsafe.Add(ref hh, HP + j));
                        float n = LgMath.Tanh(LgUnsafe.Add(ref x, 2 * HP + j) + r * LgUnsafe.Add(ref hh, 2 * HP + j));
            {{scalarStore}}            LgUnsafe.Add(ref h, j) = (1f - z) * n + z * LgUnsafe.Add(ref h, j);
                    }
                }
            }

            """);
    }

    private static void EmitCellBackward(SourceWriter w)
    {
        w.Line($$"""
            // With d = ∂L/∂h_t and hn = W_hn·h_{t−1} + b_hn (kept in hh):  da_n = d⊙(1 − z)⊙(1 − n²);
            // da_z = d⊙(h_{t−1} − n)⊙z(1 − z);  da_r = da_n⊙hn⊙r(1 − r).  Input side (W_ih, b_ih, x): act ← (da_r, da_z, da_n);
            // recurrent side (W_hh, b_hh): hh ← (da_r, da_z, r⊙da_n);  direct path: dh ← z⊙d (the caller adds W_hhᵀ·hh).
            private static void TrainCellBackward(ref float act, ref float hh, ref float hPrev, ref float dh)
            {
                if (LgMath.IsAccelerated)
                {
                    LgVec one = LgVec.One;
                    for (nuint j = 0; j < HP; j += 8)
                    {
                        LgVec r = LgVector.LoadUnsafe(ref act, j);
                        LgVec z = LgVector.LoadUnsafe(ref act, HP + j);
                        LgVec n = LgVector.LoadUnsafe(ref act, 2 * HP + j);
                        LgVec hn = LgVector.LoadUnsafe(ref hh, 2 * HP + j);
                        LgVec d = LgVector.LoadUnsafe(ref dh, j);
                        LgVec daN = d * (one - z) * (one - n * n);
                        LgVec daZ = d * (LgVector.LoadUnsafe(ref hPrev, j) - n) * z * (one - z);
                        LgVec daR = daN * hn * r * (one - r);
                        LgVector.StoreUnsafe(daR, ref act, j);
                        LgVector.StoreUnsafe(daZ, ref act, HP + j);
                        LgVector.StoreUnsafe(daN, ref act, 2 * HP + j);
                        LgVector.StoreUnsafe(daR, ref hh, j);
                        LgVector.StoreUnsafe(daZ, ref hh, HP + j);
                        LgVector.StoreUnsafe(daN * r, ref hh, 2 * HP + j);
                        LgVector.StoreUnsafe(d * z, ref dh, j);
                    }
                }
                else
                {
                    for (nuint j = 0; j < HP; j++)
                    {
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
                    }
                }
            }

            """);
    }
}
