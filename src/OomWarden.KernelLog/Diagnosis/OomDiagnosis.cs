using OomWarden.Core.Collections;
using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Diagnosis;

/// <summary>
/// Says why memory ran out, from what the report prints. Each rule looks at named counters, cites the lines it
/// used and gives a remedy; docs/ANALYZE.md lists the rules and thresholds. Pure function of the report.
/// </summary>
public static class OomDiagnosis
{
    private const long PageKb = 4; // x86-64/arm64 default; Mem-Info and the task table count pages

    public static void Diagnose(OomReport r)
    {
        r.ClearCauses();
        long? domainKb = DomainKb(r);
        bool memcg = r.Scope is OomScope.MemcgV1 or OomScope.MemcgV2 or OomScope.Memcg;

        MemcgLimit(r, memcg);
        Constraint(r);
        AllocatingTask(r);
        WrongVictim(r, domainKb);
        Dominant(r, domainKb, memcg);
        DominantProgram(r, domainKb, memcg);
        Repeated(r);
        Swap(r, memcg);
        Dirty(r, domainKb, memcg);
        Slab(r, domainKb, memcg);
        Shmem(r, domainKb, memcg);
        Hugepages(r);
        Fragmentation(r);
        Overcommit(r);
        if (r.Causes.Count == 0 && (r.Killed is not null || r.TriggerLineText.HasValue))
            r.AddCause("memory_exhausted",
                "memory ran out, but the report does not show which kind of memory filled it",
                r.NewEvidence().Add(r, r.TriggerLineText).Add(r.Killed),
                "Capture the whole report (dmesg, not only the kill line) and watch memory use before the next event: run the daemon (oomwarden run; its --events journal records what it saw and did), and oomwarden explain shows now which process it would pick and why.");
    }

    /// <summary>The size of what ran out: the memcg limit, or RAM.</summary>
    public static long? DomainKb(OomReport r)
    {
        if (r.Scope is OomScope.MemcgV1 or OomScope.MemcgV2 or OomScope.Memcg && r.MemcgLimitKb is long lim && lim < (1L << 50)) return lim;
        return RamKb(r);
    }

    public static long? RamKb(OomReport r)
    {
        if (r.PagesRam is long pages && pages > 0) return pages * PageKb;
        long sum = 0;
        foreach (var z in r.Zones) sum += z.ManagedKb ?? 0;
        return sum > 0 ? sum : null;
    }

    /// <summary>The evidence <c>constraint ?? task-in line</c>: the first of the two the report holds.</summary>
    private static EvidenceLines ConstraintOrTaskIn(EvidenceLines ev, OomReport r) =>
        r.ConstraintLineText.HasValue ? ev.Add(r, r.ConstraintLineText) : ev.Add(r, r.TaskInLineText);

    private static string Mib(long kb)
    {
        // a log of repeated events repeats its sizes (the same limit, the same victim): each is formatted once
        int slot = (int)((ulong)kb * 0x9E3779B97F4A7C15UL >> 58);
        var hit = Volatile.Read(ref MibCache[slot]);
        if (hit is not null && hit.Kb == kb) return hit.Text;
        string text = kb >= 10L * 1024 * 1024 ? $"{kb / (1024.0 * 1024):0.0} GiB" : kb >= 0 ? MibText(kb) : $"{kb / 1024.0:0.0} MiB";
        Volatile.Write(ref MibCache[slot], new MibEntry(kb, text));
        return text;
    }

    /// <summary>
    /// <c>$"{kb / 1024.0:0.0} MiB"</c> in integers for 0 ≤ kb &lt; 10 GiB: kb / 1024 is exact in binary and has at most
    /// 15 significant digits (5 before the point, 10 after), so the formatter rounds the exact value half away from
    /// zero to tenths, which is (10·kb + 512) / 1024. The double formatting (Dragon4) was most of the diagnosis' sizes.
    /// </summary>
    public static string MibText(long kb)
    {
        long tenths = (10 * kb + 512) >> 10;
        return $"{tenths / 10}.{tenths % 10} MiB";
    }

