using System.Text;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// The reader's fast lane (<c>OomLogReader.Lane</c>) against the general path (<c>LaneEnabled = false</c>): fed the
/// same lines one by one, two readers must hold back the same line after each (message, wrapper, stamp, host, the
/// uptime's bits, ambiguity, the head-line count, the assembler's hints) and write the same reports. Lines in every
/// wrapper shape the lane takes and many it must not (near misses: stamp widths, caller ids, hosts, tags, days,
/// continuation lines, quote marks, priorities, facility columns, <c>#012</c>, CRs, short lines).
/// </summary>
public class OomLogReaderLaneTests
{
    private static readonly string[] Messages =
    [
        "hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0",
        "CPU: 0 PID: 4617 Comm: hog Not tainted 6.18.44-fc-v769 #1 PREEMPT(none) ",
        "Call Trace:",
        " <TASK>",
        " dump_stack_lvl+0x44/0x5c",
        " mem_cgroup_out_of_memory+0x10b/0x140",
        "memory: usage 102400kB, limit 102400kB, failcnt 128",
        "Memory cgroup stats for /kl-test-a:",
        "anon 100061184",
        "file 0",
        "Mem-Info:",
        "active_anon:825 inactive_anon:225625 isolated_anon:0",
        "Node 0 DMA free:3968kB boost:0kB min:132kB low:164kB high:196kB",
        "Tasks state (memory values in pages):",
        "[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name",
        "[   4617]     0  4617    26331    25216   245760        0             0 hog",
        "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/kl-test-a,task_memcg=/kl-test-a,task=hog,pid=4617,uid=0",
        "Memory cgroup out of memory: Killed process 4617 (hog) total-vm:105324kB, anon-rss:100352kB, file-rss:512kB, shmem-rss:0kB, UID:0 pgtables:240kB oom_score_adj:0",
        "oom_reaper: reaped process 4617 (hog), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
        "klogd 1.4.1, log source = /proc/kmsg started.",
        "foo kernel: bar",
        "x kernel: y",
        "[T123] hidden",
        "[    C0] cpu",
        "-- Boot 0f3c --",
        "a#012b#012 c",
        "early#012 and a line long enough that its end is in the second 64-byte window of the line end's search",
        "a line long enough that its end is beyond the first 64 bytes, and then #012 late in it, after those",
        "kern  :warn  : hello",
        "Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP",
        "",
        " ",
        "\ttabbed",
        "[  394.158309] inner stamp",
        "[1.5] short stamp",
        "x",
        "ab",
    ];

    private static readonly string[] Continuations =
    [
        "active_file:1 inactive_file:0 isolated_file:0",
        "unevictable:0 dirty:0 writeback:0",
        "slab_reclaimable:2349 slab_unreclaimable:1985",
        "zswap 0",
        "kern  :warn  : x",
        "kernel: [  1.000000] x",
        "Node 0 x",
        "Dec  2 18:40:28 node7 kernel: x",
        "2026-12-02T18:40:28+0000 node7 kernel: x",
        "6,1234,5678,-;x",
        "[  394.158309] x",
        "<4>x",
        "> quoted",
        "| piped",
        "\tx",
        "-- Reboot --",
        "-x",
        "_x",
        "(x)",
        "é",
        "",
        "SUBSYSTEM=pci",
        "a#012b",
    ];

    private sealed class Gen(int seed)
    {
        private readonly Random _r = new(seed);
        private double _up = 394.158309;
        private int _sec = 18 * 3600 + 40 * 60 + 28;
        private int _day = 2;
        private string _host = "node7";
        private string _shape = "dmesg";

        private T Pick<T>(IReadOnlyList<T> xs) => xs[_r.Next(xs.Count)];
        private bool Chance(int percent) => _r.Next(100) < percent;

        private string Stamp()
        {
            _up += Chance(5) ? _r.Next(0, 200000) : _r.NextDouble() * 0.01;
            if (Chance(3)) _up = _r.Next(0, 3) switch { 0 => 99999.999990 + _r.NextDouble() * 0.00002, 1 => 9.99999 + _r.NextDouble() * 0.00002, _ => _r.NextDouble() * 20 };
            return Chance(90) ? $"[{_up,12:F6}]" : _r.Next(0, 5) switch
            {
                0 => $"[{_up:F6}]",
                1 => $"[{_up,12:F3}]",
                2 => $"[{_up,14:F6}]",
                3 => $"[\t{_up:F6}]",
                _ => $"[{_up,12:F9}]",
            };
        }

