using System.Buffers;
using LstmGen.Text;
using Microsoft.ML.Transforms;

namespace LstmGen.ML;

/// <summary>What kind of input column a transformer reads.</summary>
internal enum InputKind
{
    Text = 0,
    Tokens = 1,
}

/// <summary>One trained model and, for text input, its vectorizer: the state an LstmGen transformer scores rows with.</summary>
internal sealed class LstmGenScorer
{
    public LstmGenScorer(ISequenceModel model, InputKind kind, TextVectorizer? vectorizer)
    {
        if (model.Shape.OutputSize != 1 || model.Shape.Output != OutputActivation.Sigmoid)
            throw new ArgumentException(
                $"An ML.NET binary classifier needs a model with OutputSize = 1 and Output = Sigmoid; {model.GetType().Name} has OutputSize = {model.Shape.OutputSize}, Output = {model.Shape.Output}.",
                nameof(model));
        if (kind == InputKind.Text && vectorizer is null) throw new ArgumentNullException(nameof(vectorizer), "Text input needs a vectorizer.");
        Model = model;
        Kind = kind;
        Vectorizer = vectorizer;
    }

    public ISequenceModel Model { get; }

    public InputKind Kind { get; }

    public TextVectorizer? Vectorizer { get; }

    /// <summary>The mapping ML.NET runs per row for a text column.</summary>
    public void MapText(LstmGenTextRow row, LstmGenPrediction prediction)
    {
        int t = Model.Shape.SequenceLength;
        int[] tokens = ArrayPool<int>.Shared.Rent(t);
        try
        {
            // Fills all t ids (truncated, padded with 0), as training encoded the rows.
            Vectorizer!.Encode(row.Text ?? "", tokens.AsSpan(0, t));
            Score(tokens.AsSpan(0, t), prediction);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(tokens);
        }
    }

    /// <summary>The mapping ML.NET runs per row for a token-vector column.</summary>
    public void MapTokens(LstmGenTokenRow row, LstmGenPrediction prediction)
    {
        float[] values = row.Tokens ?? [];
        int t = Model.Shape.SequenceLength;
        if (values.Length > t)
            throw new ArgumentException($"A token row has {values.Length} ids; the model reads at most {t}.", nameof(row));
        int[] tokens = ArrayPool<int>.Shared.Rent(t);
        try
        {
            ToIds(values, tokens.AsSpan(0, values.Length), "A token row");
            Score(tokens.AsSpan(0, values.Length), prediction);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(tokens);
        }
    }

    /// <summary>Token ids from a Single vector: each must be a whole number (the model checks the range).</summary>
    internal static void ToIds(ReadOnlySpan<float> values, Span<int> ids, string what)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float v = values[i];
            if (!(v >= 0 && v <= int.MaxValue) || v != MathF.Floor(v))
                throw new ArgumentException($"{what}: token {i} is {v}; token ids are whole numbers ≥ 0 (0 = padding).", nameof(values));
            ids[i] = (int)v;
        }
    }

    // Score is the model's raw logit z (PredictLogits), Probability σ(z) exactly as Predict computes it.
    private void Score(ReadOnlySpan<int> tokens, LstmGenPrediction prediction)
    {
        Span<float> output = stackalloc float[1];
        Model.PredictLogits(tokens, output);
        prediction.Score = output[0];
        VectorMath.ApplyOutputActivation(OutputActivation.Sigmoid, output);
        prediction.Probability = output[0];
        prediction.PredictedLabel = output[0] >= 0.5f;
    }
}

/// <summary>
/// Recreates the text mapping of an LstmGen transformer when ML.NET loads a model file (ML.NET finds it by its contract
/// name). Only <see cref="LstmGenModelOperations.LoadWithLstmGen(Microsoft.ML.ModelOperationsCatalog, Stream, out Microsoft.ML.DataViewSchema)"/>
/// can supply the weights, so a plain <c>mlContext.Model.Load</c> of such a file fails with a message that says so.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class LstmGenTextMappingFactory : CustomMappingFactory<LstmGenTextRow, LstmGenPrediction>
{
    /// <summary>The contract name saved in ML.NET model files.</summary>
    public const string ContractName = "LstmGen.ML.TextScorer";

    /// <inheritdoc/>
    public override Action<LstmGenTextRow, LstmGenPrediction> GetMapping() => LoadScope.Take(InputKind.Text).MapText;
}

/// <summary>The token-vector counterpart of <see cref="LstmGenTextMappingFactory"/>.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class LstmGenTokenMappingFactory : CustomMappingFactory<LstmGenTokenRow, LstmGenPrediction>
{
    /// <summary>The contract name saved in ML.NET model files.</summary>
    public const string ContractName = "LstmGen.ML.TokenScorer";

    /// <inheritdoc/>
    public override Action<LstmGenTokenRow, LstmGenPrediction> GetMapping() => LoadScope.Take(InputKind.Tokens).MapTokens;
}