    private sealed record MibEntry(long Kb, string Text);
    private static readonly MibEntry?[] MibCache = new MibEntry?[64];

    private static long VictimKb(OomReport r)
    {
        var k = r.Killed;
        if (k is not null && (k.AnonRssKb is not null || k.FileRssKb is not null))
            return (k.AnonRssKb ?? 0) + (k.FileRssKb ?? 0) + (k.ShmemRssKb ?? 0);
        return (r.VictimRow?.RssPages ?? 0) * PageKb;
    }

    private static void MemcgLimit(OomReport r, bool memcg)
    {
        if (!memcg) return;
        string where = r.Memcg ?? r.TaskMemcg ?? "(path not shown)";
        if (r.MemcgUsageKb is long u && r.MemcgLimitKb is long l && l > 0 && u * 100 >= l * 95)
        {
            long tasksKb = 0;
            foreach (var t in r.Tasks) tasksKb += (t.RssPages ?? 0) * PageKb;
            string limitFile = r.Scope == OomScope.MemcgV2 ? "memory.max" : r.Scope == OomScope.MemcgV1 ? "memory.limit_in_bytes" : "memory.max / memory.limit_in_bytes";
            var finding = r.MemcgFailcnt is long f
                ? r.NewFinding(T.MemcgLimitFailcnt).Add(where).AddMib(l, Mib).AddMib(u, Mib).Add(f).AddMib(tasksKb, Mib)
                : r.NewFinding(T.MemcgLimit).Add(where).AddMib(l, Mib).AddMib(u, Mib).AddMib(tasksKb, Mib);
            r.AddCause("memcg_limit", finding,
                ConstraintOrTaskIn(r.NewEvidence().Add(r, r.MemcgUsageLineText), r),
                MemcgLimitRemedy(limitFile, where));
        }
        else if (r.MemswUsageKb is long su && r.MemswLimitKb is long sl && sl > 0 && su * 100 >= sl * 95)
        {
            r.AddCause("memcg_limit",
                r.NewFinding(T.MemswLimit).Add(where).AddMib(sl, Mib),
                r.NewEvidence().Add(r, r.MemswLineText).Add(r, r.MemcgUsageLineText),
                $"Raise memory.memsw.limit_in_bytes of {where}, or reduce the workload's memory; swap cannot help once memory+swap is full.");
        }
        else if (!r.MemcgUsageLineText.HasValue)
        {
            r.AddCause("memcg_limit",
                r.NewFinding(T.MemcgConfined).Add(where),
                r.ConstraintLineText.HasValue || r.TaskInLineText.HasValue ? ConstraintOrTaskIn(r.NewEvidence(), r) : r.NewEvidence().Add(r.Killed),
                $"Check the limit of {where} (memory.max or memory.limit_in_bytes; systemd MemoryMax=) against what the workload needs.");
        }
    }

    /// <summary>The remedy names only the cgroup and its limit file: a crash-looping container repeats them (see <see cref="RemediesKept"/>).</summary>
    private static string MemcgLimitRemedy(string limitFile, string where)
    {
        foreach (var e in LimitRemedies)
            if (e is not null && ReferenceEquals(e.LimitFile, limitFile) && string.Equals(e.Where, where, StringComparison.Ordinal)) return e.Text;
        string text = $"If the workload legitimately needs more, raise {limitFile} of {where} (systemd: MemoryMax=); otherwise find what grows (the other causes below). Set memory.high a little below the limit so the cgroup is throttled and reclaimed before it is killed.";
        Remember(LimitRemedies, ref _nextLimitRemedy, new LimitRemedyEntry(limitFile, where, text));
        return text;
    }

    private sealed record LimitRemedyEntry(string LimitFile, string Where, string Text);
    private static readonly LimitRemedyEntry?[] LimitRemedies = new LimitRemedyEntry?[RemediesKept];
    private static int _nextLimitRemedy;

