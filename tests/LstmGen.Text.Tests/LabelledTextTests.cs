using System.Text;

namespace LstmGen.Text.Tests;

/// <summary>The runtime's CSV reader (RFC 4180 quoting) and its line-numbered errors.</summary>
public class LabelledTextTests
{
    private static List<LabelledExample> Csv(string text, string textColumn = "text", string labelColumn = "label", bool header = true)
        => LabelledText.ReadCsv(new MemoryStream(Encoding.UTF8.GetBytes(text)), "data.csv", textColumn, labelColumn, header);

    [Fact]
    public void QuotedFields_HoldCommasQuotesAndLineBreaks()
    {
        List<LabelledExample> rows = Csv("id,text,label\r\n1,\"Good, really \"\"good\"\"\",pos\n\n2,\"two\nlines\",neg\n3,plain text , pos \n");
        Assert.Equal(["Good, really \"good\"", "two\nlines", "plain text"], rows.Select(r => r.Text));
        Assert.Equal(["pos", "neg", "pos"], rows.Select(r => r.Label));
        Assert.Equal([2, 4, 6], rows.Select(r => r.Line)); // a record is numbered by the line it starts on
    }

    [Fact]
    public void WithoutAHeader_ColumnsAreIndices()
    {
        List<LabelledExample> rows = Csv("1,hello\n0,\"bye, now\"\n", textColumn: "1", labelColumn: "0", header: false);
        Assert.Equal([("hello", "1"), ("bye, now", "0")], rows.Select(r => (r.Text, r.Label)));
    }

    [Theory]
    [InlineData("text,label\ngood,1\n\"never closed,1\nmore,0\n", "data.csv:3: the quoted field opened on this line is never closed")]
    [InlineData("text,label\ngood,1\nbad\n", "data.csv:3: the record has 1 field but column 1 is needed")]
    [InlineData("text,label\nsay \"hi\",1\n", "data.csv:2: a quote inside an unquoted field")]
    [InlineData("text,label\n\"hi\" there,1\n", "data.csv:2: text after the closing quote")]
    [InlineData("review,stars\ngood,1\n", "data.csv:1: the header (review,stars) has no column 'text'")]
    [InlineData("text,label\n ,1\n", "data.csv:2: the text field is empty")]
    [InlineData("text,label\n", "no labelled records")]
    public void MalformedCsv_NamesTheLine(string contents, string expected)
    {
        var e = Assert.Throws<LabelledDataException>(() => Csv(contents));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tsv_KeepsAnyLabel_AndItsLine()
    {
        List<LabelledExample> rows = LabelledText.ReadTsv(new MemoryStream("a b\tpos\n\nc\tneg\n"u8.ToArray()), "x.tsv");
        Assert.Equal([("a b", "pos", 1), ("c", "neg", 3)], rows.Select(r => (r.Text, r.Label, r.Line)));
        var e = Assert.Throws<LabelledDataException>(() => LabelledText.ReadTsv(new MemoryStream("a\t\n"u8.ToArray()), "x.tsv"));
        Assert.Equal(1, e.Line);
        Assert.Equal("x.tsv", e.FileName);
    }

    [Fact]
    public void CsvFile_ByPath()
    {
        string path = Path.Combine(Path.GetTempPath(), "lstmgen-" + Guid.NewGuid().ToString("N") + ".csv");
        File.WriteAllText(path, "\uFEFFtext,label\nok,1\n");
        try
        {
            Assert.Equal("ok", LabelledText.ReadCsv(path).Single().Text);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("cannot read the file", Assert.Throws<LabelledDataException>(() => LabelledText.ReadCsv("/no/such.csv")).Message, StringComparison.Ordinal);
    }
}
