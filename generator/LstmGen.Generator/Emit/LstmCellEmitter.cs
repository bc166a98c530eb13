namespace LstmGen.Generator.Emit;

/// <summary>
/// The LSTM cell (PyTorch <c>nn.LSTM</c>, gate order i, f, g, o): the inference update, and the training step forward
/// (keeping the activations) and backward, each with an AVX2+FMA body and an exact scalar fallback.
/// </summary>
internal sealed class LstmCellEmitter : CellEmitter
{
    public static readonly LstmCellEmitter Instance = new();

    public override string Display => "LSTM";
    public override string Module => "lstm";
    public override string Member => "Lstm";
    public override string GateOrder => "i, f, g, o";
    public override string Formula => "i = σ(zᵢ), f = σ(z_f), g = tanh(z_g), o = σ(z_o); c' = f⊙c + i⊙g; h' = o⊙tanh(c')";
    public override bool HasCellState => true;
    public override string BiasInitText => "LSTM biases zero except the forget gate's (b_ih[f] = 1, so b_ih + b_hh = 1 as Keras' unit_forget_bias)";

    public override string BiasInitStatement(string biasIhOffset) => $"p.Slice({biasIhOffset} + HiddenSize, HiddenSize).Fill(1f); // b_ih[f] = 1";

    public override string UpdateCall(string x, string hh, string h, string c) => $"CellUpdate(ref {x}, ref {h}, ref {c})";

    public override string TrainForwardCall(string act, string hh, string h, string cPrev, string c) => $"TrainCellForward(ref {act}, ref {h}, ref {cPrev}, ref {c})";

    public override string TrainBackwardCall(BackwardRefs r) => $"TrainCellBackward(ref {r.Act}, ref {r.C}, ref {r.CPrev}, ref {r.DH}, ref {r.DC})";

    public override string[] ChunkUpdate(string vec, string vector, string fma) =>
    [
        $"{vec} i = LgMath.Sigmoid(z0), f = LgMath.Sigmoid(z1), g = LgMath.Tanh(z2), o = LgMath.Sigmoid(z3);",
        $"{vec} cNew = {fma}(f, {vector}.LoadUnsafe(ref c, u0), i * g);",
        $"{vector}.StoreUnsafe(cNew, ref c, u0);",
        $"{vector}.StoreUnsafe(o * LgMath.Tanh(cNew), ref hNext, u0);",
    ];

    public override void EmitInference(SourceWriter w, Layout L)
        => EmitCellStep(w, L, "CellUpdate", "i = σ(gᵢ), f = σ(g_f), g = tanh(g_g), o = σ(g_o); c' = f⊙c + i⊙g; h' = o⊙tanh(c').", keepActivations: false);

    public override void EmitTraining(SourceWriter w, Layout L)
    {
        EmitCellStep(w, L, "TrainCellForward", "As CellUpdate, but reading c_{t−1} from cPrev and writing c_t to c (both kept for the backward pass), and the gate pre-activations are replaced by their activations i, f, g, o.", keepActivations: true);
        EmitCellBackward(w, L);
    }

    /// <summary>
    /// One cell step over the gate pre-activations. With <paramref name="keepActivations"/> the pre-activations are
    /// overwritten by i, f, g, o, which the backward pass reads, and c_{t−1} is read from cPrev rather than from c.
    /// </summary>
    private static void EmitCellStep(SourceWriter w, Layout L, string name, string comment, bool keepActivations)
    {
        string vectorStore = keepActivations ? """
                        LgVector.StoreUnsafe(i, ref gates, j);
                        LgVector.StoreUnsafe(f, ref gates, HP + j);
                        LgVector.StoreUnsafe(g, ref gates, 2 * HP + j);
                        LgVector.StoreUnsafe(o, ref gates, 3 * HP + j);

            """ : "";
        string scalarStore = keepActivations ? """
                        LgUnsafe.Add(ref gates, j) = i;
                        LgUnsafe.Add(ref gates, HP + j) = f;
                        LgUnsafe.Add(ref gates, 2 * HP + j) = g;
                        LgUnsafe.Add(ref gates, 3 * HP + j) = o;

            """ : "";
        string cIn = keepActivations ? "cPrev" : "c";
        string body = $$"""
                        LgVec i = LgMath.Sigmoid(LgVector.LoadUnsafe(ref gates, j));
                        LgVec f = LgMath.Sigmoid(LgVector.LoadUnsafe(ref gates, HP + j));
                        LgVec g = LgMath.Tanh(LgVector.LoadUnsafe(ref gates, 2 * HP + j));
                        LgVec o = LgMath.Sigmoid(LgVector.LoadUnsafe(ref gates, 3 * HP + j));
            {{vectorStore}}            LgVec cNew = LgFma.MultiplyAdd(f, LgVector.LoadUnsafe(ref {{cIn}}, j), i * g);
                        LgVector.StoreUnsafe(cNew, ref c, j);
                        LgVector.StoreUnsafe(o * LgMath.Tanh(cNew), ref h, j);
            """;
        w.Line($$"""
            // {{comment}}
            [global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
            private static void {{name}}(ref float gates, ref float h, {{(keepActivations ? "ref float cPrev, " : "")}}ref float c)
            {
                {{WideBranch(L, body)}}if (LgMath.IsAccelerated)
                {
                    for (nuint j = 0; j < HP; j += 8)
                    {
            {{body}}
                    }
                }
                else
                {
                    for (nuint j = 0; j < HiddenSize; j++)
                    {
                        float i = LgMath.Sigmoid(LgUnsafe.Add(ref gates, j));
                        float f = LgMath.Sigmoid(LgUnsafe.Add(ref gates, HP + j));
                        float g = LgMath.Tanh(LgUnsafe.Add(ref gates, 2 * HP + j));
                        float o = LgMath.Sigmoid(LgUnsafe.Add(ref gates, 3 * HP + j));
            {{scalarStore}}            float cNew = f * LgUnsafe.Add(ref {{cIn}}, j) + i * g;
                        LgUnsafe.Add(ref c, j) = cNew;
                        LgUnsafe.Add(ref h, j) = o * LgMath.Tanh(cNew);
                    }
                }
            }

            """);
    }

