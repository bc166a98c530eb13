using System.Runtime.Intrinsics;
using LstmGen.Tests.Models;
using LstmGen.Training;

namespace LstmGen.Tests;

/// <summary>
/// The 128-bit path (x64 without AVX2, ARM64 AdvSimd) against the 256-bit one on the same inputs, bit for bit: the cell
/// kernels' <c>…128</c> forms against <c>…256</c>, the 4-lane activations against 8-lane halves, the GEMM tiles and the
/// optimizers' loops. Both run here in hardware (Vector128 with FMA3 on an AVX2 machine), which is the arithmetic ARM64's
/// fused AdvSimd does. Without FMA (an x64 CPU without AVX2, or DOTNET_EnableAVX2=0 in CI) the 128-bit path rounds twice;
/// the model tests against the double reference cover that run, and the GEMM test below checks it against double here.
/// </summary>
public sealed class NarrowWidthTests
{
    private delegate void Kernel(float[][] buffers);

    private static int Padded(int h) => (h + 7) / 8 * 8;

    // Both forms on copies of the same random buffers (a few values far out, to reach the clamps); every float must match.
    private static void AssertSameBits(string name, int[] lengths, Kernel narrow, Kernel avx2, int seed)
    {
        if (!VectorMath.IsAccelerated || !VectorMath.IsNarrowFused) return; // the 256 form needs AVX2 + FMA
        var rng = new Rng(seed);
        float[][] a = lengths.Select(n => Enumerable.Range(0, n).Select(i => i % 37 == 5 ? rng.NextUniform(-60f, 60f) : rng.NextUniform(-3f, 3f)).ToArray()).ToArray();
        float[][] b = a.Select(x => (float[])x.Clone()).ToArray();
        narrow(a);
        avx2(b);
        for (int k = 0; k < a.Length; k++)
            for (int i = 0; i < a[k].Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(a[k][i]) == BitConverter.SingleToInt32Bits(b[k][i]),
                    $"{name}: buffer {k}, float {i}: 128 {a[k][i]:R}, 256 {b[k][i]:R}");
    }

