using System.Globalization;

namespace LstmGen.Samples;

/// <summary>A command-line mistake: the message is shown to the user and the program exits with code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Reads a command line option by option: each option's value as text, a whole number or a number in a range.</summary>
public sealed class ArgumentReader(string[] args)
{
    private int _next;

    /// <summary>The option being read.</summary>
    public string Option { get; private set; } = "";

    /// <summary>Moves to the next option; false when there is none.</summary>
    public bool Next()
    {
        if (_next >= args.Length) return false;
        Option = args[_next++];
        return true;
    }

    /// <summary>The option's value (the next argument).</summary>
    /// <exception cref="UsageException">There is none.</exception>
    public string Value() => _next < args.Length ? args[_next++] : throw new UsageException($"{Option} needs a value.");

    /// <summary>The option's value as a whole number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <exception cref="UsageException">It is not one.</exception>
    public int Int(int min, int max)
    {
        string v = Value();
        return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
            ? n : throw new UsageException($"{Option} must be a whole number from {min} to {max}, not \"{v}\".");
    }

    /// <summary>The option's value as a number in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    /// <exception cref="UsageException">It is not one.</exception>
    public float Real(float min, float max)
    {
        string v = Value();
        return float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float x) && x >= min && x <= max
            ? x : throw new UsageException($"{Option} must be a number from {min} to {max}, not \"{v}\".");
    }

    /// <summary>The error for an option the sample does not know.</summary>
    public UsageException Unknown() => new($"Unknown option \"{Option}\". Try --help.");
}

/// <summary>
/// A sample's entry point: parse the options (exit 2 on a mistake), print usage for --help, print the kernel path, then
/// run; a bad input (data or model file) ends with its message and exit code 2, anything else with exit code 1.
/// </summary>
public static class SampleMain
{
    /// <summary>Runs the sample and returns its exit code.</summary>
    public static int Run<TOptions>(string[] args, Func<string[], TOptions> parse, Func<TOptions, bool> help, string usage,
        Func<TOptions, int> run, Func<Exception, bool> isInputError)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        TOptions options;
        try
        {
            options = parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        if (help(options))
        {
            Console.WriteLine(usage);
            return 0;
        }
        Console.WriteLine(KernelInfo.Describe());
        try
        {
            return run(options);
        }
        catch (Exception e) when (isInputError(e) || e is FileNotFoundException or DirectoryNotFoundException or Serialization.ModelFileException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"Failed: {e.Message}");
            return 1;
        }
    }
}
