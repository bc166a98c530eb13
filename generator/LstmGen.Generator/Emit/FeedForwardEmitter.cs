using System.Collections.Generic;
using System.Linq;
using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Emits the feed-forward baseline: mean of the non-padding embeddings → Linear + ReLU per hidden layer → dense head,
/// forward and backward. Every layer runs over all rows of a tile or batch as one GEMM; widths are padded to 16 columns
/// (whole GEMM panels) with zero weights, so padded activations stay exactly 0.
/// </summary>
internal static class FeedForwardEmitter
{
    public static string Emit(ModelPlan plan)
    {
        int v = plan.V, e = plan.E, o = plan.O;
        LinearPlan[] linear = plan.All<LinearPlan>();
        int layers = linear.Length;
        // width[l] is the width of activation l (0 = the mean embedding); pad[l] its padded leading dimension.
        int[] width = new[] { e }.Concat(linear.Select(x => x.Outputs)).ToArray();
        int[] pad = new[] { (int)KernelSizes.RoundUp(e, KernelSizes.GemmColumns) }.Concat(linear.Select(x => x.PaddedOutputs)).ToArray();
        int[] packT = linear.Select(x => x.PackT).ToArray(), packW = linear.Select(x => x.PackW).ToArray(), packB = linear.Select(x => x.PackB).ToArray();

        string hidden = layers == 0 ? "" : " → " + string.Join(" → ", width.Skip(1).Select(h => $"Linear({h}) + ReLU"));
        string architecture = $"Embedding({v}, {e}) → mean over non-padding tokens{hidden} → Dense({o}, {plan.Output})";
        var w = new SourceWriter();
        BaselineShell.Begin(w, plan, architecture,
            $"""
            Generated feed-forward baseline: token ids → Embedding({v}, {e}) → mean of the non-padding embeddings{hidden} → Dense({o}) → {plan.Output}.
            Masking: token 0 is padding and is left out of the mean (a row of padding only averages to zeros), so padding anywhere
            never changes the result; word order is ignored (a bag of embeddings). Token 1 is out-of-vocabulary.
            """);
        BaselineShell.EmitCommon(w, plan,
            layers == 0 ? "the mean embedding, as there is no hidden layer" : "the last hidden layer's width",
            "embedding uniform in [−0.05, 0.05]; hidden and dense kernels Glorot-uniform; biases zero.", folded: layers > 0);
        EmitLayout(w, plan, layers, width, pad);
        LinearLayerEmitter.EmitPack(w, layers, width, packT, packW, packB);
        PoolingEmitter.EmitMeanEmbedding(w);
        LinearLayerEmitter.EmitForward(w);
        if (layers > 0) EmbeddingEmitter.EmitFeedForwardFold(w, packT[0], packB[0]);
        EmitInfer(w, layers, width, packT, packB);
        BaselineShell.EmitPredict(w, plan);
        BaselineShell.EmitTraining(w, plan, "Padding is left out of the mean as in Predict, so it receives no gradient.");
        EmitTraining(w, layers, width, packT, packW, packB);
        LinearLayerEmitter.EmitBackward(w);
        BaselineDropoutEmitter.EmitFeedForward(w, plan, width.Skip(1).ToArray());
        BaselineShell.End(w, plan);
        return w.ToString();
    }

    private static string Sum(IEnumerable<string> terms) => string.Join(" + ", terms.DefaultIfEmpty("0"));

