using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using OomWarden.KernelLog.Model;

[assembly: InternalsVisibleTo("OomWarden.KernelLog.Tests")]

namespace OomWarden.KernelLog.Parsing;

/// <summary>
/// Field extraction for each kind of OOM report line, across kernel versions 2.4 … 6.x. Each method reads one
/// message and fills what it shows into the report; a cut-off value is left null rather than guessed.
/// </summary>
public static class MessageParsers
{
    /// <summary><c>comm invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0</c> (and older forms).</summary>
    public static void Trigger(ReadOnlySpan<byte> m, OomReport r)
    {
        int at = m.IndexOf(" invoked oom-killer"u8);
        if (at > 0 && TriggerTail(m.Slice(at), r))
        {
            r.TriggerComm = Bytes.Key(m.Slice(0, at));
            r.TriggerLineText.Set(r.RowLines, m);
            return;
        }
        TriggerBySearch(m, r);
    }

    /// <summary><see cref="Trigger"/> by a search for each key (the reference for <see cref="TriggerTail"/>).</summary>
    internal static void TriggerBySearch(ReadOnlySpan<byte> m, OomReport r)
    {
        int at = m.IndexOf(" invoked oom-killer"u8);
        if (at < 0) at = m.IndexOf("invoked oom-killer"u8);
        if (at > 0) r.TriggerComm = Bytes.Key(m.Slice(0, at));
        var tail = m.Slice(Math.Max(at, 0));
        r.GfpMask = Bytes.FieldAfter(tail, "gfp_mask="u8);
        var order = Bytes.LongAfter(tail, "order="u8);
        r.Order = order is long o && o is >= -1 and <= 64 ? (int)o : null;
        r.TriggerOomScoreAdj = Bytes.LongAfter(tail, "oom_score_adj="u8);
        r.TriggerOomAdj = Bytes.LongAfter(tail, "oomkilladj="u8) ?? Bytes.LongAfter(tail, " oom_adj="u8);
        r.Nodemask ??= Bytes.FieldAfter(tail, "nodemask="u8);
        r.TriggerLineText.Set(r.RowLines, m);
    }

    /// <summary>
    /// The trigger's tail in the form kernels 4.x–6.x print, read left to right:
    /// <c> invoked oom-killer: gfp_mask=MASK, order=N, oom_score_adj=N</c> and nothing after, the mask without an
    /// <c>=</c>. Every key the searches look for ends with the only <c>=</c> signs there, so each one is where they
    /// find it (or absent): the same values. False, and nothing set, for any other text.
    /// </summary>
    private static bool TriggerTail(ReadOnlySpan<byte> tail, OomReport r)
    {
        int i = 0;
        if (!Lit(tail, ref i, " invoked oom-killer: gfp_mask="u8)) return false;
        // Bytes.FieldAfter: to the first ',' or ' ' outside parentheses
        int start = i, depth = 0;
        for (; i < tail.Length; i++)
        {
            byte b = tail[i];
            if (b == (byte)'(') depth++;
            else if (b == (byte)')') depth--;
            else if (b == (byte)'=') return false;
            else if (depth <= 0 && (b == (byte)',' || b == (byte)' ')) break;
        }
        if (depth > 0 || i == start) return false;
        int end = i;
        if (!Lit(tail, ref i, ", order="u8) || !Num(tail, ref i, out long order)
            || !Lit(tail, ref i, ", oom_score_adj="u8) || !Num(tail, ref i, out long adj) || i != tail.Length) return false;
        r.GfpMask = Bytes.Key(tail.Slice(start, end - start));
        r.Order = order is >= -1 and <= 64 ? (int)order : null;
        r.TriggerOomScoreAdj = adj;
        r.TriggerOomAdj = null;
        return true;
    }

    /// <summary><c>CPU: 0 UID: 0 PID: 4617 Comm: hog Not tainted 6.18.44 #1</c>, <c>Pid: 1234, comm: foo Tainted: G W 2.6.32 #1</c>.</summary>
    public static void CpuLine(ReadOnlySpan<byte> m, OomReport r)
    {
        r.TriggerPid ??= Bytes.LongAfter(m, "PID: "u8) ?? Bytes.LongAfter(m, "Pid: "u8);
        r.Kernel ??= KernelFromTaintLine(m);
        r.CpuLineText.Set(r.RowLines, m);
    }

    /// <summary>The release after "Not tainted " or after the taint flags of "Tainted: G   W  O ".</summary>
    public static string? KernelFromTaintLine(ReadOnlySpan<byte> m)
    {
        int at = m.IndexOf("Not tainted "u8);
        ReadOnlySpan<byte> rest;
        if (at >= 0) rest = m.Slice(at + "Not tainted "u8.Length);
        else
        {
            at = m.IndexOf("Tainted: "u8);
            if (at < 0) return null;
            rest = m.Slice(at + "Tainted: "u8.Length);
            // flags: capital letters and blanks; the release is the first token starting with a digit
            int i = 0;
            while (i < rest.Length && (rest[i] == (byte)' ' || (rest[i] >= (byte)'A' && rest[i] <= (byte)'Z'))) i++;
            rest = rest.Slice(i);
        }
        return ReleaseToken(rest);
    }

    private static string? ReleaseToken(ReadOnlySpan<byte> rest)
    {
        rest = LineUnwrapper.TrimStart(rest);
        int end = rest.IndexOfAny((byte)' ', (byte)'\t');
        var tok = end < 0 ? rest : rest.Slice(0, end);
        if (tok.Length < 3 || !LineUnwrapper.IsDigit(tok[0]) || tok.IndexOf((byte)'.') < 0) return null;
        // a release cut at the end of a line would be wrong: require something after it
        if (end < 0) return null;
        return Bytes.Key(tok);
    }

