using System.Text;
using OomWarden.Linux.Interop;
using OomWarden.Linux.IO;

namespace OomWarden.Linux.Tests.IO;

/// <summary>The one read rule: pread until it returns 0, growing the buffer up to a cap, truncation reported.
/// Short reads come from a source that behaves as seq_file does (at most a page per call, whole records only);
/// the real kernel's behaviour is checked on /proc/kallsyms, a multi-megabyte seq_file.</summary>
public sealed class NativeReadTests
{
    /// <summary>Returns at most <see cref="PageBytes"/> per call and never splits a line, as seq_file does.</summary>
    private sealed class SeqFileSource(byte[] content, int pageBytes = 4096) : IPositionalSource
    {
        public int PageBytes { get; } = pageBytes;
        public int Calls { get; private set; }
        public int InterruptEvery { get; init; }

        public nint Read(Span<byte> destination, long offset)
        {
            Calls++;
            if (InterruptEvery > 0 && Calls % InterruptEvery == 0) return -Errno.EINTR;
            if (offset >= content.Length) return 0;
            int room = Math.Min(destination.Length, PageBytes);
            var rest = content.AsSpan((int)offset);
            int take = Math.Min(room, rest.Length);
            if (take < rest.Length)
            {
                int lastNewline = rest[..take].LastIndexOf((byte)'\n');
                if (lastNewline >= 0) take = lastNewline + 1;
            }
            rest[..take].CopyTo(destination);
            return take;
        }
    }