    private static void EmitLayout(SourceWriter w, ModelPlan plan, int layers, int[] width, int[] pad)
    {
        w.Line($$"""
            /// <summary>Number of hidden ReLU layers.</summary>
            public const int HiddenLayerCount = {{layers}};

            /// <summary>Width of each hidden layer, input side first.</summary>
            public static LgIntSpan HiddenSizes => new int[] { {{string.Join(", ", width.Skip(1))}} };

            """);
        if (layers > 0)
        {
            w.Line($$"""
                /// <summary>
                /// When true (the default), inference reads the folded table <c>embedding·hidden.0.weightᵀ</c> (V × A1
                /// floats, built once after parameters change): the mean commutes with the first layer, so
                /// a1 = ReLU(b + mean of the table rows) and no embedding is projected per call. Results agree to float rounding.
                /// </summary>
                public bool UseFoldedEmbedding { get => _owner is null ? _useFolded : _owner._useFolded; set => _useFolded = value; }

                // A snapshot reads its owner's setting.
                private bool _useFolded = true;

                // Folded table [V, A1] (see UseFoldedEmbedding), built on first use.
                private float[]? _table;
                private int _tableVersion = -1;

                """);
        }
        else
        {
            w.Line($$"""
                /// <summary>Always false: with no hidden layer there is no first layer to fold into the embedding, so setting it has no effect.</summary>
                public bool UseFoldedEmbedding { get => false; set { } }

                """);
        }
        for (int l = 0; l <= layers; l++) w.Line($"private const int A{l} = {pad[l]}; // padded width of activation {l} ({width[l]} used)");
        w.Line($$"""

            // Packed weights, rebuilt by Pack after parameters change: per layer l, Wᵀ [in, A(l+1)] for the forward GEMM,
            // W [out, A(l)] for ∂L/∂a_l, and the bias [A(l+1)]; padded rows and columns are zero.
            private readonly float[] _packed = new float[{{plan.Floats("Packed")}}];
            // ∂L/∂W_lᵀ of one layer at a time [in, A(l+1)], unpacked into PyTorch's [out, in].
            private readonly float[] _gradT = new float[{{plan.Floats("GradT")}}];

            // Per-thread inference workspace for a tile of TileRows sequences: activation l as [TileRows, A(l)], l = 0 (the mean
            // embedding) … {{layers}}. The int workspace holds each row's non-padding token count.
            """);
        ShellEmitter.EmitScratch(w, plan);
        w.Line($$"""
            private const int IntScratchLength = TileRows;

            // Training workspace for B rows: activations a_l [B, A(l)], their gradients [B, A(l)], then logits and ∂L/∂logits
            // [B, O] each. Ints: the non-padding token count of each row.
            """);
        ShellEmitter.EmitTrainingOffsets(w, plan);
        w.Line();
    }

    private static void EmitInfer(SourceWriter w, int layers, int[] width, int[] packT, int[] packB)
    {
        w.Line($"// Up to TileRows rows: the mean embedding (or the folded first layer), each hidden layer, then the head per row.");
        w.Open($"private void Infer(LgIntSpan tokens, int rows, int rowLength, LgSpan outputs, float[] scratch, int[] ints)");
        if (layers > 0)
        {
            w.Line($$"""
                int first = 0;
                if (UseFoldedEmbedding)
                {
                    FoldedFirstLayer(tokens, rows, rowLength, EnsureTable(), scratch, ScratchA1);
                    first = 1;
                }
                else
                {
                    MeanEmbedding(tokens, rows, rowLength, scratch, ScratchA0, ints, 0);
                }
                """);
            for (int l = 0; l < layers; l++)
            {
                w.Line($"if (first <= {l}) Layer(rows, scratch, ScratchA{l}, A{l}, {width[l]}, ScratchA{l + 1}, A{l + 1}, packT: {packT[l]}, packB: {packB[l]});");
            }
        }
        else
        {
            w.Line($"MeanEmbedding(tokens, rows, rowLength, scratch, ScratchA0, ints, 0);");
        }
        w.Line($"for (int b = 0; b < rows; b++) HeadLogits(ref scratch[ScratchA{layers} + b * A{layers}], outputs.Slice(b * OutputSize, OutputSize));");
        w.Close();
        w.Line();
    }

