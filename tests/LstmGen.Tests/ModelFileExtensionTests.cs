using LstmGen.Serialization;
using LstmGen.Tests.Models;
using LstmGen.TimeSeries;

namespace LstmGen.Tests;

/// <summary>An application's bytes in a model file's extension record: back from Inspect, the weights from Load.</summary>
public class ModelFileExtensionTests
{
    [Fact]
    public void AnExtensionRecordRoundTripsBesideTheWeightsOfADenseModel()
    {
        var model = new DenseLstmModel(seed: 4);
        SeriesScaler scaler = new StandardScaler().Fit([1f, 2f, 4f, 8f]);
        string path = Path.Combine(Path.GetTempPath(), $"lstmgen-ext-{Guid.NewGuid():N}.lstmgen");
        try
        {
            ModelFile.Save(model, path, vocabulary: null, System.Text.Encoding.UTF8.GetBytes(scaler.ToText()));
            ModelFileInfo info = ModelFile.Inspect(path);
            Assert.Equal(2, info.FormatVersion);
            Assert.Equal(scaler.ToText(), SeriesScaler.Parse(System.Text.Encoding.UTF8.GetString(info.Extension!)).ToText());
            var loaded = new DenseLstmModel(seed: 9);
            ModelFile.Load(loaded, path);
            Assert.Equal(model.Parameters.ToArray(), loaded.Parameters.ToArray());
            // A plain save has no extension.
            ModelFile.Save(model, path);
            Assert.Null(ModelFile.Inspect(path).Extension);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
