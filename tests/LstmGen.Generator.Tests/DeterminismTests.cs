using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;

namespace LstmGen.Generator.Tests;

/// <summary>The output depends only on the declaration: not on the run, nor on the culture of the build machine.</summary>
public sealed class DeterminismTests
{
    private const char MinusSign = '\u2212';

    [Fact]
    public void GeneratingTwice_GivesIdenticalText()
    {
        string first = GeneratorHarness.Generate(GeneratorHarness.ReferenceSource);
        string second = GeneratorHarness.Generate(GeneratorHarness.ReferenceSource);
        Assert.Equal(first, second);
        Assert.Equal(Encoding.UTF8.GetBytes(first), Encoding.UTF8.GetBytes(second));
    }

    [Fact]
    public void RerunningOneDriver_GivesIdenticalText()
    {
        Compilation compilation = GeneratorHarness.CreateCompilation(GeneratorHarness.ReferenceSource);
        GeneratorRun first = GeneratorHarness.Run(compilation);
        GeneratorRun second = GeneratorHarness.Run(compilation, first.Driver);
        Assert.Equal(first.SingleSourceText, second.SingleSourceText);
    }

    /// <summary>Cultures whose minus sign is U+2212 and whose decimal separator is not ".": real ICU cultures, and a synthetic clone of the invariant culture.</summary>
    public static TheoryData<string> Cultures() => new() { "sv-SE", "fa-IR", "ar-EG", "synthetic" };

    private static CultureInfo Hostile(string name)
    {
        if (name == "synthetic")
        {
            var clone = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            clone.NumberFormat.NegativeSign = MinusSign.ToString();
            clone.NumberFormat.NumberDecimalSeparator = ",";
            clone.NumberFormat.NumberGroupSeparator = "\u00A0";
            clone.NumberFormat.PositiveSign = "\u207A";
            clone.NumberFormat.NativeDigits = new[] { "٠", "١", "٢", "٣", "٤", "٥", "٦", "٧", "٨", "٩" };
            clone.NumberFormat.DigitSubstitution = DigitShapes.NativeNational;
            return clone;
        }
        var culture = (CultureInfo)CultureInfo.GetCultureInfo(name).Clone();
        // Guarantee the hazard even if this ICU version prints a plain hyphen-minus for the culture.
        if (!culture.NumberFormat.NegativeSign.Contains(MinusSign, StringComparison.Ordinal)) culture.NumberFormat.NegativeSign = MinusSign.ToString();
        return culture;
    }

    private static T WithCulture<T>(CultureInfo culture, Func<T> action)
    {
        CultureInfo culture0 = CultureInfo.CurrentCulture, ui0 = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = culture;
            CultureInfo.CurrentUICulture = culture;
            // The hazard is real in this culture.
            Assert.Contains(MinusSign.ToString(), (-5).ToString(CultureInfo.CurrentCulture), StringComparison.Ordinal);
            return action();
        }
        finally
        {
            CultureInfo.CurrentCulture = culture0;
            CultureInfo.CurrentUICulture = ui0;
        }
    }

    [Fact]
    public void RealCulture_UsesTheUnicodeMinusSign()
    {
        // The machine has ICU (InvariantGlobalization is off in this project), so sv-SE prints U+2212 natively.
        Assert.False(CultureInfo.InvariantCulture.Equals(CultureInfo.GetCultureInfo("sv-SE")));
        Assert.Equal("\u22125", (-5).ToString(CultureInfo.GetCultureInfo("sv-SE")));
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void Output_IsByteIdentical_UnderAHostileCulture(string name)
    {
        string expected = GeneratorHarness.Generate(GeneratorHarness.ReferenceSource);
        string actual = WithCulture(Hostile(name), () => GeneratorHarness.Generate(GeneratorHarness.ReferenceSource));
        Assert.Equal(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(actual));

        // Also a model whose sizes make every emitted number differ, with Softmax and a nested, global-namespace site.
        const string Other = """
            public partial class Outer
            {
                [LstmGen.LstmModel(VocabularySize = 12345, EmbeddingSize = 17, HiddenSize = 1001, SequenceLength = 1234, OutputSize = 11, Output = LstmGen.OutputActivation.Softmax)]
                internal partial class Wide;
            }
            """;
        Assert.Equal(GeneratorHarness.Generate(Other), WithCulture(Hostile(name), () => GeneratorHarness.Generate(Other)));
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void DiagnosticMessages_AreCultureInvariant(string name)
    {
        // Negative values in diagnostic arguments must print with '-', as the other size diagnostics do.
        const string Source = """
            using LstmGen;
            [LstmModel(VocabularySize = -12345, EmbeddingSize = 8, HiddenSize = 8, SequenceLength = 10, Output = (OutputActivation)(-1))]
            public partial class Model;
            """;
        static string[] Messages() => GeneratorHarness.Run(Source, options: GeneratorHarness.DefaultOptions).GeneratorDiagnostics
            .Select(d => d.Id + ": " + d.GetMessage(CultureInfo.InvariantCulture)).OrderBy(m => m, StringComparer.Ordinal).ToArray();

        string[] expected = Messages();
        Assert.Equal(2, expected.Length);
        Assert.StartsWith("LSTMGEN004: VocabularySize is -12345,", expected[0], StringComparison.Ordinal);
        Assert.StartsWith("LSTMGEN008: Output is -1,", expected[1], StringComparison.Ordinal);
        Assert.Equal(expected, WithCulture(Hostile(name), Messages));
    }
}
