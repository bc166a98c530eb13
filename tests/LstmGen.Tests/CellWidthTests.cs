using LstmGen.Tests.Models;

namespace LstmGen.Tests;

/// <summary>
/// Every cell kernel's AVX-512 form (<c>…512</c>) against its AVX2 form (<c>…256</c>) on the same inputs, bit for bit:
/// both are written once against the generator's SIMD dialect, so they run the same operations lane for lane. Without
/// AVX-512 hardware the Vector512 form runs in software (exact IEEE per element), so these tests run on any AVX2 machine.
/// Models: HP a whole number of 16s (64, 16), and HP = 40 or 72 (16-unit blocks and an 8-unit AVX2 tail).
/// </summary>
public sealed class CellWidthTests
{
    private delegate void Kernel(float[][] buffers);

    private static int Padded(int h) => (h + 7) / 8 * 8;

    // Fills each buffer (lengths in floats) with values in [−scale, scale] (a few far out, to reach the clamps), runs both
    // forms on copies and asserts every float of every buffer is the same bits.
    private static void AssertSameBits(string name, int[] lengths, Kernel wide, Kernel narrow, int seed)
    {
        if (!VectorMath.IsAccelerated) return; // the AVX2 form needs AVX2 + FMA
        var rng = new Rng(seed);
        float[][] a = lengths.Select(n => Enumerable.Range(0, n).Select(i => i % 37 == 5 ? rng.NextUniform(-60f, 60f) : rng.NextUniform(-3f, 3f)).ToArray()).ToArray();
        float[][] b = a.Select(x => (float[])x.Clone()).ToArray();
        wide(a);
        narrow(b);
        for (int k = 0; k < a.Length; k++)
            for (int i = 0; i < a[k].Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(a[k][i]) == BitConverter.SingleToInt32Bits(b[k][i]),
                    $"{name}: buffer {k}, float {i}: 512 {a[k][i]:R}, 256 {b[k][i]:R}");
    }