    [Fact]
    public void Lstm_NarrowFormsEqualAvx2()
    {
        foreach (int seed in new[] { 1, 2 })
        {
            int hp = Padded(ReferenceModel.HiddenSize), g = 4 * hp;
            AssertSameBits("LSTM H=64 CellUpdate", [g, hp, hp], x => ReferenceModel.CellUpdate128(ref x[0][0], ref x[1][0], ref x[2][0]),
                x => ReferenceModel.CellUpdate256(ref x[0][0], ref x[1][0], ref x[2][0]), seed);
            AssertSameBits("LSTM H=64 TrainCellForward", [g, hp, hp, hp], x => ReferenceModel.TrainCellForward128(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]),
                x => ReferenceModel.TrainCellForward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]), seed);
            AssertSameBits("LSTM H=64 TrainCellBackward", [g, hp, hp, hp, hp], x => ReferenceModel.TrainCellBackward128(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0], ref x[4][0]),
                x => ReferenceModel.TrainCellBackward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0], ref x[4][0]), seed);

            hp = Padded(H33Model.HiddenSize); g = 4 * hp;
            AssertSameBits("LSTM H=33 CellUpdate", [g, hp, hp], x => H33Model.CellUpdate128(ref x[0][0], ref x[1][0], ref x[2][0]),
                x => H33Model.CellUpdate256(ref x[0][0], ref x[1][0], ref x[2][0]), seed);
            AssertSameBits("LSTM H=33 TrainCellBackward", [g, hp, hp, hp, hp], x => H33Model.TrainCellBackward128(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0], ref x[4][0]),
                x => H33Model.TrainCellBackward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0], ref x[4][0]), seed);
        }
    }

    [Fact]
    public void Gru_NarrowFormsEqualAvx2()
    {
        foreach (int seed in new[] { 3, 4 })
        {
            foreach ((string name, int h, Action<float[][]> n128, Action<float[][]> n256, Action<float[][]> f128, Action<float[][]> f256, Action<float[][]> b128, Action<float[][]> b256) in new (string, int, Action<float[][]>, Action<float[][]>, Action<float[][]>, Action<float[][]>, Action<float[][]>, Action<float[][]>)[]
            {
                ("GRU H=16", GruH16Model.HiddenSize,
                    x => GruH16Model.CellUpdate128(ref x[0][0], ref x[1][0], ref x[2][0]), x => GruH16Model.CellUpdate256(ref x[0][0], ref x[1][0], ref x[2][0]),
                    x => GruH16Model.TrainCellForward128(ref x[0][0], ref x[1][0], ref x[2][0]), x => GruH16Model.TrainCellForward256(ref x[0][0], ref x[1][0], ref x[2][0]),
                    x => GruH16Model.TrainCellBackward128(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]), x => GruH16Model.TrainCellBackward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0])),
                ("GRU H=33", GruH33Model.HiddenSize,
                    x => GruH33Model.CellUpdate128(ref x[0][0], ref x[1][0], ref x[2][0]), x => GruH33Model.CellUpdate256(ref x[0][0], ref x[1][0], ref x[2][0]),
                    x => GruH33Model.TrainCellForward128(ref x[0][0], ref x[1][0], ref x[2][0]), x => GruH33Model.TrainCellForward256(ref x[0][0], ref x[1][0], ref x[2][0]),
                    x => GruH33Model.TrainCellBackward128(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0]), x => GruH33Model.TrainCellBackward256(ref x[0][0], ref x[1][0], ref x[2][0], ref x[3][0])),
            })
            {
                int hp = Padded(h), g = 3 * hp;
                AssertSameBits($"{name} CellUpdate", [g, g, hp], x => n128(x), x => n256(x), seed);
                AssertSameBits($"{name} TrainCellForward", [g, g, hp], x => f128(x), x => f256(x), seed);
                AssertSameBits($"{name} TrainCellBackward", [g, g, hp, hp], x => b128(x), x => b256(x), seed);
            }
        }
    }

    [Fact]
    public void Rnn_NarrowFormsEqualAvx2()
    {
        foreach (int seed in new[] { 5, 6 })
        {
            int hp = Padded(RnnH72Model.HiddenSize);
            AssertSameBits("RNN H=72 CellUpdate", [hp, hp], x => RnnH72Model.CellUpdate128(ref x[0][0], ref x[1][0]),
                x => RnnH72Model.CellUpdate256(ref x[0][0], ref x[1][0]), seed);
            AssertSameBits("RNN H=72 TrainCellForward", [hp, hp], x => RnnH72Model.TrainCellForward128(ref x[0][0], ref x[1][0]),
                x => RnnH72Model.TrainCellForward256(ref x[0][0], ref x[1][0]), seed);
            AssertSameBits("RNN H=72 TrainCellBackward", [hp, hp], x => RnnH72Model.TrainCellBackward128(ref x[0][0], ref x[1][0]),
                x => RnnH72Model.TrainCellBackward256(ref x[0][0], ref x[1][0]), seed);
        }
    }

    [Fact]
    public void NarrowActivations_EqualAvx2Halves()
    {
        if (!VectorMath.IsAccelerated || !VectorMath.IsNarrowFused) return;
        var xs = new List<float> { 0f, -0f, 1e30f, -1e30f, float.MaxValue, float.MinValue, 88.3f, -87.3f, 1e-30f, -1e-30f, 0.5f, -0.5f, 1.5f, -2.5f, 10f, -10f };
        for (double x = -100; x <= 100; x += 0.0391) xs.Add((float)x);
        while (xs.Count % 8 != 0) xs.Add(0.25f);
        for (int i = 0; i < xs.Count; i += 8)
        {
            float[] lanes = xs.GetRange(i, 8).ToArray();
            var wide = Vector256.Create(lanes);
            var lo = Vector128.Create(lanes.AsSpan(0, 4));
            var hi = Vector128.Create(lanes.AsSpan(4, 4));
            Same("exp", VectorMath.Exp(wide), VectorMath.Exp(lo), VectorMath.Exp(hi), lanes);
            Same("sigmoid", VectorMath.Sigmoid(wide), VectorMath.Sigmoid(lo), VectorMath.Sigmoid(hi), lanes);
            Same("tanh", VectorMath.Tanh(wide), VectorMath.Tanh(lo), VectorMath.Tanh(hi), lanes);
        }

        static void Same(string name, Vector256<float> wide, Vector128<float> lo, Vector128<float> hi, float[] lanes)
        {
            for (int l = 0; l < 8; l++)
            {
                float narrow = l < 4 ? lo[l] : hi[l - 4];
                Assert.True(BitConverter.SingleToInt32Bits(wide[l]) == BitConverter.SingleToInt32Bits(narrow), $"{name}({lanes[l]:R}): 8-lane {wide[l]:R}, 4-lane {narrow:R}");
            }
        }
    }

    [Fact]
    public void NarrowActivations_MatchDouble()
    {
        if (!VectorMath.IsNarrowAccelerated) return;
        // Within the documented error (2e-7 relative for exp; absolute 2.0e-7 for σ, 3.1e-7 for tanh) plus a little for the
        // unfused form.
        for (double x = -80; x <= 80; x += 0.0173)
        {
            var v = Vector128.Create((float)x);
            double xf = (float)x;
            double exp = Math.Exp(xf);
            Assert.True(Math.Abs(VectorMath.Exp(v)[0] - exp) <= 4e-7 * exp, $"exp({xf:R}) = {VectorMath.Exp(v)[0]:R}, expected {exp:R}");
            Assert.True(Math.Abs(VectorMath.Sigmoid(v)[0] - 1 / (1 + Math.Exp(-xf))) <= 4e-7, $"σ({xf:R}) = {VectorMath.Sigmoid(v)[0]:R}");
            Assert.True(Math.Abs(VectorMath.Tanh(v)[0] - Math.Tanh(xf)) <= 4e-7, $"tanh({xf:R}) = {VectorMath.Tanh(v)[0]:R}");
        }
    }

    // Shapes across the tile edges: rows 1–13 (6/4/2/1 blocks), columns with and without a scalar tail, k past the k-block.
    public static TheoryData<int, int, int> GemmShapes => new() { { 1, 16, 3 }, { 7, 48, 19 }, { 13, 40, 300 }, { 8, 21, 64 }, { 32, 256, 65 } };

    [Theory]
    [MemberData(nameof(GemmShapes))]
    public void Gemm_NarrowPathEqualsAvx2_AndDouble(int m, int n, int k)
    {
        if (!VectorMath.IsNarrowAccelerated) return;
        var rng = new Rng(m * 1000 + n * 10 + k);
        float[] a = Enumerable.Range(0, m * k).Select(_ => rng.NextUniform(-1f, 1f)).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => rng.NextUniform(-1f, 1f)).ToArray();
        float[] c0 = Enumerable.Range(0, m * n).Select(_ => rng.NextUniform(-1f, 1f)).ToArray();
        float[] narrow = (float[])c0.Clone();
        Gemm.MultiplyAddOn(KernelPath.Vector128, m, n, k, a, k, b, n, narrow, n);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = c0[i * n + j], magnitude = Math.Abs(sum);
                for (int p = 0; p < k; p++) { sum += (double)a[i * k + p] * b[p * n + j]; magnitude += Math.Abs((double)a[i * k + p] * b[p * n + j]); }
                Assert.True(Math.Abs(narrow[i * n + j] - sum) <= 1e-6 * magnitude + 1e-7, $"C[{i},{j}] = {narrow[i * n + j]:R}, double {sum:R}");
            }
        if (!VectorMath.IsAccelerated || !VectorMath.IsNarrowFused) return;
        float[] avx2 = (float[])c0.Clone();
        Gemm.MultiplyAddOn(KernelPath.Vector256, m, n, k, a, k, b, n, avx2, n);
        for (int i = 0; i < narrow.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(narrow[i]) == BitConverter.SingleToInt32Bits(avx2[i]), $"{m}×{n}×{k}, C[{i / n},{i % n}]: 128 {narrow[i]:R}, 256 {avx2[i]:R}");
    }

    // An element's update does not depend on the loop that makes it: one call over 12 floats (8 on the 256-bit loop, 4 on
    // the 128-bit one) against three calls of 4 (128-bit only), for Adam and SGD with momentum and weight decay.
    [Fact]
    public void Optimizers_NarrowLoopEqualsAvx2Loop()
    {
        if (!VectorMath.IsAccelerated || !VectorMath.IsNarrowFused) return;
        foreach (Func<IOptimizer> make in new Func<IOptimizer>[]
        {
            () => new Adam(learningRate: 0.01f, weightDecay: 0.1f),
            () => new Sgd(learningRate: 0.05f, momentum: 0.9f, weightDecay: 0.01f),
        })
        {
            var rng = new Rng(9);
            float[] start = Enumerable.Range(0, 12).Select(_ => rng.NextUniform(-1f, 1f)).ToArray();
            float[][] grads = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 12).Select(_ => rng.NextUniform(-1f, 1f)).ToArray()).ToArray();
            float[] whole = (float[])start.Clone(), pieces = (float[])start.Clone();
            IOptimizer o1 = make(), o2 = make();
            foreach (float[] g in grads)
            {
                o1.BeginStep(12);
                o1.Update(whole, g, 0);
                o2.BeginStep(12);
                for (int off = 0; off < 12; off += 4) o2.Update(pieces.AsSpan(off, 4), g.AsSpan(off, 4), off);
            }
            for (int i = 0; i < 12; i++)
                Assert.True(BitConverter.SingleToInt32Bits(whole[i]) == BitConverter.SingleToInt32Bits(pieces[i]), $"{o1.GetType().Name}, parameter {i}: {whole[i]:R} vs {pieces[i]:R}");
        }
    }
}