    private static void Constraint(OomReport r)
    {
        if (r.Scope == OomScope.Cpuset)
            r.AddCause("cpuset_constraint",
                r.NewFinding(T.Cpuset).Add(r.Cpuset ?? "?").Add(r.MemsAllowed ?? "?"),
                r.NewEvidence().Add(r, r.ConstraintLineText),
                "Widen cpuset.mems of the cgroup (or the container's cpuset) or move the workload to a node with room; the rest of the machine was not out of memory.");
        else if (r.Scope == OomScope.Mempolicy)
            r.AddCause("mempolicy_constraint",
                r.NewFinding(T.Mempolicy).Add(r.Nodemask ?? "?"),
                r.NewEvidence().Add(r, r.ConstraintLineText).Add(r, r.TriggerLineText),
                "Relax the binding (numactl --membind / set_mempolicy MPOL_BIND): use --preferred or --interleave, or bind to more nodes.");
    }

    private static void AllocatingTask(OomReport r)
    {
        if (r.Killed?.Reason?.Contains("oom_kill_allocating_task", StringComparison.Ordinal) != true) return;
        r.AddCause("allocating_task_killed",
            r.NewFinding(T.AllocatingTask).Add(r.Killed.Comm),
            r.NewEvidence().Add(r.Killed).Add(r, r.TriggerLineText),
            "Set vm.oom_kill_allocating_task=0 (the default) so the kernel picks the task using the most memory; otherwise the real consumer survives and OOMs recur.");
    }

    private static TaskRow? Largest(OomReport r)
    {
        TaskRow? best = null;
        foreach (var t in r.Tasks)
            if (best is null || (t.RssPages ?? 0) > (best.RssPages ?? 0)) best = t;
        return best;
    }

    private static void WrongVictim(OomReport r, long? domainKb)
    {
        var victim = r.VictimRow;
        var largest = Largest(r);
        if (largest is null || r.Killed is null) return;
        long victimPages = victim?.RssPages ?? VictimKb(r) / PageKb;
        long largestPages = largest.RssPages ?? 0;
        if (largest.Pid == r.Killed.Pid || largestPages <= victimPages) return;
        if (domainKb is long dom && largestPages * PageKb * 10 < dom) return; // the survivor is too small to matter
        long victimAdj = r.KilledOomScoreAdj ?? 0;
        long largestAdj = largest.OomScoreAdj ?? 0;
        // a protected (negative adj) bigger task, or a boosted (positive adj) victim under half the biggest
        bool steered = largestAdj < 0 || (victimAdj > 0 && victimPages * 2 <= largestPages);
        if (!steered) return;
        r.AddCause("oom_score_adj_victim",
            r.NewFinding(T.WrongVictim).Add(r.Killed.Comm).Add(r.Killed.Pid).AddMib(victimPages * PageKb, Mib).Add(victimAdj)
                .Add(largest.Name).Add(largest.Pid).AddMib(largestPages * PageKb, Mib).Add(largestAdj),
            r.NewEvidence().Add(r.Killed).Add(victim).Add(largest),
            $"Review the oom_score_adj (systemd OOMScoreAdjust=) of {r.Killed.Comm} (pid {r.Killed.Pid}) and {largest.Name} (pid {largest.Pid}): a positive value on a small task or a negative one on the big consumer makes the kernel free little memory, and the OOM comes back.");
    }

    private static void Dominant(OomReport r, long? domainKb, bool memcg)
    {
        if (r.Killed is null || domainKb is not long dom || dom <= 0) return;
        long kb = VictimKb(r);
        if (kb * 2 < dom) return;
        string what = memcg ? "the cgroup limit" : "RAM";
        r.AddCause("dominant_process",
            r.NewFinding(T.Dominant).Add(r.Killed.Comm).Add(r.Killed.Pid).AddMib(kb, Mib).Add(kb * 100 / dom).Add(what).AddMib(dom, Mib).Add(memcg ? "limit" : "machine"),
            r.NewEvidence().Add(r.Killed).Add(r.VictimRow),
            DominantRemedy(r.Killed.Comm, memcg));
    }

