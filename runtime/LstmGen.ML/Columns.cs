using Microsoft.ML.Data;

namespace LstmGen.ML;

/// <summary>
/// The input row the LstmGen mapping reads: the text column, copied under a reserved name by the transformer (so the
/// user's column may have any name). Public only because ML.NET builds its row mappers by reflection.
/// </summary>
public sealed class LstmGenTextRow
{
    /// <summary>The reserved column name the transformer copies the text column to.</summary>
    public const string ColumnName = "LstmGen.Text";

    /// <summary>The text (null is read as empty).</summary>
    [ColumnName(ColumnName)]
    public string? Text { get; set; }
}

/// <summary>
/// The input row the LstmGen mapping reads for a token-vector column: token ids (0 = padding) as a Single vector (ML.NET's
/// numeric type), copied under a reserved name by the transformer. Public only because ML.NET builds its row mappers by
/// reflection.
/// </summary>
public sealed class LstmGenTokenRow
{
    /// <summary>The reserved column name the transformer copies the token column to.</summary>
    public const string ColumnName = "LstmGen.Tokens";

    /// <summary>The token ids (whole numbers), at most the model's SequenceLength (shorter rows are padded with 0 at the end).</summary>
    [ColumnName(ColumnName)]
    [VectorType]
    public float[]? Tokens { get; set; }
}

/// <summary>
/// The columns the LstmGen transformer adds, with ML.NET's binary-classification names: <c>Score</c> (the logit),
/// <c>Probability</c> (the model's sigmoid output) and <c>PredictedLabel</c> (Probability ≥ 0.5). Use it as the output
/// type of a <c>PredictionEngine</c>.
/// </summary>
public sealed class LstmGenPrediction
{
    /// <summary>The raw score: the model's logit z (<c>PredictLogits</c>), so <see cref="Probability"/> = σ(z).</summary>
    public float Score { get; set; }

    /// <summary>The model's output probability.</summary>
    public float Probability { get; set; }

    /// <summary>Whether <see cref="Probability"/> is at least 0.5.</summary>
    public bool PredictedLabel { get; set; }
}
