namespace LstmGen.Training;

/// <summary>A generated model that can compute gradients of its loss (chosen by its output activation).</summary>
public interface ITrainableModel : ISequenceModel
{
    /// <summary>
    /// Forward and backward pass for a batch: <paramref name="tokens"/> holds B rows of exactly SequenceLength ids,
    /// <paramref name="targets"/> B×OutputSize values. Overwrites <paramref name="gradients"/> (ParameterCount values,
    /// PyTorch layout) with ∂L/∂θ of the batch-mean loss L and returns L. When <paramref name="outputs"/> is not empty
    /// (B×OutputSize), it receives the activated outputs of the forward pass, for metrics. The batch size is a runtime argument: the
    /// model's training workspace grows to the largest batch seen, then is reused without allocating.
    /// </summary>
    /// <remarks>Loss by output activation: Sigmoid → binary cross-entropy from logits; Softmax → softmax
    /// cross-entropy; Linear → mean squared error (mean over outputs and rows).</remarks>
    float ComputeGradients(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, Span<float> gradients, Span<float> outputs);

    /// <summary>
    /// A model of the same type that shares this model's parameter buffer but owns its caches and workspaces, so that
    /// <see cref="ComputeGradients"/> can run on it and on this model at the same time (data-parallel training). A write
    /// through either is seen by both.
    /// </summary>
    ITrainableModel CreateReplica();
}
