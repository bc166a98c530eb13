namespace LstmGen.Generator.Emit;

/// <summary>
/// The feed-forward model's hidden Linear + ReLU layers, side by side: packing (Wᵀ for the forward GEMM, W for ∂L/∂a_in,
/// the bias), the forward GEMM with its ReLU, and the backward pass (the ReLU mask, ∂L/∂W, ∂L/∂b, ∂L/∂a_in).
/// </summary>
internal static class LinearLayerEmitter
{
    public static void EmitPack(SourceWriter w, int layers, int[] width, int[] packT, int[] packW, int[] packB)
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

    public static void EmitForward(SourceWriter w)
    {
        w.Line($$"""
            // a_out[b, :] = ReLU(b + a_in[b, :]·Wᵀ) for all rows: one GEMM [rows, in]·[in, outPad], bias first, ReLU after.
            private void Layer(int rows, float[] ws, int input, int inputPad, int inputs, int output, int outputPad, int packT, int packB)
            {
                for (int b = 0; b < rows; b++) LgArray.Copy(_packed, packB, ws, output + b * outputPad, outputPad);
                LgGemm.MultiplyAdd(rows, outputPad, inputs,
                    new LgReadOnlySpan(ws, input, (rows - 1) * inputPad + inputs), inputPad,
                    new LgReadOnlySpan(_packed, packT, inputs * outputPad), outputPad,
                    new LgSpan(ws, output, rows * outputPad), outputPad);
                Relu(new LgSpan(ws, output, rows * outputPad));
            }

            // x = max(x, 0) elementwise.
            private static void Relu(LgSpan x)
            {
                int i = 0;
                if (LgMath.IsAccelerated)
                {
                    ref float r = ref LgMarshal.GetReference(x);
                    for (; i + 8 <= x.Length; i += 8) LgVector.StoreUnsafe(LgVector.Max(LgVector.LoadUnsafe(ref r, (nuint)i), LgVec.Zero), ref r, (nuint)i);
                }
                for (; i < x.Length; i++) x[i] = global::System.MathF.Max(x[i], 0f);
            }

            """);
    }

    public static void EmitBackward(SourceWriter w)
    {
        w.Line($$"""

            private void LayerBackward(int rows, float[] ws, int input, int dInput, int inputPad, int inputs, int output, int dOutput, int outputPad, int outputs,
                int weight, int bias, int packW, LgSpan gradients)
            {
                // dZ = ∂L/∂a_out where a_out > 0, else 0 (a select, so stale values in padded columns never leak), in place.
                for (int i = 0; i < rows * outputPad; i++)
                {
                    if (!(ws[output + i] > 0f)) ws[dOutput + i] = 0f;
                }
                // ∂L/∂Wᵀ [in, outPad] = a_inᵀ·dZ, then unpacked into PyTorch's [out, in]; ∂L/∂b = Σ_b dZ[b].
                LgArray.Clear(_gradT, 0, inputs * outputPad);
                LgGemm.MultiplyAddTransA(inputs, outputPad, rows,
                    new LgReadOnlySpan(ws, input, (rows - 1) * inputPad + inputs), inputPad,
                    new LgReadOnlySpan(ws, dOutput, rows * outputPad), outputPad, _gradT, outputPad);
                for (int i = 0; i < outputs; i++)
                    for (int k = 0; k < inputs; k++) gradients[weight + i * inputs + k] = _gradT[k * outputPad + i];
                for (int b = 0; b < rows; b++)
                    LgGemm.Axpy(1f, new LgReadOnlySpan(ws, dOutput + b * outputPad, outputs), gradients.Slice(bias, outputs));
                // ∂L/∂a_in [rows, inPad] = dZ·W.
                LgArray.Clear(ws, dInput, rows * inputPad);
                LgGemm.MultiplyAdd(rows, inputPad, outputs,
                    new LgReadOnlySpan(ws, dOutput, (rows - 1) * outputPad + outputs), outputPad,
                    new LgReadOnlySpan(_packed, packW, outputs * inputPad), inputPad,
                    new LgSpan(ws, dInput, rows * inputPad), inputPad);
            }

            """);
    }
}
