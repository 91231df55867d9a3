using OomWarden.Core.Doctor;
using OomWarden.Core.Model;
using OomWarden.Linux.Cgroups;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Processes;
using OomWarden.Linux.Readers;

namespace OomWarden.Linux.Doctor;

/// <summary>Reads the <see cref="HostFacts"/> <c>doctor</c> judges, all under one <see cref="HostPaths"/> (a fixture
/// tree in tests). A file that does not read leaves its fact null or empty; only a missing ProcRoot is an error.</summary>
public static class HostFactsReader
{
    /// <summary>The /proc/sys/vm entries read into <see cref="HostFacts.VmSysctls"/>.</summary>
    public static readonly string[] VmSysctlNames =
    [
        "overcommit_memory", "overcommit_ratio", "panic_on_oom", "oom_kill_allocating_task", "swappiness",
        "dirty_ratio", "dirty_background_ratio", "dirty_bytes", "dirty_background_bytes",
    ];

    public static bool TryRead(HostPaths paths, out HostFacts facts, out string? error)
    {
        facts = new HostFacts();
        var buffer = new byte[16 * 1024];
        MemoryInfo memory;
        try
        {
            using var meminfo = new MeminfoReader(paths);
            if (!meminfo.TryRead(out memory))
            {
                error = meminfo.LastError ?? $"cannot read {paths.MeminfoPath}";
                return false;
            }
        }
        catch (IOException e)
        {
            error = e.Message;
            return false;
        }

        if (!CgroupLayoutReader.TryRead(paths, out var layout, out _)) layout = new CgroupLayout([]);
        string? controllers = null, subtree = null;
        if (layout.V2Mount is { } v2 && CgroupLayout.Directory(paths, v2, v2.Root) is { } v2Root)
        {
            controllers = ReadText(v2Root + "/cgroup.controllers", ref buffer);
            subtree = ReadText(v2Root + "/cgroup.subtree_control", ref buffer);
        }
        var setup = layout.MemoryVersion switch
        {
            CgroupVersion.V1 => layout.Kind == CgroupLayoutKind.Hybrid ? CgroupSetup.Hybrid : CgroupSetup.V1,
            CgroupVersion.V2 => CgroupSetup.V2,
            // A cgroup2-only mount whose root lacks "memory" is still v2: the check says what is missing.
            _ => layout.Kind == CgroupLayoutKind.V2 ? CgroupSetup.V2 : CgroupSetup.NoMemoryController,
        };

        var sysctls = new Dictionary<string, long>();
        foreach (var name in VmSysctlNames)
        {
            int n = NativeRead.ReadFile(paths.Proc("sys/vm/" + name), ref buffer, NativeRead.MaxBytes, out _);
            if (n >= 0 && SpanText.TryParseInt64(SpanText.Trim(buffer.AsSpan(0, n)), out long v)) sysctls[name] = v;
        }

        int swapsLength = NativeRead.ReadFile(paths.Proc("swaps"), ref buffer, NativeRead.MaxBytes, out _);
        var swaps = swapsLength >= 0 ? ProtectionParser.ParseSwaps(buffer.AsSpan(0, swapsLength)) : [];

        int selfPid = Environment.ProcessId;
        int statLength = NativeRead.ReadFile(paths.Proc("self/stat"), ref buffer, NativeRead.MaxBytes, out _);
        if (statLength >= 0 && ProtectionParser.TryParsePid(buffer.AsSpan(0, statLength), out int pid)) selfPid = pid;

        var processes = ReadProcesses(paths, layout.MemoryVersion, out int withoutExe);
        int? daemon = processes.FirstOrDefault(p => ProcessChecks.IsDaemon(p, selfPid))?.Pid;

        var cgroups = new List<DoctorCgroup>();
        if (layout.MemoryVersion != CgroupVersion.None && new CgroupTreeReader(paths, layout).ReadTree() is { } tree)
        {
            foreach (var node in tree.DescendantsAndSelf())
            {
                if (node.Path != "/") cgroups.Add(new DoctorCgroup(node.Path, node.Memory.UsageBytes, node.Memory.LimitBytes));
            }
        }

        facts = new HostFacts
        {
            Cgroups = setup,
            V2Controllers = controllers,
            V2SubtreeControl = subtree,
            PressureAvailable = NativeRead.ReadFile(paths.PressureMemoryPath, ref buffer, NativeRead.MaxBytes, out _) > 0,
            Memory = memory,
            SwapDevices = swaps,
            VmSysctls = sysctls,
            Processes = processes,
            ProcessesWithoutExe = withoutExe,
            MemoryCgroups = cgroups,
            SelfPid = selfPid,
            DaemonPid = daemon,
            Protection = ProtectionReader.Read(paths, daemon),
        };
        error = null;
        return true;
    }

    private static List<DoctorProcess> ReadProcesses(HostPaths paths, CgroupVersion memoryOn, out int withoutExe)
    {
        withoutExe = 0;
        var list = new List<DoctorProcess>();
        var scanner = new ProcessScanner(paths);
        if (scanner.Scan() < 0) return list;
        using var reader = new ProcessReader(paths, memoryOn);
        const ProcessReadOptions what = ProcessReadOptions.Status | ProcessReadOptions.OomScoreAdj | ProcessReadOptions.CommandLine | ProcessReadOptions.Exe;
        foreach (int pid in scanner.Pids.ToArray())
        {
            // A pid gone between listing and reading is an expected race: skipped.
            if (!reader.TryRead(pid, what, out var p) || p.IsKernelThread) continue;
            if (p.ExePath is null && p.CommandLine is not null) withoutExe++;
            list.Add(new DoctorProcess(p.Pid, p.Comm, p.ExePath, p.CommandLine, p.OomScoreAdj, p.RssBytes));
        }
        return list;
    }

    private static string? ReadText(string path, ref byte[] buffer)
    {
        int n = NativeRead.ReadFile(path, ref buffer, NativeRead.MaxBytes, out _);
        return n < 0 ? null : System.Text.Encoding.UTF8.GetString(SpanText.Trim(buffer.AsSpan(0, n)));
    }
}
