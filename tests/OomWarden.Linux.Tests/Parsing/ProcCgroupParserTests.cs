using System.Text;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

public class ProcCgroupParserTests
{
    private const string Hybrid = "9:name=systemd:/user.slice\n8:pids:/\n4:memory:/process_api/888669ff\n3:cpu,cpuacct:/\n0::/init.scope\n";

    [Theory]
    [InlineData(Hybrid, CgroupVersion.V1, "/process_api/888669ff")]
    [InlineData(Hybrid, CgroupVersion.V2, "/init.scope")]
    [InlineData("0::/work.slice/app.service\n", CgroupVersion.V2, "/work.slice/app.service")]
    [InlineData("0::/\n", CgroupVersion.V2, "/")]
    [InlineData("5:cpuacct,memory,cpu:/a:b:c\n", CgroupVersion.V1, "/a:b:c")]
    [InlineData("0::/gone (deleted)\n", CgroupVersion.V2, "/gone (deleted)")]
    public void Memory_path_by_layout(string text, CgroupVersion memoryOn, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.True(ProcCgroupParser.TryParse(bytes, out var cg));
        Assert.Equal(expected, cg.MemoryPath(memoryOn));
        Assert.True(ProcCgroupParser.TryFindMemoryPath(bytes, memoryOn, out var span));
        Assert.Equal(expected, Encoding.UTF8.GetString(span));
    }

    [Fact]
    public void Systemd_and_unified_paths()
    {
        Assert.True(ProcCgroupParser.TryParse(Encoding.UTF8.GetBytes(Hybrid), out var cg));
        Assert.Equal("/user.slice", cg.SystemdPath);
        Assert.Equal("/init.scope", cg.UnifiedPath);
        Assert.Equal("/process_api/888669ff", cg.MemoryV1Path);
    }

    [Fact]
    public void Memory_not_a_prefix_match()
    {
        Assert.False(ProcCgroupParser.TryFindMemoryPath("4:memoryx:/a\n"u8, CgroupVersion.V1, out _));
        Assert.True(ProcCgroupParser.TryParse("4:memoryx:/a\n"u8, out var cg));
        Assert.Equal("/", cg.MemoryPath(CgroupVersion.V1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage\n")]
    public void Rejects(string text) => Assert.False(ProcCgroupParser.TryParse(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void Captured_host_file()
    {
        var pid = File.ReadAllText(Path.Combine(Fixtures.Dir("kernel-6.18-hybrid"), "sleep-pid.txt")).Trim();
        Assert.True(ProcCgroupParser.TryParse(Fixtures.Bytes("kernel-6.18-hybrid", $"proc/{pid}/cgroup"), out var cg));
        Assert.Equal("/linuxhelper-fixture", cg.MemoryV1Path);
        Assert.Equal("/", cg.UnifiedPath);
    }
}
