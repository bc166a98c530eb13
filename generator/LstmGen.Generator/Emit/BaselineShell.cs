using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// The text CNN's and the feed-forward model's use of <see cref="ShellEmitter"/> (one HiddenSize constant for the head's
/// input, Keras initialisation per tensor, inference through <c>Infer</c> on tiles) plus what only they share: the dense
/// head's forward, loss and backward over a workspace. Each model supplies <c>Pack</c>, <c>Infer</c>,
/// <c>TrainForward</c>, <c>TrainBackward</c> and its workspace sizes.
/// </summary>
internal static class BaselineShell
{
    public static void Begin(SourceWriter w, ModelPlan s, string architecture, string summary)
        => ShellEmitter.Begin(w, s, architecture, summary, "IDropoutModel");

    public static void End(SourceWriter w, ModelPlan s) => ShellEmitter.End(w, s);

    /// <summary>Constants, parameter buffer and views, initialisation, caches and validation.</summary>
    public static void EmitCommon(SourceWriter w, ModelPlan s, string featuresDoc, string initDoc, bool folded = false)
    {
        ShellEmitter.EmitConstants(w, s, "", $$"""
            /// <summary>
            /// Width of the feature vector the dense head reads ({{featuresDoc}}); it is <see cref="global::LstmGen.ModelShape.HiddenSize"/>
            /// in <see cref="Shape"/> and the second dimension of <c>fc.weight</c>.
            /// </summary>
            public const int HiddenSize = {{s.Find<HeadPlan>()!.Features}};
            """);
        ShellEmitter.EmitParameters(w, s, "The model's sizes; <see cref=\"global::LstmGen.ModelShape.HiddenSize\"/> is the head's input width <see cref=\"HiddenSize\"/>.", intScratch: true,
            folded ? EmbeddingEmitter.PrepareFoldedTable : "");
        ShellEmitter.EmitResetParameters(w, initDoc, ShellEmitter.InitLines(s.Tensors));
        ShellEmitter.EmitCaches(w, intScratch: true);
    }

    /// <summary>Predict, Predict(span), PredictBatch: validation, then the model's <c>Infer</c> on tiles of rows; and the dense head.</summary>
    public static void EmitPredict(SourceWriter w, ModelPlan s)
    {
        ShellEmitter.EmitPredict(w, s, "Infer(tokens, 1, tokens.Length, output, Scratch(), IntScratch());", " in a per-thread workspace", """
            float[] scratch = Scratch();
            int[] ints = IntScratch();
            for (int row0 = 0; row0 < batch; row0 += TileRows)
            {
                int rows = global::System.Math.Min(TileRows, batch - row0);
                Infer(tokens.Slice(row0 * SequenceLength, rows * SequenceLength), rows, SequenceLength, outputs.Slice(row0 * OutputSize, rows * OutputSize), scratch, ints);
            }
            """);
        HeadEmitter.Emit(w, s.Output);
    }

    /// <summary>ComputeGradients (validation, workspace growth) and the head's training forward (loss) and backward.</summary>
    public static void EmitTraining(SourceWriter w, ModelPlan s, string passDoc)
    {
        ShellEmitter.EmitTrainingFields(w);
        w.Line();
        ShellEmitter.EmitComputeGradients(w, s, passDoc, """
            gradients.Clear();
            float loss = TrainForward(tokens, rows, targets, outputs, _train, _trainInts);
            TrainBackward(tokens, rows, gradients, _train, _trainInts);
            return loss;
            """);
        HeadEmitter.EmitTraining(w, s.Output);
    }
}