    /// <summary>The remedy names only the victim's program: a log of repeated events repeats it, so the last few are kept.</summary>
    private static string DominantRemedy(string comm, bool memcg)
    {
        foreach (var e in DominantRemedies)
            if (e is not null && e.Memcg == memcg && string.Equals(e.Comm, comm, StringComparison.Ordinal)) return e.Text;
        string text = $"Watch {comm}'s RSS over time: steady growth under constant load is a leak (heap profile it); otherwise size {(memcg ? "the limit" : "the machine or its swap")} for it, or cap it in its own cgroup (memory.max, memory.high) so it cannot take others down.";
        Remember(DominantRemedies, ref _nextDominantRemedy, new RemedyEntry(comm, memcg, text));
        return text;
    }

    private sealed record RemedyEntry(string Comm, bool Memcg, string Text);

    /// <summary>
    /// The last remedies made, in turn: a few, because a node's log interleaves the reports of a few containers (one
    /// entry missed every time on such a log). Shared by threads: an entry is read once and compared in full.
    /// </summary>
    private const int RemediesKept = 4;
    private static readonly RemedyEntry?[] DominantRemedies = new RemedyEntry?[RemediesKept];
    private static int _nextDominantRemedy;

    private static void Remember<T>(T?[] kept, ref int next, T entry) where T : class
    {
        int slot = (Interlocked.Increment(ref next) & int.MaxValue) % kept.Length;
        Volatile.Write(ref kept[slot], entry);
    }

    private static void DominantProgram(OomReport r, long? domainKb, bool memcg)
    {
        if (domainKb is not long dom || dom <= 0 || r.Tasks.Count < 2) return;
        foreach (var c in r.Causes) if (c.Code == "dominant_process") return;
        // totals per name first (cheap); the rows of the winner only when it fires
        string? bestName = null;
        (int Count, long Kb) bestTotal = default;
        if (r.Tasks.Count <= SmallTaskTable) BestProgramSmall(r.Tasks, ref bestName, ref bestTotal);
        else
        {
            // A class value, not a (count, kb) tuple: a value-type value compiles a dictionary of its own.
            var totals = new Dictionary<string, NameTotal>(StringComparer.Ordinal);
            foreach (var t in r.Tasks)
            {
                if (!totals.TryGetValue(t.Name, out var acc)) totals[t.Name] = acc = new NameTotal();
                acc.Count++;
                acc.Kb += (t.RssPages ?? 0) * PageKb;
            }
            foreach (var (name, total) in totals)
                if (total.Count >= 2 && (bestName is null || total.Kb > bestTotal.Kb)) { bestName = name; bestTotal = (total.Count, total.Kb); }
        }
        if (bestName is null || bestTotal.Kb * 2 < dom) return;
        var rows = new List<TaskRow>();
        foreach (var t in r.Tasks)
            if (t.Name == bestName) rows.Add(t);
        var best = (Name: bestName, bestTotal.Count, bestTotal.Kb,
            Rows: StableSort.Sorted(rows, static (a, b) => (b.RssPages ?? 0).CompareTo(a.RssPages ?? 0)));
        if ((best.Rows[0].RssPages ?? 0) * PageKb * 2 >= dom) return; // one of them alone fills it: not a pool problem
        var ev = r.NewEvidence().Add(r.Killed);
        for (int i = 0; i < best.Rows.Length && i < 3; i++) ev.Add(best.Rows[i]);
        r.AddCause("dominant_program",
            r.NewFinding(T.DominantProgram).Add(best.Count).Add(best.Name).AddMib(best.Kb, Mib).Add(best.Kb * 100 / dom).Add(memcg ? "the cgroup limit" : "RAM").AddMib(dom, Mib),
            ev,
            $"Bound the pool: fewer workers or recycle them (e.g. php-fpm pm.max_children/pm.max_requests, gunicorn --max-requests, Apache MaxRequestWorkers), and give the service its own cgroup limit (memory.max / MemoryMax=) sized for workers × per-worker peak.");
    }

    private const int SmallTaskTable = 64;

    private sealed class NameTotal
    {
        public int Count;
        public long Kb;
    }