    [Fact]
    public void Lstm_WideFormsEqualAvx2()
    {
        foreach (int seed in new[] { 1, 2 })
        {
            int hp = Padded(ReferenceModel.HiddenSize), g = 4 * hp;
            AssertSameBits("LSTM H=64 CellUpdate", [g, hp, hp], x => ReferenceModel.CellUpdate512(ref x[0][0], ref x[1][0], ref x[2][0]),
                x => ReferenceModel.CellUpdate256(ref x[0][0], ref x[1][0], ref x[2][0]), seed);
            AssertSameBits("LSTM H=64 TrainCellForward", [g, hp, hp, hp], x => ReferenceModel.TrainCellForward512(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]),
                x => ReferenceModel.TrainCellForward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]), seed);
            AssertSameBits("LSTM H=64 TrainCellBackward", [g, hp, hp, hp, hp], x => ReferenceModel.TrainCellBackward512(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0], ref x[4][0]),
                x => ReferenceModel.TrainCellBackward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0], ref x[4][0]), seed);

            hp = Padded(H33Model.HiddenSize); g = 4 * hp;
            AssertSameBits("LSTM H=33 CellUpdate", [g, hp, hp], x => H33Model.CellUpdate512(ref x[0][0], ref x[1][0], ref x[2][0]),
                x => H33Model.CellUpdate256(ref x[0][0], ref x[1][0], ref x[2][0]), seed);
            AssertSameBits("LSTM H=33 TrainCellForward", [g, hp, hp, hp], x => H33Model.TrainCellForward512(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]),
                x => H33Model.TrainCellForward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]), seed);
            AssertSameBits("LSTM H=33 TrainCellBackward", [g, hp, hp, hp, hp], x => H33Model.TrainCellBackward512(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0], ref x[4][0]),
                x => H33Model.TrainCellBackward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0], ref x[4][0]), seed);
        }
    }

    [Fact]
    public void Gru_WideFormsEqualAvx2()
    {
        foreach (int seed in new[] { 3, 4 })
        {
            int hp = Padded(GruH16Model.HiddenSize), g = 3 * hp;
            AssertSameBits("GRU H=16 CellUpdate", [g, g, hp], x => GruH16Model.CellUpdate512(ref x[0][0], ref x[1][0], ref x[2][0]),
                x => GruH16Model.CellUpdate256(ref x[0][0], ref x[1][0], ref x[2][0]), seed);
            AssertSameBits("GRU H=16 TrainCellForward", [g, g, hp], x => GruH16Model.TrainCellForward512(ref x[0][0], ref x[1][0], ref x[2][0]),
                x => GruH16Model.TrainCellForward256(ref x[0][0], ref x[1][0], ref x[2][0]), seed);
            AssertSameBits("GRU H=16 TrainCellBackward", [g, g, hp, hp], x => GruH16Model.TrainCellBackward512(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]),
                x => GruH16Model.TrainCellBackward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]), seed);

            hp = Padded(GruH33Model.HiddenSize); g = 3 * hp;
            AssertSameBits("GRU H=33 CellUpdate", [g, g, hp], x => GruH33Model.CellUpdate512(ref x[0][0], ref x[1][0], ref x[2][0]),
                x => GruH33Model.CellUpdate256(ref x[0][0], ref x[1][0], ref x[2][0]), seed);
            AssertSameBits("GRU H=33 TrainCellForward", [g, g, hp], x => GruH33Model.TrainCellForward512(ref x[0][0], ref x[1][0], ref x[2][0]),
                x => GruH33Model.TrainCellForward256(ref x[0][0], ref x[1][0], ref x[2][0]), seed);
            AssertSameBits("GRU H=33 TrainCellBackward", [g, g, hp, hp], x => GruH33Model.TrainCellBackward512(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]),
                x => GruH33Model.TrainCellBackward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]), seed);
        }
    }

    [Fact]
    public void Rnn_WideFormsEqualAvx2()
    {
        foreach (int seed in new[] { 5, 6 })
        {
            int hp = Padded(RnnH72Model.HiddenSize);
            AssertSameBits("RNN H=72 CellUpdate", [hp, hp], x => RnnH72Model.CellUpdate512(ref x[0][0], ref x[1][0]),
                x => RnnH72Model.CellUpdate256(ref x[0][0], ref x[1][0]), seed);
            AssertSameBits("RNN H=72 TrainCellForward", [hp, hp], x => RnnH72Model.TrainCellForward512(ref x[0][0], ref x[1][0]),
                x => RnnH72Model.TrainCellForward256(ref x[0][0], ref x[1][0]), seed);
            AssertSameBits("RNN H=72 TrainCellBackward", [hp, hp], x => RnnH72Model.TrainCellBackward512(ref x[0][0], ref x[1][0]),
                x => RnnH72Model.TrainCellBackward256(ref x[0][0], ref x[1][0]), seed);

            hp = Padded(RnnReferenceModel.HiddenSize);
            AssertSameBits("RNN H=64 CellUpdate", [hp, hp], x => RnnReferenceModel.CellUpdate512(ref x[0][0], ref x[1][0]),
                x => RnnReferenceModel.CellUpdate256(ref x[0][0], ref x[1][0]), seed);
            AssertSameBits("RNN H=64 TrainCellBackward", [hp, hp], x => RnnReferenceModel.TrainCellBackward512(ref x[0][0], ref x[1][0]),
                x => RnnReferenceModel.TrainCellBackward256(ref x[0][0], ref x[1][0]), seed);
        }
    }

    [Fact]
    public void WideActivations_InSoftware_EqualAvx2()
    {
        if (!VectorMath.IsAccelerated) return;
        // exp, σ and tanh over 16 lanes against two 8-lane halves, on every machine (the portable Vector512 API runs in
        // software without AVX-512); inputs across the clamps and specials.
        var xs = new List<float> { 0f, -0f, 1e30f, -1e30f, float.MaxValue, float.MinValue, 88.3f, -87.3f, 1e-30f, -1e-30f, 0.5f, -0.5f, 1.5f, -2.5f, 10f, -10f };
        for (double x = -100; x <= 100; x += 0.0391) xs.Add((float)x);
        while (xs.Count % 16 != 0) xs.Add(0.25f);
        for (int i = 0; i < xs.Count; i += 16)
        {
            float[] lanes = xs.GetRange(i, 16).ToArray();
            var wide = System.Runtime.Intrinsics.Vector512.Create(lanes);
            var lo = System.Runtime.Intrinsics.Vector256.Create(lanes.AsSpan(0, 8));
            var hi = System.Runtime.Intrinsics.Vector256.Create(lanes.AsSpan(8, 8));
            Same("exp", VectorMath.Exp(wide), VectorMath.Exp(lo), VectorMath.Exp(hi), lanes);
            Same("sigmoid", VectorMath.Sigmoid(wide), VectorMath.Sigmoid(lo), VectorMath.Sigmoid(hi), lanes);
            Same("tanh", VectorMath.Tanh(wide), VectorMath.Tanh(lo), VectorMath.Tanh(hi), lanes);
        }

        static void Same(string name, System.Runtime.Intrinsics.Vector512<float> wide, System.Runtime.Intrinsics.Vector256<float> lo,
            System.Runtime.Intrinsics.Vector256<float> hi, float[] lanes)
        {
            for (int l = 0; l < 16; l++)
            {
                float expected = l < 8 ? lo[l] : hi[l - 8];
                Assert.True(BitConverter.SingleToInt32Bits(wide[l]) == BitConverter.SingleToInt32Bits(expected), $"{name}({lanes[l]:R}): 16-lane {wide[l]:R}, 8-lane {expected:R}");
            }
        }
    }
}
