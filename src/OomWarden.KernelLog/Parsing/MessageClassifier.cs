using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OomWarden.KernelLog.Parsing;

/// <summary>Cheap classification of a kernel message (prefix already removed). Pure.</summary>
public static class MessageClassifier
{
    /// <summary>A piece of every pattern searched anywhere in a line below (see <see cref="ClassifierTailFilter"/>).</summary>
    public static readonly MarkerSearch TailPieces = new MarkerSearch<ClassifierTailFilter>(
        "ill"u8.ToArray(), "mem_cgroup_out_of_memory"u8.ToArray(), " cpuset="u8.ToArray(), "ostname"u8.ToArray());

    public static LineKind Classify(ReadOnlySpan<byte> m)
    {
        if (m.IsEmpty) return LineKind.Unrelated;
        switch (m[0])
        {
            case (byte)'[':
                if (IsTaskRow(m)) return LineKind.TaskRow;
                if (m.IndexOf("pid"u8) is > 0 and < 12 && m.IndexOf("uid"u8) > 0 && m.IndexOf("name"u8) > 0) return LineKind.TaskHeader;
                break;
            case (byte)'o':
                if (m.StartsWith("oom-kill:"u8)) return LineKind.Constraint;
                if (m.StartsWith("oom-killer: gfp_mask="u8)) return LineKind.Trigger; // 2.6.9–2.6.18: no comm
                if (m.StartsWith("oom_reaper: reaped process "u8)) return LineKind.Reaper;
                break;
            case (byte)'m':
                if (m.StartsWith("memory: usage"u8)) return LineKind.MemcgUsage;
                if (m.StartsWith("memory+swap: usage"u8)) return LineKind.MemswUsage;
                break;
            case (byte)'s':
                if (m.StartsWith("swap: usage"u8)) return LineKind.SwapUsage;
                break;
            case (byte)'k':
                if (m.StartsWith("kmem: usage"u8)) return LineKind.KmemUsage;
                break;
            case (byte)'M':
                if (m.StartsWith("Mem-Info:"u8) || m.StartsWith("Mem-info:"u8)) return LineKind.MemInfoStart;
                if (m.StartsWith("Memory cgroup stats for"u8)) return LineKind.MemcgStatsHeader;
                break;
            case (byte)'N':
                if (m.StartsWith("Node "u8)) return LineKind.NodeLine;
                break;
            case (byte)'F':
                if (m.StartsWith("Free swap"u8)) return LineKind.SwapTotals;
                break;
            case (byte)'T':
                if (m.StartsWith("Total swap"u8)) return LineKind.SwapTotals;
                if (m.StartsWith("Tasks state"u8)) return LineKind.TasksState;
                if (m.StartsWith("Task in "u8) && m.IndexOf(" killed as a result of limit of "u8) > 0) return LineKind.TaskIn;
                if (m.StartsWith("Tasks in "u8) && m.IndexOf("memory.oom.group"u8) > 0) return LineKind.OomGroup;
                break;
            case (byte)'U':
                if (m.StartsWith("Unreclaimable slab info:"u8)) return LineKind.SlabStart;
                break;
            case (byte)'L':
                if (m.StartsWith("Linux "u8)) return LineKind.KernelVersion;
                break;
            case (byte)'C':
                if (m.StartsWith("CPU: "u8) && m.IndexOf("PID: "u8) > 0) return LineKind.CpuLine;
                break;
            case (byte)'P':
                if (m.StartsWith("Pid: "u8) && m.IndexOf(", comm: "u8) > 0) return LineKind.CpuLine;
                break;
        }
        if (LineUnwrapper.IsDigit(m[0]) && IsPagesLine(m)) return LineKind.PagesLine;
        // the shortest pattern below is "Killed process " (15 bytes): shorter lines (most counter lines) hold none
        if (m.Length < 15) return LineKind.Unrelated;
        // Every pattern below but the memcg frame holds a blank with text before it: a line without one (a stack
        // frame, "<TASK>", also after the "? " of an unreliable frame) can only be that frame. Saves the searches
        // on the ~20 frames of every report.
        var words = m.Length > 2 && m[0] == (byte)'?' && m[1] == (byte)' ' ? m.Slice(2) : m;
        // (inline compares: a frame is ~30 bytes; most frames hold no 'y', which the memcg frame's name has)
        if (!ShortSpans.Contains(words, (byte)' '))
            return ShortSpans.Contains(m, (byte)'y') && m.IndexOf("mem_cgroup_out_of_memory"u8) >= 0 ? LineKind.MemcgCallTrace : LineKind.Unrelated;
        // Each pattern below holds one of v, K, p, y, = and n (in*v*oked, *K*illed, *p*rocess, memor*y*, cpuset*=*,
        // hostname): register dumps and their Code: line (hex, capitals, ':') hold none, and one 16-byte compare pass
        // rules them out for less than the pass below.
        if (m.Length >= 16 && NoneOfPatternBytes(m)) return LineKind.Unrelated;
        // Each pattern below holds one of the four pieces: a line with none of them (register dumps, Mem-Info
        // counters, most lines read in full) needs one vector pass, not a search for each. A line shorter than the
        // filter's reach would be searched byte by byte: the searches below cost less there.
        if (m.Length >= ClassifierTailFilter.Reach && TailPieces.IndexOfAny(m) < 0) return LineKind.Unrelated;
        // "ill" is in all three of the next (oom-k*ill*er, K*ill*ed, *ill* process): most lines need only that search
        if (m.IndexOf("ill"u8) >= 0)
        {
            if (m.IndexOf("invoked oom-killer"u8) >= 0) return LineKind.Trigger;
            if (m.IndexOf("Killed process "u8) >= 0) return LineKind.Kill;
            if (m.IndexOf("ill process "u8) >= 0 && m.IndexOf(" score "u8) > 0) return LineKind.Selection;
        }
        if (m.IndexOf("mem_cgroup_out_of_memory"u8) >= 0) return LineKind.MemcgCallTrace;
        if (m.IndexOf(" cpuset="u8) > 0 && m.IndexOf(" mems_allowed="u8) > 0) return LineKind.CpusetLine;
        if (m.IndexOf("ostname"u8) >= 0 && (m.IndexOf("Hostname set to <"u8) >= 0 || m.IndexOf("Set hostname to <"u8) >= 0)) return LineKind.HostName;
        return LineKind.Unrelated;
    }

