using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>Emits the dense head: logits = fc.weight·h + fc.bias, then the output activation.</summary>
internal static class DenseHeadEmitter
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
            private void HeadLogits(ref float h, global::System.Span<float> z)
            {
                for (int o = 0; o < OutputSize; o++)
                {
                    float acc = _parameters[FcBiasOffset + o];
                    for (int d = 0; d < Directions; d++)
                    {
                        global::System.ReadOnlySpan<float> weights = new(_parameters, FcWeightOffset + o * FeatureSize + d * HiddenSize, HiddenSize);
                        acc += global::LstmGen.VectorMath.Dot(weights, global::System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref LgUnsafe.Add(ref h, d * HP), HiddenSize));
                    }
                    z[o] = acc;
                }
            }

            // The logits, then {{Activation(output)}}.
            private void Head(ref float h, global::System.Span<float> output)
            {
                HeadLogits(ref h, output);
                global::LstmGen.VectorMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{output}}, output);
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
        string activation = output switch
        {
            HeadActivation.Sigmoid => "y = σ(z) per output",
            HeadActivation.Softmax => "y = softmax(z)",
            _ => "y = z (linear)",
        };
        w.Line($$"""
            // z[o] = fc.bias[o] + Σ_j fc.weight[o, j]·h[j]; {{activation}}.
            private void Head(ref float h, global::System.Span<float> output)
            {
                global::System.ReadOnlySpan<float> hidden = global::System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref h, HiddenSize);
                for (int o = 0; o < OutputSize; o++)
                {
                    global::System.ReadOnlySpan<float> weights = new(_parameters, FcWeightOffset + o * HiddenSize, HiddenSize);
                    output[o] = _parameters[FcBiasOffset + o] + global::LstmGen.VectorMath.Dot(weights, hidden);
                }
                global::LstmGen.VectorMath.ApplyOutputActivation(global::LstmGen.OutputActivation.{{output}}, output);
            }
            """);
    }
}
