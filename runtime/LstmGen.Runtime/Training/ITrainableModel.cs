namespace LstmGen.Training;

/// <summary>
/// What every trainable generated model offers whatever its input: replicas for data-parallel gradients. The token and
/// dense interfaces below add their ComputeGradients.
/// </summary>
public interface IGradientModel : IGeneratedModel
{
    /// <summary>
    /// A model of the same type that shares this model's parameter buffer but owns its caches and workspaces, so that
    /// gradients can be computed on it and on this model at the same time (data-parallel training). A write through
    /// either is seen by both.
    /// </summary>
    IGradientModel CreateReplica();
}

/// <summary>A generated token model that can compute gradients of its loss (chosen by its output activation).</summary>
public interface ITrainableModel : ISequenceModel, IGradientModel
{
    /// <summary>
    /// Forward and backward pass for a batch: <paramref name="tokens"/> holds B rows of exactly SequenceLength ids,
    /// <paramref name="targets"/> B×OutputSize values. Overwrites <paramref name="gradients"/> (ParameterCount values,
    /// PyTorch layout) with ∂L/∂θ of the batch-mean loss L and returns L. When <paramref name="outputs"/> is not empty
    /// (B×OutputSize), it receives the activated outputs of the forward pass, for metrics. The batch size is a runtime argument: the
    /// model's training workspace grows to the largest batch seen, then is reused without allocating.
    /// </summary>
    /// <remarks>Loss by output activation: Sigmoid → binary cross-entropy from logits; Softmax → softmax
    /// cross-entropy; Linear → mean squared error (mean over outputs and rows). The gradient of <c>embedding.weight</c>
    /// ([VocabularySize, EmbeddingSize], when the model has that table) is exactly zero in every row whose id is not in
    /// <paramref name="tokens"/>, as the lookup's gradient is; <see cref="TrainingStep"/> relies on it and reads only the
    /// batch's rows of that tensor.</remarks>
    float ComputeGradients(ReadOnlySpan<int> tokens, ReadOnlySpan<float> targets, Span<float> gradients, Span<float> outputs);

    /// <summary>
    /// A model of the same type that shares this model's parameter buffer but owns its caches and workspaces, so that
    /// <see cref="ComputeGradients"/> can run on it and on this model at the same time (data-parallel training). A write
    /// through either is seen by both.
    /// </summary>
    new ITrainableModel CreateReplica();
}

/// <summary>A generated dense-input model that can compute gradients of its loss (chosen by its output activation).</summary>
public interface IDenseTrainableModel : IDenseSequenceModel, IGradientModel
{
    /// <summary>
    /// Forward and backward pass for a batch: <paramref name="inputs"/> holds B rows of SequenceLength·InputSize features,
    /// <paramref name="lengths"/> B lengths in [1, SequenceLength] (PyTorch packed sequences), <paramref name="targets"/>
    /// B×OutputSize values. Overwrites <paramref name="gradients"/> (ParameterCount values) with ∂L/∂θ of the batch-mean
    /// loss L and returns L; <paramref name="outputs"/> (empty, or B×OutputSize) receives the activated outputs.
    /// </summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<float> targets, Span<float> gradients, Span<float> outputs);

    /// <summary>A replica sharing this model's parameters (see <see cref="IGradientModel.CreateReplica"/>).</summary>
    new IDenseTrainableModel CreateReplica();
}