    /// <summary>
    /// The same answer as the dictionary of totals (names in order of first appearance, the first of equal totals
    /// wins) without allocating: a name's total is summed from its first row, later rows of it are skipped.
    /// </summary>
    private static void BestProgramSmall(List<TaskRow> tasks, ref string? bestName, ref (int Count, long Kb) bestTotal)
    {
        for (int i = 0; i < tasks.Count; i++)
        {
            string name = tasks[i].Name;
            bool seen = false;
            for (int j = 0; j < i && !seen; j++) seen = string.Equals(tasks[j].Name, name, StringComparison.Ordinal);
            if (seen) continue;
            int count = 0;
            long kb = 0;
            for (int j = i; j < tasks.Count; j++)
                if (string.Equals(tasks[j].Name, name, StringComparison.Ordinal)) { count++; kb += (tasks[j].RssPages ?? 0) * PageKb; }
            if (count >= 2 && (bestName is null || kb > bestTotal.Kb)) { bestName = name; bestTotal = (count, kb); }
        }
    }

    private static void Repeated(OomReport r)
    {
        if (r.EarlierKillsOfSameTask < 1 || r.Killed is null) return;
        int n = r.EarlierKillsOfSameTask + 1;
        r.AddCause("repeated_kill",
            r.Memcg is { } memcg ? r.NewFinding(T.RepeatedIn).Add(r.Killed.Comm).Add(memcg).Add(n) : r.NewFinding(T.Repeated).Add(r.Killed.Comm).Add(n),
            r.NewEvidence().Add(r.Killed),
            "A restart loop: the limit or the leak is not fixed by restarting. Fix the cause above; meanwhile limit restarts (systemd StartLimitIntervalSec=/StartLimitBurst=, RestartSec= backoff) so the loop does not churn the machine.");
    }

    private static void Swap(OomReport r, bool memcg)
    {
        if (memcg)
        {
            if (r.Scope == OomScope.MemcgV2 && r.SwapUsageKb is long su && r.SwapLimitKb is long sl && sl > 0 && sl < (1L << 50) && su * 100 >= sl * 95)
                r.AddCause("swap_exhausted",
                    r.NewFinding(T.SwapMax).AddMib(sl, Mib),
                    r.NewEvidence().Add(r, r.SwapLineText),
                    "Raise memory.swap.max of the cgroup or reduce its memory; with swap full only RAM is left.");
            return;
        }
        if (r.TotalSwapKb is long total)
        {
            if (total == 0)
                r.AddCause("no_swap",
                    "the machine has no swap: rarely used anonymous memory could not be moved out of RAM",
                    r.NewEvidence().Add(r, r.TotalSwapLineText),
                    "Add swap or zram (even a small amount lets the kernel evict cold anonymous pages and gives a slower, visible degradation instead of a kill), or reserve more RAM.");
            else if (r.FreeSwapKb is long free && free * 100 <= total * 2)
                r.AddCause("swap_exhausted",
                    r.NewFinding(T.SwapFull).AddMib(free, Mib).AddMib(total, Mib),
                    r.NewEvidence().Add(r, r.FreeSwapLineText).Add(r, r.TotalSwapLineText),
                    "Swap only postponed the OOM: find the consumer (see other causes); add swap only if the data in it is truly cold.");
        }
    }

    private static void Dirty(OomReport r, long? domainKb, bool memcg)
    {
        if (domainKb is not long dom || dom <= 0) return;
        long kb;
        EvidenceLines ev;
        // the evidence is built only when the cause fires (most reports: not)
        if (memcg)
        {
            long? d = r.MemcgStats.FindFirst(K.file_dirty, K.total_dirty, K.dirty);
            long? w = r.MemcgStats.FindFirst(K.file_writeback, K.total_writeback, K.writeback);
            if (d is null && w is null) return;
            kb = ((d ?? 0) + (w ?? 0)) / (r.MemcgStatsInKb ? 1 : 1024);
            if (kb * 10 < dom) return;
            ev = r.NewEvidence().Add(r, r.MemcgUsageLineText);
            ev.Add($"dirty {d ?? 0}, writeback {w ?? 0} ({(r.MemcgStatsInKb ? "KB" : "bytes")}, memcg stats)");
        }
        else
        {
            long? d = r.MemInfoPages.Find(K.dirty), w = r.MemInfoPages.Find(K.writeback);
            if (d is null && w is null) return;
            kb = ((d ?? 0) + (w ?? 0)) * PageKb;
            if (kb * 10 < dom) return;
            ev = MemInfoEvidence(r, "dirty:", "writeback:");
        }
        r.AddCause("dirty_writeback",
            r.NewFinding(T.Dirty).AddMib(kb, Mib).Add(kb * 100 / dom),
            ev,
            "Lower vm.dirty_bytes / vm.dirty_background_bytes (or dirty_ratio) so writers are throttled earlier; check the device's latency (iostat -x) and the cgroup's io.max; for a cgroup, writeback is charged to it, so a small limit with heavy writes needs headroom.");
    }

