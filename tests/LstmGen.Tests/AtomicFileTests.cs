using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using LstmGen.Serialization;
using LstmGen.Tests.Models;
using LstmGen.Text;

namespace LstmGen.Tests;

/// <summary>
/// What <see cref="AtomicFile"/> (behind <see cref="ModelFile.Save(ISequenceModel, string, Vocabulary?)"/> and
/// <see cref="Vocabulary.Save(string)"/>) does with each kind of target: issue 15, defect 7.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class AtomicFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("lstmgen-atomic-");

    public void Dispose() => _dir.Delete(recursive: true);

    private static readonly Vocabulary s_vocabulary = new(["a", "b", "c"]);

    private static SmallModel Model(int seed)
    {
        var model = new SmallModel(seed);
        TestModels.Randomize(model, seed + 100);
        return model;
    }

    private static byte[] Bytes(ISequenceModel model)
    {
        using var ms = new MemoryStream();
        ModelFile.Save(model, ms);
        return ms.ToArray();
    }

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private string[] Entries() => [.. Directory.GetFileSystemEntries(_dir.FullName).Select(p => Path.GetFileName(p)!).Order(StringComparer.Ordinal)];

    private static void Run(string program, params string[] args)
    {
        using Process p = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true })!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{program} {string.Join(' ', args)}: {error}");
    }

    [Fact]
    public void ARegularFileIsReplacedAndKeepsItsMode()
    {
        foreach (UnixFileMode mode in new[] { (UnixFileMode)0b110_000_000, (UnixFileMode)0b110_100_000, (UnixFileMode)0b110_110_110 })
        {
            string path = PathOf($"m{(int)mode}.lstmgen");
            File.WriteAllBytes(path, [1, 2, 3]);
            File.SetUnixFileMode(path, mode); // 0600, 0640, 0666 (the last is more than the usual umask allows)
            ModelFile.Save(Model(1), path);
            Assert.Equal(Bytes(Model(1)), File.ReadAllBytes(path));
            Assert.Equal(mode, File.GetUnixFileMode(path));
        }
        string vocabulary = PathOf("v.bin");
        File.WriteAllBytes(vocabulary, [1]);
        File.SetUnixFileMode(vocabulary, (UnixFileMode)0b110_000_000);
        s_vocabulary.Save(vocabulary);
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(vocabulary));
        Assert.Equal(s_vocabulary.Words, Vocabulary.Load(vocabulary).Words);
        Assert.Equal(["m384.lstmgen", "m416.lstmgen", "m438.lstmgen", "v.bin"], Entries());
    }

    [Fact]
    public void ASymbolicLinkIsFollowedAndStaysALink()
    {
        Directory.CreateDirectory(PathOf("real"));
        string target = PathOf("real/model.lstmgen");
        File.WriteAllBytes(target, [1, 2, 3]);
        File.SetUnixFileMode(target, (UnixFileMode)0b110_000_000);
        string link = PathOf("link.lstmgen");
        File.CreateSymbolicLink(link, "real/model.lstmgen"); // relative, as `ln -s` makes them
        string chain = PathOf("chain.lstmgen");
        File.CreateSymbolicLink(chain, link);

        ModelFile.Save(Model(1), chain);
        Assert.Equal("real/model.lstmgen", new FileInfo(link).LinkTarget);
        Assert.Equal(link, new FileInfo(chain).LinkTarget);
        Assert.Equal(Bytes(Model(1)), File.ReadAllBytes(target));
        Assert.Equal((UnixFileMode)0b110_000_000, File.GetUnixFileMode(target));
        s_vocabulary.Save(link);
        Assert.Equal("real/model.lstmgen", new FileInfo(link).LinkTarget);
        Assert.Equal(s_vocabulary.Words, Vocabulary.Load(target).Words);
        // No temporary file is left next to the link or next to its target.
        Assert.Equal(["chain.lstmgen", "link.lstmgen", "real"], Entries());
        Assert.Equal(["model.lstmgen"], Directory.GetFileSystemEntries(PathOf("real")).Select(Path.GetFileName));
    }

    [Fact]
    public void ADanglingSymbolicLinkIsRefused()
    {
        string link = PathOf("dangling.lstmgen");
        File.CreateSymbolicLink(link, PathOf("nowhere/x.lstmgen"));
        var e = Assert.ThrowsAny<IOException>(() => ModelFile.Save(Model(1), link));
        Assert.Contains("does not exist", e.Message);
        Assert.Equal(["dangling.lstmgen"], Entries());
        Assert.NotNull(new FileInfo(link).LinkTarget);
    }

    [Fact]
    public void AFifoIsRefusedAndLeftAsItIs()
    {
        string fifo = PathOf("pipe.lstmgen");
        Run("mkfifo", fifo);
        var e = Assert.ThrowsAny<IOException>(() => ModelFile.Save(Model(1), fifo));
        Assert.Contains("not a regular file", e.Message);
        Assert.Throws<IOException>(() => s_vocabulary.Save(fifo));
        Assert.Equal(AtomicFile.FileKind.Special, AtomicFile.KindOf(fifo));
        Assert.Equal(["pipe.lstmgen"], Entries());
    }

    [Fact]
    public void ADeviceNodeIsRefused()
    {
        // /dev/null itself is never the test target: a copy of it (char 1:3) made here, where mknod is allowed.
        string device = PathOf("null.lstmgen");
        using (Process p = Process.Start(new ProcessStartInfo("mknod", [device, "c", "1", "3"]) { RedirectStandardError = true })!)
        {
            p.WaitForExit();
            if (p.ExitCode != 0) device = "/dev/null"; // no CAP_MKNOD: the real one is safe, the save refuses before writing
        }
        var e = Assert.ThrowsAny<IOException>(() => ModelFile.Save(Model(1), device));
        Assert.Contains("not a regular file", e.Message);
        Assert.Equal(AtomicFile.FileKind.Special, AtomicFile.KindOf(device));
        Assert.Equal(AtomicFile.FileKind.Special, AtomicFile.KindOf("/dev/null"));
    }

    [Fact]
    public void ADirectoryIsRefusedBeforeAnythingIsWritten()
    {
        string folder = Directory.CreateDirectory(PathOf("taken.lstmgen")).FullName;
        var e = Assert.ThrowsAny<IOException>(() => ModelFile.Save(Model(1), folder));
        Assert.Contains("is a directory", e.Message);
        Assert.Equal(["taken.lstmgen"], Entries());
    }

    [Fact]
    public void AReadOnlyFileIsRefusedEvenForRoot()
    {
        string path = PathOf("ro.lstmgen");
        File.WriteAllBytes(path, [1, 2, 3]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var e = Assert.Throws<UnauthorizedAccessException>(() => ModelFile.Save(Model(1), path));
        Assert.Contains("read-only", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["ro.lstmgen"], Entries());
    }

    [Fact]
    public void AHardLinkIsBrokenAsDocumented()
    {
        string path = PathOf("a.lstmgen"), other = PathOf("b.lstmgen");
        File.WriteAllBytes(path, [1, 2, 3]);
        Run("ln", path, other);
        ModelFile.Save(Model(1), path);
        Assert.Equal(Bytes(Model(1)), File.ReadAllBytes(path));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(other)); // the other name keeps the old content
    }

    [Theory]
    [InlineData(242)]
    [InlineData(250)]
    [InlineData(255)]
    public void NamesUpToTheFileSystemLimitWork(int bytes)
    {
        string name = new string('m', bytes - ModelFile.Extension.Length) + ModelFile.Extension;
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(name));
        string path = PathOf(name);
        ModelFile.Save(Model(1), path);
        ModelFile.Save(Model(2), path); // over an existing file too
        Assert.Equal(Bytes(Model(2)), File.ReadAllBytes(path));
        s_vocabulary.Save(path);
        Assert.Equal(s_vocabulary.Words, Vocabulary.Load(path).Words);
        Assert.Equal([name], Entries());
    }

    [Fact]
    public void StaleTemporaryFilesOfTheSameTargetAreRemovedAndNothingElse()
    {
        string path = PathOf("model.lstmgen");
        string mine = "." + Crc("model.lstmgen") + ".";
        string other = "." + Crc("other.lstmgen") + ".";
        DateTime old = DateTime.UtcNow - AtomicFile.StaleAfter - TimeSpan.FromMinutes(5);
        string[] stale = [mine + "0123abcd.lgtmp", mine + "ffffffff.lgtmp"];
        string[] kept = [mine + "00000001.lgtmp" /* recent: maybe a save in progress */, other + "0123abcd.lgtmp" /* another target */,
            mine + "0123abcd.tmp", mine + "0123abc.lgtmp", mine + "0123ABCD.lgtmp", "model.lstmgen.0123abcd.tmp", "notes.txt"];
        foreach (string name in stale.Concat(kept))
        {
            File.WriteAllBytes(PathOf(name), [9]);
            if (name != kept[0]) File.SetLastWriteTimeUtc(PathOf(name), old);
        }
        Directory.CreateDirectory(PathOf(mine + "aaaaaaaa.lgtmp")); // a folder of that name is not ours
        Directory.SetLastWriteTimeUtc(PathOf(mine + "aaaaaaaa.lgtmp"), old);
        File.CreateSymbolicLink(PathOf(mine + "bbbbbbbb.lgtmp"), PathOf("notes.txt")); // nor a link

        ModelFile.Save(Model(1), path);
        string[] expected = [.. kept, mine + "aaaaaaaa.lgtmp", mine + "bbbbbbbb.lgtmp", "model.lstmgen"];
        Assert.Equal(expected.Order(StringComparer.Ordinal), Entries());
        Assert.Equal([9], File.ReadAllBytes(PathOf("notes.txt")));
    }

    [Fact]
    public void AFailedWriteLeavesThePreviousFileAndNoTemporaryFile()
    {
        string path = PathOf("model.lstmgen");
        File.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]);
            throw new IOException("simulated: no space left on device");
        }));
        Assert.Contains("simulated", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal(["model.lstmgen"], Entries());
    }

    [Fact]
    public void AMissingFolderIsAnIOExceptionNamingIt()
    {
        string path = PathOf("missing/model.lstmgen");
        Assert.ThrowsAny<IOException>(() => ModelFile.Save(Model(1), path));
        Assert.Empty(Entries());
    }

    // CRC-32 of the UTF-8 name as 8 lower-case hex digits, written out here so the test does not trust the runtime's.
    private static string Crc(string name)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in Encoding.UTF8.GetBytes(name))
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return (~c).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }
}
