using LstmGen.Fuzz;
using SharpFuzz;

// Usage (README.md):
//   LstmGen.Fuzz TARGET                  under afl-fuzz: AFL persistent mode, one input per execution on stdin
//   LstmGen.Fuzz TARGET PATH...          runs each file (a folder: each file in it) once, prints the outcome, and exits
//                                        with 1 if any input crashed the target: how to reproduce a crash
//   LstmGen.Fuzz --seeds DIR             writes the seed corpus to DIR/modelfile, DIR/vocabulary, DIR/labelled-data, DIR/safetensors
// TARGET is modelfile, vocabulary, labelled-data or safetensors.

if (args.Length == 2 && args[0] == "--seeds")
{
    Seeds.Write(args[1]);
    return 0;
}
if (args.Length == 0 || !Targets.TryGet(args[0], out Func<byte[], string>? target))
{
    Console.Error.WriteLine($"usage: LstmGen.Fuzz {{{string.Join('|', Targets.Names)}}} [PATH...]  |  LstmGen.Fuzz --seeds DIR");
    return 2;
}
if (args.Length == 1)
{
    // The input is small (AFL's limit is 1 MB), so reading it whole costs nothing next to the target.
    Fuzzer.Run(stream =>
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        _ = target(copy.ToArray());
    });
    return 0;
}
return Targets.Reproduce(target, args.AsSpan(1));
