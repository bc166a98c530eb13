using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Per-row logit offsets for the training pass of a token recurrent model with one output row per sequence (the wide part
/// of a wide-and-deep model adds its logits there): <c>ComputeGradientsWithLogitOffsets</c> trains on z_b + o_b and
/// returns ∂L/∂z. The offsets live in a field the head reads only while that entry point runs, so the other entry points
/// pay one predictable branch per row (a local bool) and nothing else.
/// </summary>
internal static class LogitOffsetEmitter
{
    /// <summary>Whether the model gets the offsets entry point: token input, one output row per sequence.</summary>
    public static bool Applies(ModelPlan f) => !f.Dense && !f.ReturnSequences;

    /// <summary>The interface to add to the class declaration (with its leading comma), or empty.</summary>
    public static string Interface(ModelPlan f) => Applies(f) ? ", global::LstmGen.Training.ILogitOffsetModel" : "";

    /// <summary>The local read once per batch before the head loop (with a leading line break), or empty.</summary>
    public static string HeadLocal(ModelPlan f) => Applies(f) ? "\nbool logitOffsets = _logitOffsetsOn;" : "";

    /// <summary>The line after a row's logits z (row b) that adds its offsets (with a leading line break), or empty.</summary>
    public static string HeadHook(ModelPlan f) => Applies(f) ? "\n    if (logitOffsets) LgGemm.Axpy(1f, new LgReadOnlySpan(_logitOffsets, b * OutputSize, OutputSize), z);" : "";

    /// <summary>The offsets field, its flag and the public entry point.</summary>
    public static void Emit(SourceWriter w, ModelPlan f)
    {
        if (!Applies(f)) return;
        w.Line($$"""
            // The logit offsets of the running ComputeGradientsWithLogitOffsets call (rows × OutputSize), read by the head only
            // while _logitOffsetsOn is set.
            private float[] _logitOffsets = global::System.Array.Empty<float>();
            private bool _logitOffsetsOn;

            /// <summary>
            /// As <see cref="ComputeGradients(LgIntSpan, LgReadOnlySpan, LgSpan, LgSpan)"/>, but the head's logits of row b are
            /// z_b + <paramref name="logitOffsets"/>[b·{{f.O}} …] before the loss and the output activation (a wide-and-deep
            /// model's linear part adds its logits there). <paramref name="logitGradients"/> (empty, or B×{{f.O}}) receives
            /// ∂L/∂z of the same batch-mean loss, which is also ∂L/∂offsets, so a linear part can be trained with exactly the
            /// loss the network sees. Offsets of 0 give the same gradients, bit for bit, as ComputeGradients.
            /// </summary>
            /// <exception cref="global::System.ArgumentException">Spans of the wrong length, token ids out of range, or targets the loss cannot take.</exception>
            public float ComputeGradientsWithLogitOffsets(LgIntSpan tokens, LgReadOnlySpan targets, LgReadOnlySpan logitOffsets, LgSpan logitGradients, LgSpan gradients, LgSpan outputs)
            {
                if (tokens.Length == 0 || tokens.Length % SequenceLength != 0) LgThrow.NotWholeRows(nameof(tokens), tokens.Length, SequenceLength);
                int rows = tokens.Length / SequenceLength;
                if (logitOffsets.Length != rows * OutputSize) LgThrow.WrongLength(nameof(logitOffsets), logitOffsets.Length, rows * OutputSize, "batch × OutputSize");
                if (!logitGradients.IsEmpty && logitGradients.Length != rows * OutputSize) LgThrow.WrongLength(nameof(logitGradients), logitGradients.Length, rows * OutputSize, "batch × OutputSize, or empty");
                if (_logitOffsets.Length < rows * OutputSize) _logitOffsets = new float[rows * OutputSize];
                logitOffsets.CopyTo(_logitOffsets);
                float loss;
                _logitOffsetsOn = true;
                try
                {
                    loss = ComputeGradients(tokens, targets, gradients, outputs);
                }
                finally
                {
                    _logitOffsetsOn = false;
                }
                if (!logitGradients.IsEmpty) new LgReadOnlySpan(_train, TrainDLogits(rows), rows * OutputSize).CopyTo(logitGradients);
                return loss;
            }

            """);
    }
}
