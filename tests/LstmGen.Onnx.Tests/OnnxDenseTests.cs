namespace LstmGen.Onnx.Tests;

/// <summary>Dense-input models are not exported yet: the exporter says why, before any file is touched.</summary>
public sealed class OnnxDenseTests
{
    [Fact]
    public void A_dense_model_is_refused_with_the_reason_and_no_file_is_written()
    {
        var model = new OnnxDenseModel(seed: 1);
        using var stream = new MemoryStream();
        var error = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model, stream));
        Assert.Equal(OnnxExporter.DenseNotSupported, error.Message);
        Assert.Contains("InputSize", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, stream.Length);
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-dense-{Guid.NewGuid():N}.onnx");
        Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model, path));
        Assert.False(File.Exists(path));
        Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model.Shape, model.ParameterLayout, model.Parameters, stream));
    }
}
