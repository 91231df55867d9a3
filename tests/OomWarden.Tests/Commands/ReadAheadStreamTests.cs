using OomWarden.Commands;

namespace OomWarden.Tests.Commands;

/// <summary>The read-ahead gives the source's bytes in order, whatever the read sizes on both sides, and its failure after them.</summary>
public class ReadAheadStreamTests
{
    /// <summary>A source that returns short reads of random sizes, and may fail after a number of bytes.</summary>
    private sealed class ChoppySource(byte[] data, Random rng, int failAfter = -1) : Stream
    {
        private int _at;

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (failAfter >= 0 && _at >= failAfter) throw new InvalidDataException("damaged");
            int limit = failAfter >= 0 ? failAfter : data.Length;
            int n = Math.Min(Math.Min(count, rng.Next(1, 300_000)), limit - _at);
            Array.Copy(data, _at, buffer, offset, n);
            _at += n;
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long o, SeekOrigin s) => throw new NotSupportedException();
        public override void SetLength(long v) => throw new NotSupportedException();
        public override void Write(byte[] b, int o, int c) => throw new NotSupportedException();
    }

    private static byte[] ReadAll(Stream s, Random rng)
    {
        var output = new MemoryStream();
        var buf = new byte[1 << 20];
        int n;
        while ((n = s.Read(buf, 0, rng.Next(1, buf.Length + 1))) > 0) output.Write(buf, 0, n);
        return output.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(1 << 20)]
    [InlineData(7_654_321)]
    public void Gives_the_source_bytes_in_order(int length)
    {
        var rng = new Random(length);
        var data = new byte[length];
        rng.NextBytes(data);
        using var ahead = new ReadAheadStream(new ChoppySource(data, new Random(length + 1)));
        Assert.Equal(data, ReadAll(ahead, rng));
        Assert.Equal(0, ahead.Read(new byte[10], 0, 10)); // and the end again
    }

    [Fact]
    public void Throws_the_source_failure_after_the_bytes_before_it()
    {
        var rng = new Random(7);
        var data = new byte[3_000_000];
        rng.NextBytes(data);
        using var ahead = new ReadAheadStream(new ChoppySource(data, new Random(8), failAfter: 2_500_001));
        var got = new MemoryStream();
        var buf = new byte[100_000];
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            int n;
            while ((n = ahead.Read(buf, 0, buf.Length)) > 0) got.Write(buf, 0, n);
        });
        Assert.Equal("damaged", e.Message);
        Assert.Equal(data.AsSpan(0, 2_500_001).ToArray(), got.ToArray());
    }

    [Fact]
    public void Disposed_before_the_end_stops_without_waiting()
    {
        var data = new byte[10_000_000];
        var ahead = new ReadAheadStream(new ChoppySource(data, new Random(3)));
        Assert.True(ahead.Read(new byte[10], 0, 10) > 0);
        ahead.Dispose(); // the thread waits for a free chunk: disposing wakes it and it ends
    }
}
