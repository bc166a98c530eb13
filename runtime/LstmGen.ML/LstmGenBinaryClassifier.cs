using LstmGen.Text;
using LstmGen.Training;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace LstmGen.ML;

/// <summary>Settings of <see cref="LstmGenBinaryClassifier{TModel}"/>.</summary>
public sealed class LstmGenBinaryOptions
{
    /// <summary>The label column: Boolean, or Single holding 0 or 1. Defaults to <c>Label</c>.</summary>
    public string LabelColumnName { get; init; } = "Label";

    /// <summary>
    /// The text column (Text). Defaults to <c>Text</c>. Ignored when <see cref="TokensColumnName"/> is set. The vocabulary
    /// is learned from it at fit time (at most the model's VocabularySize ids) and saved with the model.
    /// </summary>
    public string TextColumnName { get; init; } = "Text";

    /// <summary>
    /// A vector column of Single token ids (ML.NET's numeric type; whole numbers in [0, VocabularySize), 0 = padding,
    /// 1 = out-of-vocabulary, at most SequenceLength per row) to read instead of text.
    /// </summary>
    public string? TokensColumnName { get; init; }

    /// <summary>How <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/> trains the model (epochs, batch size, seed, optimizer, …).</summary>
    public FitOptions Fit { get; init; } = new();

    /// <summary>Words seen fewer times than this in the training texts become out-of-vocabulary (id 1). Defaults to 1.</summary>
    public int VocabularyMinCount { get; init; } = 1;
}

/// <summary>
/// An ML.NET estimator that trains a generated LstmGen model (any sigmoid model with one output: LSTM, GRU, RNN, text
/// CNN, feed-forward) as a binary classifier with the runtime's <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>, and gives an
/// <see cref="LstmGenTransformer"/> that adds <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c>, the columns
/// <c>mlContext.BinaryClassification.Evaluate</c> reads.
/// </summary>
/// <typeparam name="TModel">The generated model class (for example one declared with <c>[LstmModel(..., OutputSize = 1, Output = Sigmoid)]</c>).</typeparam>
public sealed class LstmGenBinaryClassifier<TModel> : IEstimator<LstmGenTransformer>
    where TModel : class, ITrainableModel
{
    private readonly MLContext _context;
    private readonly LstmGenBinaryOptions _options;
    private readonly Func<TModel> _createModel;

    /// <summary>Creates the estimator.</summary>
    /// <param name="context">The ML.NET context.</param>
    /// <param name="options">Columns and training settings (defaults when null).</param>
    /// <param name="createModel">Makes the untrained model (for example <c>() =&gt; new MyModel(seed: 42)</c>); when null, the
    /// generated constructor with seed 0.</param>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="ArgumentException">The model does not have one sigmoid output.</exception>
    public LstmGenBinaryClassifier(MLContext context, LstmGenBinaryOptions? options = null, Func<TModel>? createModel = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _options = options ?? new LstmGenBinaryOptions();
        _createModel = createModel ?? CreateWithSeedZero;
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.VocabularyMinCount, 1, nameof(options));
        // Checked now, not after a long read of the data.
        _ = new LstmGenScorer(_createModel(), InputKind.Tokens, null);
    }

    // The generated constructor is (int seed = 0), which reflection sees as a one-parameter constructor.
    private static TModel CreateWithSeedZero() => (TModel)Activator.CreateInstance(typeof(TModel), 0)!;

    private bool ReadsTokens => _options.TokensColumnName is not null;

    /// <summary>Reads the label and text (or token) columns, trains a new model on all rows and returns the transformer.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, a label is not 0 or 1, or a
    /// token row is too long (the message names the row).</exception>
    /// <exception cref="ArgumentException">A token id is not a whole number ≥ 0 (naming the row), or is out of range (from
    /// <see cref="Trainer.Fit(ITrainableModel, int[], float[], FitOptions?, IProgress{TrainingProgress}?, CancellationToken)"/>, naming its position).</exception>
    public LstmGenTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckColumns(input.Schema);
        TModel model = _createModel();
        int t = model.Shape.SequenceLength;

        ITransformer copy = ReadsTokens
            ? _context.Transforms.CopyColumns(LstmGenTokenRow.ColumnName, _options.TokensColumnName).Fit(input)
            : _context.Transforms.CopyColumns(LstmGenTextRow.ColumnName, _options.TextColumnName).Fit(input);
        IDataView copied = copy.Transform(input);
        float[] labels = ReadLabels(input);
        int[] tokens;
        TextVectorizer? vectorizer = null;
        if (ReadsTokens)
        {
            float[][] rows = copied.GetColumn<float[]>(LstmGenTokenRow.ColumnName).ToArray();
            tokens = new int[checked(rows.Length * t)];
            for (int r = 0; r < rows.Length; r++)
            {
                if (rows[r].Length > t)
                    throw new ArgumentOutOfRangeException(nameof(input), $"Row {r} of column '{_options.TokensColumnName}' has {rows[r].Length} tokens; the model reads at most {t}.");
                LstmGenScorer.ToIds(rows[r], tokens.AsSpan(r * t, rows[r].Length), $"Row {r} of column '{_options.TokensColumnName}'");
            }
        }
        else
        {
            string[] texts = copied.GetColumn<string>(LstmGenTextRow.ColumnName).Select(text => text ?? "").ToArray();
            vectorizer = TextVectorizer.Adapt(texts, maxSize: model.Shape.VocabularySize, minCount: _options.VocabularyMinCount);
            tokens = vectorizer.EncodeBatch(texts, t);
        }
        if (tokens.Length != labels.Length * t)
            throw new InvalidOperationException($"The data gave {labels.Length} labels but {tokens.Length / t} input rows.");

        TrainingHistory history = Trainer.Fit(model, tokens, labels, _options.Fit);
        var scorer = new LstmGenScorer(model, ReadsTokens ? InputKind.Tokens : InputKind.Text, vectorizer);
        ITransformer mapping = ReadsTokens
            ? _context.Transforms.CustomMapping<LstmGenTokenRow, LstmGenPrediction>(scorer.MapTokens, LstmGenTokenMappingFactory.ContractName).Fit(copied)
            : _context.Transforms.CustomMapping<LstmGenTextRow, LstmGenPrediction>(scorer.MapText, LstmGenTextMappingFactory.ContractName).Fit(copied);
        return new LstmGenTransformer(scorer, new TransformerChain<ITransformer>(copy, mapping), history);
    }

    /// <summary>The schema after the transformer: the input's columns plus the reserved copy and <c>Score</c>, <c>Probability</c>, <c>PredictedLabel</c>.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        string column = _options.TokensColumnName ?? _options.TextColumnName;
        if (!inputSchema.Any(c => c.Name == column))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"The input has no column '{column}'.");
        IEstimator<ITransformer> copy = _context.Transforms.CopyColumns(ReadsTokens ? LstmGenTokenRow.ColumnName : LstmGenTextRow.ColumnName, column);
        IEstimator<ITransformer> mapping = ReadsTokens
            ? _context.Transforms.CustomMapping<LstmGenTokenRow, LstmGenPrediction>((_, _) => { }, null)
            : _context.Transforms.CustomMapping<LstmGenTextRow, LstmGenPrediction>((_, _) => { }, null);
        return copy.Append(mapping).GetOutputSchema(inputSchema);
    }

    private void CheckColumns(DataViewSchema schema)
    {
        DataViewSchema.Column label = schema.GetColumnOrNull(_options.LabelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"The data has no label column '{_options.LabelColumnName}'.");
        if (label.Type != BooleanDataViewType.Instance && label.Type != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Label column '{label.Name}' is {label.Type}; expected Boolean or Single.");
        string column = _options.TokensColumnName ?? _options.TextColumnName;
        DataViewSchema.Column input = schema.GetColumnOrNull(column)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"The data has no column '{column}'.");
        bool ok = ReadsTokens ? input.Type is VectorDataViewType { ItemType: var item } && item == NumberDataViewType.Single : input.Type is TextDataViewType;
        if (!ok)
            throw new ArgumentOutOfRangeException(nameof(schema),
                $"Column '{column}' is {input.Type}; expected {(ReadsTokens ? "a vector of Single token ids" : "Text")}.");
    }

    private float[] ReadLabels(IDataView input)
    {
        string name = _options.LabelColumnName;
        if (input.Schema[name].Type == BooleanDataViewType.Instance)
            return input.GetColumn<bool>(name).Select(b => b ? 1f : 0f).ToArray();
        float[] labels = input.GetColumn<float>(name).ToArray();
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] is not (0f or 1f))
                throw new ArgumentOutOfRangeException(nameof(input), $"Row {i} of label column '{name}' is {labels[i]}; expected 0 or 1.");
        }
        return labels;
    }
}

