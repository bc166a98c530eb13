using LstmGen;

namespace LstmGen.Tests.Models;

// Models at many sizes, generated at build time. Odd sizes exercise the padded gate layout and remainder blocks.

/// <summary>The reference workload: vocab 10,000, embedding 128, hidden 64, sequence 100, one sigmoid output.</summary>
[LstmModel(VocabularySize = 10_000, EmbeddingSize = 128, HiddenSize = 64, SequenceLength = 100, OutputSize = 1, Output = OutputActivation.Sigmoid)]
public sealed partial class ReferenceModel;

/// <summary>Matches the "small" PyTorch fixture.</summary>
[LstmModel(VocabularySize = 13, EmbeddingSize = 3, HiddenSize = 7, SequenceLength = 9)]
public sealed partial class SmallModel;

/// <summary>Matches the "softmax" PyTorch fixture.</summary>
[LstmModel(VocabularySize = 11, EmbeddingSize = 5, HiddenSize = 9, SequenceLength = 6, OutputSize = 3, Output = OutputActivation.Softmax)]
public sealed partial class SoftmaxModel;

/// <summary>One hidden unit, E = 3.</summary>
[LstmModel(VocabularySize = 5, EmbeddingSize = 3, HiddenSize = 1, SequenceLength = 7)]
public sealed partial class H1Model;

/// <summary>H = 33: five vectors per gate, a 20-vector gate block (two full register blocks and a remainder of 4).</summary>
[LstmModel(VocabularySize = 50, EmbeddingSize = 3, HiddenSize = 33, SequenceLength = 12, OutputSize = 2, Output = OutputActivation.Linear)]
public sealed partial class H33Model;

/// <summary>H = 16, E = 20, several sigmoid outputs.</summary>
[LstmModel(VocabularySize = 40, EmbeddingSize = 20, HiddenSize = 16, SequenceLength = 17, OutputSize = 4)]
public sealed partial class H16Model;

public static partial class Container
{
    /// <summary>A model nested in a partial static class.</summary>
    [LstmModel(VocabularySize = 30, EmbeddingSize = 8, HiddenSize = 24, SequenceLength = 10)]
    public sealed partial class NestedModel;
}

/// <summary>For the long-memory task: 50 steps, a small vocabulary.</summary>
[LstmModel(VocabularySize = 12, EmbeddingSize = 8, HiddenSize = 16, SequenceLength = 50)]
public sealed partial class MemoryTaskModel;
