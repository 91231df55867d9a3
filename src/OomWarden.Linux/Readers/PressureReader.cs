using OomWarden.Core.Model;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Readers;

/// <summary>A PSI file (/proc/pressure/memory or a cgroup's memory.pressure), opened once and re-read at offset 0.
/// When the file is absent (no CONFIG_PSI, psi=0, cgroup v1) or reading it is not supported, the reader says
/// so through <see cref="IsSupported"/> instead of throwing.</summary>
public sealed class PressureReader : IDisposable
{
    private readonly KernelFile? file;
    private byte[] buffer = new byte[256];
    private string? malformed;

    public PressureReader(string path)
    {
        Path = path;
        file = KernelFile.TryOpen(path, out int errno);
        if (file is null)
        {
            UnsupportedReason = Errno.Describe(errno, "open", path);
            return;
        }
        int n = file.Read(ref buffer, out _);
        if (n < 0)
        {
            UnsupportedReason = Errno.Describe(-n, "read", path);
            file.Dispose();
            file = null;
        }
    }

    /// <summary>ProcRoot/pressure/memory.</summary>
    public static PressureReader ForSystem(HostPaths paths) => new(paths.PressureMemoryPath);

    /// <summary>The memory.pressure file of a v2 cgroup directory.</summary>
    public static PressureReader ForCgroup(string cgroupDirectory) => new(cgroupDirectory + "/memory.pressure");

    public string Path { get; }

    public bool IsSupported => file is not null;

    /// <summary>Why PSI is unavailable here; null when supported.</summary>
    public string? UnsupportedReason { get; }

    /// <summary>Why the last <see cref="TryRead"/> failed (ENODEV: the cgroup was removed); null after a success.</summary>
    public string? LastError { get; private set; }

    public bool TryRead(out PressureStats stats)
    {
        stats = default;
        if (file is null)
        {
            LastError = UnsupportedReason;
            return false;
        }
        int n = file.Read(ref buffer, out bool truncated);
        if (n < 0)
        {
            LastError = file.DescribeError(-n);
            return false;
        }
        if (truncated)
        {
            LastError = file.TruncatedMessage;
            return false;
        }
        if (!PressureParser.TryParse(buffer.AsSpan(0, n), out stats))
        {
            LastError = malformed ??= $"{Path}: no \"some\" line";
            return false;
        }
        LastError = null;
        return true;
    }

    public void Dispose() => file?.Dispose();
}
