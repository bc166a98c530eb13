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
        EmitPack(w, layers, width, packT, packW, packB);
        EmitForward(w, layers, width, packT, packB);
        BaselineShell.EmitPredict(w, plan);
        BaselineShell.EmitTraining(w, plan, "Padding is left out of the mean as in Predict, so it receives no gradient.");
        EmitTraining(w, layers, width, packT, packW, packB);
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
            public static global::System.ReadOnlySpan<int> HiddenSizes => new int[] { {{string.Join(", ", width.Skip(1))}} };

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

    private static void EmitPack(SourceWriter w, int layers, int[] width, int[] packT, int[] packW, int[] packB)
    {
        w.Line($"// Per layer: Wᵀ[k, i] = W[i, k] in [in, A(l+1)], W[i, k] in [out, A(l)], bias b[i] in [A(l+1)].");
        w.Open($"private void Pack(float[] p)");
        for (int l = 0; l < layers; l++)
            w.Line($"PackLayer(p, Hidden{l}WeightOffset, Hidden{l}BiasOffset, inputs: {width[l]}, outputs: {width[l + 1]}, inputPad: A{l}, outputPad: A{l + 1}, packT: {packT[l]}, packW: {packW[l]}, packB: {packB[l]});");
        w.Close();
        w.Line($$"""

            private void PackLayer(float[] p, int weight, int bias, int inputs, int outputs, int inputPad, int outputPad, int packT, int packW, int packB)
            {
                for (int i = 0; i < outputs; i++)
                {
                    for (int k = 0; k < inputs; k++)
                    {
                        float value = p[weight + i * inputs + k];
                        _packed[packT + k * outputPad + i] = value;
                        _packed[packW + i * inputPad + k] = value;
                    }
                    _packed[packB + i] = p[bias + i];
                }
            }

            """);
    }

    private static void EmitForward(SourceWriter w, int layers, int[] width, int[] packT, int[] packB)
    {
        w.Line($$"""
            // a0[b, :] = (1/n_b)·Σ_{t: token ≠ 0} embedding[token_t] over the n_b non-padding tokens of row b (zeros when n_b = 0);
            // padded columns zero. Stores n_b in ints[counts + b].
            private void MeanEmbedding(global::System.ReadOnlySpan<int> tokens, int rows, int rowLength, float[] ws, int a0, int[] ints, int counts)
            {
                for (int b = 0; b < rows; b++)
                {
                    global::System.Span<float> mean = new(ws, a0 + b * A0, A0);
                    mean.Clear();
                    int n = 0;
                    global::System.ReadOnlySpan<int> row = tokens.Slice(b * rowLength, rowLength);
                    for (int t = 0; t < row.Length; t++)
                    {
                        int token = row[t];
                        if (token == 0) continue; // padding is left out of the mean
                        global::LstmGen.Gemm.Axpy(1f, new global::System.ReadOnlySpan<float>(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, EmbeddingSize), mean.Slice(0, EmbeddingSize));
                        n++;
                    }
                    if (n > 0) LgMath.Scale(mean, 1f / n);
                    ints[counts + b] = n;
                }
            }

            // a_out[b, :] = ReLU(b + a_in[b, :]·Wᵀ) for all rows: one GEMM [rows, in]·[in, outPad], bias first, ReLU after.
            private void Layer(int rows, float[] ws, int input, int inputPad, int inputs, int output, int outputPad, int packT, int packB)
            {
                for (int b = 0; b < rows; b++) global::System.Array.Copy(_packed, packB, ws, output + b * outputPad, outputPad);
                global::LstmGen.Gemm.MultiplyAdd(rows, outputPad, inputs,
                    new global::System.ReadOnlySpan<float>(ws, input, (rows - 1) * inputPad + inputs), inputPad,
                    new global::System.ReadOnlySpan<float>(_packed, packT, inputs * outputPad), outputPad,
                    new global::System.Span<float>(ws, output, rows * outputPad), outputPad);
                Relu(new global::System.Span<float>(ws, output, rows * outputPad));
            }

            // x = max(x, 0) elementwise.
            private static void Relu(global::System.Span<float> x)
            {
                int i = 0;
                if (LgMath.IsAccelerated)
                {
                    ref float r = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
                    for (; i + 8 <= x.Length; i += 8) LgVector.StoreUnsafe(LgVector.Max(LgVector.LoadUnsafe(ref r, (nuint)i), LgVec.Zero), ref r, (nuint)i);
                }
                for (; i < x.Length; i++) x[i] = global::System.MathF.Max(x[i], 0f);
            }

            """);
        if (layers > 0)
        {
            ShellEmitter.EmitEnsureTable(w, "// Table[v, :] = embedding[v, :]·hidden.0.weightᵀ for every token v: one GEMM, [V, E] by [E, A1].",
                "A1", "global::System.Array.Clear(table);", $"new global::System.ReadOnlySpan<float>(_packed, {packT[0]}, EmbeddingSize * A1)");
            w.Line($$"""
                // Folded first layer: a1[b, :] = ReLU(b0 + (1/n_b)·Σ_{t: token ≠ 0} Table[token_t, :]) (just b0 when n_b = 0).
                private void FoldedFirstLayer(global::System.ReadOnlySpan<int> tokens, int rows, int rowLength, float[] table, float[] ws, int a1)
                {
                    for (int b = 0; b < rows; b++)
                    {
                        global::System.Span<float> z = new(ws, a1 + b * A1, A1);
                        z.Clear();
                        int n = 0;
                        global::System.ReadOnlySpan<int> row = tokens.Slice(b * rowLength, rowLength);
                        for (int t = 0; t < row.Length; t++)
                        {
                            int token = row[t];
                            if (token == 0) continue;
                            global::LstmGen.Gemm.Axpy(1f, new global::System.ReadOnlySpan<float>(table, token * A1, A1), z);
                            n++;
                        }
                        if (n > 0) LgMath.Scale(z, 1f / n);
                        global::LstmGen.Gemm.Axpy(1f, new global::System.ReadOnlySpan<float>(_packed, {{packB[0]}}, A1), z);
                    }
                    Relu(new global::System.Span<float>(ws, a1, rows * A1));
                }

                """);
        }
        w.Line($"// Up to TileRows rows: the mean embedding (or the folded first layer), each hidden layer, then the head per row.");
        w.Open($"private void Infer(global::System.ReadOnlySpan<int> tokens, int rows, int rowLength, global::System.Span<float> outputs, float[] scratch, int[] ints)");
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
        w.Line($"for (int b = 0; b < rows; b++) Head(ref scratch[ScratchA{layers} + b * A{layers}], outputs.Slice(b * OutputSize, OutputSize));");
        w.Close();
        w.Line();
    }

    private static void EmitTraining(SourceWriter w, int layers, int[] width, int[] packT, int[] packW, int[] packB)
    {
        // Offsets of a_l and ∂L/∂a_l in the training workspace, as C# expressions in `rows`.
        string A(int l) => l == 0 ? "TrainA(rows)" : $"TrainA(rows) + rows * ({Sum(Enumerable.Range(0, l).Select(m => $"A{m}"))})";
        string DA(int l) => l == 0 ? "TrainDA(rows)" : $"TrainDA(rows) + rows * ({Sum(Enumerable.Range(0, l).Select(m => $"A{m}"))})";

        w.Line($"// Forward over the batch, keeping every activation a_l and each row's token count.");
        w.Open($"private float TrainForward(global::System.ReadOnlySpan<int> tokens, int rows, global::System.ReadOnlySpan<float> targets, global::System.Span<float> outputs, float[] ws, int[] ints)");
        w.Line($"MeanEmbedding(tokens, rows, SequenceLength, ws, {A(0)}, ints, 0);");
        for (int l = 0; l < layers; l++)
            w.Line($"Layer(rows, ws, {A(l)}, A{l}, {width[l]}, {A(l + 1)}, A{l + 1}, packT: {packT[l]}, packB: {packB[l]});");
        w.Line($"return HeadForward(rows, ws, {A(layers)}, A{layers}, TrainLogits(rows), targets, outputs);");
        w.Close();
        w.Line();

        w.Line($$"""
            // Head; then per layer, last first: dZ = ∂L/∂a_out where a_out > 0 (else 0); ∂L/∂Wᵀ = a_inᵀ·dZ and ∂L/∂b = Σ_b dZ;
            // ∂L/∂a_in = dZ·W (one GEMM each over all rows); finally ∂L/∂embedding[token] += ∂L/∂a0[b]/n_b for each
            // non-padding token of row b.
            """);
        w.Open($"private void TrainBackward(global::System.ReadOnlySpan<int> tokens, int rows, global::System.Span<float> gradients, float[] ws, int[] ints)");
        w.Line($"HeadBackward(rows, ws, {A(layers)}, A{layers}, TrainLogits(rows), {DA(layers)}, gradients);");
        for (int l = layers - 1; l >= 0; l--)
        {
            w.Line($"LayerBackward(rows, ws, {A(l)}, {DA(l)}, A{l}, {width[l]}, {A(l + 1)}, {DA(l + 1)}, A{l + 1}, {width[l + 1]}, Hidden{l}WeightOffset, Hidden{l}BiasOffset, packW: {packW[l]}, gradients);");
        }
        w.Line($$"""
            for (int b = 0; b < rows; b++)
            {
                int n = ints[b];
                if (n == 0) continue;
                global::System.ReadOnlySpan<float> dMean = new(ws, {{DA(0)}} + b * A0, EmbeddingSize);
                for (int t = 0; t < SequenceLength; t++)
                {
                    int token = tokens[b * SequenceLength + t];
                    if (token != 0) global::LstmGen.Gemm.Axpy(1f / n, dMean, gradients.Slice(EmbeddingWeightOffset + token * EmbeddingSize, EmbeddingSize));
                }
            }
            """);
        w.Close();
        w.Line($$"""

            private void LayerBackward(int rows, float[] ws, int input, int dInput, int inputPad, int inputs, int output, int dOutput, int outputPad, int outputs,
                int weight, int bias, int packW, global::System.Span<float> gradients)
            {
                // dZ = ∂L/∂a_out where a_out > 0, else 0 (a select, so stale values in padded columns never leak), in place.
                for (int i = 0; i < rows * outputPad; i++)
                {
                    if (!(ws[output + i] > 0f)) ws[dOutput + i] = 0f;
                }
                // ∂L/∂Wᵀ [in, outPad] = a_inᵀ·dZ, then unpacked into PyTorch's [out, in]; ∂L/∂b = Σ_b dZ[b].
                global::System.Array.Clear(_gradT, 0, inputs * outputPad);
                global::LstmGen.Gemm.MultiplyAddTransA(inputs, outputPad, rows,
                    new global::System.ReadOnlySpan<float>(ws, input, (rows - 1) * inputPad + inputs), inputPad,
                    new global::System.ReadOnlySpan<float>(ws, dOutput, rows * outputPad), outputPad, _gradT, outputPad);
                for (int i = 0; i < outputs; i++)
                    for (int k = 0; k < inputs; k++) gradients[weight + i * inputs + k] = _gradT[k * outputPad + i];
                for (int b = 0; b < rows; b++)
                    global::LstmGen.Gemm.Axpy(1f, new global::System.ReadOnlySpan<float>(ws, dOutput + b * outputPad, outputs), gradients.Slice(bias, outputs));
                // ∂L/∂a_in [rows, inPad] = dZ·W.
                global::System.Array.Clear(ws, dInput, rows * inputPad);
                global::LstmGen.Gemm.MultiplyAdd(rows, inputPad, outputs,
                    new global::System.ReadOnlySpan<float>(ws, dOutput, (rows - 1) * outputPad + outputs), outputPad,
                    new global::System.ReadOnlySpan<float>(_packed, packW, outputs * inputPad), inputPad,
                    new global::System.Span<float>(ws, dInput, rows * inputPad), inputPad);
            }

            """);
    }
}
