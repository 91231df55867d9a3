using OomWarden.Core.Model;

namespace OomWarden.Core.Doctor;

/// <summary>The kernel side: cgroups, PSI, swap, and the vm sysctls that change what an OOM looks like.</summary>
public static class HostChecks
{
    public static Finding CgroupVersion(HostFacts facts) => facts.Cgroups switch
    {
        CgroupSetup.NoMemoryController => Finding.Warn("cgroup", "no memory cgroup controller is mounted",
            "only the whole machine can be watched: no limited cgroup is a domain of its own, and rules on cgroup paths match nothing",
            "boot with cgroup_enable=memory (and systemd.unified_cgroup_hierarchy=1 for cgroup v2)"),
        CgroupSetup.V1 or CgroupSetup.Hybrid => Finding.Warn("cgroup",
            $"the memory controller is on cgroup v1 ({(facts.Cgroups == CgroupSetup.Hybrid ? "hybrid layout" : "v1 only")})",
            "v1 has no memory.events, no cgroup.kill and no per-cgroup PSI: oomwarden polls v1 thresholds instead and kills a cgroup by freezing it first; v1 is deprecated and systemd 256 dropped it",
            "boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2)"),
        _ when !Words(facts.V2Controllers).Contains("memory") => Finding.Warn("cgroup",
            "cgroup v2 is mounted but its root does not offer the memory controller",
            "no cgroup has memory.max or memory.current: only the whole machine can be watched",
            "boot without cgroup_disable=memory; check `cat /sys/fs/cgroup/cgroup.controllers`"),
        _ when !Words(facts.V2SubtreeControl).Contains("memory") => Finding.Warn("cgroup",
            "cgroup v2 with the memory controller, but the root's cgroup.subtree_control does not enable it",
            "children of the root have no memory files: no limits, no per-cgroup domains",
            "echo +memory > /sys/fs/cgroup/cgroup.subtree_control (systemd does this when a unit sets MemoryMax=)"),
        _ => Finding.Ok("cgroup", "cgroup v2 with the memory controller enabled for the root's children"),
    };

    public static Finding Pressure(HostFacts facts) => facts.PressureAvailable
        ? Finding.Ok("psi", "PSI is on (/proc/pressure/memory): the daemon can sleep in a PSI trigger",
            "triggers with windows under 2 s need CAP_SYS_RESOURCE; without it the window is a multiple of 2 s")
        : Finding.Warn("psi", "PSI is off: /proc/pressure/memory is missing",
            "the daemon cannot be woken by memory stalls and relies on polling alone",
            "boot with psi=1 (kernels built with CONFIG_PSI_DEFAULT_DISABLED), kernel 4.20 or later");

    public static Finding Swap(HostFacts facts)
    {
        long total = facts.Memory.SwapTotalBytes;
        if (total == 0 || facts.SwapDevices.Count == 0)
            return Finding.Note("swap", "no swap",
                "anonymous memory cannot be moved out, so memory runs out faster and with less warning; [system] combine = \"and\" counts missing swap as exhausted, so memory alone decides",
                "zram (apt install systemd-zram-generator, or zram-tools) gives compressed swap in RAM");
        bool zram = facts.SwapDevices.Any(d => d.Contains("zram", StringComparison.Ordinal));
        return Finding.Ok("swap", $"swap {SizeFormat.FormatBytes(total)} on {string.Join(", ", facts.SwapDevices)}" + (zram ? " (zram)" : ""));
    }

    public static Finding Overcommit(HostFacts facts)
    {
        long? mode = facts.Sysctl("overcommit_memory");
        long? ratio = facts.Sysctl("overcommit_ratio");
        switch (mode)
        {
            case null: return Finding.Note("overcommit", "vm.overcommit_memory cannot be read", "", null);
            case 0: return Finding.Ok("overcommit", "vm.overcommit_memory = 0 (heuristic overcommit, the kernel default)");
            case 1:
                return Finding.Note("overcommit", "vm.overcommit_memory = 1: every allocation succeeds",
                    "nothing fails early, so a user-space OOM killer is the only thing between a runaway process and the kernel's OOM killer",
                    "sysctl vm.overcommit_memory=0 unless an application (redis) asks for 1");
            case 2:
                long ram = facts.Memory.MemTotalBytes, swap = facts.Memory.SwapTotalBytes;
                long commit = swap + (ratio ?? 50) * ram / 100;
                if (commit < ram)
                {
                    return Finding.Warn("overcommit",
                        $"vm.overcommit_memory = 2 with vm.overcommit_ratio = {ratio ?? 50}: CommitLimit ≈ {SizeFormat.FormatBytes(commit)} < MemTotal {SizeFormat.FormatBytes(ram)}",
                        "strict accounting: malloc fails with ENOMEM at CommitLimit, before memory is low, so applications see allocation failures and part of RAM is never usable by anonymous memory",
                        $"sysctl vm.overcommit_ratio={Math.Min(100, (ram - swap) * 100 / Math.Max(1, ram) + 1)} (or more), or vm.overcommit_memory=0");
                }
                return Finding.Note("overcommit", $"vm.overcommit_memory = 2 (strict), CommitLimit ≈ {SizeFormat.FormatBytes(commit)}",
                    "allocations fail with ENOMEM at CommitLimit, often before memory is short: oomwarden acts rarely", null);
            default: return Finding.Note("overcommit", $"vm.overcommit_memory = {mode}: not a known mode", "", "sysctl vm.overcommit_memory=0");
        }
    }