    /// <summary>The findings' fixed text: a <c>{}</c> for each value (<see cref="FindingText"/>).</summary>
    private static class T
    {
        public static readonly FindingTemplate MemcgLimitFailcnt = new("cgroup {} reached its limit of {} (usage {}, failcnt {}); its tasks' RSS adds up to {}");
        public static readonly FindingTemplate MemcgLimit = new("cgroup {} reached its limit of {} (usage {}); its tasks' RSS adds up to {}");
        public static readonly FindingTemplate MemswLimit = new("cgroup {} reached its memory+swap limit of {}");
        public static readonly FindingTemplate MemcgConfined = new("the OOM was confined to cgroup {}: its limit was reached (usage and limit not in the text)");
        public static readonly FindingTemplate Cpuset = new("only the NUMA nodes allowed by cpuset {} (mems_allowed={}) were exhausted; other nodes may still have had free memory");
        public static readonly FindingTemplate Mempolicy = new("the task's memory policy bound it to nodes {}, and those were exhausted");
        public static readonly FindingTemplate AllocatingTask = new("vm.oom_kill_allocating_task=1: the kernel killed the task that happened to allocate ({}), without looking for the biggest consumer");
        public static readonly FindingTemplate WrongVictim = new("oom_score_adj steered the kill: {} (pid {}, {}, adj {}) died while {} (pid {}, {}, adj {}) kept its memory");
        public static readonly FindingTemplate Dominant = new("{} (pid {}) alone held {}, {}% of {} ({}): a leak or a working set too big for this {}");
        public static readonly FindingTemplate DominantProgram = new("{} {} processes together held {}, {}% of {} ({}): a pool of workers or forked children that all grow");
        public static readonly FindingTemplate RepeatedIn = new("{} in {} was killed {} times in this log, a new process each time: a service restarted after each kill, or a pool of workers that all grow");
        public static readonly FindingTemplate Repeated = new("{} was killed {} times in this log, a new process each time: a service restarted after each kill, or a pool of workers that all grow");
        public static readonly FindingTemplate SwapMax = new("the cgroup's swap allowance (memory.swap.max {}) was used up");
        public static readonly FindingTemplate SwapFull = new("swap was full ({} free of {})");
        public static readonly FindingTemplate Dirty = new("{} of dirty or writeback page cache ({}%) could not be reclaimed in time: writes outpaced the storage");
        public static readonly FindingTemplate SlabLargest = new("{} of unreclaimable kernel slab ({}%): kernel objects, not processes, held the memory; largest cache {} ({})");
        public static readonly FindingTemplate Slab = new("{} of unreclaimable kernel slab ({}%): kernel objects, not processes, held the memory");
        public static readonly FindingTemplate Shmem = new("{} ({}%) was shared memory: tmpfs files (/dev/shm, /tmp, /run), SysV/POSIX shm or memfd, which killing a process does not free");
        public static readonly FindingTemplate Hugepages = new("{} ({}% of RAM) was reserved as hugetlb pages, unusable by ordinary allocations");
        public static readonly FindingTemplate Fragmentation = new("an order-{} allocation ({} kB contiguous) failed while zones still had free memory in smaller pieces: memory was fragmented");
        public static readonly FindingTemplate Overcommit = new("the tasks had reserved {} of virtual memory against {} of RAM+swap: overcommit let allocations succeed that could not all be backed");
    }

