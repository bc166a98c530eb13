using System.Linq;
using LstmGen.Generator.Model;

namespace LstmGen.Generator.Emit;

/// <summary>
/// Dropout in the text CNN's and the feed-forward model's training pass (never in Predict), with the recurrent models'
/// settings members (<see cref="DropoutEmitter.Settings"/>) and mask stream. Two sites: the embedding output, one mask
/// element per (row, step, feature) as <c>nn.Dropout</c> after <c>nn.Embedding</c> (drawn for the non-padding pairs
/// q = t·B + b only, as the recurrent models draw it, in the CNN's compaction order), and the head site, one mask per row: the CNN's pooled features (the head's input); the
/// feed-forward model's every hidden layer output (unit ℓ masks layer ℓ's output, the last one being the head's input),
/// or with no hidden layer the mean embedding. Input and Recurrent do not exist there and are refused when set. The
/// sites' flags are read once per batch (BeginDropout, the first thing TrainForward does), so with every rate 0 training
/// runs exactly the code it runs without dropout.
/// </summary>
internal static class BaselineDropoutEmitter
{
    /// <summary>The text CNN: the head site is one [rows, HiddenSize] block (the pooled features).</summary>
    public static void EmitTextCnn(SourceWriter w, ModelPlan plan)
    {
        EmitCommon(w, plan, "a text CNN", [plan.Find<HeadPlan>()!.Features],
            "the pooled features the head reads");
        w.Line($$"""
            // The n compacted rows at ws[x] (the non-padding tokens of rows 0 … rows−1 in order, E floats each) ⊙ the embedding
            // mask, whose row p is the same token's (BeginDropout drew it in this order). On X forward, on ∂L/∂X backward.
            private void DropoutCompacted(int rows, int n, float[] ws, int x)
                => global::LstmGen.Elementwise.Multiply(new LgSpan(ws, x, n * EmbeddingSize), new LgReadOnlySpan(_dropMasks!, DropEmb(rows), n * EmbeddingSize));

            """);
    }

    /// <summary>
    /// The feed-forward model: head unit ℓ is a [rows, <paramref name="hidden"/>[ℓ]] block for hidden layer ℓ's output; with
    /// no hidden layer one [rows, E] block for the mean embedding.
    /// </summary>
    public static void EmitFeedForward(SourceWriter w, ModelPlan plan, int[] hidden)
    {
        int[] units = hidden.Length == 0 ? [plan.E] : hidden;
        EmitCommon(w, plan, "a feed-forward model", units,
            hidden.Length == 0 ? "the mean embedding (there is no hidden layer)" : "unit ℓ = hidden layer ℓ's ReLU output");
        w.Line($$"""
            // The training mean with the embedding mask, per token before the mean (Keras' Dropout after Embedding):
            // a0[b, :] = (1/n_b)·Σ_{t: token ≠ 0} embedding[token_t] ⊙ m_p (zeros when n_b = 0), p counting the batch's
            // non-padding tokens row by row (the order BeginDropout drew their masks in); stores n_b.
            private void DropoutMeanEmbedding(LgIntSpan tokens, int rows, float[] ws, int a0, int[] ints, int counts)
            {
                float[] d = _dropMasks!;
                int p = 0;
                for (int b = 0; b < rows; b++)
                {
                    LgSpan mean = new(ws, a0 + b * A0, A0);
                    mean.Clear();
                    int n = 0;
                    for (int t = 0; t < SequenceLength; t++)
                    {
                        int token = tokens[b * SequenceLength + t];
                        if (token == 0) continue;
                        global::LstmGen.Elementwise.AddProduct(mean.Slice(0, EmbeddingSize), new LgReadOnlySpan(_parameters, EmbeddingWeightOffset + token * EmbeddingSize, EmbeddingSize),
                            new LgReadOnlySpan(d, DropEmb(rows) + p++ * EmbeddingSize, EmbeddingSize));
                        n++;
                    }
                    if (n > 0) LgMath.Scale(mean, 1f / n);
                    ints[counts + b] = n;
                }
            }

            // ∂L/∂embedding[token_t] += ((1/n_b)·∂L/∂a0[b]) ⊙ m_p for each non-padding token of row b (p as in the mean;
            // scales ∂L/∂a0 in place).
            private void DropoutEmbeddingGradient(LgIntSpan tokens, int rows, float[] ws, int da0, int[] ints, LgSpan gradients)
            {
                float[] d = _dropMasks!;
                int p = 0;
                for (int b = 0; b < rows; b++)
                {
                    int n = ints[b];
                    if (n == 0) continue;
                    LgSpan dMean = new(ws, da0 + b * A0, EmbeddingSize);
                    LgMath.Scale(dMean, 1f / n);
                    for (int t = 0; t < SequenceLength; t++)
                    {
                        int token = tokens[b * SequenceLength + t];
                        if (token != 0)
                            global::LstmGen.Elementwise.AddProduct(gradients.Slice(EmbeddingWeightOffset + token * EmbeddingSize, EmbeddingSize), dMean,
                                new LgReadOnlySpan(d, DropEmb(rows) + p++ * EmbeddingSize, EmbeddingSize));
                    }
                }
            }

            """);
    }

