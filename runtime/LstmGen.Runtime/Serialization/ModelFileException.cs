namespace LstmGen.Serialization;

/// <summary>What is wrong with a model file that <see cref="ModelFile"/> refused to read.</summary>
public enum ModelFileError
{
    /// <summary>The data does not start with the model-file magic bytes: it is another kind of file.</summary>
    NotAModelFile = 0,

    /// <summary>The file was written by a newer (or unknown) version of the format.</summary>
    UnsupportedVersion = 1,

    /// <summary>The data ends before the record does.</summary>
    Truncated = 2,

    /// <summary>A field holds an impossible value (a negative size, an unknown flag, invalid UTF-8, …).</summary>
    Corrupt = 3,

    /// <summary>The stored CRC-32 does not match the bytes: the file was damaged after it was written.</summary>
    ChecksumMismatch = 4,

    /// <summary>The file is intact but holds a model of other sizes than the model it is loaded into.</summary>
    ShapeMismatch = 5,

    /// <summary>The file is intact but its parameter tensors (names, shapes, architecture) differ from the model's.</summary>
    LayoutMismatch = 6,

    /// <summary>A file holds more bytes after the end of the record.</summary>
    TrailingData = 7,

    /// <summary>The file is intact but a weight is NaN or ±∞ (the message names the tensor and element).</summary>
    NonFiniteWeight = 8,
}

/// <summary>
/// A model file could not be read: <see cref="Error"/> says which kind of problem, the message says exactly what
/// (expected versus found, byte counts, field names). The model being loaded is left unchanged.
/// </summary>
/// <param name="error">The kind of problem.</param>
/// <param name="message">What is wrong, for people.</param>
/// <param name="innerException">The underlying exception, if any.</param>
public sealed class ModelFileException(ModelFileError error, string message, Exception? innerException = null)
    : IOException(message, innerException)
{
    /// <summary>The kind of problem.</summary>
    public ModelFileError Error { get; } = error;
}