/// <summary>Creates <see cref="ML.LstmGenBinaryClassifier{TModel}"/> estimators from an <see cref="MLContext"/>.</summary>
public static class LstmGenCatalog
{
    /// <summary>
    /// A binary classifier that trains <typeparamref name="TModel"/> (a generated LstmGen model with one sigmoid output)
    /// on the text column <paramref name="textColumnName"/> and the label column <paramref name="labelColumnName"/>.
    /// </summary>
    /// <example><code>
    /// var pipeline = mlContext.LstmGenBinaryClassifier&lt;SentimentModel&gt;("Label", "Text", new FitOptions { Epochs = 5 });
    /// </code></example>
    public static LstmGenBinaryClassifier<TModel> LstmGenBinaryClassifier<TModel>(this MLContext context,
        string labelColumnName = "Label", string textColumnName = "Text", FitOptions? fit = null, Func<TModel>? createModel = null)
        where TModel : class, ITrainableModel =>
        new(context, new LstmGenBinaryOptions { LabelColumnName = labelColumnName, TextColumnName = textColumnName, Fit = fit ?? new FitOptions() }, createModel);

    /// <summary>The same classifier with every setting of <see cref="LstmGenBinaryOptions"/> (for example a token-vector column).</summary>
    public static LstmGenBinaryClassifier<TModel> LstmGenBinaryClassifier<TModel>(this MLContext context, LstmGenBinaryOptions options,
        Func<TModel>? createModel = null)
        where TModel : class, ITrainableModel =>
        new(context, options, createModel);
}
