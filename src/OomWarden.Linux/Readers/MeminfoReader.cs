using OomWarden.Core.Model;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Readers;

/// <summary>/proc/meminfo, opened once and re-read at offset 0: 0 bytes allocated per read after the first.</summary>
public sealed class MeminfoReader : IDisposable
{
    private readonly KernelFile file;
    private byte[] buffer = new byte[4096];
    private string? malformed;

    /// <summary>Opens ProcRoot/meminfo. Throws <see cref="IOException"/> when it cannot (fail fast at start).</summary>
    public MeminfoReader(HostPaths paths)
    {
        Path = paths.MeminfoPath;
        file = KernelFile.TryOpen(Path, out int errno)
            ?? throw new IOException(Errno.Describe(errno, "open", Path));
    }

    public string Path { get; }

    /// <summary>Why the last <see cref="TryRead"/> failed (read error, file longer than the cap, no MemTotal line);
    /// null after a success. The same failure on every tick reuses one string (no allocation per tick).</summary>
    public string? LastError { get; private set; }

    public bool TryRead(out MemoryInfo info)
    {
        int n = file.Read(ref buffer, out bool truncated);
        if (n < 0)
        {
            LastError = file.DescribeError(-n);
            info = default;
            return false;
        }
        if (truncated)
        {
            LastError = file.TruncatedMessage;
            info = default;
            return false;
        }
        if (!MeminfoParser.TryParse(buffer.AsSpan(0, n), out info))
        {
            LastError = malformed ??= $"{Path}: no MemTotal/MemFree line";
            return false;
        }
        LastError = null;
        return true;
    }

    public void Dispose() => file.Dispose();
}