    // The settings, the mask layout, BeginDropout and DropoutRows, given the head site's unit widths.
    private static void EmitCommon(SourceWriter w, ModelPlan plan, string kind, int[] units, string headDoc)
    {
        string type = plan.Declaration.TypeName;
        string refuse(string rate) => $"if (s.{rate} > 0f) throw new global::System.InvalidOperationException(\"Dropout.{rate} is \" + s.{rate} + \" but {type} is {kind}, which has no recurrent layer; use Dropout.Embedding or Dropout.Head.\");";
        int total = units.Sum();
        // Unit u's block starts rows·(w_0 + … + w_{u−1}) after the embedding site's.
        string starts = units.Length == 1 ? "" : " + rows * (unit switch { " + string.Join(", ", units.Select((_, u) => $"{(u == units.Length - 1 ? "_" : u.ToString(System.Globalization.CultureInfo.InvariantCulture))} => {units.Take(u).Sum()}")) + " })";
        string fills = string.Join("\n", units.Select((width, u) =>
            $"        s.FillMask(global::LstmGen.Training.DropoutSite.Head, {u}, stream, batch, default, rows, {width}, new LgSpan(d, DropHead(rows, {u}), rows * {width}));"));
        w.Line($$"""
            {{DropoutEmitter.Settings("_dropEmb, _dropHead")}}

            // The non-padding pairs q = t·rows + b of the batch, row by row (the embedding site's mask rows).
            private int[]? _dropPairs;

            // The mask blocks of a batch of rows: the embedding site [m, E] (row p = the p-th non-padding token, row by row;
            // m ≤ SequenceLength·rows), then the head site, per unit a block [rows, width] ({{headDoc}}; {{(units.Length == 1 ? "width" : "widths")}} {{string.Join(", ", units)}}).
            private static int DropEmb(int rows) => 0;
            private static int DropHead(int rows, int unit) => SequenceLength * rows * EmbeddingSize{{starts}};
            private static int DropLength(int rows) => SequenceLength * rows * EmbeddingSize + rows * {{total}};

            // Reads the rates once per batch (refusing the sites this model does not have) and, when any is above 0, draws this
            // batch's masks (the embedding site's for the non-padding pairs, listed in _dropPairs).
            private void BeginDropout(LgIntSpan tokens, int rows)
            {
                global::LstmGen.Training.DropoutSettings s = _dropout;
                {{refuse("Input")}}
                {{refuse("Recurrent")}}
                _dropEmb = s.Embedding > 0f; _dropHead = s.Head > 0f;
                if (!(_dropEmb | _dropHead)) return;
                {{DropoutEmitter.Indent(DropoutEmitter.NextBatch, 4)}}
                if (_dropEmb)
                {
                    if (_dropPairs is null || _dropPairs.Length < SequenceLength * rows) _dropPairs = new int[SequenceLength * rows];
                    int[] pairs = _dropPairs;
                    int m = 0;
                    for (int b = 0; b < rows; b++)
                    {
                        for (int t = 0; t < SequenceLength; t++)
                        {
                            if (tokens[b * SequenceLength + t] != 0) pairs[m++] = t * rows + b;
                        }
                    }
                    s.FillMask(global::LstmGen.Training.DropoutSite.Embedding, 0, stream, batch, new LgIntSpan(pairs, 0, m), m, EmbeddingSize, new LgSpan(d, DropEmb(rows), m * EmbeddingSize));
                }
                if (_dropHead)
                {
            {{fills}}
                }
            }

            // Rows b < rows of `width` floats at ws[offset + b·ld] ⊙ head unit `unit`'s mask, in place: the features in the forward
            // pass, their gradient in the backward pass.
            private void DropoutRows(float[] ws, int offset, int ld, int rows, int unit, int width)
            {
                float[] d = _dropMasks!;
                int mask = DropHead(rows, unit);
                for (int b = 0; b < rows; b++)
                    global::LstmGen.Elementwise.Multiply(new LgSpan(ws, offset + b * ld, width), new LgReadOnlySpan(d, mask + b * width, width));
            }

            """);
    }
}
