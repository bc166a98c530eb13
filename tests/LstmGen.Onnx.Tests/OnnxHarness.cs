using Microsoft.ML.OnnxRuntime;

namespace LstmGen.Onnx.Tests;

/// <summary>Exports models, runs them in ONNX Runtime, and makes seeded inputs with padding in every position.</summary>
internal static class OnnxHarness
{
    /// <summary>Outputs agree when |expected − actual| ≤ <see cref="Absolute"/> + <see cref="Relative"/>·|expected|.</summary>
    public const double Absolute = 1e-5, Relative = 1e-5;

    public static byte[] Export(ISequenceModel model)
    {
        using var stream = new MemoryStream();
        OnnxExporter.Export(model, stream);
        return stream.ToArray();
    }

    /// <summary>A one-thread session, as the benchmarks use.</summary>
    public static InferenceSession Session(byte[] onnx)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        return new InferenceSession(onnx, options);
    }

    /// <summary>Runs <paramref name="rows"/> rows of <paramref name="t"/> token ids and returns rows × <paramref name="outputs"/> values.</summary>
    public static float[] Run(InferenceSession session, ReadOnlySpan<int> tokens, int rows, int t, int outputs)
    {
        var ids = new long[rows * t];
        for (int i = 0; i < ids.Length; i++) ids[i] = tokens[i];
        using var input = OrtValue.CreateTensorValueFromMemory(ids, [rows, t]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results =
            session.Run(runOptions, [OnnxExporter.InputName], [input], [OnnxExporter.OutputName]);
        Assert.Equal([rows, outputs], results[0].GetTensorTypeAndShape().Shape);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>
    /// Seeded rows cycling through the padding patterns: none, leading, in the middle, trailing, scattered (about 30 %),
    /// and leading + middle + trailing together; then a row with a single token in the middle and a row of padding only.
    /// </summary>
    public static int[] Tokens(int patternRows, int t, int vocabulary, int seed)
    {
        var rng = new Random(seed);
        int rows = patternRows + 2;
        var tokens = new int[rows * t];
        for (int r = 0; r < patternRows; r++)
        {
            Span<int> row = tokens.AsSpan(r * t, t);
            for (int i = 0; i < t; i++) row[i] = rng.Next(1, vocabulary);
            int quarter = Math.Max(1, t / 4);
            switch (r % 6)
            {
                case 1: row[..rng.Next(1, t - 1)].Clear(); break;
                case 2: row.Slice(rng.Next(1, t / 2), rng.Next(1, quarter + 1)).Clear(); break;
                case 3: row[rng.Next(1, t - 1)..].Clear(); break;
                case 4:
                    for (int i = 0; i < t; i++) if (rng.NextDouble() < 0.3) row[i] = 0;
                    break;
                case 5:
                    row[..rng.Next(1, quarter + 1)].Clear();
                    row.Slice(t / 2 - quarter / 2, Math.Max(1, quarter / 2)).Clear();
                    row[(t - rng.Next(1, quarter + 1))..].Clear();
                    break;
            }
        }
        tokens[patternRows * t + t / 2] = rng.Next(1, vocabulary);
        return tokens;
    }

    /// <summary>Overwrites the named parameters (all when none are named) with uniform values in [−scale, scale].</summary>
    public static void Randomize(ISequenceModel model, int seed, float scale, params string[] names)
    {
        var rng = new Random(seed);
        using ParameterUpdate update = model.BeginParameterUpdate();
        Span<float> parameters = update.Values;
        foreach (ParameterInfo info in model.ParameterLayout)
        {
            if (names.Length > 0 && !names.Contains(info.Name)) continue;
            Span<float> tensor = parameters.Slice(info.Offset, info.Length);
            for (int i = 0; i < tensor.Length; i++) tensor[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        }
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs((double)expected[i] - actual[i]);
            double allowed = Absolute + Relative * Math.Abs(expected[i]);
            Assert.True(diff <= allowed,
                $"{what}: value {i}: ONNX Runtime {actual[i]:R} vs LstmGen {expected[i]:R} (|Δ| = {diff:E2} > {allowed:E2}).");
        }
    }

    /// <summary>
    /// Exports <paramref name="model"/>, runs seeded padded rows (<see cref="Tokens"/>) in ONNX Runtime and checks them
    /// against <c>PredictBatch</c> (folded and unfolded) and <c>Predict</c> per row, and one row alone against the batch.
    /// </summary>
    public static void CheckParity(ISequenceModel model, int patternRows, int seed)
    {
        ModelShape shape = model.Shape;
        int t = shape.SequenceLength, o = shape.OutputSize;
        int[] tokens = Tokens(patternRows, t, shape.VocabularySize, seed);
        int rows = tokens.Length / t;

        using InferenceSession session = Session(Export(model));
        float[] onnx = Run(session, tokens, rows, t, o);

        // The outputs must depend on the input (a constant graph would otherwise pass against a constant model).
        Assert.Contains(onnx, value => Math.Abs(value - onnx[0]) > 1e-3);

        var batch = new float[rows * o];
        foreach (bool folded in new[] { true, false })
        {
            model.UseFoldedEmbedding = folded;
            model.PredictBatch(tokens, batch);
            AssertClose(batch, onnx, $"PredictBatch (folded: {folded})");
        }

        var single = new float[o];
        for (int r = 0; r < rows; r++)
        {
            model.Predict(tokens.AsSpan(r * t, t), single);
            AssertClose(single, onnx.AsSpan(r * o, o), $"Predict row {r}");
        }

        // Batch size is a free dimension: one row alone gives the same as in the batch.
        float[] alone = Run(session, tokens.AsSpan(2 * t, t), 1, t, o);
        AssertClose(onnx.AsSpan(2 * o, o), alone, "row 2 alone vs in the batch");
    }
}
