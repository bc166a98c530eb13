using LstmGen.Samples.NativeLibrary;
using LstmGen.Serialization;

// The inputs of example.c and example.py: a seeded model saved and loaded back, four sequences of different lengths, and
// one batch of four full rows, then one sequence streamed token by token. Each output is printed as its IEEE bits, so the comparison is exact.
var seeded = new NativeModel(seed: 42);
string path = args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "lstmgen-native-reference.lstmgen");
ModelFile.Save(seeded, path);
var model = new NativeModel();
ModelFile.Load(model, path);
var y = new float[NativeModel.OutputSize];
int[] lengths = [3, 8, NativeModel.SequenceLength, 1];
for (int r = 0; r < lengths.Length; r++)
{
    int[] tokens = Enumerable.Range(0, lengths[r]).Select(i => (r * 37 + i * 11 + 1) % NativeModel.VocabularySize).ToArray();
    model.Predict(tokens, y);
    Console.WriteLine($"row {r}: {BitConverter.SingleToUInt32Bits(y[0]):x8}");
}
const int rows = 4;
int[] batch = Enumerable.Range(0, rows * NativeModel.SequenceLength).Select(k => (k / NativeModel.SequenceLength * 13 + k % NativeModel.SequenceLength * 7) % NativeModel.VocabularySize).ToArray();
var outputs = new float[rows * NativeModel.OutputSize];
model.PredictBatch(batch, outputs);
for (int r = 0; r < rows; r++) Console.WriteLine($"batch {r}: {BitConverter.SingleToUInt32Bits(outputs[r]):x8}");
// Streaming: row 1's tokens one at a time through a caller-owned state (the last equals row 1's Predict).
NativeModel.State state = model.CreateState();
for (int i = 0; i < 8; i++)
{
    model.Step(state, (1 * 37 + i * 11 + 1) % NativeModel.VocabularySize, y);
    Console.WriteLine($"step {i}: {BitConverter.SingleToUInt32Bits(y[0]):x8}");
}
