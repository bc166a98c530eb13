using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace LstmGen.Serialization;

/// <summary>
/// Replaces a file atomically: the data goes to a temporary file in the target's folder, is flushed to disk, and is then
/// renamed over the target, so readers see the old file or the new one, never a mix, and a crash or a full disk midway
/// leaves the old file intact. <see cref="ModelFile"/>, <see cref="Text.Vocabulary"/> and the ONNX exporter save through it.
/// </summary>
/// <remarks>
/// <para><b>What the target may be.</b></para>
/// <list type="bullet">
/// <item><description>Missing: the file is created, with the default mode (0666 less the umask).</description></item>
/// <item><description>A regular file: it is replaced and keeps its permission bits (a 0600 file stays 0600; setuid, setgid
/// and sticky bits are not carried over). The new file belongs to the user who saves. A read-only file
/// (<see cref="FileInfo.IsReadOnly"/>: its permission bits give the current user no write access; judged from the bits,
/// so root is refused too) is refused with <see cref="UnauthorizedAccessException"/>.</description></item>
/// <item><description>A symbolic link: the link is followed to its final target, which is replaced as above; the link itself
/// stays a link. A link whose target does not exist is refused (creating files through dangling links is how symlink attacks
/// work).</description></item>
/// <item><description>A hard link: replacing breaks it. The path gets the new file; the file's other names keep the old
/// content. (Writing in place would keep the link but lose atomicity.)</description></item>
/// <item><description>A directory, FIFO, character or block device, or socket: refused with <see cref="IOException"/>, before
/// anything is written. FIFOs, devices and sockets are recognised on Linux (<c>statx</c>); elsewhere only directories
/// are.</description></item>
/// </list>
/// <para><b>Temporary files</b> are named <c>.XXXXXXXX.YYYYYYYY.lgtmp</c> (24 bytes, whatever the target's name, so names
/// up to the 255-byte limit work): X is the CRC-32 of the target's file name, Y is random. A failure deletes the temporary
/// file; a process killed midway leaves it, and a later save to the same target removes such leftovers of that target
/// that are regular files last written more than <see cref="StaleAfter"/> ago. Nothing else in the folder is touched.</para>
/// <para>The checks and the rename are separate steps: a target that another process changes between them is not
/// detected. The rename itself is durable only once the file system commits the folder; the data is flushed first.</para>
/// </remarks>
public static partial class AtomicFile
{
    /// <summary>Age after which a leftover temporary file of the same target is deleted by the next save.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    private const string TempSuffix = ".lgtmp";
    private const int BufferBytes = 1 << 16;

