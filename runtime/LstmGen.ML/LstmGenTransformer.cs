using LstmGen.Text;
using LstmGen.Training;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace LstmGen.ML;

/// <summary>
/// A trained LstmGen model as an ML.NET transformer: reads the text (or token-vector) column and adds
/// <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> (<see cref="LstmGenPrediction"/>). Made by
/// <see cref="LstmGenBinaryClassifier{TModel}.Fit"/>; works in pipelines, <c>Transform</c> and <c>PredictionEngine</c>.
/// </summary>
/// <remarks>
/// Inside it is an ML.NET chain: a copy (or Int32 conversion) of the input column to a reserved name, then a
/// <c>CustomMapping</c> that runs <see cref="ISequenceModel.Predict"/> per row (thread-safe, so ML.NET may score rows in
/// parallel). Save it with <see cref="LstmGenModelOperations.SaveWithLstmGen(ModelOperationsCatalog, ITransformer, DataViewSchema?, Stream)"/>:
/// ML.NET's own <c>mlContext.Model.Save</c> cannot store the weights and is refused.
/// </remarks>
public sealed class LstmGenTransformer : ITransformer
{
    private readonly ITransformer _chain;

    internal LstmGenTransformer(LstmGenScorer scorer, ITransformer chain, TrainingHistory? history)
    {
        Scorer = scorer;
        _chain = chain;
        History = history;
    }

    internal LstmGenScorer Scorer { get; }

    /// <summary>The trained model (read its weights, export it, or keep training it outside ML.NET).</summary>
    public ISequenceModel Model => Scorer.Model;

    /// <summary>The vocabulary learned from the training texts (null for token-vector input).</summary>
    public Vocabulary? Vocabulary => Scorer.Vectorizer?.Vocabulary;

    /// <summary>What <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/> reported while fitting.</summary>
    public TrainingHistory? History { get; }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _chain.IsRowToRowMapper;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _chain.GetRowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _chain.Transform(input);

    /// <summary>Writes ML.NET's part of the model; only inside <see cref="LstmGenModelOperations.SaveWithLstmGen(ModelOperationsCatalog, ITransformer, DataViewSchema?, Stream)"/>.</summary>
    /// <exception cref="NotSupportedException">Called by a plain <c>mlContext.Model.Save</c>, which would drop the weights.</exception>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        if (!SaveScope.Active)
        {
            throw new NotSupportedException(
                "ML.NET's model file cannot hold an LstmGen model's weights by itself: save with "
                + "mlContext.Model.SaveWithLstmGen(model, schema, path) and load with mlContext.Model.LoadWithLstmGen(path, out schema) (namespace LstmGen.ML).");
        }
        _chain.Save(ctx);
    }
}