        private string Clock()
        {
            if (Chance(20)) _sec++;
            if (Chance(1)) { _day++; _sec = 86399; }
            return $"{_sec / 3600 % 24:00}:{_sec / 60 % 60:00}:{_sec % 60:00}";
        }

        private string Message() => Chance(10) ? Rand(_r.Next(0, 90)) : Pick(Messages);

        private string Rand(int n)
        {
            const string alphabet = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 :;[]<>|#-.=,_()\t";
            var sb = new StringBuilder();
            for (int i = 0; i < n; i++) sb.Append(alphabet[_r.Next(alphabet.Length)]);
            return sb.ToString();
        }

        private string Tag() => Chance(95) ? "kernel" : Pick(new[] { "systemd[1]", "kernelx", "rsyslogd", "kerne", "CRON[12]" });

        public string Line()
        {
            if (Chance(4)) _shape = Pick(new[] { "dmesg", "dmesg", "syslog", "syslog-nostamp", "journal", "precise", "iso", "rfc3339", "monotonic", "kmsg", "none" });
            if (Chance(3)) _host = Pick(new[] { "node7", "node8", "n", "a-very-long-host-name.example.org", "" });
            string line;
            if (Chance(25)) line = new string(' ', Pick(new[] { 0, 1, 5, 6, 7, 15, 16, 17, 30, 31, 32, 33, 40 })) + Pick(Continuations);
            else
            {
                string day = _day < 10 ? $" {_day}" : $"{_day}";
                line = _shape switch
                {
                    "dmesg" => $"{Stamp()} {(Chance(5) ? Pick(new[] { "[  T4617] ", "[    C0] ", "[T1] " }) : "")}{Message()}",
                    "monotonic" => $"{Stamp()} {_host} {Tag()}: {Message()}",
                    "syslog" => $"Dec {day} {Clock()} {_host} {Tag()}: {Stamp()} {Message()}",
                    "syslog-nostamp" => $"Dec {day} {Clock()} {_host} {Tag()}: {Message()}",
                    "journal" => $"Dec {_day:00} {Clock()} {_host} {Tag()}: {Message()}",
                    "precise" => $"Dec {_day:00} {Clock()}.{_r.Next(0, 1000000):000000} {_host} {Tag()}: {Message()}",
                    "iso" => $"2026-12-{_day:00}T{Clock()}+0000 {_host} {Tag()}: {Message()}",
                    "rfc3339" => $"2026-12-{_day:00}T{Clock()}.{_r.Next(0, 1000000):000000}+00:00 {_host} {Tag()}: {(Chance(50) ? Stamp() + " " : "")}{Message()}",
                    "kmsg" => $"6,{_r.Next(1, 99999)},{(long)(_up * 1e6)},-;{Message()}",
                    _ => Message(),
                };
                if (Chance(3)) line = Pick(new[] { "> ", "<4>", "    ", "kern  :warn  : " }) + line;
            }
            if (Chance(5)) line = Mutate(line);
            if (Chance(3)) line += "\r";
            if (Chance(1)) line = line.Substring(0, _r.Next(0, line.Length + 1));
            return line;
        }

        private string Mutate(string line)
        {
            if (line.Length == 0) return line;
            var c = line.ToCharArray();
            int at = _r.Next(Math.Min(c.Length, 48));
            c[at] = " \t0123456789:.[]-+TZa#<>"[_r.Next(24)];
            return new string(c);
        }
    }

    private static void Compare(IReadOnlyList<string> lines, string what, out long laneLines) =>
        Compare(lines.Select(Encoding.UTF8.GetBytes).ToList(), what, out laneLines);

