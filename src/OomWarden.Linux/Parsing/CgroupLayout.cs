using System.Text;

namespace OomWarden.Linux.Parsing;

/// <summary>How cgroups are mounted, from /proc/self/mountinfo, and where the memory controller lives.</summary>
/// <remarks>
/// The memory controller is on v1 when a v1 hierarchy carries it (a controller is bound to one hierarchy).
/// Otherwise it is on v2 when the cgroup2 root's cgroup.controllers lists "memory"; before that file has been
/// read (<see cref="WithV2Controllers"/>), a pure-v2 layout is assumed to have it and a hybrid one not.
/// </remarks>
public sealed class CgroupLayout
{
    public CgroupLayout(IReadOnlyList<CgroupMount> mounts, string? v2Controllers = null)
    {
        Mounts = mounts;
        V2Controllers = v2Controllers;
        V2Mount = Pick(mounts, m => m.Version == CgroupVersion.V2);
        MemoryV1Mount = Pick(mounts, m => m.HasV1Controller("memory"));
        CpusetV1Mount = Pick(mounts, m => m.HasV1Controller("cpuset"));
        FreezerV1Mount = Pick(mounts, m => m.HasV1Controller("freezer"));
        SystemdV1Mount = Pick(mounts, m => m.HasV1Controller("name=systemd"));

        bool anyV1 = Pick(mounts, m => m.Version == CgroupVersion.V1) is not null;
        Kind = (anyV1, V2Mount is not null) switch
        {
            (false, false) => CgroupLayoutKind.None,
            (true, false) => CgroupLayoutKind.V1,
            (false, true) => CgroupLayoutKind.V2,
            (true, true) => CgroupLayoutKind.Hybrid,
        };

        if (MemoryV1Mount is not null)
        {
            MemoryVersion = CgroupVersion.V1;
        }
        else if (V2Mount is not null)
        {
            bool v2HasMemory = v2Controllers is null
                ? Kind == CgroupLayoutKind.V2
                : Array.IndexOf(v2Controllers.Split(' ', '\n', '\t'), "memory") >= 0;
            MemoryVersion = v2HasMemory ? CgroupVersion.V2 : CgroupVersion.None;
        }
    }

    public CgroupLayoutKind Kind { get; }

    /// <summary>Where the memory controller is; <see cref="CgroupVersion.None"/> when nowhere.</summary>
    public CgroupVersion MemoryVersion { get; } = CgroupVersion.None;

    /// <summary>The mount of the hierarchy that holds the memory controller, or null.</summary>
    public CgroupMount? MemoryMount => MemoryVersion switch
    {
        CgroupVersion.V1 => MemoryV1Mount,
        CgroupVersion.V2 => V2Mount,
        _ => null,
    };

    public CgroupMount? V2Mount { get; }

    public CgroupMount? MemoryV1Mount { get; }

    public CgroupMount? CpusetV1Mount { get; }

    public CgroupMount? FreezerV1Mount { get; }

    public CgroupMount? SystemdV1Mount { get; }

    /// <summary>The cgroup2 root's cgroup.controllers, when it was read.</summary>
    public string? V2Controllers { get; }

    public IReadOnlyList<CgroupMount> Mounts { get; }

    /// <summary>The same mounts, with the cgroup2 root's cgroup.controllers content taken into account.</summary>
    public CgroupLayout WithV2Controllers(ReadOnlySpan<byte> controllers) =>
        new(Mounts, Encoding.UTF8.GetString(SpanText.Trim(controllers)));

    /// <summary>The directory of memory cgroup <paramref name="cgroupPath"/> ("/" or "/a/b", as /proc/PID/cgroup
    /// shows it) under <paramref name="paths"/>; null when memory is not controlled or the path lies outside the
    /// mounted part of the hierarchy.</summary>
    public string? MemoryCgroupDirectory(HostPaths paths, string cgroupPath) =>
        MemoryMount is { } mount ? Directory(paths, mount, cgroupPath) : null;

    /// <summary>The directory of <paramref name="cgroupPath"/> in the hierarchy mounted at <paramref name="mount"/>.</summary>
    public static string? Directory(HostPaths paths, CgroupMount mount, string cgroupPath)
    {
        string relative = cgroupPath;
        if (mount.Root != "/")
        {
            if (!cgroupPath.StartsWith(mount.Root, StringComparison.Ordinal)) return null;
            if (cgroupPath.Length > mount.Root.Length && cgroupPath[mount.Root.Length] != '/') return null;
            relative = cgroupPath[mount.Root.Length..];
        }
        relative = relative.Trim('/');
        string root = paths.MapHostPath(mount.MountPoint);
        return relative.Length == 0 ? root : root + "/" + relative;
    }

    private static CgroupMount? Pick(IReadOnlyList<CgroupMount> mounts, Func<CgroupMount, bool> match)
    {
        CgroupMount? chosen = null;
        foreach (var mount in mounts)
        {
            if (!match(mount)) continue;
            // Prefer the conventional place; a bind mount elsewhere (a container runtime's) comes second.
            if (chosen is null || (!IsConventional(chosen) && IsConventional(mount))) chosen = mount;
        }
        return chosen;
    }

    private static bool IsConventional(CgroupMount mount) =>
        mount.MountPoint.StartsWith(HostPaths.ConventionalCgroupMount, StringComparison.Ordinal);

    public override string ToString() =>
        $"{Kind}, memory on {MemoryVersion}" + (MemoryMount is { } m ? $" at {m.MountPoint}" : "");
}
