namespace LstmGen.Tests;

/// <summary>
/// A read-only stream that cannot tell its length, like a pipe or a network stream; it returns at most
/// <paramref name="maxRead"/> bytes per read, so short reads are exercised too.
/// </summary>
internal sealed class NonSeekableStream(Stream inner, int maxRead = int.MaxValue) : Stream
{
    public NonSeekableStream(byte[] data, int maxRead = int.MaxValue) : this(new MemoryStream(data), maxRead) { }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, maxRead));
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
