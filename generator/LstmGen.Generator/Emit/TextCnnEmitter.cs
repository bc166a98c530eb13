using System.Linq;
using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Emits a text CNN from its plan: the shell, then the layers (<see cref="ConvLayerEmitter"/>, <see cref="PoolingEmitter"/>,
/// the head) forward, then backward in reverse. The model: embedding → per kernel width k: Conv1d(E → F, k) → ReLU → global max-pool over time → concatenation
/// → dense head, forward and backward. The convolution of every window is one GEMM per branch: the non-padding
/// embeddings of a row are compacted into a row-major [n, E] block, so window s (k consecutive embeddings) is the k·E
/// contiguous floats from row s, and the im2col matrix is that block read with leading dimension E — nothing is copied.
/// </summary>
internal static class TextCnnEmitter
{
    public static string Emit(ModelPlan plan)
    {
        ConvPlan conv = plan.Find<ConvPlan>()!;
        int v = plan.V, e = plan.E, f = conv.Filters, o = plan.O, d = conv.Features;
        int[] ks = conv.Branches.Select(b => b.Width).ToArray();
        int[] packT = conv.Branches.Select(b => b.PackT).ToArray(), packR = conv.Branches.Select(b => b.PackR).ToArray();
        string widths = string.Join(", ", ks);
        string architecture = $"Embedding({v}, {e}) → Conv1d({e} → {f}, k ∈ {{{widths}}}) → ReLU → max-pool over time → concat({d}) → Dense({o}, {plan.Output})";
        var w = new SourceWriter();
        BaselineShell.Begin(w, plan, architecture,
            $"""
            Generated text CNN: token ids → Embedding({v}, {e}) → for each kernel width k in ({widths}): Conv1d({e} → {f}, k) → ReLU →
            max over time → concatenated ({d} features) → Dense({o}) → {plan.Output}.
            Masking: token 0 is padding and is removed before the convolution (the n non-padding tokens of a sequence are taken in
            order and windows slide over them only), so padding anywhere never changes the result; a branch with k &gt; n has no
            window and contributes zeros. Token 1 is out-of-vocabulary.
            """);
        BaselineShell.EmitCommon(w, plan,
            $"{ks.Length} branches × {f} filters, the concatenated max-pooled features",
            "embedding uniform in [−0.05, 0.05]; convolution kernels Glorot-uniform with Keras' Conv1D fans (fan_in = k·E, fan_out = k·F); dense kernel Glorot-uniform; biases zero.");
        EmitLayout(w, plan, conv, ks);
        ConvLayerEmitter.EmitPack(w, ks, packT, packR);
        ConvLayerEmitter.EmitForward(w, ks, packT);
        PoolingEmitter.EmitMaxPool(w);
        EmitInfer(w);
        BaselineShell.EmitPredict(w, plan);
        BaselineShell.EmitTraining(w, plan, "Padding is removed as in Predict, so it receives no gradient.");
        EmitTraining(w, ks, packR);
        ConvLayerEmitter.EmitBackward(w);
        BaselineDropoutEmitter.EmitTextCnn(w, plan);
        BaselineShell.End(w, plan);
        return w.ToString();
    }

    private static void EmitLayout(SourceWriter w, ModelPlan plan, ConvPlan conv, int[] ks)
    {
        w.Line($$"""
            /// <summary>Output channels (filters) of every convolution branch.</summary>
            public const int Filters = {{conv.Filters}};
            /// <summary>Number of convolution branches (kernel widths).</summary>
            public const int KernelCount = {{ks.Length}};

            /// <summary>Kernel width of each convolution branch, in branch order.</summary>
            public static LgIntSpan KernelSizes => new int[] { {{string.Join(", ", ks)}} };

            /// <summary>Always false: the text CNN has no folded embedding table (each window convolves several embeddings), so setting it has no effect.</summary>
            public bool UseFoldedEmbedding { get => false; set { } }

            // Filters padded to FP = {{conv.PaddedFilters}} columns (whole {{KernelSizes.GemmColumns}}-wide GEMM panels); padded columns carry zero weights and are never read.
            private const int FP = {{conv.PaddedFilters}};

            // Packed weights, rebuilt by Pack after parameters change. Branch i of _convT is W_iᵀ as [k·E, FP] (row j·E + e,
            // column f) for the forward GEMM; branch i of _convRows is W_i as [F, k·E] with the same j-major columns, so one
            // filter's weights over a window are contiguous for the backward pass; _convBias holds b_i at i·FP.
            private readonly float[] _convT = new float[{{plan.Floats("ConvT")}}];
            private readonly float[] _convRows = new float[{{plan.Floats("ConvRows")}}];
            private readonly float[] _convBias = new float[KernelCount * FP];
            // ∂L/∂W_i accumulated in the _convRows layout, then unpacked into PyTorch's [F, E, k].
            private readonly float[] _gradRows = new float[{{plan.Floats("ConvRows")}}];

            // Per-thread inference workspace for a tile of TileRows sequences. The int workspace holds each row's first
            // compacted position and token count.
            """);
        ShellEmitter.EmitScratch(w, plan);
        w.Line($"private const int IntScratchLength = 2 * TileRows;");
        w.Line();
        w.Line($"// Training workspace for B rows; the ints hold the winning window of each feature for the backward pass.");
        ShellEmitter.EmitTrainingOffsets(w, plan);
        w.Line();
    }

    private static void EmitInfer(SourceWriter w)
    {
        w.Line($$"""
            // Up to TileRows rows: features, then the dense head per row.
            private void Infer(LgIntSpan tokens, int rows, int rowLength, LgSpan outputs, float[] scratch, int[] ints)
            {
                ConvFeatures(tokens, rows, rowLength, scratch, ScratchX, ScratchC, ScratchFeatures, ints, ids: -1, argmax: -1, dropEmbedding: false);
                for (int b = 0; b < rows; b++) HeadLogits(ref scratch[ScratchFeatures + b * HiddenSize], outputs.Slice(b * OutputSize, OutputSize));
            }

            """);
    }

    private static void EmitTraining(SourceWriter w, int[] ks, int[] packR)
    {
        w.Line($$"""
            // Forward over the batch, keeping X, the compacted ids, the features and each feature's winning window. With
            // dropout this batch's masks are drawn first; X (as convolved) and the features (as the head reads them) are masked.
            private float TrainForward(LgIntSpan tokens, int rows, LgReadOnlySpan targets, LgSpan outputs, float[] ws, int[] ints)
            {
                BeginDropout(tokens, rows);
                ConvFeatures(tokens, rows, SequenceLength, ws, TrainX(rows), TrainC(rows), TrainFeatures(rows), ints, TrainIds(rows), TrainArgmax(rows), _dropEmb);
                if (_dropHead) DropoutRows(ws, TrainFeatures(rows), HiddenSize, rows, 0, HiddenSize);
                return HeadForward(rows, ws, TrainFeatures(rows), HiddenSize, TrainLogits(rows), targets, outputs);
            }

            // Head, then each branch (max-pool routes every feature's gradient to its winning window), then the embedding rows;
            // dropout's masks multiply ∂L/∂features and ∂L/∂X as they multiplied the features and X.
            private void TrainBackward(LgIntSpan tokens, int rows, LgSpan gradients, float[] ws, int[] ints)
            {
                HeadBackward(rows, ws, TrainFeatures(rows), HiddenSize, TrainLogits(rows), TrainDFeatures(rows), gradients);
                if (_dropHead) DropoutRows(ws, TrainDFeatures(rows), HiddenSize, rows, 0, HiddenSize);
                int n = ints[rows - 1] + ints[2 * rows - 1];
                LgArray.Clear(ws, TrainDX(rows), n * EmbeddingSize);
                LgArray.Clear(_gradRows);
            """);
        for (int i = 0; i < ks.Length; i++)
            w.Line($"    BranchBackward(rows, width: {ks[i]}, packR: {packR[i]}, branch: {i}, Conv{i}BiasOffset, gradients, ws, ints);");
        w.Line($$"""
                if (_dropEmb) DropoutCompacted(rows, n, ws, TrainDX(rows));
                // ∂L/∂embedding[id_p] += ∂L/∂X[p] for every compacted position p (padding rows get nothing).
                for (int p = 0; p < n; p++)
                {
                    LgGemm.Axpy(1f, new LgReadOnlySpan(ws, TrainDX(rows) + p * EmbeddingSize, EmbeddingSize),
                        gradients.Slice(EmbeddingWeightOffset + ints[TrainIds(rows) + p] * EmbeddingSize, EmbeddingSize));
                }
                // ∂L/∂convs.i.weight[f, e, j] = G_i[f, j·E + e]: unpack the j-major accumulator into PyTorch's [F, E, k].
            """);
        for (int i = 0; i < ks.Length; i++)
            w.Line($"    UnpackBranch(gradients, Conv{i}WeightOffset, width: {ks[i]}, packR: {packR[i]});");
        w.Line($$"""
            }

            """);
    }
}
