using LstmGen.Training;

namespace LstmGen.Samples.Comparison;

/// <summary>One model kind in the comparison, with its model for each task and its learning rate.</summary>
/// <param name="Name">Short name for tables and charts.</param>
/// <param name="Memory">Creates the memory-task model for a seed.</param>
/// <param name="Sentiment">Creates the sentiment model for a seed.</param>
/// <param name="LearningRate">Adam's learning rate for this kind.</param>
public sealed record Contender(string Name, Func<int, ITrainableModel> Memory, Func<int, ITrainableModel> Sentiment, float LearningRate)
{
    /// <summary>Every kind, in the order tables list them.</summary>
    public static IReadOnlyList<Contender> All { get; } =
    [
        new("RNN", seed => new MemoryRnn(seed), seed => new SentimentRnn(seed), 3e-3f),
        new("GRU", seed => LongMemory(new MemoryGru(seed)), seed => new SentimentGru(seed), 3e-3f),
        new("LSTM", seed => LongMemory(new MemoryLstm(seed)), seed => new SentimentLstm(seed), 3e-3f),
        new("CNN", seed => new MemoryCnn(seed), seed => new SentimentCnn(seed), 3e-3f),
        new("FeedForward", seed => new MemoryFeedForward(seed), seed => new SentimentFeedForward(seed), 3e-3f),
    ];

    /// <summary>
    /// Gate bias for the memory task: σ(3) ≈ 0.95 keeps a gated cell's content for tens of steps from the start (a common
    /// initialisation for long dependencies). The simple RNN has no gate to bias: that is the point of the comparison.
    /// </summary>
    public const float KeepBias = 3f;

    // LSTM: b_ih[f] + b_hh[f] = KeepBias (Keras' unit_forget_bias sets 1, which forgets 27% per step: 0.73⁵⁰ ≈ 10⁻⁷).
    private static MemoryLstm LongMemory(MemoryLstm model)
    {
        using (ParameterUpdate update = model.BeginParameterUpdate())
            update.Tensor("lstm.bias_ih_l0").Slice(MemoryLstm.HiddenSize, MemoryLstm.HiddenSize).Fill(KeepBias);
        return model;
    }

    // GRU: h' = (1 − z)⊙n + z⊙h, so b_iz = KeepBias makes z ≈ 0.95 and h mostly kept (zero biases start z at ½).
    private static MemoryGru LongMemory(MemoryGru model)
    {
        using (ParameterUpdate update = model.BeginParameterUpdate())
            update.Tensor("gru.bias_ih_l0").Slice(MemoryGru.HiddenSize, MemoryGru.HiddenSize).Fill(KeepBias);
        return model;
    }
}