    /// <summary>The line holds none of <c>v K p y = n</c> (at least 16 bytes: 16-byte blocks, the last overlapping).</summary>
    private static bool NoneOfPatternBytes(ReadOnlySpan<byte> m)
    {
        ref byte r = ref MemoryMarshal.GetReference(m);
        var any = Vector128<byte>.Zero;
        for (int i = 0; ; i += 16)
        {
            if (i > m.Length - 16) i = m.Length - 16;
            var v = Vector128.LoadUnsafe(ref r, (nuint)i);
            any |= Vector128.Equals(v, Vector128.Create((byte)'v')) | Vector128.Equals(v, Vector128.Create((byte)'K'))
                | Vector128.Equals(v, Vector128.Create((byte)'p')) | Vector128.Equals(v, Vector128.Create((byte)'y'))
                | Vector128.Equals(v, Vector128.Create((byte)'=')) | Vector128.Equals(v, Vector128.Create((byte)'n'));
            if (any != Vector128<byte>.Zero) return false; // most lines that hold one hold it early (a counter's name)
            if (i == m.Length - 16) return true;
        }
    }

    private static bool IsTaskRow(ReadOnlySpan<byte> m)
    {
        int close = m.IndexOf((byte)']');
        if (close < 2 || close > 12) return false;
        var pid = LineUnwrapper.Trim(m.Slice(1, close - 1));
        return LineUnwrapper.AllDigits(pid);
    }

    private static bool IsPagesLine(ReadOnlySpan<byte> m)
    {
        int sp = m.IndexOf((byte)' ');
        if (sp <= 0) return false;
        var rest = m.Slice(sp + 1);
        return rest.StartsWith("pages RAM"u8) || rest.StartsWith("pages of RAM"u8) || rest.StartsWith("pages reserved"u8) || rest.StartsWith("total pagecache pages"u8)
            || rest.StartsWith("pages in swap cache"u8) || rest.StartsWith("reserved pages"u8) || rest.StartsWith("pages swap cached"u8) || rest.StartsWith("pages HighMem"u8) || rest.StartsWith("pages hwpoisoned"u8)
            || rest.StartsWith("pages cma reserved"u8) || rest.StartsWith("pages shared"u8) || rest.StartsWith("pages non-shared"u8);
    }
}
