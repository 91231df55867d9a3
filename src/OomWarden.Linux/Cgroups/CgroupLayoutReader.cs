using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.Interop;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Cgroups;

/// <summary>Reads ProcRoot/self/mountinfo and the cgroup2 root's cgroup.controllers into a <see cref="CgroupLayout"/>.</summary>
public static class CgroupLayoutReader
{
    public static bool TryRead(HostPaths paths, out CgroupLayout layout, out string? error)
    {
        layout = new CgroupLayout([]);
        var buffer = new byte[16 * 1024];
        // mountinfo is a seq_file: about one page per read, so it is read until pread returns 0. A host with
        // thousands of mounts (a Kubernetes node) has a mountinfo of hundreds of KiB.
        int n = NativeRead.ReadFile(paths.SelfMountInfoPath, ref buffer, NativeRead.MaxBytes, out bool truncated);
        if (n < 0)
        {
            error = Errno.Describe(-n, "read", paths.SelfMountInfoPath);
            return false;
        }
        if (truncated)
        {
            error = NativeRead.TruncatedMessage(paths.SelfMountInfoPath, NativeRead.MaxBytes) + ": the cgroup mounts may be past that point";
            return false;
        }
        if (!MountInfoParser.TryParse(buffer.AsSpan(0, n), out layout))
        {
            error = paths.SelfMountInfoPath + ": malformed line";
            return false;
        }
        if (layout.V2Mount is { } v2 && CgroupLayout.Directory(paths, v2, v2.Root) is { } v2Root)
        {
            n = NativeRead.ReadFile(v2Root + "/cgroup.controllers", ref buffer, NativeRead.MaxBytes, out _);
            if (n >= 0) layout = layout.WithV2Controllers(buffer.AsSpan(0, n));
        }
        error = null;
        return true;
    }

    /// <summary>As <see cref="TryRead"/>; throws <see cref="IOException"/> with the reason (for start-up).</summary>
    public static CgroupLayout Read(HostPaths paths) =>
        TryRead(paths, out var layout, out var error) ? layout : throw new IOException(error);
}
