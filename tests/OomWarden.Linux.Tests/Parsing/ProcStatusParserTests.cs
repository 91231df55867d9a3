using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

public class ProcStatusParserTests
{
    [Fact]
    public void Reads_uid_and_memory_lines()
    {
        var text = "Name:\tVmRSS: 1 kB\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t77\nPid:\t77\nPPid:\t1\nUid:\t1000\t1001\t1002\t1003\nVmRSS:\t  2048 kB\nVmPTE:\t   12 kB\nVmSwap:\t  100 kB\nKthread:\t0\n"u8;
        Assert.True(ProcStatusParser.TryParse(text, out var status));
        Assert.Equal(new ProcStatus(77, 1, 1000, 2048 * 1024, 100 * 1024, 12 * 1024, false), status);
    }

    [Fact]
    public void Kernel_thread_has_no_vm_lines()
    {
        Assert.True(ProcStatusParser.TryParse(Fixtures.Bytes("kernel-6.18-hybrid", "proc/2/status"), out var status));
        Assert.Equal(0, status.VmRssBytes);
        Assert.Equal(0, status.Uid);
        Assert.True(status.IsKernelThread);
    }

    [Fact]
    public void Kthread_line_absent_before_6_0_is_null()
    {
        Assert.True(ProcStatusParser.TryParse("Tgid:\t5\nUid:\t0\t0\t0\t0\n"u8, out var status));
        Assert.Null(status.IsKernelThread);
    }

    [Theory]
    [InlineData("kernel-6.18-hybrid", "1")]
    [InlineData("kernel-6.1-v2", "134")]
    public void Captured_status_matches_statm_resident_pages(string scenario, string pid)
    {
        Assert.True(ProcStatusParser.TryParse(Fixtures.Bytes(scenario, $"proc/{pid}/status"), out var status));
        Assert.True(StatmParser.TryParse(Fixtures.Bytes(scenario, $"proc/{pid}/statm"), out var statm));
        Assert.Equal(statm.ResidentPages * 4096, status.VmRssBytes);
        Assert.True(status.VmPteBytes > 0);
    }

    [Fact]
    public void Missing_uid_is_rejected()
    {
        Assert.False(ProcStatusParser.TryParse("Tgid:\t5\n"u8, out _));
    }

    [Theory]
    [InlineData("0000000000000000", "0000000000000000", false)]
    [InlineData("0000000000000100", "0000000000000000", true)]
    [InlineData("0000000000000000", "0000000000000100", true)]
    [InlineData("0000000000000300", "0000000000000000", true)]   // SIGKILL and SIGUSR1
    [InlineData("0000000000000200", "0000000000004000", false)]  // SIGUSR1, SIGTERM
    [InlineData("100", "", true)]
    [InlineData("ff", "", false)]
    public void SIGKILL_pending_is_bit_8_of_SigPnd_or_ShdPnd(string sigPnd, string shdPnd, bool pending)
    {
        var text = System.Text.Encoding.ASCII.GetBytes($"Tgid:\t5\nUid:\t0\t0\t0\t0\nSigQ:\t0/96365\nSigPnd:\t{sigPnd}\nShdPnd:\t{shdPnd}\nSigBlk:\t0000000000000100\n");
        Assert.True(ProcStatusParser.TryParse(text, out var status));
        Assert.Equal(pending, status.KillPending);
    }
}
