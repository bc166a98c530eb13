using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>The per-step (ReturnSequences) PyTorch fixtures whose shape a generated model has, for the numerics check.</summary>
internal static class SequenceChecks
{
    /// <summary>True when <paramref name="fixture"/> is one of them; then it was checked through <paramref name="check"/>.</summary>
    public static bool TryRun(string fixture, Action<bool, string> check)
    {
        if (fixture is "seq_lstm_dense" or "seq_gru_dense") return Dense(fixture, check);
        if (fixture != "seq_lstm_lm") return false;
        TorchFixture fx = TorchFixture.Load(fixture);
        var model = new SeqLstmLmModel();
        foreach (ParameterInfo p in model.ParameterLayout) model.SetParameter(p.Name, fx.Floats(p.Name));
        int[] tokens = fx.Ints("tokens"), classes = fx.Ints("targets");
        float[] expected = fx.Floats("probabilities");
        var outputs = new float[expected.Length];
        // Per-step probabilities within 2e-5 of PyTorch (0 at padded steps), folded and unfolded; the loss and every
        // gradient within 1e-5 + 1e-4·|g|.
        foreach (bool folded in new[] { true, false })
        {
            model.UseFoldedEmbedding = folded;
            model.PredictBatch(tokens, outputs);
            for (int i = 0; i < expected.Length; i++)
                check(Math.Abs(outputs[i] - expected[i]) <= 2e-5, $"{fixture} output {i} folded={folded}: PyTorch {expected[i]:R}, got {outputs[i]:R}");
        }
        var gradients = new float[SeqLstmLmModel.ParameterCount];
        float loss = model.ComputeGradients(tokens, classes, gradients, default);
        check(Math.Abs(loss - fx.Floats("loss")[0]) <= 1e-5, $"{fixture} loss: PyTorch {fx.Floats("loss")[0]:R}, got {loss:R}");
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            float[] g = fx.Floats("grad." + p.Name);
            for (int i = 0; i < p.Length; i++)
                check(Math.Abs(gradients[p.Offset + i] - g[i]) <= 1e-5 + 1e-4 * Math.Abs(g[i]), $"{fixture} grad {p.Name}[{i}]: PyTorch {g[i]:E5}, got {gradients[p.Offset + i]:E5}");
        }
        return true;
    }

    // A dense per-step fixture: outputs within 2e-5 (0 past each row's length, whose 99s are never read), the loss and
    // every gradient within 1e-5 + 1e-4·|g|.
    private static bool Dense(string fixture, Action<bool, string> check)
    {
        TorchFixture fx = TorchFixture.Load(fixture);
        IDenseTrainableModel model = fixture == "seq_lstm_dense" ? new SeqLstmDenseModel() : new SeqGruDenseModel();
        foreach (ParameterInfo p in model.ParameterLayout) model.SetParameter(p.Name, fx.Floats(p.Name));
        float[] inputs = fx.Floats("inputs"), expected = fx.Floats("probabilities");
        int[] lengths = fx.Ints("lengths");
        var outputs = new float[expected.Length];
        model.PredictBatch(inputs, lengths, outputs);
        for (int i = 0; i < expected.Length; i++)
            check(Math.Abs(outputs[i] - expected[i]) <= 2e-5, $"{fixture} output {i}: PyTorch {expected[i]:R}, got {outputs[i]:R}");
        var gradients = new float[model.ParameterCount];
        float loss = model.ComputeGradients(inputs, lengths, fx.Floats("targets"), gradients, default);
        check(Math.Abs(loss - fx.Floats("loss")[0]) <= 1e-5, $"{fixture} loss: PyTorch {fx.Floats("loss")[0]:R}, got {loss:R}");
        foreach (ParameterInfo p in model.ParameterLayout)
        {
            float[] g = fx.Floats("grad." + p.Name);
            for (int i = 0; i < p.Length; i++)
                check(Math.Abs(gradients[p.Offset + i] - g[i]) <= 1e-5 + 1e-4 * Math.Abs(g[i]), $"{fixture} grad {p.Name}[{i}]: PyTorch {g[i]:E5}, got {gradients[p.Offset + i]:E5}");
        }
        return true;
    }
}
