using System.Linq;

namespace LstmGen.Generator.Model;

/// <summary>
/// One model, resolved once by the parser (<see cref="Planner"/>) and read by every emitter: the declaration, the layers
/// in data-flow order, every parameter tensor, every workspace block and every array the model allocates. Plain values
/// only, compared by value, so equal plans cache across compilations; diagnostics travel apart from it.
/// </summary>
internal sealed record ModelPlan(
    DeclarationSpec Declaration,
    string Attribute,
    int V,
    int E,
    int T,
    int O,
    HeadActivation Output,
    int TileRows,
    EquatableArray<LayerPlan> Layers,
    EquatableArray<TensorPlan> Tensors,
    EquatableArray<BlockPlan> Scratch,
    EquatableArray<TrainingBlockPlan> Training,
    EquatableArray<BufferPlan> Buffers)
{
    public string HintName => Declaration.HintName;

    /// <summary>A dense-input model: <see cref="E"/> float features per step, no vocabulary (<see cref="V"/> = 0).</summary>
    public bool Dense => Find<DenseInputPlan>() is not null;

    /// <summary>Trainable scalars: the length of the parameter buffer.</summary>
    public int ParameterCount => Floats(Planner.ParametersBuffer);

    /// <summary>The first layer of type <typeparamref name="TLayer"/>, or null.</summary>
    public TLayer? Find<TLayer>() where TLayer : LayerPlan => Layers.OfType<TLayer>().FirstOrDefault();

    /// <summary>The layers of type <typeparamref name="TLayer"/>, in order.</summary>
    public TLayer[] All<TLayer>() where TLayer : LayerPlan => Layers.OfType<TLayer>().ToArray();

    /// <summary>True when the head runs at every step (<c>ReturnSequences</c>): outputs and targets per step.</summary>
    public bool ReturnSequences => Find<HeadPlan>()?.EveryStep == true;

    /// <summary>Length in floats of the buffer named <paramref name="name"/>.</summary>
    public int Floats(string name) => Buffers.First(b => b.Name == name).Floats;
}

/// <summary>Output activations, mirroring <c>LstmGen.OutputActivation</c> by value.</summary>
internal enum HeadActivation
{
    Sigmoid = 0,
    Softmax = 1,
    Linear = 2,
}

/// <summary>Recurrent cells, mirroring <c>LstmGen.RecurrentCell</c> by value.</summary>
internal enum CellKind
{
    Lstm = 0,
    Gru = 1,
    Rnn = 2,
}

/// <summary>How a parameter tensor is initialised (Keras defaults).</summary>
internal enum Init
{
    /// <summary>Embedding: uniform in [−0.05, 0.05].</summary>
    EmbeddingUniform,
    /// <summary>Glorot-uniform with the given fan-in and fan-out.</summary>
    Glorot,
    /// <summary>Zero (biases).</summary>
    Zero,
    /// <summary>Initialised by the model's own code (the recurrent units).</summary>
    Custom,
}

/// <summary>
/// One named tensor in the parameter buffer: PyTorch name, C# property stem, shape, offset, initialiser, doc text, and
/// whether it gets a named view property (otherwise it is reached by name or offset constant only).
/// </summary>
internal sealed record TensorPlan(string Name, string Property, EquatableArray<int> Shape, int Offset, Init Init, int FanIn, int FanOut, string Doc, bool View = true)
{
    public int Length => Shape.Aggregate(1, (a, b) => a * b);

    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>A block of the per-thread inference workspace: offset and length in floats, and its shape (the comment beside the offset).</summary>
internal sealed record BlockPlan(string Name, int Offset, int Length, string Shape);

/// <summary>
/// A block of the training workspace of a batch of <c>rows</c> rows: its length as a C# expression in <c>rows</c> and its
/// shape; <paramref name="Ints"/> for the int workspace. An unnamed block gets no offset method, its shape is a comment.
/// </summary>
internal sealed record TrainingBlockPlan(string Name, string Length, string Shape, bool Ints = false);

/// <summary>An array the generated model allocates (parameters, packed weights, table, workspace) and its length in floats.</summary>
internal sealed record BufferPlan(string Name, int Floats, string What);

/// <summary>One layer of a model's data flow.</summary>
internal abstract record LayerPlan;

/// <summary>The token embedding; <paramref name="Folded"/> when inference reads a folded table [V, FoldedWidth] instead.</summary>
internal sealed record EmbeddingPlan(int Vocabulary, int Width, bool Folded, int FoldedWidth) : LayerPlan;

/// <summary>Dense inputs: <paramref name="Features"/> floats per step feed the recurrent layer 0 directly (no embedding, no table).</summary>
internal sealed record DenseInputPlan(int Features) : LayerPlan;

/// <summary>
/// The recurrent stack: cell × layers × directions, with its packed widths (each gate's H units padded to Hp lanes).
/// Every derived size is computed once by the planner, in long, and stored.
/// </summary>
internal sealed record RecurrentPlan(
    CellKind Cell, int Input, int H, int Layers, int D, int Gates, int Hp, int Gp, int G, int F, int DHp, int DGp,
    int UnitSize0, int UnitSizeN, int WeightIhOffset) : LayerPlan
{
    /// <summary>Recurrent units (layer, direction).</summary>
    public int Units => Layers * D;

    /// <summary>
    /// Row stride of the packed W_hhᵀ: Gp, plus 16 floats when a row is a whole number of KiB, where the k rows of one GEMM
    /// column panel would fall into a few L1 sets and evict each other (the product's bits do not depend on the stride).
    /// </summary>
    public int Wp => Gp * 4 % 1024 == 0 ? Gp + 16 : Gp;

    /// <summary>The LSTM's memory cell c.</summary>
    public bool HasCellState => Cell == CellKind.Lstm;

    /// <summary>The GRU keeps the recurrent part W_hh·h + b_hh apart from the input part.</summary>
    public bool SeparateRecurrent => Cell == CellKind.Gru;
}

/// <summary>The text CNN's convolution branches (Conv1d + ReLU), filters padded to whole GEMM panels.</summary>
internal sealed record ConvPlan(int Filters, int PaddedFilters, EquatableArray<ConvBranch> Branches) : LayerPlan
{
    /// <summary>Concatenated pooled features: Filters per branch.</summary>
    public int Features => Filters * Branches.Length;
}

/// <summary>One convolution branch: kernel width, and where its packed Wᵀ and W start in _convT and _convRows.</summary>
internal sealed record ConvBranch(int Width, int PackT, int PackR);

/// <summary>How a sequence becomes one vector before the dense layers.</summary>
internal enum PoolingKind
{
    /// <summary>Global max over time (the CNN, per filter).</summary>
    MaxOverTime,
    /// <summary>Mean of the non-padding embeddings (the feed-forward baseline).</summary>
    MeanOfTokens,
}

/// <summary>Pooling over the sequence.</summary>
internal sealed record PoolingPlan(PoolingKind Kind) : LayerPlan;

/// <summary>Hidden Linear + ReLU layer <paramref name="Index"/>: widths, padded widths and its packed Wᵀ, W and bias offsets.</summary>
internal sealed record LinearPlan(int Index, int Inputs, int Outputs, int PaddedInputs, int PaddedOutputs, int PackT, int PackW, int PackB) : LayerPlan;

/// <summary>
/// The dense head: <paramref name="Features"/> inputs, the model's outputs and activation; <paramref name="EveryStep"/>
/// when it reads the top layer's h at every step (<c>ReturnSequences</c>) instead of the final state.
/// </summary>
internal sealed record HeadPlan(int Features, int Outputs, HeadActivation Activation, bool EveryStep = false) : LayerPlan;
