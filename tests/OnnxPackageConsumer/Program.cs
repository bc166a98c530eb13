using Google.Protobuf;
using LstmGen;
using LstmGen.Onnx;
using LstmGen.Training;

// Uses LstmGen.Onnx (and LstmGen through it) the way a new user would: declare models, train, export to ONNX, and
// read the file back at the protobuf level (no ONNX Runtime here; the parity tests run it). Each check that fails
// prints why and makes the exit code 1.

int failures = 0;
void Check(bool ok, string what)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")}  {what}");
    if (!ok) failures++;
}

// A memory task: the label is whether the first token is 2; the others are noise (ids 3 … 15); some rows padded.
var rng = new Random(3);
const int rows = 256, t = ConsumerGru.SequenceLength;
var tokens = new int[rows * t];
var labels = new float[rows];
for (int r = 0; r < rows; r++)
{
    Span<int> row = tokens.AsSpan(r * t, t);
    int start = r % 3;
    for (int i = start; i < t; i++) row[i] = rng.Next(3, ConsumerGru.VocabularySize);
    bool positive = r % 2 == 0;
    row[start] = positive ? 2 : rng.Next(3, ConsumerGru.VocabularySize);
    labels[r] = positive ? 1f : 0f;
}

var gru = new ConsumerGru(seed: 1);
Check(ConsumerGru.ParameterCount == gru.ParameterLayout.Sum(p => p.Length) && gru.ParameterLayout.Any(p => p.Name == "gru.weight_hh_l0_reverse"),
    $"the generator ran (through the LstmGen dependency): {ConsumerGru.ParameterCount} parameters in {gru.ParameterLayout.Count} tensors");
Trainer.Fit(gru, tokens, labels, new FitOptions { Epochs = 6, BatchSize = 16, Seed = 1 });
Evaluation evaluation = Trainer.Evaluate(gru, tokens, labels);
Check(evaluation.Accuracy >= 0.9, $"training: accuracy {evaluation.Accuracy:P1} (needs ≥ 90%)");

var before = new float[rows];
gru.PredictBatch(tokens, before);
string directory = Directory.CreateTempSubdirectory("lstmgen-onnx-consumer-").FullName;
try
{
    string gruPath = Path.Combine(directory, "gru.onnx");
    OnnxExporter.Export(gru, gruPath);
    var after = new float[rows];
    gru.PredictBatch(tokens, after);
    Check(before.AsSpan().SequenceEqual(after), "export leaves the model's predictions unchanged");
    CheckOnnxFile(gruPath, "GRU", ConsumerGru.ParameterCount);

    string cnnPath = Path.Combine(directory, "cnn.onnx");
    var cnn = new ConsumerCnn(seed: 2);
    OnnxExporter.Export(cnn, cnnPath);
    CheckOnnxFile(cnnPath, "Conv", ConsumerCnn.ParameterCount);

    // A layout no generated model has: refused, naming the tensor, and no file written.
    string badPath = Path.Combine(directory, "bad.onnx");
    ParameterInfo[] layout = [.. cnn.ParameterLayout, new ParameterInfo("attention.weight", [2], ConsumerCnn.ParameterCount, 2)];
    float[] values = [.. cnn.Parameters, 0f, 0f];
    string? message = null;
    try
    {
        using FileStream stream = File.Create(badPath);
        OnnxExporter.Export(cnn.Shape, layout, values, stream);
    }
    catch (NotSupportedException error)
    {
        message = error.Message;
    }
    Check(message?.Contains("'attention.weight'", StringComparison.Ordinal) == true && new FileInfo(badPath).Length == 0,
        $"an unknown tensor is refused before anything is written: {message}");
}
finally
{
    Directory.Delete(directory, recursive: true);
}

Console.WriteLine(failures == 0 ? "ONNX package consumer passed." : $"ONNX package consumer: {failures} check(s) failed.");
return failures == 0 ? 0 : 1;

// Reads ModelProto's top-level fields (ir_version 1, producer_name 2, graph 7, opset_import 8) and the graph's nodes'
// op types (GraphProto.node 1, NodeProto.op_type 4) and weight initializers' float bytes (GraphProto.initializer 5, raw_data 9).
void CheckOnnxFile(string path, string op, int parameterCount)
{
    byte[] bytes = File.ReadAllBytes(path);
    long ir = 0;
    string producer = "";
    var ops = new List<string>();
    long floats = 0;
    bool opset17 = false;
    var model = new CodedInputStream(bytes);
    for (uint tag; (tag = model.ReadTag()) != 0;)
    {
        switch (WireFormat.GetTagFieldNumber(tag))
        {
            case 1: ir = model.ReadInt64(); break;
            case 2: producer = model.ReadString(); break;
            case 7:
                var graph = new CodedInputStream(model.ReadBytes().ToByteArray());
                for (uint g; (g = graph.ReadTag()) != 0;)
                {
                    int field = WireFormat.GetTagFieldNumber(g);
                    if (field == 1) ops.Add(Find(graph.ReadBytes(), 4).ToStringUtf8());
                    else if (field == 5)
                    {
                        // Weights only: the graph's own constants are named const.* (TensorProto.name 8).
                        ByteString initializer = graph.ReadBytes();
                        if (!Find(initializer, 8).ToStringUtf8().StartsWith("const.", StringComparison.Ordinal))
                            floats += Find(initializer, 9).Length / sizeof(float);
                    }
                    else graph.SkipLastField();
                }
                break;
            case 8:
                var opset = new CodedInputStream(model.ReadBytes().ToByteArray());
                for (uint o; (o = opset.ReadTag()) != 0;)
                {
                    if (WireFormat.GetTagFieldNumber(o) == 2) opset17 = opset.ReadInt64() == OnnxExporter.OpsetVersion;
                    else opset.SkipLastField();
                }
                break;
            default: model.SkipLastField(); break;
        }
    }
    Check(ir == OnnxExporter.IrVersion && producer == "LstmGen" && opset17,
        $"{Path.GetFileName(path)}: {bytes.Length} bytes, IR {ir}, producer {producer}, opset {OnnxExporter.OpsetVersion}: {opset17}");
    Check(ops.Contains(op) && ops[^1] == "Sigmoid", $"{Path.GetFileName(path)}: operators {string.Join(" ", ops)}");
    // Every weight is in the file (the GRU's are reordered and stacked per direction, the same count).
    Check(floats == parameterCount, $"{Path.GetFileName(path)}: {floats} float initializer values for {parameterCount} parameters");
}

// The first length-delimited field of that number in a message (empty when absent).
static ByteString Find(ByteString message, int number)
{
    var input = new CodedInputStream(message.ToByteArray());
    for (uint tag; (tag = input.ReadTag()) != 0;)
    {
        if (WireFormat.GetTagFieldNumber(tag) == number && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            return input.ReadBytes();
        input.SkipLastField();
    }
    return ByteString.Empty;
}

/// <summary>Declared here, generated by the LstmGen package's source generator (a dependency of LstmGen.Onnx).</summary>
[GruModel(VocabularySize = 16, EmbeddingSize = 8, HiddenSize = 12, SequenceLength = 7, Bidirectional = true)]
public sealed partial class ConsumerGru;

/// <summary>A text CNN, exported with the same call.</summary>
[TextCnnModel(VocabularySize = 16, EmbeddingSize = 6, SequenceLength = 7, KernelSizes = new[] { 2, 3 }, Filters = 5)]
public sealed partial class ConsumerCnn;
