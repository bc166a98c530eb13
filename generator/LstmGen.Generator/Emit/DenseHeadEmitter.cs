using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>Emits the dense head: logits = fc.weight·h + fc.bias, then the output activation.</summary>
internal static class DenseHeadEmitter
{
    public static void Emit(SourceWriter w, Layout L, ModelSpec spec) => Emit(w, spec.Output);

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
