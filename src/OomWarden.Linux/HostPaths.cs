namespace OomWarden.Linux;

/// <summary>Every path the daemon reads, under one configurable root (tests point it at a fixture tree).</summary>
/// <remarks>The only type that spells out "/proc", "/sys" and "/dev/kmsg".</remarks>
public sealed class HostPaths
{
    private const string DefaultProcRoot = "/proc";
    private const string DefaultSysRoot = "/sys";
    private const string DefaultDevKmsg = "/dev/kmsg";

    /// <summary>Where distributions mount cgroup file systems (on the host, before <see cref="MapHostPath"/>).</summary>
    public const string ConventionalCgroupMount = "/sys/fs/cgroup";

    public HostPaths(string procRoot = DefaultProcRoot, string sysRoot = DefaultSysRoot, string devKmsgPath = DefaultDevKmsg)
    {
        ProcRoot = Trim(procRoot);
        SysRoot = Trim(sysRoot);
        DevKmsgPath = devKmsgPath;
    }

    /// <summary>The real host: /proc, /sys, /dev/kmsg.</summary>
    public static HostPaths Default { get; } = new();

    /// <summary>A fixture tree laid out as <c>DIR/proc</c> and <c>DIR/sys</c>.</summary>
    public static HostPaths ForFixture(string directory) =>
        new(Path.Combine(directory, "proc"), Path.Combine(directory, "sys"), Path.Combine(directory, "dev", "kmsg"));

    public string ProcRoot { get; }

    public string SysRoot { get; }

    public string DevKmsgPath { get; }

    /// <summary>Bytes per page (statm and stat count pages); injectable for fixtures of other machines.</summary>
    public int PageSizeBytes { get; init; } = Environment.SystemPageSize;

    public bool IsDefault => ProcRoot == DefaultProcRoot && SysRoot == DefaultSysRoot;

    public string MeminfoPath => Proc("meminfo");

    public string PressureMemoryPath => Proc("pressure/memory");

    public string SelfMountInfoPath => Proc("self/mountinfo");

    /// <summary>ProcRoot + "/" + <paramref name="relative"/> (e.g. "meminfo", "pressure/memory").</summary>
    public string Proc(string relative) => ProcRoot + "/" + relative.TrimStart('/');

    /// <summary>The /proc/PID directory.</summary>
    public string ProcPid(int pid) => ProcRoot + "/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>SysRoot + "/" + <paramref name="relative"/> (e.g. "fs/cgroup").</summary>
    public string Sys(string relative) => SysRoot + "/" + relative.TrimStart('/');

    /// <summary>Maps an absolute host path seen in mountinfo ("/sys/fs/cgroup/memory") onto this tree:
    /// under SysRoot or ProcRoot when it lies under /sys or /proc, unchanged otherwise.</summary>
    public string MapHostPath(string hostPath)
    {
        if (IsUnder(hostPath, DefaultSysRoot)) return SysRoot + hostPath[DefaultSysRoot.Length..];
        if (IsUnder(hostPath, DefaultProcRoot)) return ProcRoot + hostPath[DefaultProcRoot.Length..];
        return hostPath;
    }

    private static bool IsUnder(string path, string root) =>
        path.StartsWith(root, StringComparison.Ordinal) && (path.Length == root.Length || path[root.Length] == '/');

    private static string Trim(string root) => root.Length > 1 ? root.TrimEnd('/') : root;

    public override string ToString() => $"proc={ProcRoot} sys={SysRoot} kmsg={DevKmsgPath}";
}
