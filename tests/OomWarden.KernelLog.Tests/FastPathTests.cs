using System.Text;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// The parsers read the common form of a line left to right and fall back to searching for each key otherwise:
/// random variants of those lines (keys dropped, moved, doubled, signs, units, text between) give what the searches
/// give, written out here as the reference.
/// </summary>
public class FastPathTests
{
    // Bytes.TryLeadingLong, KbAfter and LongAfter, on strings
    private static bool Leading(string s, out long v, out int n)
    {
        v = 0; n = 0;
        int i = 0;
        bool neg = false;
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; i++; }
        int start = i;
        while (i < s.Length && s[i] >= '0' && s[i] <= '9')
        {
            v = v > (long.MaxValue - 9) / 10 ? long.MaxValue : v * 10 + (s[i] - '0');
            i++;
        }
        if (i == start) { v = 0; return false; }
        if (neg) v = -v;
        n = i;
        return true;
    }

    private static long? KbAfter(string line, string key)
    {
        int at = line.IndexOf(key, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = line[(at + key.Length)..];
        if (!Leading(rest, out long v, out int n)) return null;
        rest = rest[n..];
        return rest.Length >= 2 && (rest[0] == 'k' || rest[0] == 'K') && rest[1] == 'B' ? v : null;
    }

    private static long? LongAfter(string line, string key)
    {
        int at = line.IndexOf(key, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = line[(at + key.Length)..];
        if (!Leading(rest, out long v, out int n)) return null;
        return n < rest.Length && " ,.)\t".IndexOf(rest[n]) < 0 ? null : v;
    }

    private static readonly string[] KillPieces =
    [
        " total-vm:", ", anon-rss:", ", file-rss:", ", shmem-rss:", ", UID:", " pgtables:", " oom_score_adj:", "kB", "KB", "B",
        "0", "65280", "-5", "+7", "99999999999999999999", " ", ",", "vsz:", "x", "total-vm:", "anon-rss:",
    ];

    [Fact]
    public void Kill_line_sizes_are_the_searches_values()
    {
        var rnd = new Random(4617);
        const string canonical = " total-vm:68076kB, anon-rss:65280kB, file-rss:984kB, shmem-rss:0kB, UID:0 pgtables:172kB oom_score_adj:0";
        for (int i = 0; i < 100_000; i++)
        {
            string after;
            if (i == 0) after = canonical;
            else
            {
                // the common form with a few pieces changed, inserted or dropped
                var sb = new StringBuilder(canonical);
                for (int e = rnd.Next(0, 3); e > 0; e--)
                {
                    int at = rnd.Next(sb.Length + 1);
                    switch (rnd.Next(3))
                    {
                        case 0: sb.Insert(at, KillPieces[rnd.Next(KillPieces.Length)]); break;
                        case 1: if (at < sb.Length) sb.Remove(at, Math.Min(sb.Length - at, rnd.Next(1, 4))); break;
                        default: if (at < sb.Length) sb[at] = (char)rnd.Next('0', '9' + 1); break;
                    }
                }
                after = sb.ToString();
            }
            string line = "Memory cgroup out of memory: Killed process 4617 (hog)" + after;
            var k = MessageParsers.Kill(Encoding.ASCII.GetBytes(line));
            Assert.NotNull(k);
            string tail = after;
            Assert.True(k.TotalVmKb == (KbAfter(tail, "total-vm:") ?? KbAfter(tail, "vsz:")), $"total-vm of {line}");
            Assert.True(k.AnonRssKb == KbAfter(tail, "anon-rss:"), $"anon of {line}");
            Assert.True(k.FileRssKb == KbAfter(tail, "file-rss:"), $"file of {line}");
            Assert.True(k.ShmemRssKb == KbAfter(tail, "shmem-rss:"), $"shmem of {line}");
            Assert.True(k.Uid == LongAfter(tail, "UID:"), $"uid of {line}");
            Assert.True(k.PageTablesKb == KbAfter(tail, "pgtables:"), $"pgtables of {line}");
            Assert.True(k.OomScoreAdj == LongAfter(tail, "oom_score_adj:"), $"adj of {line}");
        }
    }
}

public class ConstraintFastPathTests
{
    private static readonly string[] Pieces =
    [
        "constraint=", ",nodemask=", ",cpuset=", ",mems_allowed=", ",oom_memcg=", ",global_oom", ",task_memcg=", ",task=", ",pid=", ",uid=",
        ",", ",task_me", ",cpu", "nodemask=", "CONSTRAINT_MEMCG", "(null)", "/", "/kl2", "0", "0,2", "hog", "x",
    ];

    [Fact]
    public void Constraint_lines_read_by_their_commas_give_what_the_searches_give()
    {
        var rnd = new Random(155);
        const string canonical = "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=kl2,mems_allowed=0,oom_memcg=/kl2,task_memcg=/kl2,task=hog,pid=155,uid=0";
        for (int i = 0; i < 100_000; i++)
        {
            var sb = new System.Text.StringBuilder(canonical);
            if (i % 7 == 6) { sb.Clear(); sb.Append("oom-kill:"); for (int p = rnd.Next(12); p > 0; p--) sb.Append(Pieces[rnd.Next(Pieces.Length)]); }
            else
                for (int e = rnd.Next(0, 4); e > 0; e--)
                {
                    int at = rnd.Next(9, sb.Length + 1);
                    if (rnd.Next(2) == 0) sb.Insert(at, Pieces[rnd.Next(Pieces.Length)]);
                    else if (at < sb.Length) sb.Remove(at, Math.Min(sb.Length - at, rnd.Next(1, 6)));
                }
            if (rnd.Next(5) == 0) sb.Length = rnd.Next(9, sb.Length + 1); // cut
            var line = System.Text.Encoding.ASCII.GetBytes(sb.ToString());
            var fast = new OomWarden.KernelLog.Model.OomReport { Nodemask = "n0", Cpuset = "c0", MemsAllowed = "m0", Memcg = "g0", TaskMemcg = "t0" };
            var slow = new OomWarden.KernelLog.Model.OomReport { Nodemask = "n0", Cpuset = "c0", MemsAllowed = "m0", Memcg = "g0", TaskMemcg = "t0" };
            MessageParsers.Constraint(line, fast);
            MessageParsers.ConstraintBySearch(line, slow);
            string what = sb.ToString();
            Assert.True(fast.Constraint == slow.Constraint, $"constraint of {what}: {fast.Constraint} / {slow.Constraint}");
            Assert.True(fast.Nodemask == slow.Nodemask, $"nodemask of {what}");
            Assert.True(fast.Cpuset == slow.Cpuset, $"cpuset of {what}: {fast.Cpuset} / {slow.Cpuset}");
            Assert.True(fast.MemsAllowed == slow.MemsAllowed, $"mems of {what}");
            Assert.True(fast.Memcg == slow.Memcg, $"memcg of {what}: {fast.Memcg} / {slow.Memcg}");
            Assert.True(fast.TaskMemcg == slow.TaskMemcg, $"task memcg of {what}");
            Assert.Equal(slow.ConstraintLine, fast.ConstraintLine);
        }
    }
}

public class TriggerFastPathTests
{
    private static readonly string[] Pieces =
    [
        " invoked oom-killer: ", "gfp_mask=", ", order=", ", oom_score_adj=", "oomkilladj=", " oom_adj=", "nodemask=", "0xcc0", "(GFP_KERNEL)",
        "(", ")", "|", ",", " ", "=", "0", "-1", "65", "+3", "99999999999999999999", "x",
    ];

    [Fact]
    public void Trigger_lines_read_left_to_right_give_what_the_searches_give()
    {
        var rnd = new Random(13877459);
        const string canonical = "hog invoked oom-killer: gfp_mask=0x140dca(GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO), order=0, oom_score_adj=0";
        for (int i = 0; i < 100_000; i++)
        {
            var sb = new System.Text.StringBuilder(canonical);
            for (int e = rnd.Next(0, 3); e > 0; e--)
            {
                int at = rnd.Next(sb.Length + 1);
                if (rnd.Next(2) == 0) sb.Insert(at, Pieces[rnd.Next(Pieces.Length)]);
                else if (at < sb.Length) sb.Remove(at, Math.Min(sb.Length - at, rnd.Next(1, 5)));
            }
            var line = System.Text.Encoding.ASCII.GetBytes(sb.ToString());
            var fast = new OomWarden.KernelLog.Model.OomReport { Nodemask = "n0" };
            var slow = new OomWarden.KernelLog.Model.OomReport { Nodemask = "n0" };
            MessageParsers.Trigger(line, fast);
            MessageParsers.TriggerBySearch(line, slow);
            string what = sb.ToString();
            Assert.True(fast.TriggerComm == slow.TriggerComm, $"comm of {what}");
            Assert.True(fast.GfpMask == slow.GfpMask, $"gfp of {what}: {fast.GfpMask} / {slow.GfpMask}");
            Assert.True(fast.Order == slow.Order, $"order of {what}");
            Assert.True(fast.TriggerOomScoreAdj == slow.TriggerOomScoreAdj, $"adj of {what}");
            Assert.True(fast.TriggerOomAdj == slow.TriggerOomAdj, $"old adj of {what}");
            Assert.True(fast.Nodemask == slow.Nodemask, $"nodemask of {what}");
            Assert.Equal(slow.TriggerLine, fast.TriggerLine);
        }
    }
}

public class CounterLineTests
{
    private static readonly string[] Pieces =
    [
        "active_anon", ":", "825", " ", "\t", "_", "a", "z", "0", "mem_cgroup_out_of_memory", "oom_reaper", "hostname", "invoked", "oom", "killer",
        "ill", "process", "pages", "memory", "swap", "kmem", "-", "=", "K", "+", "cpu", "usage",
    ];

    [Fact]
    public void A_line_read_as_counters_is_one_the_classifier_calls_unrelated_and_the_counters_are_the_pairs()
    {
        var rnd = new Random(825);
        int accepted = 0;
        for (int i = 0; i < 300_000; i++)
        {
            var sb = new System.Text.StringBuilder();
            if (rnd.Next(3) == 0) sb.Append(' ', rnd.Next(1, 3));
            for (int t = rnd.Next(1, 6); t > 0; t--)
            {
                for (int p = rnd.Next(1, 4); p > 0; p--) sb.Append(Pieces[rnd.Next(Pieces.Length)]);
                sb.Append(':').Append(rnd.NextInt64(0, long.MaxValue) >> rnd.Next(64));
                if (rnd.Next(20) == 0) sb.Append("9999999999999999999999");
                sb.Append(rnd.Next(4) == 0 ? "\t" : " ");
            }
            if (rnd.Next(4) == 0) sb.Insert(rnd.Next(sb.Length + 1), Pieces[rnd.Next(Pieces.Length)]);
            var line = System.Text.Encoding.ASCII.GetBytes(sb.ToString());
            var got = new OomWarden.KernelLog.Model.CounterList();
            OomWarden.KernelLog.Model.CounterName? previous = null;
            if (!MessageParsers.TryCounterLine(line, got, ref previous)) { Assert.Empty(got); continue; }
            accepted++;
            Assert.Equal(LineKind.Unrelated, MessageClassifier.Classify(line));
            var want = new OomWarden.KernelLog.Model.CounterList();
            Assert.True(MessageParsers.AddColonPairs(line, want) > 0);
            Assert.Equal(want.ToList(), got.ToList());
        }
        Assert.True(accepted > 1000, $"only {accepted} counter lines made");
    }
}