    /// <summary>
    /// Writes the file at <paramref name="path"/> atomically: <paramref name="write"/> writes the whole content to the stream
    /// it is given (a temporary file), which then replaces the target (see the remarks for links and special files).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="write"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="IOException">The target is a directory, FIFO, device or socket, or a link to nothing; or the file
    /// could not be written. The previous file, if any, is unchanged.</exception>
    /// <exception cref="UnauthorizedAccessException">The target is read-only, or the folder is not writable.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string target = ResolveTarget(Path.GetFullPath(path), path, out UnixFileMode? mode);
        string folder = Path.GetDirectoryName(target) ?? ".";
        string prefix = "." + Crc32.Compute(Encoding.UTF8.GetBytes(Path.GetFileName(target))).ToString("x8", CultureInfo.InvariantCulture) + ".";
        RemoveStale(folder, prefix);

        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = BufferBytes,
        };
        // Created with the old file's bits (less the umask) so that a private file's data is never more readable.
        if (mode is { } m && !OperatingSystem.IsWindows()) options.UnixCreateMode = m;
        string temp;
        FileStream file;
        for (int attempt = 0; ; attempt++)
        {
            temp = Path.Combine(folder, prefix + Random.Shared.Next().ToString("x8", CultureInfo.InvariantCulture) + TempSuffix);
            try
            {
                file = new FileStream(temp, options);
                break;
            }
            catch (IOException) when (attempt < 8 && File.Exists(temp))
            {
                // Another save picked the same random name; pick again.
            }
        }
        try
        {
            using (file)
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            // The umask may have cleared bits of the old mode: set it exactly.
            if (mode is { } keep && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, keep);
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>The path to replace (a link's final target), after refusing what must not be replaced.</summary>
    private static string ResolveTarget(string full, string shown, out UnixFileMode? mode)
    {
        mode = null;
        var info = new FileInfo(full);
        string target = full;
        if (info.LinkTarget is string link)
        {
            FileSystemInfo? final = info.ResolveLinkTarget(returnFinalTarget: true);
            if (final is null || !(final.Exists || Directory.Exists(final.FullName)))
                throw new IOException($"{shown} is a symbolic link to {link}, which does not exist; refusing to create a file through it.");
            target = final.FullName;
            info = new FileInfo(target);
        }
        FileKind kind = KindOf(target);
        switch (kind)
        {
            case FileKind.Missing:
                return target;
            case FileKind.Directory:
                throw new IOException($"{Describe(shown, target)} is a directory, not a file; refusing to replace it.");
            case FileKind.Special:
                throw new IOException($"{Describe(shown, target)} is not a regular file (a FIFO, device or socket); refusing to replace it.");
        }
        if (info.IsReadOnly)
            throw new UnauthorizedAccessException($"{Describe(shown, target)} is read-only; make it writable or delete it to save over it.");
        if (!OperatingSystem.IsWindows()) mode = File.GetUnixFileMode(target) & PermissionBits;
        return target;
    }

    private static string Describe(string shown, string target) =>
        Path.GetFullPath(shown) == target ? shown : $"{shown} (a link to {target})";

    private const UnixFileMode PermissionBits =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    // Deletes this target's leftover temporary files: exactly the pattern, regular files, not written for StaleAfter.
    private static void RemoveStale(string folder, string prefix)
    {
        try
        {
            DateTime cutoff = DateTime.UtcNow - StaleAfter;
            foreach (string candidate in Directory.EnumerateFiles(folder, prefix + "*" + TempSuffix))
            {
                string name = Path.GetFileName(candidate);
                if (name.Length != prefix.Length + 8 + TempSuffix.Length || !IsHex(name.AsSpan(prefix.Length, 8))) continue;
                var info = new FileInfo(candidate);
                if (info.LinkTarget is not null || KindOf(candidate) != FileKind.Regular || info.LastWriteTimeUtc > cutoff) continue;
                try { info.Delete(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
        catch (IOException) { } // best effort: an unreadable folder fails later, when the temporary file is created
        catch (UnauthorizedAccessException) { }
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c)) return false;
        return true;
    }

    internal enum FileKind { Missing, Regular, Directory, Special }

    /// <summary>What is at <paramref name="path"/>, without following a final symbolic link.</summary>
    internal static FileKind KindOf(string path)
    {
        if (OperatingSystem.IsLinux() && s_statx)
        {
            // struct statx is the same on every architecture: stx_mode is the uint16 at offset 28.
            Span<byte> buffer = stackalloc byte[256];
            int result;
            try
            {
                result = Native.Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, ref MemoryMarshal.GetReference(buffer));
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                s_statx = false; // a C library without statx (glibc before 2.28): fall back to the portable checks
                return KindOf(path);
            }
            if (result == 0)
            {
                int type = BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]) & 0xF000;
                return type switch { 0x8000 => FileKind.Regular, 0x4000 => FileKind.Directory, _ => FileKind.Special };
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno is Enoent or Enotdir) return FileKind.Missing;
            if (errno != Enosys) throw new IOException($"Cannot inspect {path}: error {errno} ({Marshal.GetPInvokeErrorMessage(errno)}).");
        }
        if (Directory.Exists(path)) return FileKind.Directory;
        return File.Exists(path) || new FileInfo(path).LinkTarget is not null ? FileKind.Regular : FileKind.Missing;
    }

    private static bool s_statx = true;

    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int Enoent = 2, Enotdir = 20, Enosys = 38;

    private static partial class Native
    {
        [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
    }
}
