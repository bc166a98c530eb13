using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using LstmGen.Serialization;
using LstmGen.Text;
using Microsoft.ML;
using Microsoft.ML.Transforms;

namespace LstmGen.ML;

/// <summary>
/// Saves and loads ML.NET models that contain LstmGen transformers, as ML.NET model files (<c>.zip</c>): ML.NET's own
/// entries as <c>mlContext.Model.Save</c> writes them, plus one entry per LstmGen model under <c>LstmGen/</c> holding
/// its weights (and vocabulary) in the LstmGen model-file format, checksum included.
/// </summary>
/// <remarks>
/// ML.NET saves a custom transformer only as a <c>CustomMapping</c> contract name (its save and load contexts are internal
/// to ML.NET), so the weights travel in the same zip beside ML.NET's entries, and these two methods write and read them.
/// A plain <c>mlContext.Model.Save</c> of a pipeline with an LstmGen transformer is refused (it would drop the weights),
/// and a plain <c>mlContext.Model.Load</c> of such a file fails with a message naming <see cref="LoadWithLstmGen(ModelOperationsCatalog, Stream, out DataViewSchema)"/>.
/// A loaded model predicts (also from a <c>PredictionEngine</c>) and can be saved again with <see cref="SaveWithLstmGen(ModelOperationsCatalog, ITransformer, DataViewSchema?, Stream)"/>.
/// </remarks>
public static class LstmGenModelOperations
{
    /// <summary>The folder of the zip that holds the LstmGen models.</summary>
    public const string EntryFolder = "LstmGen/";

    private const uint Magic = 0x4C4D474C; // "LGML" little-endian
    private const int FormatVersion = 1;

    // The scorer of every LstmGen mapping ML.NET recreated on load, so a loaded model can be saved again.
    private static readonly ConditionalWeakTable<ITransformer, LstmGenScorer> Loaded = new();

    /// <summary>Saves <paramref name="model"/> (and the input schema) as an ML.NET model file with its LstmGen weights.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/>, <paramref name="model"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="NotSupportedException">The pipeline holds an LstmGen mapping whose weights are unknown.</exception>
    public static void SaveWithLstmGen(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema? inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        var scorers = new List<LstmGenScorer>();
        Collect(model, scorers);

        using var buffer = new MemoryStream();
        using (SaveScope.Begin())
        {
            catalog.Save(model, inputSchema, buffer);
        }
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            for (int i = 0; i < scorers.Count; i++)
            {
                // Written whole first: the model file is built in memory, then stored as one entry.
                using var bytes = new MemoryStream();
                Write(scorers[i], bytes);
                ZipArchiveEntry entry = zip.CreateEntry(EntryName(i), CompressionLevel.Optimal);
                using Stream entryStream = entry.Open();
                bytes.Position = 0;
                bytes.CopyTo(entryStream);
            }
        }
        buffer.Position = 0;
        buffer.CopyTo(stream);
    }

    /// <summary>
    /// Saves <paramref name="model"/> as an ML.NET model file at <paramref name="filePath"/>, atomically (the file is
    /// replaced only once everything is written).
    /// </summary>
    /// <inheritdoc cref="SaveWithLstmGen(ModelOperationsCatalog, ITransformer, DataViewSchema?, Stream)"/>
    public static void SaveWithLstmGen(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        AtomicFile.Write(filePath, stream => SaveWithLstmGen(catalog, model, inputSchema, stream));
    }

    /// <summary>Loads an ML.NET model file written by <see cref="SaveWithLstmGen(ModelOperationsCatalog, ITransformer, DataViewSchema?, Stream)"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="catalog"/> or <paramref name="stream"/> is null.</exception>
    /// <exception cref="InvalidDataException">The file's LstmGen entries are missing, damaged, or do not match ML.NET's model.</exception>
    /// <exception cref="ModelFileException">An LstmGen entry is not a valid model file for its model type.</exception>
    public static ITransformer LoadWithLstmGen(this ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var scorers = new List<LstmGenScorer>();
        buffer.Position = 0;
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Read, leaveOpen: true))
        {
            for (int i = 0; zip.GetEntry(EntryName(i)) is ZipArchiveEntry entry; i++)
            {
                using var bytes = new MemoryStream();
                using (Stream entryStream = entry.Open()) entryStream.CopyTo(bytes);
                bytes.Position = 0;
                scorers.Add(Read(bytes, EntryName(i)));
            }
        }

        buffer.Position = 0;
        ITransformer model;
        using (LoadScope scope = LoadScope.Begin(scorers))
        {
            model = catalog.Load(buffer, out inputSchema);
            if (scope.Remaining > 0)
                throw new InvalidDataException($"The model file holds {scorers.Count} LstmGen model(s), but ML.NET's model uses only {scorers.Count - scope.Remaining}.");
        }
        // Remember which scorer each recreated mapping uses (they were taken in pipeline order), for a later save.
        var mappings = new List<ITransformer>();
        FindMappings(model, mappings);
        if (mappings.Count != scorers.Count)
            throw new InvalidDataException($"The model file holds {scorers.Count} LstmGen model(s), but ML.NET's model has {mappings.Count} LstmGen mapping(s).");
        for (int i = 0; i < mappings.Count; i++) Loaded.AddOrUpdate(mappings[i], scorers[i]);
        return model;
    }

    /// <inheritdoc cref="LoadWithLstmGen(ModelOperationsCatalog, Stream, out DataViewSchema)"/>
    /// <exception cref="FileNotFoundException">No file at <paramref name="filePath"/>.</exception>
    public static ITransformer LoadWithLstmGen(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        using FileStream stream = File.OpenRead(filePath);
        return LoadWithLstmGen(catalog, stream, out inputSchema);
    }

    private static string EntryName(int index) => EntryFolder + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".lstmgen";

    // The LstmGen models of a pipeline, in the order ML.NET saves (and loads) its transformers.
    private static void Collect(ITransformer transformer, List<LstmGenScorer> scorers)
    {
        switch (transformer)
        {
            case LstmGenTransformer lstmGen:
                scorers.Add(lstmGen.Scorer);
                break;
            case IEnumerable<ITransformer> chain:
                foreach (ITransformer inner in chain) Collect(inner, scorers);
                break;
            default:
                if (IsMapping(transformer))
                {
                    scorers.Add(Loaded.TryGetValue(transformer, out LstmGenScorer? scorer)
                        ? scorer
                        : throw new NotSupportedException(
                            "The pipeline holds an LstmGen mapping whose weights are unknown (it was not made by LstmGen.ML's Fit or LoadWithLstmGen)."));
                }
                break;
        }
    }

    private static void FindMappings(ITransformer transformer, List<ITransformer> mappings)
    {
        if (IsMapping(transformer)) mappings.Add(transformer);
        else if (transformer is IEnumerable<ITransformer> chain)
        {
            foreach (ITransformer inner in chain) FindMappings(inner, mappings);
        }
    }

    private static bool IsMapping(ITransformer transformer) =>
        transformer is CustomMappingTransformer<LstmGenTextRow, LstmGenPrediction> or CustomMappingTransformer<LstmGenTokenRow, LstmGenPrediction>;

    // Entry layout: magic, format version, input kind, the model's assembly-qualified type name, then an LstmGen model
    // file (with the vocabulary for text input).
    private static void Write(LstmGenScorer scorer, Stream stream)
    {
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write((int)scorer.Kind);
            writer.Write(scorer.Model.GetType().AssemblyQualifiedName!);
        }
        ModelFile.Save(scorer.Model, stream, scorer.Vectorizer?.Vocabulary);
    }

    private static LstmGenScorer Read(Stream stream, string entry)
    {
        string typeName;
        InputKind kind;
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (reader.ReadUInt32() != Magic) throw new InvalidDataException($"Entry '{entry}' is not an LstmGen.ML model entry.");
            int version = reader.ReadInt32();
            if (version != FormatVersion)
                throw new InvalidDataException($"Entry '{entry}' has format version {version}; this LstmGen.ML reads version {FormatVersion}.");
            int k = reader.ReadInt32();
            if (k is not ((int)InputKind.Text or (int)InputKind.Tokens)) throw new InvalidDataException($"Entry '{entry}' has unknown input kind {k}.");
            kind = (InputKind)k;
            typeName = reader.ReadString();
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"Entry '{entry}' is truncated.");
        }
        Type type = Type.GetType(typeName, throwOnError: false)
            ?? throw new InvalidDataException($"Entry '{entry}' holds a model of type '{typeName}', which is not loaded in this process.");
        // Generated models have the constructor (int seed = 0); the weights are overwritten from the file below.
        if (!typeof(ISequenceModel).IsAssignableFrom(type) || Activator.CreateInstance(type, 0) is not ISequenceModel model)
            throw new InvalidDataException($"Entry '{entry}': type '{typeName}' is not a generated LstmGen model.");
        Vocabulary? vocabulary = ModelFile.Load(model, stream);
        if (kind == InputKind.Text && vocabulary is null) throw new InvalidDataException($"Entry '{entry}' reads text but holds no vocabulary.");
        return new LstmGenScorer(model, kind, vocabulary is null ? null : new TextVectorizer(vocabulary));
    }
}