    private static List<byte[]> LinesOf(byte[] text)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == (byte)'\n') { lines.Add(text[start..i]); start = i + 1; }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }

    private static void Compare(IReadOnlyList<byte[]> lines, string what, out long laneLines)
    {
        var wantJson = new List<string>();
        var gotJson = new List<string>();
        var general = new OomLogReader(r => wantJson.Add(OomReportJson.ToJsonLine(r)), holdForBootInfo: true) { LaneEnabled = false };
        var lane = new OomLogReader(r => gotJson.Add(OomReportJson.ToJsonLine(r)), holdForBootInfo: true);
        for (int i = 0; i < lines.Count; i++)
        {
            byte[] bytes = [.. lines[i], (byte)'\n'];
            general.Feed(bytes);
            lane.Feed(bytes);
            string want = general.PendingState(), got = lane.PendingState();
            if (want != got)
                Assert.Fail($"{what}, line {i}: {Encoding.UTF8.GetString(lines[i])}\n  general: {want}\n  lane:    {got}\n  lines before:\n    {string.Join("\n    ", lines.Take(i).TakeLast(3).Select(Encoding.UTF8.GetString))}");
        }
        general.Complete();
        lane.Complete();
        Assert.Equal(wantJson, gotJson);
        laneLines = general.GeneralLines - lane.GeneralLines;

        // fed in larger pieces: the held-back line then stays in the read buffer between lines (its stamp read only when
        // a report asks), as when a file is read
        var all = lines.SelectMany(l => l.Append((byte)'\n')).ToArray();
        var rnd = new Random(all.Length);
        foreach (int piece in new[] { all.Length, 1 + rnd.Next(4096), 1 + rnd.Next(300) })
        {
            var wholeJson = new List<string>();
            var whole = new OomLogReader(r => wholeJson.Add(OomReportJson.ToJsonLine(r)), holdForBootInfo: true);
            for (int at = 0; at < all.Length; at += piece) whole.Feed(all.AsSpan(at, Math.Min(piece, all.Length - at)));
            whole.Complete();
            Assert.True(wantJson.SequenceEqual(wholeJson), $"{what}: fed in pieces of {piece} bytes, the reports differ");
        }
    }

    [Fact]
    public void Random_lines_in_every_wrapper_shape_are_handed_on_as_the_general_path_does()
    {
        long laneLines = 0, total = 0;
        for (int seed = 0; seed < 3000; seed++)
        {
            var g = new Gen(seed);
            // a report is open from the first line: every line is read in full
            var lines = new List<string> { "[  394.158300] hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0" };
            int n = 20 + seed % 180;
            for (int i = 0; i < n; i++) lines.Add(g.Line());
            Compare(lines, $"seed {seed}", out long taken);
            laneLines += taken;
            total += lines.Count;
        }
        // the lane took a good part of them (else the test proves little)
        Assert.True(laneLines > total / 4, $"the lane took {laneLines} of {total} lines");
    }

    [Theory]
    [InlineData("dmesg")]
    [InlineData("syslog")]
    [InlineData("journal")]
    public void The_bench_log_forms_are_taken_by_the_lane(string form)
    {
        // the dense bench log's lines in each wrapper (bench/analyze/gen-log.py): almost every line goes the lane
        var src = Encoding.UTF8.GetString(Fixtures.Bytes("k6.1-v2memcg.dmesg.log")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var lines = new List<string>();
        int sec = 0;
        string? stamp = null;
        var msgs = new List<string>();
        void Emit()
        {
            if (stamp is null) return;
            string clock = $"18:{sec / 60 % 60:00}:{sec % 60:00}";
            sec++;
            switch (form)
            {
                case "dmesg": break;
                case "syslog": lines.Add($"Dec  2 {clock} node7 kernel: {stamp} " + string.Join("#012", msgs)); break;
                default:
                    string head = $"Dec 02 {clock} node7 kernel: ";
                    lines.Add(head + msgs[0]);
                    lines.AddRange(msgs.Skip(1).Select(m => new string(' ', head.Length) + m));
                    break;
            }
        }
        foreach (var l in src)
        {
            if (form == "dmesg") { lines.Add(l); continue; }
            if (l.StartsWith('['))
            {
                Emit();
                stamp = l.Substring(0, 14);
                msgs = [l.Substring(15)];
            }
            else msgs.Add(l.Trim());
        }
        Emit();
        Compare(lines, form, out long taken);
        Assert.True(taken >= lines.Count * 9 / 10, $"{form}: the lane took {taken} of {lines.Count} lines");
    }

    [Fact]
    public void Every_fixture_log_is_handed_on_as_the_general_path_does()
    {
        foreach (var name in Fixtures.LogNames())
        {
            Compare(LinesOf(Fixtures.Bytes(name)), name, out _);
        }
    }
}
