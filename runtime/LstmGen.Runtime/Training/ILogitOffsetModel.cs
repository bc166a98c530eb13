namespace LstmGen.Training;

/// <summary>
/// A generated token model with one output row per sequence whose training pass takes per-row logit offsets: what a
/// wide-and-deep model needs to train a linear part jointly with the network (see <see cref="Text.WideAndDeepTrainer"/>).
/// </summary>
public interface ILogitOffsetModel : ITrainableModel
{
    /// <summary>
    /// As <see cref="ITrainableModel.ComputeGradients"/>, but row b's head logits are z_b + <paramref name="logitOffsets"/>
    /// (B×OutputSize) before the loss and the output activation; <paramref name="logitGradients"/> (empty, or
    /// B×OutputSize) receives ∂L/∂z of the same batch-mean loss L (= ∂L/∂offsets). Returns L. Offsets of 0 give the same
    /// gradients, bit for bit, as ComputeGradients.
    /// </summary>
    float ComputeGradientsWithLogitOffsets(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, ReadOnlySpan<float> logitOffsets, Span<float> logitGradients, Span<float> gradients, Span<float> outputs);
}