    private static byte[] PidList(int count)
    {
        var sb = new StringBuilder();
        for (int i = 1; i <= count; i++) sb.Append(100000 + i).Append('\n');
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    [Fact]
    public void A_short_read_is_not_the_end_of_the_file_10000_pids_are_all_read()
    {
        var content = PidList(10_000);
        var source = new SeqFileSource(content);
        var buffer = new byte[64 * 1024]; // larger than one page: the short read must not be taken as the end
        int n = NativeRead.ReadWhole(source, ref buffer, NativeRead.MaxBytes, out bool truncated);

        Assert.Equal(content.Length, n);
        Assert.False(truncated);
        Assert.Equal(content, buffer.AsSpan(0, n).ToArray());
        Assert.True(source.Calls > content.Length / 4096, $"{source.Calls} calls");
    }

    [Fact]
    public void The_buffer_grows_from_a_small_start_and_keeps_what_was_read()
    {
        var content = PidList(10_000);
        var buffer = new byte[100];
        int n = NativeRead.ReadWhole(new SeqFileSource(content), ref buffer, NativeRead.MaxBytes, out bool truncated);
        Assert.Equal(content.Length, n);
        Assert.False(truncated);
        Assert.Equal(content, buffer.AsSpan(0, n).ToArray());
    }

    [Fact]
    public void Growth_happens_once_then_reads_allocate_nothing()
    {
        var source = new SeqFileSource(PidList(10_000));
        var buffer = new byte[4096];
        long allocated = Allocation.Measure(100, () => NativeRead.ReadWhole(source, ref buffer, NativeRead.MaxBytes, out _));
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void EINTR_is_retried()
    {
        var content = PidList(2_000);
        var buffer = new byte[4096];
        int n = NativeRead.ReadWhole(new SeqFileSource(content) { InterruptEvery = 3 }, ref buffer, NativeRead.MaxBytes, out bool truncated);
        Assert.Equal(content.Length, n);
        Assert.False(truncated);
    }

    [Fact]
    public void A_file_longer_than_the_cap_reads_as_truncated_not_as_complete()
    {
        var content = PidList(10_000);
        var buffer = new byte[1024];
        int n = NativeRead.ReadWhole(new SeqFileSource(content), ref buffer, 16 * 1024, out bool truncated);
        Assert.True(truncated);
        Assert.Equal(16 * 1024, n);
        Assert.Equal(content.AsSpan(0, n).ToArray(), buffer.AsSpan(0, n).ToArray());
    }

    [Fact]
    public void A_file_exactly_as_long_as_the_cap_is_complete()
    {
        var content = Encoding.ASCII.GetBytes(new string('x', 8191) + "\n");
        var buffer = new byte[1024];
        int n = NativeRead.ReadWhole(new SeqFileSource(content), ref buffer, 8192, out bool truncated);
        Assert.Equal(8192, n);
        Assert.False(truncated);
    }

    [Fact]
    public void Into_a_fixed_buffer_short_reads_are_not_the_end_either()
    {
        var content = PidList(10_000);
        var buffer = new byte[content.Length + 100];
        int n = NativeRead.ReadWhole(new SeqFileSource(content) { InterruptEvery = 5 }, buffer.AsSpan(), out bool truncated);
        Assert.Equal(content.Length, n);
        Assert.False(truncated);
        Assert.Equal(content, buffer.AsSpan(0, n).ToArray());
    }

    [Fact]
    public void Into_a_fixed_buffer_a_longer_file_reads_as_truncated_and_one_exactly_as_long_as_complete()
    {
        var content = PidList(10_000);
        var small = new byte[16 * 1024];
        Assert.Equal(small.Length, NativeRead.ReadWhole(new SeqFileSource(content), small.AsSpan(), out bool truncated));
        Assert.True(truncated);
        Assert.Equal(content.AsSpan(0, small.Length).ToArray(), small);

        var exact = new byte[content.Length];
        Assert.Equal(content.Length, NativeRead.ReadWhole(new SeqFileSource(content), exact.AsSpan(), out truncated));
        Assert.False(truncated);
    }

    [Fact]
    public void Into_a_fixed_buffer_an_error_is_minus_errno()
    {
        Assert.Equal(-Errno.EACCES, NativeRead.ReadWhole(new FailingSource(), new byte[64].AsSpan(), out _));
    }

    private sealed class FailingSource : IPositionalSource
    {
        public nint Read(Span<byte> destination, long offset) => -Errno.EACCES;
    }

    [Fact]
    public void A_mapped_text_holds_the_whole_file_and_says_why_it_cannot()
    {
        string path = Path.GetTempFileName();
        try
        {
            var content = PidList(3_000);
            File.WriteAllBytes(path, content);
            Assert.True(MappedText.TryRead(path, out var text, out int errno), Errno.Describe(errno));
            using (text) Assert.Equal(content, text.Span.ToArray());
            Assert.True(MappedText.TryRead("/proc/self/maps", out var maps, out _));
            using (maps) Assert.Contains("[stack]", Encoding.ASCII.GetString(maps.Span));
        }
        finally
        {
            File.Delete(path);
        }
        Assert.False(MappedText.TryRead(path, out _, out int missing));
        Assert.Equal(Errno.ENOENT, missing);
    }

    [Fact]
    public void Truncation_message_names_the_file_and_the_cap()
    {
        Assert.Equal("/x/cgroup.procs: longer than 16 MiB; only the first 16 MiB were read",
            NativeRead.TruncatedMessage("/x/cgroup.procs", NativeRead.MaxBytes));
    }

    [Fact]
    public void Real_kernel_seq_file_is_read_to_its_end()
    {
        // /proc/kallsyms: megabytes of one-line records, handed out about a page per read(2).
        const string path = "/proc/kallsyms";
        if (!File.Exists(path)) Assert.Skip(path + " is missing");
        var expected = File.ReadAllBytes(path); // the BCL reads until read(2) returns 0
        if (expected.Length <= 8192) Assert.Skip($"{path} is only {expected.Length} bytes here");
        var buffer = new byte[4096];
        int n = NativeRead.ReadFile(path, ref buffer, NativeRead.MaxBytes, out bool truncated);
        Assert.False(truncated);
        Assert.Equal(expected.Length, n);
    }
}