    /// <summary>
    /// <c>Linux version 5.15.0-107-generic (buildd@...)</c> (the boot banner) or a <c>uname -a</c> line
    /// <c>Linux host 5.15.0-107-generic #117-Ubuntu ...</c>, which also names the host.
    /// </summary>
    public static string? KernelFromLinuxLine(ReadOnlySpan<byte> m, out ReadOnlySpan<byte> host)
    {
        host = default;
        if (m.StartsWith("Linux version "u8)) return ReleaseToken(m.Slice("Linux version "u8.Length));
        var rest = m.Slice("Linux "u8.Length);
        int sp = rest.IndexOf((byte)' ');
        if (sp <= 0) return null;
        var name = rest.Slice(0, sp);
        rest = rest.Slice(sp + 1);
        int sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0 || sp2 + 1 >= rest.Length || rest[sp2 + 1] != (byte)'#') return null;
        var release = ReleaseToken(rest);
        if (release is not null) host = name;
        return release;
    }

    /// <summary>systemd's <c>Hostname set to &lt;web1&gt;.</c> (or older <c>Set hostname to &lt;web1&gt;.</c>) → <c>web1</c>; empty when not of that shape.</summary>
    public static ReadOnlySpan<byte> HostFromSystemdLine(ReadOnlySpan<byte> m)
    {
        int at = m.IndexOf("name to <"u8);
        if (at < 0) return default;
        var rest = m.Slice(at + "name to <"u8.Length);
        int end = rest.IndexOf((byte)'>');
        if (end <= 0 || end > 253) return default;
        var host = rest.Slice(0, end);
        foreach (byte b in host)
            if (b <= (byte)' ' || b >= 0x7f) return default;
        return host;
    }

    /// <summary><c>oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a,task=hog,pid=1,uid=0</c></summary>
    public static void Constraint(ReadOnlySpan<byte> m, OomReport r)
    {
        var body = m.Slice("oom-kill:"u8.Length);
        if (ConstraintByCommas(body, r)) { r.ConstraintLineText.Set(r.RowLines, m); return; }
        ConstraintBySearch(m, r);
    }

    /// <summary><see cref="Constraint"/> by a search for each key (the reference for <see cref="ConstraintByCommas"/>).</summary>
    internal static void ConstraintBySearch(ReadOnlySpan<byte> m, OomReport r)
    {
        var body = m.Slice("oom-kill:"u8.Length);
        r.Constraint = Value(body, "constraint="u8, out bool cut) is { } c && !cut ? c : null;
        r.Nodemask = Value(body, "nodemask="u8, out cut) is { } n && !cut ? n : r.Nodemask;
        r.Cpuset = Value(body, ",cpuset="u8, out cut) is { } cs && !cut ? cs : r.Cpuset;
        r.MemsAllowed = Value(body, ",mems_allowed="u8, out cut) is { } ma && !cut ? ma : r.MemsAllowed;
        if (Value(body, ",oom_memcg="u8, out cut) is { } om && !cut) r.Memcg = om;
        if (Value(body, ",task_memcg="u8, out cut) is { } tm && !cut) r.TaskMemcg = tm;
        r.ConstraintLineText.Set(r.RowLines, m);
    }

    /// <summary>
    /// <see cref="ConstraintBySearch"/> from one pass over the line's commas: each comma-led key starts at a comma, so
    /// the first comma where a key starts is where the search finds it, and the comma that ends a value is the first
    /// later one where any key starts. False (nothing set) for a line of more than 32 commas.
    /// </summary>
    private static bool ConstraintByCommas(ReadOnlySpan<byte> body, OomReport r)
    {
        Span<int> at = stackalloc int[32];
        Span<sbyte> key = stackalloc sbyte[32]; // index in CommaKeys of the key that starts at the comma, -1: none
        int n = 0, i = 0;
        ref byte b0 = ref MemoryMarshal.GetReference(body);
        for (; i + 16 <= body.Length; i += 16)
        {
            uint mask = Vector128.Equals(Vector128.LoadUnsafe(ref b0, (nuint)i), Vector128.Create((byte)',')).ExtractMostSignificantBits();
            for (; mask != 0; mask &= mask - 1)
            {
                if (n == at.Length) return false;
                int comma = i + BitOperations.TrailingZeroCount(mask);
                at[n] = comma;
                key[n++] = CommaKeyAt(body.Slice(comma));
            }
        }
        for (; i < body.Length; i++)
        {
            if (body[i] != (byte)',') continue;
            if (n == at.Length) return false;
            at[n] = i;
            key[n++] = CommaKeyAt(body.Slice(i));
        }
        var commas = new Commas(at.Slice(0, n), key.Slice(0, n));
        r.Constraint = CommaValue(body, commas, -1, out bool cut) is { } c && !cut ? c : null;
        // "nodemask=" has no comma before it in the key list: only at the start of the body, where "constraint=" is
        if (body.StartsWith("nodemask="u8)) return false;
        r.Cpuset = CommaValue(body, commas, KeyCpuset, out cut) is { } cs && !cut ? cs : r.Cpuset;
        r.MemsAllowed = CommaValue(body, commas, KeyMemsAllowed, out cut) is { } ma && !cut ? ma : r.MemsAllowed;
        if (CommaValue(body, commas, KeyOomMemcg, out cut) is { } om && !cut) r.Memcg = om;
        if (CommaValue(body, commas, KeyTaskMemcg, out cut) is { } tm && !cut) r.TaskMemcg = tm;
        return true;
    }

    private readonly ref struct Commas(Span<int> at, Span<sbyte> key)
    {
        public readonly Span<int> At = at;
        public readonly Span<sbyte> Key = key;
    }

    // positions in CommaKeys (",nodemask=", ",cpuset=", ",mems_allowed=", ",oom_memcg=", ",global_oom", ",task_memcg=", ",task=", ",pid=", ",uid=")
    private const int KeyCpuset = 1, KeyMemsAllowed = 2, KeyOomMemcg = 3, KeyTaskMemcg = 5, KeyUid = 8;

    /// <summary>Which comma-led key <paramref name="tail"/> (from a comma) starts with: its index in <see cref="CommaKeys"/>, or -1.</summary>
    private static sbyte CommaKeyAt(ReadOnlySpan<byte> tail)
    {
        if (tail.Length < 2) return -1;
        int k = tail[1] switch
        {
            (byte)'n' => 0, (byte)'c' => 1, (byte)'m' => 2, (byte)'o' => 3, (byte)'g' => 4,
            (byte)'t' => tail.Length > 5 && tail[5] == (byte)'_' ? 5 : 6,
            (byte)'p' => 7, (byte)'u' => 8, _ => -1,
        };
        return k >= 0 && tail.StartsWith(CommaKeys[k]) ? (sbyte)k : (sbyte)-1;
    }

    /// <summary><see cref="Value"/> for the key at <paramref name="k"/> in <see cref="CommaKeys"/> (-1: <c>constraint=</c>, at the start).</summary>
    private static string? CommaValue(ReadOnlySpan<byte> body, Commas commas, int k, out bool cut)
    {
        cut = false;
        int from, first = 0;
        if (k < 0)
        {
            if (!body.StartsWith("constraint="u8)) return null;
            from = "constraint="u8.Length;
        }
        else
        {
            while (first < commas.Key.Length && commas.Key[first] != k) first++;
            if (first == commas.Key.Length) return null;
            from = commas.At[first] + CommaKeys[k].Length;
        }
        int end = body.Length;
        for (int j = first; j < commas.At.Length; j++)
            if (commas.At[j] >= from && commas.Key[j] >= 0) { end = commas.At[j]; break; }
        if (end == body.Length)
        {
            // the line may be cut inside the next key (",task_me"): the value still ends at that comma
            for (int j = first; j < commas.At.Length; j++)
                if (commas.At[j] >= from && IsPrefixOfKey(body.Slice(commas.At[j]))) { end = commas.At[j]; break; }
            cut = end == body.Length && k != KeyUid;
        }
        return Bytes.Key(body.Slice(from, end - from));
    }

    private static ReadOnlySpan<byte> ConstraintKeys => "constraint=|,nodemask=|,cpuset=|,mems_allowed=|,oom_memcg=|,global_oom|,task_memcg=|,task=|,pid=|,uid="u8;

    /// <summary>Value of a constraint key: it ends where the next known key starts (values may hold commas: "0,2").</summary>
    private static string? Value(ReadOnlySpan<byte> body, ReadOnlySpan<byte> key, out bool cut)
    {
        cut = false;
        int at = key[0] == (byte)',' ? body.IndexOf(key) : (body.StartsWith(key) ? 0 : -1);
        if (at < 0) return null;
        var rest = body.Slice(at + key.Length);
        // the first comma that starts a known key (the keys after the first all start with one)
        int end = rest.Length;
        for (int c = rest.IndexOf((byte)','); c >= 0; c = NextComma(rest, c))
            if (StartsWithKey(rest.Slice(c))) { end = c; break; }
        if (end == rest.Length)
        {
            // the line may be cut inside the next key (",task_me"): the value still ends at that comma
            for (int c = rest.IndexOf((byte)','); c >= 0 && c < end; c = NextComma(rest, c))
                if (IsPrefixOfKey(rest.Slice(c))) { end = c; break; }
            cut = end == rest.Length && !key.SequenceEqual(",uid="u8);
        }
        return Bytes.Key(rest.Slice(0, end));
    }

    private static readonly byte[][] CommaKeys = SplitCommaKeys();

    private static byte[][] SplitCommaKeys()
    {
        var keys = new List<byte[]>();
        foreach (var k in System.Text.Encoding.ASCII.GetString(ConstraintKeys).Split('|'))
            if (k[0] == ',') keys.Add(System.Text.Encoding.ASCII.GetBytes(k));
        return [.. keys];
    }

    private static bool StartsWithKey(ReadOnlySpan<byte> tail)
    {
        foreach (var k in CommaKeys)
            if (tail.StartsWith(k)) return true;
        return false;
    }

    private static int NextComma(ReadOnlySpan<byte> s, int after)
    {
        int n = s.Slice(after + 1).IndexOf((byte)',');
        return n < 0 ? -1 : after + 1 + n;
    }

    private static bool IsPrefixOfKey(ReadOnlySpan<byte> tail)
    {
        var keys = ConstraintKeys;
        while (!keys.IsEmpty)
        {
            int bar = keys.IndexOf((byte)'|');
            var k = bar < 0 ? keys : keys.Slice(0, bar);
            keys = bar < 0 ? default : keys.Slice(bar + 1);
            if (k[0] == (byte)',' && tail.Length < k.Length && k.StartsWith(tail)) return true;
        }
        return false;
    }

    /// <summary><c>Task in /a/b killed as a result of limit of /a</c> (kernels before 4.19).</summary>
    public static void TaskIn(ReadOnlySpan<byte> m, OomReport r)
    {
        var marker = " killed as a result of limit of "u8;
        int at = m.IndexOf(marker);
        if (at < "Task in "u8.Length) return;
        r.TaskMemcg ??= Bytes.Key(m.Slice("Task in "u8.Length, at - "Task in "u8.Length));
        var limit = LineUnwrapper.Trim(m.Slice(at + marker.Length));
        if (!limit.IsEmpty) r.Memcg ??= Bytes.Key(limit);
        r.TaskInLineText.Set(r.RowLines, m);
    }

    /// <summary><c>memory: usage 65536kB, limit 65536kB, failcnt 20</c> and its memory+swap / swap / kmem siblings.</summary>
    public static void Usage(ReadOnlySpan<byte> m, LineKind kind, OomReport r)
    {
        long? usage = Bytes.KbAfter(m, "usage "u8), limit = Bytes.KbAfter(m, "limit "u8);
        switch (kind)
        {
            case LineKind.MemcgUsage:
                r.MemcgUsageKb = usage; r.MemcgLimitKb = limit; r.MemcgFailcnt = Bytes.LongAfter(m, "failcnt "u8); r.MemcgUsageLineText.Set(r.RowLines, m);
                break;
            case LineKind.MemswUsage:
                r.MemswUsageKb = usage; r.MemswLimitKb = limit; r.MemswLineText.Set(r.RowLines, m); r.SawMemcgV1Marker = true;
                break;
            case LineKind.SwapUsage:
                r.SwapUsageKb = usage; r.SwapLimitKb = limit; r.SwapLineText.Set(r.RowLines, m); r.SawMemcgV2Marker = true;
                break;
            case LineKind.KmemUsage:
                r.KmemUsageKb = usage; r.SawMemcgV1Marker = true;
                break;
        }
    }

    /// <summary><c>Memory cgroup stats for /a:</c> optionally followed (old kernels) by <c>cache:0KB rss:1234KB ...</c> on the same line.</summary>
    public static void MemcgStatsHeader(ReadOnlySpan<byte> m, OomReport r)
    {
        var rest = m.Slice("Memory cgroup stats for"u8.Length);
        rest = LineUnwrapper.TrimStart(rest);
        int colon = rest.IndexOf(": "u8);
        if (colon < 0 && rest.Length > 0 && rest[^1] == (byte)':') colon = rest.Length - 1;
        if (colon >= 0)
        {
            r.MemcgStatsPath = Bytes.Key(rest.Slice(0, colon));
            var inline = colon + 2 <= rest.Length ? rest.Slice(colon + 1) : default;
            if (inline.Length > 0 && inline.IndexOf((byte)':') > 0)
            {
                r.MemcgStatsInKb = true;
                AddColonPairs(inline, r.MemcgStats, "KB"u8);
                r.SawMemcgV1Marker = true;
            }
        }
    }

    /// <summary>One multi-line stat (<c>anon 66879488</c>, <c>total_rss 1234</c>); false when the line is not of that shape.</summary>
    public static bool MemcgStatLine(ReadOnlySpan<byte> m, OomReport r)
    {
        if (!TryStatLine(m, out var key, out long v)) return false;
        AddMemcgStat(key, v, r);
        return true;
    }

    /// <summary>
    /// The shape of a multi-line stat: a name of <c>[a-z0-9_]</c>, a blank, an integer (blanks around it allowed).
    /// Such a line holds none of the patterns <see cref="MessageClassifier"/> looks for but the memcg frame
    /// (<c>mem_cgroup_out_of_memory</c>, which only the name can hold): the assembler reads it as a stat first
    /// inside a stats block and classifies only what is not one (<see cref="MayBeOtherKind"/>).
    /// </summary>
    public static bool TryStatLine(ReadOnlySpan<byte> m, out ReadOnlySpan<byte> key, out long value)
    {
        value = 0;
        key = default;
        int sp = m.IndexOf((byte)' ');
        if (sp <= 0) return false;
        key = m.Slice(0, sp);
        foreach (byte b in key)
            if (!((b >= (byte)'a' && b <= (byte)'z') || b == (byte)'_' || LineUnwrapper.IsDigit(b))) return false;
        var val = LineUnwrapper.Trim(m.Slice(sp + 1));
        return Bytes.TryLeadingLong(val, out value, out int n) && n == val.Length;
    }

    /// <summary>
    /// <c>m.IndexOf((byte)' ')</c>, the first 32 bytes compared inline (a stat's name is shorter: no library call for
    /// the ~50 stat lines of a report).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstBlank(ReadOnlySpan<byte> m)
    {
        if (m.Length >= 16)
        {
            ref byte at = ref MemoryMarshal.GetReference(m);
            var blank = Vector128.Create((byte)' ');
            uint mask = Vector128.Equals(Vector128.LoadUnsafe(ref at), blank).ExtractMostSignificantBits();
            if (mask != 0) return BitOperations.TrailingZeroCount(mask);
            if (m.Length >= 32)
            {
                mask = Vector128.Equals(Vector128.LoadUnsafe(ref at, 16), blank).ExtractMostSignificantBits();
                if (mask != 0) return 16 + BitOperations.TrailingZeroCount(mask);
            }
            return m.IndexOf((byte)' ');
        }
        for (int i = 0; i < m.Length; i++)
            if (m[i] == (byte)' ') return i;
        return -1;
    }

    /// <summary>A stat name the classifier would not call unrelated: it holds the memcg frame's name.</summary>
    public static bool MayBeOtherKind(ReadOnlySpan<byte> statName) =>
        statName.Length >= "mem_cgroup_out_of_memory"u8.Length && statName.IndexOf("mem_cgroup_out_of_memory"u8) >= 0;

    /// <summary>
    /// <see cref="TryStatLine"/> with the name looked up first: a name seen before (every report of a log repeats them)
    /// was checked once, when it was first seen (<see cref="CounterName.IsStatName"/>). Same answer.
    /// </summary>
    internal static bool TryStat(ReadOnlySpan<byte> m, out CounterName? name, out long value) => TryStat(m, null, out name, out value);

    /// <param name="previous">The stat read before (kernels print the stats in a fixed order): the name that followed
    /// it last time is compared first, before the table's look-up (<see cref="CounterName.Next"/>).</param>
    internal static bool TryStat(ReadOnlySpan<byte> m, CounterName? previous, out CounterName? name, out long value)
    {
        value = 0;
        name = null;
        int sp = FirstBlank(m);
        if (sp <= 0) return false;
        if (sp > CounterName.MaxInterned)
        {
            if (!TryStatLine(m, out var key, out value)) return false;
            name = CounterName.Of(key);
            return true;
        }
        var word = m.Slice(0, sp);
        CounterName n;
        if (previous?.Next is { } next && CounterName.Same(word, next.Utf8)) n = next;
        else
        {
            n = CounterName.Of(word);
            if (previous is not null) previous.Next = n;
        }
        if (!n.IsStatName) return false;
        // the value: Trim, then Bytes.TryLeadingLong to its end (blanks, a sign, digits, blanks), in one pass
        int i = sp + 1, len = m.Length;
        while (i < len && (m[i] == (byte)' ' || m[i] == (byte)'\t')) i++;
        bool neg = false;
        if (i < len && (m[i] == (byte)'-' || m[i] == (byte)'+')) { neg = m[i] == (byte)'-'; i++; }
        int digits = i;
        long v = 0;
        for (; i < len; i++)
        {
            uint d = (uint)(m[i] - '0');
            if (d > 9) break;
            v = v > (long.MaxValue - 9) / 10 ? long.MaxValue : v * 10 + d;
        }
        if (i == digits) return false;
        while (i < len && (m[i] == (byte)' ' || m[i] == (byte)'\t')) i++;
        if (i != len) return false;
        value = neg ? -v : v;
        name = n;
        return true;
    }

    internal static void AddMemcgStat(ReadOnlySpan<byte> key, long v, OomReport r) => AddMemcgStat(CounterName.Of(key), v, r);

    internal static void AddMemcgStat(CounterName name, long v, OomReport r)
    {
        if (r.MemcgStats.Count < CounterList.MaxCounters) r.MemcgStats.Add(name, v, 64); // v1 and v2 print 35–50 stats: one array
        // the names that tell v1 from v2 (known by the name: every stat line comes here)
        if (name.MemcgVersion == 1) r.SawMemcgV1Marker = true;
        else if (name.MemcgVersion == 2) r.SawMemcgV2Marker = true;
    }

    /// <summary><c>key:123 key2:456</c> tokens (Mem-Info, pages); returns how many were read.</summary>
    public static int AddColonPairs(ReadOnlySpan<byte> m, CounterList into, ReadOnlySpan<byte> requiredUnit = default)
    {
        // one pass: a token runs from after blanks and tabs to the next blank or tab; its key to its first ':'
        int count = 0;
        int i = 0, len = m.Length;
        while (i < len)
        {
            while (i < len && (m[i] == (byte)' ' || m[i] == (byte)'\t')) i++;
            int start = i, colon = -1;
            for (; i < len; i++)
            {
                byte b = m[i];
                if (b == (byte)' ' || b == (byte)'\t') break;
                if (b == (byte)':' && colon < 0) colon = i;
            }
            if (colon <= start) continue;
            int at = colon + 1;
            if (!Num(m.Slice(0, i), ref at, out long v)) continue;
            var unit = m.Slice(at, i - at);
            if (!requiredUnit.IsEmpty ? !unit.SequenceEqual(requiredUnit) : !unit.IsEmpty) continue;
            if (into.Count < CounterList.MaxCounters) into.Add(CounterName.Of(m.Slice(start, colon - start)), v, 32); // Mem-Info prints ~25 counters: one array, not 4→8→16→32
            count++;
        }
        return count;
    }

    /// <summary>
    /// A Mem-Info counter line (<c>active_anon:825 inactive_anon:225625 isolated_anon:0</c>): blanks and tokens of a
    /// name of <c>[a-z0-9_]</c>, a colon and digits, and nothing else. Such a line holds none of the patterns of
    /// <see cref="MessageClassifier"/> (each needs a capital, a <c>=</c>, a <c>-</c>, or a word before a blank, where
    /// these lines have digits) but the memcg frame's name, which only a name can hold (then false): the assembler reads
    /// it first inside Mem-Info and adds its counters as <see cref="AddColonPairs"/> would; false (nothing added) for
    /// any other line.
    /// </summary>
    internal static bool TryCounterLine(ReadOnlySpan<byte> m, CounterList into, ref CounterName? previous)
    {
        Span<int> tokens = stackalloc int[3 * 16]; // name start, colon, value end
        int n = 0, i = 0, len = m.Length;
        while (true)
        {
            while (i < len && (m[i] == (byte)' ' || m[i] == (byte)'\t')) i++;
            if (i == len) break;
            if (n == 16) return false;
            int start = i;
            while (i < len && ((uint)(m[i] - 'a') <= 'z' - 'a' || LineUnwrapper.IsDigit(m[i]) || m[i] == (byte)'_')) i++;
            if (i == start || i == len || m[i] != (byte)':') return false;
            int colon = i++;
            int digits = i;
            while (i < len && LineUnwrapper.IsDigit(m[i])) i++;
            if (i == digits || (i < len && m[i] != (byte)' ' && m[i] != (byte)'\t')) return false;
            if (colon - start >= "mem_cgroup_out_of_memory"u8.Length && MayBeOtherKind(m.Slice(start, colon - start))) return false;
            tokens[3 * n] = start;
            tokens[3 * n + 1] = colon;
            tokens[3 * n + 2] = i;
            n++;
        }
        if (n == 0) return false;
        for (int t = 0; t < n; t++)
        {
            int start = tokens[3 * t], colon = tokens[3 * t + 1], end = tokens[3 * t + 2];
            long v = 0;
            for (int j = colon + 1; j < end; j++) v = v > (long.MaxValue - 9) / 10 ? long.MaxValue : v * 10 + (m[j] - '0');
            var word = m.Slice(start, colon - start);
            CounterName name;
            if (previous?.Next is { } next && CounterName.Same(word, next.Utf8)) name = next;
            else
            {
                name = CounterName.Of(word);
                if (previous is not null) previous.Next = name;
            }
            previous = name;
            if (into.Count < CounterList.MaxCounters) into.Add(name, v, 32);
        }
        return true;
    }

    /// <summary>Lines starting with <c>Node N </c>: zone watermarks, buddy lists, hugepages, per-node totals.</summary>
    public static void NodeLine(ReadOnlySpan<byte> m, OomReport r)
    {
        var rest = m.Slice("Node "u8.Length);
        if (!Bytes.TryLeadingLong(rest, out long node, out int n)) return;
        rest = rest.Slice(n);
        if (rest.IsEmpty || rest[0] != (byte)' ') return;
        rest = rest.Slice(1);
        if (rest.StartsWith("hugepages_total="u8))
        {
            long? total = Bytes.LongAfter(rest, "hugepages_total="u8);
            long? size = Bytes.KbAfter(rest, "hugepages_size="u8);
            if (total is long t && size is long s)
            {
                r.HugepagesTotalKb = (r.HugepagesTotalKb ?? 0) + t * s;
                r.AddHugepageLine(m);
            }
            return;
        }
        if (rest.IsEmpty || rest[0] < (byte)'A' || rest[0] > (byte)'Z') return; // per-node totals: Mem-Info holds the same
        int sp = rest.IndexOfAny((byte)' ', (byte)':');
        if (sp <= 0) return;
        var zoneName = rest.Slice(0, sp);
        string name = Bytes.Key(zoneName);
        if (rest[sp] == (byte)':')
        {
            var zone = FindZone(r, (int)node, name);
            if (zone is null) { zone = NewZone(r, (int)node, name); if (r.Zones.Count < 64) r.Zones.Add(zone); }
            zone.FreeBlocksByOrder = ParseBuddy(rest.Slice(sp + 1), zone.TakeSpareBlocks());
            zone.SetBuddyLine(r.RowLines, m);
            return;
        }
        var fields = rest.Slice(sp + 1);
        if (!fields.StartsWith("free:"u8)) return; // "Node 0 DMA per-cpu:" and the like
        var z = FindZone(r, (int)node, name);
        if (z is null) { z = NewZone(r, (int)node, name); if (r.Zones.Count < 64) r.Zones.Add(z); }
        z.FreeKb = Bytes.KbAfter(fields, "free:"u8);
        z.MinKb = Bytes.KbAfter(fields, " min:"u8);
        z.LowKb = Bytes.KbAfter(fields, " low:"u8);
        z.HighKb = Bytes.KbAfter(fields, " high:"u8);
        z.ManagedKb = Bytes.KbAfter(fields, " managed:"u8);
        z.SetLine(r.RowLines, m);
    }

    private static ZoneInfo NewZone(OomReport r, int node, string name)
    {
        var z = r.NewZone();
        z.Node = node;
        z.Name = name;
        return z;
    }

    private static ZoneInfo? FindZone(OomReport r, int node, string name)
    {
        foreach (var z in r.Zones)
            if (z.Node == node && z.Name == name) return z;
        return null;
    }

    /// <summary><c>12*4kB (UME) 3*8kB (M) 0*16kB ... = 15360kB</c> → blocks per order (in <paramref name="reuse"/> when it has that length).</summary>
    private static long[]? ParseBuddy(ReadOnlySpan<byte> s, long[]? reuse)
    {
        Span<long> counts = stackalloc long[16];
        counts.Clear();
        int max = -1;
        int i = 0, len = s.Length;
        while (i < len)
        {
            // a token: after blanks and tabs, up to the next blank (a tab stays in it)
            while (i < len && (s[i] == (byte)' ' || s[i] == (byte)'\t')) i++;
            int start = i;
            while (i < len && s[i] != (byte)' ') i++;
            var tok = s.Slice(start, i - start);
            // COUNT*SIZEkB: the count runs to the first '*'
            if (!Bytes.TryLeadingLong(tok, out long count, out int n) || n >= tok.Length || tok[n] != (byte)'*') continue;
            var size = tok.Slice(n + 1);
            if (!Bytes.TryLeadingLong(size, out long kb, out int m2) || size.Length - m2 != 2 || size[m2] != (byte)'k' || size[m2 + 1] != (byte)'B') continue;
            // the number of halvings of kb / 4 down to 1, at most 15
            long quarter = kb / 4;
            int order = quarter > 1 ? Math.Min(15, BitOperations.Log2((ulong)quarter)) : 0;
            counts[order] = count;
            max = Math.Max(max, order);
        }
        if (max < 0) return null;
        var blocks = reuse is not null && reuse.Length == max + 1 ? reuse : new long[max + 1];
        counts.Slice(0, max + 1).CopyTo(blocks);
        return blocks;
    }

    /// <summary><c>Free swap  = 0kB</c>, <c>Total swap = 0kB</c>, and 2.6.18's <c>Free swap:       0kB</c> (printed after the first form by RHEL 5).</summary>
    public static void SwapTotals(ReadOnlySpan<byte> m, OomReport r)
    {
        int sep = m.IndexOfAny((byte)'=', (byte)':');
        if (sep < 0) return;
        long? kb = Bytes.KbAfter(LineUnwrapper.TrimStart(m.Slice(sep + 1)), default);
        if (m.StartsWith("Free swap"u8))
        {
            if (r.FreeSwapLineText.HasValue && kb is null) return;
            r.FreeSwapKb = kb; r.FreeSwapLineText.Set(r.RowLines, m);
        }
        else { r.TotalSwapKb = kb; r.TotalSwapLineText.Set(r.RowLines, m); }
    }

    /// <summary><c>262030 pages RAM</c>, <c>12345 pages reserved</c>, <c>123 total pagecache pages</c>.</summary>
    public static void PagesLine(ReadOnlySpan<byte> m, OomReport r)
    {
        if (!Bytes.TryLeadingLong(m, out long v, out int n)) return;
        var rest = m.Slice(n + 1);
        if (rest.StartsWith("pages RAM"u8) || rest.StartsWith("pages of RAM"u8)) { r.PagesRam = v; r.PagesRamLineText.Set(r.RowLines, m); }
        else if (rest.StartsWith("pages reserved"u8) || rest.StartsWith("reserved pages"u8)) r.PagesReserved = v;
        else if (rest.StartsWith("total pagecache pages"u8)) r.PagecachePages = v;
    }

    /// <summary>Column names of the task table header, without the leading <c>[ pid ]</c>; null when unreadable.</summary>
    public static string[]? TaskHeader(ReadOnlySpan<byte> m)
    {
        int close = m.IndexOf((byte)']');
        if (close < 0) return null;
        var cols = new List<string>();
        var s = m.Slice(close + 1);
        while (true)
        {
            s = LineUnwrapper.TrimStart(s);
            if (s.IsEmpty) break;
            int sp = s.IndexOfAny((byte)' ', (byte)'\t');
            cols.Add(Bytes.Key(sp < 0 ? s : s.Slice(0, sp)));
            if (sp < 0) break;
            s = s.Slice(sp);
        }
        return cols.Count >= 2 && cols[^1] == "name" ? cols.ToArray() : null;
    }

    /// <summary>No kernel prints more than 11 numeric columns; a header claiming more is damage.</summary>
    public const int MaxTaskColumns = 24;

    /// <summary>Default columns by number count when the header was not in the text.</summary>
    public static string[] GuessColumns(int numbers) => numbers switch
    {
        >= 10 => ["uid", "tgid", "total_vm", "rss", "rss_anon", "rss_file", "rss_shmem", "pgtables_bytes", "swapents", "oom_score_adj", "name"],
        8 => ["uid", "tgid", "total_vm", "rss", "nr_ptes", "nr_pmds", "swapents", "oom_score_adj", "name"],
        7 => ["uid", "tgid", "total_vm", "rss", "pgtables_bytes", "swapents", "oom_score_adj", "name"],
        _ => ["uid", "tgid", "total_vm", "rss", "cpu", "oom_adj", "name"],
    };

    /// <summary><c>[   4617]     0  4617    17019    16566 ... 0 hog</c> read against <paramref name="columns"/>; null when cut short.</summary>
    public static TaskRow? TaskRow(ReadOnlySpan<byte> m, string[]? columns) => TaskRow(m, columns, null, null);

    /// <param name="store">Where the row's text is kept until quoted (the report's); null: the row gets its string now.</param>
    /// <param name="owner">The report the row is for: its spare rows are used when it has some.</param>
    /// <param name="codes">What each of <paramref name="columns"/> fills (<see cref="ColumnCodes"/>), when known.</param>
    internal static TaskRow? TaskRow(ReadOnlySpan<byte> m, string[]? columns, LineStore? store, OomReport? owner, byte[]? codes = null)
    {
        int close = m.IndexOf((byte)']');
        if (close < 2) return null;
        long pid = LineUnwrapper.ParseLong(LineUnwrapper.Trim(m.Slice(1, close - 1)));
        Span<long> nums = stackalloc long[MaxTaskColumns];
        int count = 0;
        int want = columns is null ? MaxTaskColumns : columns.Length - 1;
        if (want > MaxTaskColumns) return null;
        ReadOnlySpan<byte> name = default;
        // one pass over the columns: blanks, then a token that is a number (Bytes.TryLeadingLong's: a sign, digits,
        // saturating) when its digits run to the next blank or the end
        int i = close + 1, len = m.Length;
        // rows of 16–128 bytes (all but damaged ones): their blanks as a bit mask, from 16-byte compares, so that a run
        // of blanks (the columns are aligned: ~45 of a row's ~80 bytes) is one bit scan
        ulong lo = 0, hi = 0;
        bool masked = len >= 16 && len <= 128;
        if (masked) BlankMask(m, out lo, out hi);
        while (true)
        {
            if (masked) i = Math.Min(len, NextNonBlank(lo, hi, i));
            else while (i < len && (m[i] == (byte)' ' || m[i] == (byte)'\t')) i++;
            if (i == len) return null; // cut before the name
            if (count == want) { name = m.Slice(i); break; }
            int start = i;
            bool neg = false;
            if (m[i] == (byte)'-' || m[i] == (byte)'+') { neg = m[i] == (byte)'-'; i++; }
            int digits = i;
            long v = 0;
            while (i < len && LineUnwrapper.IsDigit(m[i]))
            {
                v = v > (long.MaxValue - 9) / 10 ? long.MaxValue : v * 10 + (m[i] - '0');
                i++;
            }
            if (i == digits || (i < len && m[i] != (byte)' ' && m[i] != (byte)'\t'))
            {
                if (columns is not null) return null; // damaged row
                name = m.Slice(start);
                break;
            }
            if (i == len) return null; // a number at the end: the name was cut off
            nums[count++] = neg ? -v : v;
        }
        if (columns is null) { columns = Guessed(count); codes = null; }
        if (columns.Length - 1 != count) return null;
        var row = owner?.NewRow() ?? new TaskRow();
        row.Pid = pid;
        row.Name = Bytes.Key(name);
        codes ??= ColumnCodes(columns);
        for (int c = 0; c < count; c++)
        {
            long v = nums[c];
            switch (codes[c])
            {
                case 1: row.Uid = v; break;
                case 2: row.Tgid = v; break;
                case 3: row.TotalVmPages = v; break;
                case 4: row.RssPages = v; break;
                case 5: row.RssAnonPages = v; break;
                case 6: row.RssFilePages = v; break;
                case 7: row.RssShmemPages = v; break;
                case 8: row.PageTablesBytes = v; break;
                case 9: row.PtesCount = v; break;
                case 10: row.SwapEntries = v; break;
                case 11: row.OomAdj = v; break;
                case 12: row.OomScoreAdj = v; break;
            }
        }
        if (store is null) row.Line = Bytes.Text(m);
        else row.SetLine(store, m);
        return row;
    }

    /// <summary>Bit p of (<paramref name="lo"/>, <paramref name="hi"/>): byte p of <paramref name="m"/> (16–128 bytes) is a blank or a tab.</summary>
    private static void BlankMask(ReadOnlySpan<byte> m, out ulong lo, out ulong hi)
    {
        lo = hi = 0;
        ref byte r = ref MemoryMarshal.GetReference(m);
        for (int b = 0; b < m.Length; b += 16)
        {
            int o = Math.Min(b, m.Length - 16); // the last block overlaps the one before
            var v = Vector128.LoadUnsafe(ref r, (nuint)o);
            ulong bits = (Vector128.Equals(v, Vector128.Create((byte)' ')) | Vector128.Equals(v, Vector128.Create((byte)'\t'))).ExtractMostSignificantBits();
            if (o < 64)
            {
                lo |= bits << o;
                if (o > 48) hi |= bits >> (64 - o);
            }
            else hi |= bits << (o - 64);
        }
    }

    /// <summary>The first position at or after <paramref name="i"/> whose bit is clear (128 when none: past the row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NextNonBlank(ulong lo, ulong hi, int i)
    {
        if (i < 64)
        {
            ulong x = ~lo >> i;
            if (x != 0) return i + BitOperations.TrailingZeroCount(x);
            i = 64;
        }
        if (i >= 128) return 128;
        ulong y = ~hi >> (i - 64);
        return y != 0 ? i + BitOperations.TrailingZeroCount(y) : 128;
    }

    /// <summary>What each column of a header fills (0: nothing), made once per columns array (a log's reports share their header's).</summary>
    internal static byte[] ColumnCodes(string[] columns)
    {
        var last = Volatile.Read(ref _lastCodes);
        if (last is not null && ReferenceEquals(last.Columns, columns)) return last.Codes;
        var codes = new byte[columns.Length];
        for (int i = 0; i < columns.Length; i++)
            codes[i] = columns[i] switch
            {
                "uid" => 1, "tgid" => 2, "total_vm" => 3, "rss" => 4, "rss_anon" => 5, "rss_file" => 6, "rss_shmem" => 7,
                "pgtables_bytes" => 8, "nr_ptes" => 9, "swapents" => 10, "oom_adj" => 11, "oom_score_adj" => 12, _ => 0,
            };
        Volatile.Write(ref _lastCodes, new CodesOf(columns, codes));
        return codes;
    }

    private sealed record CodesOf(string[] Columns, byte[] Codes);
    private static CodesOf? _lastCodes; // shared by threads: an immutable entry, read once

    // GuessColumns' arrays, made once for the parser (GuessColumns gives each caller its own)
    private static readonly string[][] GuessedColumns = [GuessColumns(10), GuessColumns(8), GuessColumns(7), GuessColumns(0)];

    private static string[] Guessed(int numbers) => numbers switch
    {
        >= 10 => GuessedColumns[0],
        8 => GuessedColumns[1],
        7 => GuessedColumns[2],
        _ => GuessedColumns[3],
    };

    /// <summary>Pid and comm after a marker such as <c>Killed process </c>: handles <c>1234 (c)</c> and RHEL 6's <c>1234, UID 0, (c)</c>.</summary>
    private static bool PidComm(ReadOnlySpan<byte> rest, ReadOnlySpan<byte> commEndMarker, out long pid, out string? comm, out ReadOnlySpan<byte> after, out long? uid)
    {
        comm = null;
        uid = null;
        after = default;
        if (!Bytes.TryLeadingLong(rest, out pid, out int n) || pid < 0) return false;
        rest = rest.Slice(n);
        if (rest.StartsWith(", UID "u8))
        {
            var u = rest.Slice(6);
            if (Bytes.TryLeadingLong(u, out long uv, out int un)) { uid = uv; rest = u.Slice(un); }
            if (rest.StartsWith(","u8)) rest = rest.Slice(1);
        }
        rest = LineUnwrapper.TrimStart(rest);
        if (rest.IsEmpty || rest[0] != (byte)'(') { after = rest; return true; }
        var inner = rest.Slice(1);
        int end = commEndMarker.IsEmpty ? -1 : inner.IndexOf(commEndMarker);
        if (end < 0) end = inner.LastIndexOf((byte)')');
        if (end < 0) { after = default; return true; } // comm cut off
        comm = Bytes.Key(inner.Slice(0, end));
        after = inner.Slice(end + 1);
        return true;
    }

    /// <summary>
    /// <c>[reason: ]Killed process 4617 (hog) total-vm:68076kB, anon-rss:65280kB, file-rss:984kB, shmem-rss:0kB, UID:0 pgtables:172kB oom_score_adj:0</c>
    /// and the older forms (no shmem-rss; RHEL 6 <c>Killed process N, UID U, (c)</c>; 2.4/2.6 <c>Killed process N (c).</c>).
    /// </summary>
    public static KilledTask? Kill(ReadOnlySpan<byte> m) => Kill(m, null, null);

    /// <param name="store">Where the line's text is kept until asked for (the report's); null: the line gets its string now.</param>
    /// <param name="owner">The report the kill is for: its spare objects are used when it has some.</param>
    internal static KilledTask? Kill(ReadOnlySpan<byte> m, LineStore? store, OomReport? owner)
    {
        int at = m.IndexOf("Killed process "u8);
        if (at < 0) return null;
        var rest = m.Slice(at + "Killed process "u8.Length);
        ReadOnlySpan<byte> marker = rest.IndexOf(") total-vm:"u8) >= 0 ? ") total-vm:"u8
            : rest.IndexOf(") vsz:"u8) >= 0 ? ") vsz:"u8
            : rest.IndexOf(") sharing"u8) >= 0 ? ") sharing"u8 : default;
        if (!PidComm(rest, marker, out long pid, out string? comm, out var after, out long? uid)) return null;
        var k = owner?.NewKill() ?? new KilledTask();
        k.Pid = pid;
        k.Comm = comm ?? "";
        k.Uid = uid;
        if (store is null) k.Line = Bytes.Text(m);
        else { k.Store = store; k.LineText.Set(store, m); }
        var reason = Bytes.TrimEnd(m.Slice(0, at));
        if (reason.Length > 0 && reason[^1] == (byte)':') reason = reason[..^1];
        if (!reason.IsEmpty) k.Reason = Bytes.Key(reason);
        if (KillSizes(after, k)) return k;
        k.TotalVmKb = Bytes.KbAfter(after, "total-vm:"u8) ?? Bytes.KbAfter(after, "vsz:"u8);
        k.AnonRssKb = Bytes.KbAfter(after, "anon-rss:"u8);
        k.FileRssKb = Bytes.KbAfter(after, "file-rss:"u8);
        k.ShmemRssKb = Bytes.KbAfter(after, "shmem-rss:"u8);
        k.Uid ??= Bytes.LongAfter(after, "UID:"u8);
        k.PageTablesKb = Bytes.KbAfter(after, "pgtables:"u8);
        k.OomScoreAdj = Bytes.LongAfter(after, "oom_score_adj:"u8);
        return k;
    }

    /// <summary>
    /// The sizes after the comm in the form kernels 4.19–6.x print, read left to right:
    /// <c> total-vm:NkB, anon-rss:NkB, file-rss:NkB, shmem-rss:NkB, UID:N pgtables:NkB oom_score_adj:N</c> and nothing
    /// after. Only fixed text and numbers come before each key there, so the first place of each key, where the
    /// searches of <see cref="Kill(ReadOnlySpan{byte}, LineStore?, OomReport?)"/> find it, is its place in this form:
    /// the same values (SectionFirstTests compares the two). False, and nothing set, for any other text.
    /// </summary>
    private static bool KillSizes(ReadOnlySpan<byte> a, KilledTask k)
    {
        int i = 0;
        if (!Lit(a, ref i, " total-vm:"u8) || !Kb(a, ref i, out long vm)
            || !Lit(a, ref i, ", anon-rss:"u8) || !Kb(a, ref i, out long anon)
            || !Lit(a, ref i, ", file-rss:"u8) || !Kb(a, ref i, out long file)
            || !Lit(a, ref i, ", shmem-rss:"u8) || !Kb(a, ref i, out long shmem)
            || !Lit(a, ref i, ", UID:"u8) || !Num(a, ref i, out long uid)
            || !Lit(a, ref i, " pgtables:"u8) || !Kb(a, ref i, out long pgtables)
            || !Lit(a, ref i, " oom_score_adj:"u8) || !Num(a, ref i, out long adj) || i != a.Length) return false;
        k.TotalVmKb = vm;
        k.AnonRssKb = anon;
        k.FileRssKb = file;
        k.ShmemRssKb = shmem;
        k.Uid ??= uid;
        k.PageTablesKb = pgtables;
        k.OomScoreAdj = adj;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Lit(ReadOnlySpan<byte> s, ref int i, ReadOnlySpan<byte> lit)
    {
        if (!s.Slice(i).StartsWith(lit)) return false;
        i += lit.Length;
        return true;
    }

    /// <summary>Bytes.TryLeadingLong at <paramref name="i"/>, in locals.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Num(ReadOnlySpan<byte> s, ref int i, out long v)
    {
        int j = i;
        bool neg = false;
        if (j < s.Length && (s[j] == (byte)'-' || s[j] == (byte)'+')) { neg = s[j] == (byte)'-'; j++; }
        int start = j;
        long x = 0;
        for (; j < s.Length; j++)
        {
            uint d = (uint)(s[j] - '0');
            if (d > 9) break;
            x = x > (long.MaxValue - 9) / 10 ? long.MaxValue : x * 10 + d;
        }
        v = neg ? -x : x;
        if (j == start) return false;
        i = j;
        return true;
    }

    /// <summary>A number and <c>kB</c> or <c>KB</c> (what <see cref="Bytes.KbAfter"/> takes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Kb(ReadOnlySpan<byte> s, ref int i, out long v)
    {
        if (!Num(s, ref i, out v) || i + 2 > s.Length || (s[i] != (byte)'k' && s[i] != (byte)'K') || s[i + 1] != (byte)'B') return false;
        i += 2;
        return true;
    }

    /// <summary><c>Kill process 1234 (c) score 999 or sacrifice child</c>, <c>kill process 1234 (c) score 999 or a child</c>.</summary>
    public static void Selection(ReadOnlySpan<byte> m, OomReport r)
    {
        int at = m.IndexOf("ill process "u8);
        var rest = m.Slice(at + "ill process "u8.Length);
        if (!PidComm(rest, ") score "u8, out long pid, out string? comm, out var after, out _)) return;
        r.SelectedPid = pid;
        r.SelectedComm = comm;
        r.KilledScore = Bytes.LongAfter(after, "score "u8);
        r.SelectionLineText.Set(r.RowLines, m);
    }

    /// <summary><c>oom_reaper: reaped process 4617 (hog), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB</c></summary>
    public static bool Reaper(ReadOnlySpan<byte> m, OomReport r)
    {
        var rest = m.Slice("oom_reaper: reaped process "u8.Length);
        if (!PidComm(rest, "), now"u8, out long pid, out _, out var after, out _)) return false;
        long? killed = r.Killed?.Pid;
        bool ours = killed == pid;
        foreach (var g in r.GroupKilled) ours |= g.Pid == pid;
        if (!ours || r.ReaperLineText.HasValue) return false;
        r.ReapedPid = pid;
        r.ReapedAnonRssKb = Bytes.KbAfter(after, "anon-rss:"u8);
        r.ReapedFileRssKb = Bytes.KbAfter(after, "file-rss:"u8);
        r.ReapedShmemRssKb = Bytes.KbAfter(after, "shmem-rss:"u8);
        r.ReaperLineText.Set(r.RowLines, m);
        return true;
    }

    /// <summary><c>Tasks in /kl2 are going to be killed due to memory.oom.group set</c></summary>
    public static void OomGroup(ReadOnlySpan<byte> m, OomReport r)
    {
        var rest = m.Slice("Tasks in "u8.Length);
        int at = rest.IndexOf(" are going to be killed"u8);
        if (at > 0) r.OomGroupMemcg = Bytes.Key(rest.Slice(0, at));
        r.OomGroupLineText.Set(r.RowLines, m);
    }

    /// <summary>A slab dump row <c>name  USEDKB  TOTALKB</c>, kept when among the largest; false when the line is not one.</summary>
    public static bool SlabRow(ReadOnlySpan<byte> m, OomReport r)
    {
        var t = Bytes.TrimEnd(m);
        int sp2 = t.LastIndexOfAny((byte)' ', (byte)'\t');
        if (sp2 <= 0) return false;
        var total = t.Slice(sp2 + 1);
        var rest = Bytes.TrimEnd(t.Slice(0, sp2));
        int sp1 = rest.LastIndexOfAny((byte)' ', (byte)'\t');
        if (sp1 <= 0) return false;
        var used = rest.Slice(sp1 + 1);
        var name = Bytes.TrimEnd(rest.Slice(0, sp1));
        if (name.IsEmpty || !Kb(used, out long usedKb) || !Kb(total, out long totalKb)) return false;
        var top = r.SlabTop;
        if (top.Count == OomReport.MaxSlabCachesKept && usedKb <= top[^1].UsedKb) return true;
        int at = 0;
        while (at < top.Count && top[at].UsedKb >= usedKb) at++;
        top.Insert(at, new SlabCache { Name = Bytes.Text(name), UsedKb = usedKb, TotalKb = totalKb, Line = Bytes.Text(m) });
        if (top.Count > OomReport.MaxSlabCachesKept) top.RemoveAt(top.Count - 1);
        return true;

        static bool Kb(ReadOnlySpan<byte> s, out long kb) =>
            Bytes.TryLeadingLong(s, out kb, out int n) && s.Slice(n).SequenceEqual("KB"u8);
    }

    /// <summary>Old <c>comm cpuset=/ mems_allowed=0</c> line (2.6.2x … 4.18).</summary>
    public static void CpusetLine(ReadOnlySpan<byte> m, OomReport r)
    {
        int at = m.IndexOf(" cpuset="u8);
        var rest = m.Slice(at + " cpuset="u8.Length);
        int ma = rest.IndexOf(" mems_allowed="u8);
        if (ma < 0) return;
        r.Cpuset ??= Bytes.Key(rest.Slice(0, ma));
        var mems = LineUnwrapper.Trim(rest.Slice(ma + " mems_allowed="u8.Length));
        if (!mems.IsEmpty) r.MemsAllowed ??= Bytes.Key(mems);
    }
}
