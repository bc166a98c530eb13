using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>Emits the dense head: logits = fc.weight·h + fc.bias, then the output activation.</summary>
internal static class HeadEmitter
{
    /// <summary>
    /// The head of a recurrent model: it reads the top layer's final state of each direction, stored as Directions blocks
    /// of HP floats (h_forward at 0, h_reverse at HP), against fc.weight [OutputSize, Directions·HiddenSize].
    /// </summary>
    public static void Emit(SourceWriter w, RecurrentPlan L, HeadActivation output)
    {
        string features = L.D == 2 ? "[h_fwd; h_rev]" : "h";
        w.Line($$"""
            // z[o] = fc.bias[o] + Σ_j fc.weight[o, j]·features[j], features = {{features}}, each direction's h a block of HP floats.
            private void HeadLogits(ref float h, LgSpan z)
            {
                for (int o = 0; o < OutputSize; o++)
                {
                    float acc = _parameters[FcBiasOffset + o];
                    for (int d = 0; d < Directions; d++)
                    {
                        LgReadOnlySpan weights = new(_parameters, FcWeightOffset + o * FeatureSize + d * HiddenSize, HiddenSize);
                        acc += LgMath.Dot(weights, LgMarshal.CreateReadOnlySpan(ref LgUnsafe.Add(ref h, d * HP), HiddenSize));
                    }
                    z[o] = acc;
                }
            }

            // The logits, then {{Activation(output)}}.
            private void Head(ref float h, LgSpan output)
            {
                HeadLogits(ref h, output);
                LgMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{output}}, output);
            }

            """);
    }

    private static string Activation(HeadActivation output) => output switch
    {
        HeadActivation.Sigmoid => "y = σ(z) per output",
        HeadActivation.Softmax => "y = softmax(z)",
        _ => "y = z (linear)",
    };

    /// <summary>The head for any model whose feature width is its <c>HiddenSize</c> constant.</summary>
    public static void Emit(SourceWriter w, HeadActivation output)
    {
        w.Line($$"""
            // z[o] = fc.bias[o] + Σ_j fc.weight[o, j]·h[j]; {{Activation(output)}}.
            private void Head(ref float h, LgSpan output)
            {
                LgReadOnlySpan hidden = LgMarshal.CreateReadOnlySpan(ref h, HiddenSize);
                for (int o = 0; o < OutputSize; o++)
                {
                    LgReadOnlySpan weights = new(_parameters, FcWeightOffset + o * HiddenSize, HiddenSize);
                    output[o] = _parameters[FcBiasOffset + o] + LgMath.Dot(weights, hidden);
                }
                LgMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{output}}, output);
            }
            """);
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
                    LgReadOnlySpan x = new(ws, features + b * ld, HiddenSize);
                    for (int o = 0; o < OutputSize; o++)
                        z[o] = _parameters[FcBiasOffset + o] + LgMath.Dot(new LgReadOnlySpan(_parameters, FcWeightOffset + o * HiddenSize, HiddenSize), x);
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
