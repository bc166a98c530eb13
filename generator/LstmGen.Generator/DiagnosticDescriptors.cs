using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace LstmGen.Generator;

/// <summary>Every diagnostic the generator reports. Messages say how to fix the problem.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "LstmGen";

    public static readonly DiagnosticDescriptor NotPartial = new(
        "LSTMGEN001", "Model class must be partial",
        "The model class '{0}' must be declared 'partial' so LstmGen can add the generated members; add the 'partial' modifier",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        "LSTMGEN002", "Containing type must be partial",
        "The model class '{0}' is nested in '{1}', which is not 'partial'; add the 'partial' modifier to '{1}' or move the model out of it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor Generic = new(
        "LSTMGEN003", "Model class cannot be generic",
        "The model class '{0}' is generic or nested in a generic type; generated sizes are fixed, so declare a non-generic class",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NonPositiveSize = new(
        "LSTMGEN004", "Size must be positive",
        "{0} is {1}, but it must be a positive integer; set {0} to a value of at least 1",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor TooLarge = new(
        "LSTMGEN005", "Model is too large",
        "The model needs {0} floats for {1}, more than a .NET array can hold ({2}); reduce VocabularySize, EmbeddingSize or HiddenSize",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SoftmaxNeedsTwoOutputs = new(
        "LSTMGEN006", "Softmax needs two or more outputs",
        "Output is Softmax but OutputSize is {0}; a softmax over one output is always 1, so use OutputActivation.Sigmoid for a binary task or set OutputSize to the number of classes",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor MissingSize = new(
        "LSTMGEN007", "Required size of a recurrent model not set",
        "[{2}] on '{0}' does not set {1}; add '{1} = …' to the attribute (a recurrent model needs VocabularySize, EmbeddingSize, HiddenSize and SequenceLength)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnknownOutput = new(
        "LSTMGEN008", "Unknown output activation",
        "Output is {0}, which is not an OutputActivation value; use OutputActivation.Sigmoid, Softmax or Linear",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor VocabularyTooSmall = new(
        "LSTMGEN009", "Vocabulary too small",
        "VocabularySize is {0}, but ids 0 (padding) and 1 (out-of-vocabulary) are reserved; set VocabularySize to at least 3",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor StaticClass = new(
        "LSTMGEN010", "Model class cannot be static",
        "The model class '{0}' is static, but a model holds weights per instance; remove the 'static' modifier",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotConstant = new(
        "LSTMGEN011", "Attribute value must be a constant",
        "{0} could not be read as a constant; use an integer literal or const",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor SeveralModelAttributes = new(
        "LSTMGEN012", "Only one model attribute per class",
        "The model class '{0}' already has [{1}], so [{2}] cannot also apply; keep one model attribute, or declare a second class for the other model",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor RecordModel = new(
        "LSTMGEN013", "Model must be a plain class",
        "'{0}' is a record, but a model is a plain partial class (a model holds mutable weights, so value equality does not fit); declare it as 'partial class'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor FileLocalModel = new(
        "LSTMGEN014", "Model class cannot be file-local",
        "'{0}' is file-local, so the generated code in another file cannot extend it; remove the 'file' modifier",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InputSizeWithTokens = new(
        "LSTMGEN015", "InputSize with token sizes",
        "'{0}' sets InputSize (dense float inputs) and {1} (token inputs); a recurrent model takes one kind of input, so remove InputSize for tokens or VocabularySize and EmbeddingSize for dense inputs",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NoInput = new(
        "LSTMGEN016", "No input size",
        "[{1}] on '{0}' sets neither InputSize nor VocabularySize and EmbeddingSize; add 'InputSize = …' for float features per step, or 'VocabularySize = …, EmbeddingSize = …' for token ids",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    // LSTMGEN020…: the non-recurrent models ([TextCnnModel], [FeedForwardModel]).

    public static readonly DiagnosticDescriptor MissingSetting = new(
        "LSTMGEN020", "Required setting of a baseline model not set",
        "[{2}] on '{0}' does not set {1}; add '{1} = …' to the attribute ([{2}] has no default for it)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NoKernelSizes = new(
        "LSTMGEN021", "No convolution kernel sizes",
        "KernelSizes lists no kernel width, so the CNN would have no convolution; list at least one width, for example KernelSizes = new[] { 3, 4, 5 }",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor KernelWiderThanSequence = new(
        "LSTMGEN022", "Kernel wider than the sequence",
        "KernelSizes[{0}] is {1}, wider than SequenceLength {2}, so no window could ever fit; use a width of at most {2} or a longer SequenceLength",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = Index(
        NotPartial, ContainingTypeNotPartial, Generic, NonPositiveSize, TooLarge, SoftmaxNeedsTwoOutputs,
        MissingSize, UnknownOutput, VocabularyTooSmall, StaticClass, NotConstant, SeveralModelAttributes, RecordModel, FileLocalModel, InputSizeWithTokens, NoInput,
        MissingSetting, NoKernelSizes, KernelWiderThanSequence);

    public static DiagnosticDescriptor ById(string id) => s_byId[id];

    private static Dictionary<string, DiagnosticDescriptor> Index(params DiagnosticDescriptor[] descriptors)
    {
        var map = new Dictionary<string, DiagnosticDescriptor>();
        foreach (DiagnosticDescriptor d in descriptors) map.Add(d.Id, d);
        return map;
    }
}
