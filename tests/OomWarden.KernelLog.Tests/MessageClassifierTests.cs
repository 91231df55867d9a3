using System.Text;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// The kinds found anywhere in a line (not by its first bytes) are found wherever they stand, in lines of every
/// length around the vector pass that rules them out (<see cref="MessageClassifier.TailPieces"/>): a piece the pass
/// missed at some offset would make such a line <see cref="LineKind.Unrelated"/>.
/// </summary>
public class MessageClassifierTests
{
    public static TheoryData<string, LineKind> Patterns => new()
    {
        { "hog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0", LineKind.Trigger },
        { "Memory cgroup out of memory: Killed process 4617 (hog) total-vm:68076kB", LineKind.Kill },
        { "Out of memory: Kill process 4617 (hog) score 999 or sacrifice child", LineKind.Selection },
        { "hog cpuset=/ mems_allowed=0", LineKind.CpusetLine },
        { "? mem_cgroup_out_of_memory+0xe8/0x130 extra", LineKind.MemcgCallTrace },
        { "systemd[1]: Hostname set to <web-7>.", LineKind.HostName },
        { "systemd[1]: Set hostname to <web-7>.", LineKind.HostName },
    };

    [Theory]
    [MemberData(nameof(Patterns))]
    public void A_kind_found_anywhere_is_found_at_every_offset_of_every_length(string pattern, LineKind kind)
    {
        // filler: lowercase words that hold no piece of any pattern, and blanks
        const string Filler = "abc def gh jk pqr uvw xyz 0123 ";
        for (int before = 1; before <= 48; before++)
            for (int after = 0; after <= 48; after++)
            {
                // "ZZ" first: no kind starts with it, so only a search anywhere in the line can find the pattern
                var line = "ZZ" + Filler.Substring(0, Math.Min(before, Filler.Length)).PadRight(before, 'q') + pattern
                    + new string('q', after);
                Assert.Equal(kind, MessageClassifier.Classify(Encoding.ASCII.GetBytes(line)));
            }
    }

    [Fact]
    public void The_memcg_frame_is_found_in_a_frame_line_at_every_offset()
    {
        // a frame has no blank: the classifier checks it for the memcg frame alone (and for a 'y' first)
        for (int before = 0; before <= 40; before++)
            for (int after = 0; after <= 40; after++)
            {
                string head = new string('x', before), tail = "+0x134/0x150" + new string('q', after);
                Assert.Equal(LineKind.MemcgCallTrace, MessageClassifier.Classify(Encoding.ASCII.GetBytes(head + "mem_cgroup_out_of_memory" + tail)));
                Assert.Equal(LineKind.MemcgCallTrace, MessageClassifier.Classify(Encoding.ASCII.GetBytes("? " + head + "mem_cgroup_out_of_memory" + tail)));
                Assert.Equal(LineKind.Unrelated, MessageClassifier.Classify(Encoding.ASCII.GetBytes(head + "mem_cgroup_out_of_memorx" + tail)));
            }
    }

    [Fact]
    public void A_line_without_any_piece_is_unrelated()
    {
        // a register dump and a Mem-Info counter line: the vector pass alone decides them
        Assert.Equal(LineKind.Unrelated, MessageClassifier.Classify("RAX: 000000000000005a RBX: 0000000000000040 RCX: 0000000000057010"u8));
        Assert.Equal(LineKind.Unrelated, MessageClassifier.Classify("active_anon:16320 inactive_anon:1 isolated_anon:0"u8));
    }
}