    public static Finding PanicOnOom(HostFacts facts) => facts.Sysctl("panic_on_oom") switch
    {
        null or 0 => Finding.Ok("panic_on_oom", "vm.panic_on_oom = 0: a kernel OOM kills a task, the machine stays up"),
        long v => Finding.Warn("panic_on_oom", $"vm.panic_on_oom = {v}: the kernel panics instead of killing a task" + (v == 2 ? ", even for a cgroup at its limit" : ""),
            "every kernel OOM oomwarden did not prevent reboots the machine (a memcg OOM too with 2)",
            "sysctl vm.panic_on_oom=0 (in /etc/sysctl.d/) unless a cluster manager relies on the reboot"),
    };

    public static Finding OomKillAllocatingTask(HostFacts facts) => facts.Sysctl("oom_kill_allocating_task") switch
    {
        null or 0 => Finding.Ok("oom_kill_allocating_task", "vm.oom_kill_allocating_task = 0: the kernel kills the largest task"),
        long v => Finding.Warn("oom_kill_allocating_task", $"vm.oom_kill_allocating_task = {v}",
            "when the kernel's OOM killer runs it kills whichever task asked for the page, often a small bystander, not the hog",
            "sysctl vm.oom_kill_allocating_task=0"),
    };

    public static Finding Swappiness(HostFacts facts)
    {
        long? v = facts.Sysctl("swappiness");
        if (v is null) return Finding.Note("swappiness", "vm.swappiness cannot be read", "", null);
        if (facts.Memory.SwapTotalBytes == 0) return Finding.Ok("swappiness", $"vm.swappiness = {v} (no swap: it only weighs page cache)");
        bool zram = facts.SwapDevices.Any(d => d.Contains("zram", StringComparison.Ordinal));
        if (!zram && v > 100)
            return Finding.Warn("swappiness", $"vm.swappiness = {v} with swap on disk",
                "above 100 the kernel prefers swapping anonymous memory to dropping page cache: on a disk that thrashes long before an OOM, and MemAvailable stays high while everything stalls",
                "sysctl vm.swappiness=60 (values above 100 suit zram)");
        if (v == 0)
            return Finding.Note("swappiness", "vm.swappiness = 0 with swap",
                "the kernel swaps only when it must, so swap fills in a rush right before an OOM", "sysctl vm.swappiness=10 or more");
        return Finding.Ok("swappiness", $"vm.swappiness = {v}");
    }

    public static Finding Dirty(HostFacts facts)
    {
        long total = facts.Memory.MemTotalBytes;
        long? ratio = facts.Sysctl("dirty_ratio"), background = facts.Sysctl("dirty_background_ratio");
        long? bytes = facts.Sysctl("dirty_bytes"), backgroundBytes = facts.Sysctl("dirty_background_bytes");
        long limit = bytes is > 0 ? bytes.Value : (ratio ?? 20) * total / 100;
        long backgroundLimit = backgroundBytes is > 0 ? backgroundBytes.Value : (background ?? 10) * total / 100;
        string seen = bytes is > 0 ? $"vm.dirty_bytes = {SizeFormat.FormatBytes(limit)}" : $"vm.dirty_ratio = {ratio ?? 20}% (≈ {SizeFormat.FormatBytes(limit)})";
        seen += backgroundBytes is > 0 ? $", vm.dirty_background_bytes = {SizeFormat.FormatBytes(backgroundLimit)}" : $", vm.dirty_background_ratio = {background ?? 10}%";
        const string why = "dirty page cache counts in MemAvailable but is freed only after writeback: with a large dirty limit, MemAvailable promises memory that takes seconds to come back";
        if (backgroundLimit >= limit)
            return Finding.Warn("dirty", seen + ": background writeback starts only at the hard limit",
                "writers are throttled before background writeback begins; dirty pages pile up to the limit", "sysctl vm.dirty_background_ratio=10 vm.dirty_ratio=20");
        if (limit > total / 5 + total / 100)
            return Finding.Warn("dirty", seen + ": above the kernel default of 20%", why, "sysctl vm.dirty_ratio=20 vm.dirty_background_ratio=10, or vm.dirty_bytes=1073741824 on machines with much RAM");
        if (limit > 1L << 30)
            return Finding.Note("dirty", seen, why + "; keep mem_available_term above it or cap it", "sysctl vm.dirty_bytes=1073741824 vm.dirty_background_bytes=268435456");
        return Finding.Ok("dirty", seen);
    }

    internal static string[] Words(string? text) => text?.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries) ?? [];
}
