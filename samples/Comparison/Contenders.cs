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
        new("LSTM", seed => LongMemory(new MemoryLstm(seed)), seed => new SentimentLstm(seed), 3e-3f),
        new("CNN", seed => new MemoryCnn(seed), seed => new SentimentCnn(seed), 3e-3f),
        new("FeedForward", seed => new MemoryFeedForward(seed), seed => new SentimentFeedForward(seed), 3e-3f),
    ];

    /// <summary>Forget-gate bias for the memory task: σ(3) ≈ 0.95 keeps a cell's content for tens of steps at the start.</summary>
    public const float ForgetBias = 3f;

    // b_ih[f] + b_hh[f] = ForgetBias (Keras' unit_forget_bias sets 1, which forgets 27% per step: 0.73⁵⁰ ≈ 10⁻⁷).
    private static MemoryLstm LongMemory(MemoryLstm model)
    {
        model.LstmBiasIh.Slice(MemoryLstm.HiddenSize, MemoryLstm.HiddenSize).Fill(ForgetBias);
        return model;
    }
}
