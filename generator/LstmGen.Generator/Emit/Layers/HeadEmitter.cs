using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>Emits the dense head: logits = fc.weight·h + fc.bias (the public Predict methods apply the output activation).</summary>
internal static class HeadEmitter
{
    /// <summary>
    /// HeadLogits, the head's logits. A recurrent model's head reads the top layer's final state of
    /// each direction, Directions blocks of HP floats (h_forward at 0, h_reverse at HP), against fc.weight
    /// [OutputSize, Directions·HiddenSize]; the other models' head reads HiddenSize contiguous features.
    /// </summary>
    public static void Emit(SourceWriter w, HeadActivation output, RecurrentPlan? recurrent = null)
    {
        string features = recurrent is null ? "h" : recurrent.D == 2 ? "[h_fwd; h_rev], each direction's h a block of HP floats" : "h, a block of HP floats";
        w.Line($"// z[o] = fc.bias[o] + Σ_j fc.weight[o, j]·features[j], features = {features}.");
        using (w.Block($"private void HeadLogits(ref float h, LgSpan z)"))
        using (w.Block($"for (int o = 0; o < OutputSize; o++)"))
        {
            w.Line($"float acc = _parameters[FcBiasOffset + o];");
            if (recurrent is null)
            {
                w.Line($"acc += LgMath.Dot(new LgReadOnlySpan(_parameters, FcWeightOffset + o * HiddenSize, HiddenSize), LgMarshal.CreateReadOnlySpan(ref h, HiddenSize));");
            }
            else
            {
                using (w.Block($"for (int d = 0; d < Directions; d++)"))
                {
                    w.Line($"LgReadOnlySpan weights = new(_parameters, FcWeightOffset + o * FeatureSize + d * HiddenSize, HiddenSize);");
                    w.Line($"acc += LgMath.Dot(weights, LgMarshal.CreateReadOnlySpan(ref LgUnsafe.Add(ref h, d * HP), HiddenSize));");
                }
            }
            w.Line($"z[o] = acc;");
        }
        w.Line();
    }

    /// <summary>
    /// The head's training forward (logits and loss, <c>HeadForward</c>) and backward (<c>HeadBackward</c>) over a
    /// workspace, for the models whose feature width is their <c>HiddenSize</c> constant.
    /// </summary>
    public static void EmitTraining(SourceWriter w, HeadActivation output)
    {
        w.Line($$"""
            // Head and loss for rows b < B, features x_b = ws[features + b·ld …]: z = fc.weight·x_b + fc.bias into
            // ws[logits + b·O]; ∂L/∂z = (1/B)·∂ℓ/∂z into ws[logits + B·O + b·O]; returns the batch-mean loss L = (1/B)·Σ_b ℓ_b.
            private float HeadForward(int rows, float[] ws, int features, int ld, int logits, LgReadOnlySpan targets, LgSpan outputs)
            {
                float loss = 0f;
                float scale = 1f / rows;
                for (int b = 0; b < rows; b++)
                {
                    LgSpan z = new(ws, logits + b * OutputSize, OutputSize);
                    HeadLogits(ref ws[features + b * ld], z);
                    loss += global::LstmGen.Training.Losses.RowLossAndGradient(global::LstmGen.OutputActivation.{{output}}, z, targets.Slice(b * OutputSize, OutputSize),
                        new LgSpan(ws, logits + (rows + b) * OutputSize, OutputSize), scale);
                    if (!outputs.IsEmpty)
                    {
                        LgSpan y = outputs.Slice(b * OutputSize, OutputSize);
                        z.CopyTo(y);
                        LgMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{output}}, y);
                    }
                }
                return loss * scale;
            }

            // ∂L/∂fc.weight = Σ_b dz_b ⊗ x_b, ∂L/∂fc.bias = Σ_b dz_b (added to gradients), and ∂L/∂x_b = fc.weightᵀ·dz_b
            // written over ws[dFeatures + b·ld …] (the first HiddenSize columns; cleared first).
            private void HeadBackward(int rows, float[] ws, int features, int ld, int logits, int dFeatures, LgSpan gradients)
            {
                for (int b = 0; b < rows; b++)
                {
                    LgSpan dx = new(ws, dFeatures + b * ld, HiddenSize);
                    dx.Clear();
                    LgReadOnlySpan x = new(ws, features + b * ld, HiddenSize);
                    for (int o = 0; o < OutputSize; o++)
                    {
                        float dz = ws[logits + (rows + b) * OutputSize + o];
                        gradients[FcBiasOffset + o] += dz;
                        LgGemm.Axpy(dz, x, gradients.Slice(FcWeightOffset + o * HiddenSize, HiddenSize));
                        LgGemm.Axpy(dz, new LgReadOnlySpan(_parameters, FcWeightOffset + o * HiddenSize, HiddenSize), dx);
                    }
                }
            }

            """);
    }
}