    /// <summary>The counters the rules read, compared by hash before text (most reports: ~400 compares).</summary>
    private static class K
    {
        public static readonly CounterName file_dirty = CounterName.Of("file_dirty"), total_dirty = CounterName.Of("total_dirty"), dirty = CounterName.Of("dirty");
        public static readonly CounterName file_writeback = CounterName.Of("file_writeback"), total_writeback = CounterName.Of("total_writeback"), writeback = CounterName.Of("writeback");
        public static readonly CounterName slab_unreclaimable = CounterName.Of("slab_unreclaimable"), shmem = CounterName.Of("shmem"), total_shmem = CounterName.Of("total_shmem");
    }

    private static void Slab(OomReport r, long? domainKb, bool memcg)
    {
        if (domainKb is not long dom || dom <= 0) return;
        long kb;
        EvidenceLines ev;
        if (memcg)
        {
            long? s = r.MemcgStats.Find(K.slab_unreclaimable);
            if (s is null) return;
            kb = s.Value / (r.MemcgStatsInKb ? 1 : 1024);
            if (kb * 5 < dom) return;
            ev = r.NewEvidence().Add($"slab_unreclaimable {s} (memcg stats)");
        }
        else
        {
            long? s = r.MemInfoPages.Find(K.slab_unreclaimable);
            if (s is null) return;
            kb = s.Value * PageKb;
            if (kb * 5 < dom && !r.SawUnreclaimableSlabDump) return;
            ev = MemInfoEvidence(r, "slab_unreclaimable:");
        }
        for (int i = 0; i < r.SlabTop.Count && i < 4; i++) ev.Add(r.SlabTop[i].Line);
        r.AddCause("unreclaimable_slab",
            r.SlabTop.Count > 0
                ? r.NewFinding(T.SlabLargest).AddMib(kb, Mib).Add(kb * 100 / dom).Add(r.SlabTop[0].Name).AddMib(r.SlabTop[0].UsedKb, Mib)
                : r.NewFinding(T.Slab).AddMib(kb, Mib).Add(kb * 100 / dom),
            ev,
            FileCache(r.SlabTop.Count > 0 ? r.SlabTop[0].Name : null)
                ? "The largest cache holds open files or sockets: some process keeps very many descriptors (count them: ls /proc/*/fd | wc -l per process); killing it frees them, but it will do it again. Fix the descriptor leak and set a sane RLIMIT_NOFILE (systemd LimitNOFILE=)."
                : "Killing processes frees little unless they own these objects. Find the growing cache (slabtop, /proc/slabinfo; the caches listed in the report): a driver or filesystem leak, or a workload piling up dentries/inodes, sockets or conntrack entries. Update the kernel/driver or limit the workload.");
    }

    private static bool FileCache(string? name) =>
        name is "filp" or "eventpoll_epi" or "eventpoll_pwq" or "sock_inode_cache" or "TCP" or "TCPv6" or "UDP" or "UDPv6" or "UNIX" or "pid" or "signal_cache";

    private static void Shmem(OomReport r, long? domainKb, bool memcg)
    {
        if (domainKb is not long dom || dom <= 0) return;
        long kb;
        EvidenceLines ev;
        if (memcg)
        {
            long? s = r.MemcgStats.Find(K.shmem) ?? r.MemcgStats.Find(K.total_shmem);
            if (s is null) return;
            kb = s.Value / (r.MemcgStatsInKb ? 1 : 1024);
            if (kb * 5 < dom) return;
            ev = r.NewEvidence().Add($"shmem {s} (memcg stats)");
        }
        else
        {
            long? s = r.MemInfoPages.Find(K.shmem);
            if (s is null) return;
            kb = s.Value * PageKb;
            if (kb * 5 < dom) return;
            ev = MemInfoEvidence(r, "shmem:");
        }
        ev.Add(r.Killed);
        r.AddCause("shmem_tmpfs",
            r.NewFinding(T.Shmem).AddMib(kb, Mib).Add(kb * 100 / dom),
            ev,
            "Look for big files on tmpfs (df -t tmpfs; du under /dev/shm, /run, /tmp) and shm segments (ipcs -m); cap tmpfs with size=, clean up leftovers; in a cgroup, tmpfs pages written by its tasks are charged to it.");
    }