/// <summary>Marks a save that goes through <see cref="LstmGenModelOperations.SaveWithLstmGen(ModelOperationsCatalog, ITransformer, DataViewSchema?, Stream)"/> (per thread).</summary>
internal sealed class SaveScope : IDisposable
{
    [ThreadStatic]
    private static int t_depth;

    public static bool Active => t_depth > 0;

    public static SaveScope Begin()
    {
        t_depth++;
        return new SaveScope();
    }

    public void Dispose() => t_depth--;
}

/// <summary>The scorers of a load in progress, handed to ML.NET's mapping factories in pipeline order (per thread).</summary>
internal sealed class LoadScope : IDisposable
{
    [ThreadStatic]
    private static LoadScope? t_current;

    private readonly Queue<LstmGenScorer> _scorers;
    private readonly LoadScope? _outer;

    private LoadScope(IEnumerable<LstmGenScorer> scorers, LoadScope? outer)
    {
        _scorers = new Queue<LstmGenScorer>(scorers);
        _outer = outer;
    }

    public int Remaining => _scorers.Count;

    public static LoadScope Begin(IEnumerable<LstmGenScorer> scorers) => t_current = new LoadScope(scorers, t_current);

    /// <summary>The next scorer, which must read <paramref name="kind"/> input.</summary>
    public static LstmGenScorer Take(InputKind kind)
    {
        LoadScope scope = t_current ?? throw new InvalidOperationException(
            "This ML.NET model contains an LstmGen model, whose weights ML.NET's loader cannot read: load it with "
            + "mlContext.Model.LoadWithLstmGen(path, out schema) (namespace LstmGen.ML).");
        if (!scope._scorers.TryDequeue(out LstmGenScorer? scorer))
            throw new InvalidDataException("ML.NET's model has more LstmGen mappings than the file has LstmGen models (entries LstmGen/N.lstmgen).");
        if (scorer.Kind != kind)
            throw new InvalidDataException($"ML.NET's model expects an LstmGen model reading {kind} here, but the file's next one reads {scorer.Kind}.");
        return scorer;
    }

    public void Dispose() => t_current = _outer;
}
