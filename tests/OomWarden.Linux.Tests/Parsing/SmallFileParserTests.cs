using System.Text;
using OomWarden.Core.Model;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

public class SmallFileParserTests
{
    [Theory]
    [InlineData("765 444 415 5 0 123 0\n", 765, 444, 415, 5, 123)]
    [InlineData("0 0 0 0 0 0 0\n", 0, 0, 0, 0, 0)]
    public void Statm(string text, long size, long resident, long shared, long textPages, long data)
    {
        Assert.True(StatmParser.TryParse(Encoding.ASCII.GetBytes(text), out var statm));
        Assert.Equal(new Statm(size, resident, shared, textPages, data), statm);
    }

    [Theory]
    [InlineData("765 444\n")]
    [InlineData("")]
    public void Statm_rejects_short(string text) => Assert.False(StatmParser.TryParse(Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData("0\n", 0)]
    [InlineData("-1000\n", -1000)]
    [InlineData("1000", 1000)]
    [InlineData(" 667 \n", 667)]
    public void OomScore(string text, int expected)
    {
        Assert.True(OomScoreParser.TryParse(Encoding.ASCII.GetBytes(text), out int value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc\n")]
    [InlineData("1 2\n")]
    public void OomScore_rejects(string text) => Assert.False(OomScoreParser.TryParse(Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData("0\n", 0L)]
    [InlineData("268435456\n", 268435456L)]
    [InlineData("max\n", CgroupMemory.Unlimited)]
    [InlineData("9223372036854771712\n", CgroupMemory.Unlimited)] // v1, 4 KiB pages
    [InlineData("9223372036854710272\n", CgroupMemory.Unlimited)] // v1, 64 KiB pages
    [InlineData("18446744073709551615\n", CgroupMemory.Unlimited)] // old kernels
    [InlineData("9223372036853723136\n", 9223372036853723136L)]  // just under the threshold: a real number
    public void CgroupValue(string text, long expected)
    {
        Assert.True(CgroupValueParser.TryParse(Encoding.ASCII.GetBytes(text), out long value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1\n")]
    [InlineData("maximum\n")]
    [InlineData("12 kB\n")]
    public void CgroupValue_rejects(string text) => Assert.False(CgroupValueParser.TryParse(Encoding.ASCII.GetBytes(text), out _));

    [Fact]
    public void Events_v2()
    {
        Assert.True(CgroupEventsParser.TryParse("low 1\nhigh 2\nmax 3\noom 4\noom_kill 5\noom_group_kill 6\n"u8, out var e));
        Assert.Equal(new CgroupEvents(1, 2, 3, 4, 5, 6), e);
    }

    [Fact]
    public void Events_of_older_kernel_without_group_kill()
    {
        Assert.True(CgroupEventsParser.TryParse("low 0\nhigh 9\nmax 8\noom 7\noom_kill 6\n"u8, out var e));
        Assert.Equal(new CgroupEvents(0, 9, 8, 7, 6, 0), e);
        Assert.True(CgroupEventsParser.TryParse(Fixtures.Bytes("kernel-6.1-v2", "sys/fs/cgroup/work.slice/memory.events"), out _));
    }

    [Fact]
    public void Events_rejects_garbage() => Assert.False(CgroupEventsParser.TryParse("oom x\n"u8, out _));

    [Theory]
    [InlineData("oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", false, false, 0)]
    [InlineData("oom_kill_disable 1\nunder_oom 1\noom_kill 17\n", true, true, 17)]
    [InlineData("oom_kill_disable 0\nunder_oom 1\n", false, true, 0)] // before 4.13
    public void OomControl_v1(string text, bool disable, bool under, long kills)
    {
        Assert.True(OomControlParser.TryParse(Encoding.ASCII.GetBytes(text), out var c));
        Assert.Equal(new OomControl(disable, under, kills), c);
    }

    [Fact]
    public void OomControl_rejects_empty() => Assert.False(OomControlParser.TryParse(""u8, out _));

    [Fact]
    public void PidList()
    {
        var pids = new List<int>();
        Assert.True(PidListParser.TryParse("1\n22\n333\n"u8, pids));
        Assert.Equal([1, 22, 333], pids);
        pids.Clear();
        Assert.True(PidListParser.TryParse(""u8, pids));
        Assert.Empty(pids);
        Assert.False(PidListParser.TryParse("1\nx\n"u8, pids));
        Assert.Equal([1], pids);
    }
}