    private static void EmitTraining(SourceWriter w, int layers, int[] width, int[] packT, int[] packW, int[] packB)
    {
        // Offsets of a_l and ∂L/∂a_l in the training workspace, as C# expressions in `rows`.
        string A(int l) => l == 0 ? "TrainA(rows)" : $"TrainA(rows) + rows * ({Sum(Enumerable.Range(0, l).Select(m => $"A{m}"))})";
        string DA(int l) => l == 0 ? "TrainDA(rows)" : $"TrainDA(rows) + rows * ({Sum(Enumerable.Range(0, l).Select(m => $"A{m}"))})";

        w.Line($"// Forward over the batch, keeping every activation a_l and each row's token count. With dropout this batch's masks");
        w.Line($"// are drawn first; the mean reads masked embeddings and the head site masks {(layers == 0 ? "the mean (the head's input)" : "every hidden layer's output")} in place.");
        w.Open($"private float TrainForward(LgIntSpan tokens, int rows, LgReadOnlySpan targets, LgSpan outputs, float[] ws, int[] ints)");
        w.Line($"BeginDropout(tokens, rows);");
        w.Line($"if (_dropEmb) DropoutMeanEmbedding(tokens, rows, ws, {A(0)}, ints, 0);");
        w.Line($"else MeanEmbedding(tokens, rows, SequenceLength, ws, {A(0)}, ints, 0);");
        if (layers == 0) w.Line($"if (_dropHead) DropoutRows(ws, {A(0)}, A0, rows, 0, {width[0]});");
        for (int l = 0; l < layers; l++)
        {
            w.Line($"Layer(rows, ws, {A(l)}, A{l}, {width[l]}, {A(l + 1)}, A{l + 1}, packT: {packT[l]}, packB: {packB[l]});");
            w.Line($"if (_dropHead) DropoutRows(ws, {A(l + 1)}, A{l + 1}, rows, {l}, {width[l + 1]});");
        }
        w.Line($"return HeadForward(rows, ws, {A(layers)}, A{layers}, TrainLogits(rows), targets, outputs);");
        w.Close();
        w.Line();

        w.Line($$"""
            // Head; then per layer, last first: dZ = ∂L/∂a_out where a_out > 0 (else 0); ∂L/∂Wᵀ = a_inᵀ·dZ and ∂L/∂b = Σ_b dZ;
            // ∂L/∂a_in = dZ·W (one GEMM each over all rows); finally ∂L/∂embedding[token] += ∂L/∂a0[b]/n_b for each
            // non-padding token of row b. Dropout: each masked activation's gradient is multiplied by its mask first (a dropped
            // ReLU output then has dZ = 0), and the embedding gradient by the token's embedding mask.
            """);
        w.Open($"private void TrainBackward(LgIntSpan tokens, int rows, LgSpan gradients, float[] ws, int[] ints)");
        w.Line($"HeadBackward(rows, ws, {A(layers)}, A{layers}, TrainLogits(rows), {DA(layers)}, gradients);");
        if (layers == 0) w.Line($"if (_dropHead) DropoutRows(ws, {DA(0)}, A0, rows, 0, {width[0]});");
        for (int l = layers - 1; l >= 0; l--)
        {
            w.Line($"if (_dropHead) DropoutRows(ws, {DA(l + 1)}, A{l + 1}, rows, {l}, {width[l + 1]});");
            w.Line($"LayerBackward(rows, ws, {A(l)}, {DA(l)}, A{l}, {width[l]}, {A(l + 1)}, {DA(l + 1)}, A{l + 1}, {width[l + 1]}, Hidden{l}WeightOffset, Hidden{l}BiasOffset, packW: {packW[l]}, gradients);");
        }
        w.Line($$"""
            if (_dropEmb)
            {
                DropoutEmbeddingGradient(tokens, rows, ws, {{DA(0)}}, ints, gradients);
                return;
            }
            for (int b = 0; b < rows; b++)
            {
                int n = ints[b];
                if (n == 0) continue;
                LgReadOnlySpan dMean = new(ws, {{DA(0)}} + b * A0, EmbeddingSize);
                for (int t = 0; t < SequenceLength; t++)
                {
                    int token = tokens[b * SequenceLength + t];
                    if (token != 0) LgGemm.Axpy(1f / n, dMean, gradients.Slice(EmbeddingWeightOffset + token * EmbeddingSize, EmbeddingSize));
                }
            }
            """);
        w.Close();
    }
}