    private static void Hugepages(OomReport r)
    {
        if (r.HugepagesTotalKb is not long hp || hp <= 0 || RamKb(r) is not long ram || ram <= 0) return;
        if (hp * 10 < ram) return;
        r.AddCause("hugepages_reserved",
            r.NewFinding(T.Hugepages).AddMib(hp, Mib).Add(hp * 100 / ram),
            Strings(r, r.HugepageLines),
            "Lower vm.nr_hugepages (or the hugepages= boot parameter) to what hugetlbfs users really map (HugePages_Free in /proc/meminfo shows the unused part).");
    }

    private static void Fragmentation(OomReport r)
    {
        if (r.Order is not int order || order < 1 || r.Zones.Count == 0) return;
        var ev = r.NewEvidence().Add(r, r.TriggerLineText);
        bool roomAboveMin = false, blockAtOrder = false;
        foreach (var z in r.Zones)
        {
            if (z.FreeKb is long f && z.MinKb is long mn && f > mn * 2 && f > 4096) { roomAboveMin = true; if (z.BuddyLine is not null) ev.Add(z.BuddyLine); }
            if (z.FreeBlocksByOrder is { } blocks)
                for (int o = order; o < blocks.Length; o++)
                    if (blocks[o] > 0) blockAtOrder = true;
        }
        if (!roomAboveMin || blockAtOrder)
        {
            r.DropEvidence(ev);
            return;
        }
        r.AddCause("fragmentation",
            r.NewFinding(T.Fragmentation).Add(order).Add(4L << order),
            ev,
            "Trigger compaction (echo 1 > /proc/sys/vm/compact_memory), raise vm.min_free_kbytes, consider vm.watermark_scale_factor; find who needs the high-order allocation (the call trace: often a driver or a network/jumbo-frame buffer) and make it use smaller or vmalloc'ed buffers.");
    }

    private static void Overcommit(OomReport r)
    {
        if (r.Scope != OomScope.Global || r.Tasks.Count == 0 || RamKb(r) is not long ram || ram <= 0) return;
        long vmKb = 0;
        foreach (var t in r.Tasks) vmKb += (t.TotalVmPages ?? 0) * PageKb;
        long backing = ram + (r.TotalSwapKb ?? 0);
        if (vmKb < backing * 2) return;
        r.AddCause("overcommit",
            r.NewFinding(T.Overcommit).AddMib(vmKb, Mib).AddMib(backing, Mib),
            r.NewEvidence().Add(r, r.PagesRamLineText).Add(r, r.TotalSwapLineText),
            "With vm.overcommit_memory=2 (and a suitable vm.overcommit_ratio/overcommit_kbytes) allocations fail up front (malloc returns NULL) instead of an OOM kill later; otherwise size RAM+swap for the peak.");
    }

    private static EvidenceLines Strings(OomReport r, IReadOnlyList<string> lines)
    {
        var ev = r.NewEvidence();
        foreach (var l in lines) ev.Add(l);
        return ev;
    }

    private static EvidenceLines MemInfoEvidence(OomReport r, params string[] keys)
    {
        var ev = r.NewEvidence();
        foreach (var line in r.MemInfoLines)
            foreach (var k in keys)
                if (StartsOrFollowsBlank(line, k))
                {
                    ev.Add(line);
                    break;
                }
        return ev;
    }

    /// <summary><paramref name="line"/> starts with <paramref name="key"/> or holds it right after a blank.</summary>
    private static bool StartsOrFollowsBlank(string line, string key)
    {
        for (int from = 0; from <= line.Length - key.Length;)
        {
            int at = line.IndexOf(key, from, StringComparison.Ordinal);
            if (at < 0) return false;
            if (at == 0 || line[at - 1] == ' ') return true;
            from = at + 1;
        }
        return false;
    }
}
