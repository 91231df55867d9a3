using OomWarden.Core.Model;

namespace OomWarden.Core.Doctor;

/// <summary>Where the memory controller is, as <c>doctor</c> judges it.</summary>
public enum CgroupSetup
{
    /// <summary>No memory controller mounted: only the system domain can be watched.</summary>
    NoMemoryController,
    V1,

    /// <summary>v1 memory controller beside a cgroup2 mount (systemd's "hybrid" layout).</summary>
    Hybrid,
    V2,
}

/// <summary>A process as <c>doctor</c> sees it (the fields its checks use).</summary>
public sealed record DoctorProcess(int Pid, string Comm, string? ExePath, string? CommandLine, int OomScoreAdj, long RssBytes);

/// <summary>A memory cgroup with its usage and limit (<see cref="CgroupMemory.Unlimited"/> when none).</summary>
public sealed record DoctorCgroup(string Path, long UsageBytes, long LimitBytes);

/// <summary>Everything <c>doctor</c> looks at, read once from the host (or a fixture tree): plain data, so each check
/// is a pure function tested with literal values. A null field could not be read.</summary>
public sealed record HostFacts
{
    public CgroupSetup Cgroups { get; init; }

    /// <summary>The cgroup2 root's cgroup.controllers (v2 only).</summary>
    public string? V2Controllers { get; init; }

    /// <summary>The cgroup2 root's cgroup.subtree_control (v2 only): controllers the children get.</summary>
    public string? V2SubtreeControl { get; init; }

    /// <summary>/proc/pressure/memory exists and reads.</summary>
    public bool PressureAvailable { get; init; }

    public MemoryInfo Memory { get; init; }

    /// <summary>The device column of /proc/swaps (e.g. "/dev/zram0", "/swapfile").</summary>
    public IReadOnlyList<string> SwapDevices { get; init; } = [];

    /// <summary>/proc/sys/vm/&lt;name&gt; → its integer value, for the sysctls the checks read.</summary>
    public IReadOnlyDictionary<string, long> VmSysctls { get; init; } = new Dictionary<string, long>();

    /// <summary>Every readable user-space process (kernel threads left out).</summary>
    public IReadOnlyList<DoctorProcess> Processes { get; init; } = [];

    /// <summary>Processes whose exe could not be read (another user's, without CAP_SYS_PTRACE).</summary>
    public int ProcessesWithoutExe { get; init; }

    /// <summary>Every memory cgroup below the root, parents before children.</summary>
    public IReadOnlyList<DoctorCgroup> MemoryCgroups { get; init; } = [];

    /// <summary>The pid of the process running the checks (left out of the daemon search).</summary>
    public int SelfPid { get; init; }

    /// <summary>The running oomwarden daemon (exe named oomwarden, verb run), or null when none runs.</summary>
    public int? DaemonPid { get; init; }

    /// <summary>The daemon's protection when one runs, else this process's (what a daemon started the same way gets).</summary>
    public ProtectionFacts Protection { get; init; } = new(null, null, null, null);

    public long? Sysctl(string name) => VmSysctls.TryGetValue(name, out long v) ? v : null;
}