    private static void EmitCellBackward(SourceWriter w, Layout L)
    {
        string body = """
                        LgVec one = LgVector.Create(1f);
                        LgVec i = LgVector.LoadUnsafe(ref act, j);
                        LgVec f = LgVector.LoadUnsafe(ref act, HP + j);
                        LgVec g = LgVector.LoadUnsafe(ref act, 2 * HP + j);
                        LgVec o = LgVector.LoadUnsafe(ref act, 3 * HP + j);
                        LgVec tau = LgMath.Tanh(LgVector.LoadUnsafe(ref c, j));
                        LgVec dhv = LgVector.LoadUnsafe(ref dh, j);
                        LgVec dcv = LgFma.MultiplyAdd(dhv * o, one - tau * tau, LgVector.LoadUnsafe(ref dc, j));
                        LgVector.StoreUnsafe(dcv * g * i * (one - i), ref act, j);
                        LgVector.StoreUnsafe(dcv * LgVector.LoadUnsafe(ref cPrev, j) * f * (one - f), ref act, HP + j);
                        LgVector.StoreUnsafe(dcv * i * (one - g * g), ref act, 2 * HP + j);
                        LgVector.StoreUnsafe(dhv * tau * o * (one - o), ref act, 3 * HP + j);
                        LgVector.StoreUnsafe(dcv * f, ref dc, j);
                        LgVector.StoreUnsafe(LgVector.Create(0f), ref dh, j);
            """;
        w.Line($$"""
            // With τ = tanh(c_t):  dc += dh·o·(1 − τ²);  dz_o = dh·τ·o(1 − o);  dz_i = dc·g·i(1 − i);
            // dz_f = dc·c_{t−1}·f(1 − f);  dz_g = dc·i·(1 − g²);  then dc ← dc·f for step t − 1. dZ overwrites the activations.
            // The LSTM has no direct path from h_{t−1} to h_t, so dh ← 0 (the caller adds W_hhᵀ·dZ).
            private static void TrainCellBackward(ref float act, ref float c, ref float cPrev, ref float dh, ref float dc)
            {
                {{WideBranch(L, body)}}if (LgMath.IsAccelerated)
                {
                    for (nuint j = 0; j < HP; j += 8)
                    {
            {{body}}
                    }
                }
                else
                {
                    for (nuint j = 0; j < HP; j++)
                    {
                        float i = LgUnsafe.Add(ref act, j);
                        float f = LgUnsafe.Add(ref act, HP + j);
                        float g = LgUnsafe.Add(ref act, 2 * HP + j);
                        float o = LgUnsafe.Add(ref act, 3 * HP + j);
                        float tau = LgMath.Tanh(LgUnsafe.Add(ref c, j));
                        float dhv = LgUnsafe.Add(ref dh, j);
                        float dcv = LgUnsafe.Add(ref dc, j) + dhv * o * (1f - tau * tau);
                        LgUnsafe.Add(ref act, j) = dcv * g * i * (1f - i);
                        LgUnsafe.Add(ref act, HP + j) = dcv * LgUnsafe.Add(ref cPrev, j) * f * (1f - f);
                        LgUnsafe.Add(ref act, 2 * HP + j) = dcv * i * (1f - g * g);
                        LgUnsafe.Add(ref act, 3 * HP + j) = dhv * tau * o * (1f - o);
                        LgUnsafe.Add(ref dc, j) = dcv * f;
                        LgUnsafe.Add(ref dh, j) = 0f;
                    }
                }
            }

            """);
    }
}
