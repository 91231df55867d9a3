using System.Text;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux.Tests.Processes;

public class ProcessScannerTests
{
    [Theory]
    [InlineData("hostile-comm", new[] { 100, 101, 102, 103, 104, 105, 106, 107 })]
    [InlineData("vanishing", new[] { 200, 201 })]
    [InlineData("kernel-6.1-v2", new[] { 1, 127, 134 })]
    public void Lists_numeric_directories_only(string scenario, int[] expected)
    {
        var scanner = new ProcessScanner(Fixtures.Paths(scenario));
        Assert.Equal(expected.Length, scanner.Scan());
        Assert.Equal(expected, scanner.Pids.ToArray().Order());
    }

    [Fact]
    public void Missing_root_is_minus_one_with_reason()
    {
        var scanner = new ProcessScanner(Fixtures.Paths("no-such-case"));
        Assert.Equal(-1, scanner.Scan());
        Assert.Contains("errno 2", scanner.LastError);
    }

    [Theory]
    [InlineData("1\0", true, 1)]
    [InlineData("4194304\0", true, 4194304)]
    [InlineData("0\0", false, 0)]
    [InlineData("self\0", false, 0)]
    [InlineData("12a\0", false, 0)]
    [InlineData("\0", false, 0)]
    [InlineData("99999999999\0", false, 0)]
    public void Pid_names(string name, bool ok, int pid)
    {
        Assert.Equal(ok, ProcessScanner.TryParsePid(Encoding.ASCII.GetBytes(name), out int parsed));
        if (ok) Assert.Equal(pid, parsed);
    }

    [Fact]
    public void Many_entries_grow_the_buffer_once()
    {
        var root = Path.Combine(Path.GetTempPath(), "oomwarden-scan-" + Guid.NewGuid().ToString("N"));
        try
        {
            for (int pid = 1; pid <= 3000; pid++) Directory.CreateDirectory(Path.Combine(root, "proc", pid.ToString()));
            Directory.CreateDirectory(Path.Combine(root, "proc", "sys"));
            var scanner = new ProcessScanner(HostPaths.ForFixture(root));
            Assert.Equal(3000, scanner.Scan());
            Assert.Equal(Enumerable.Range(1, 3000), scanner.Pids.ToArray().Order());
            Assert.Equal(0, Allocation.Measure(100, () => scanner.Scan()));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Real_proc_holds_this_process_and_allocates_nothing()
    {
        var scanner = new ProcessScanner(HostPaths.Default);
        if (scanner.Scan() < 0) Assert.Skip("cannot list /proc: " + scanner.LastError);
        Assert.Contains(Environment.ProcessId, scanner.Pids.ToArray());
        Assert.Contains(1, scanner.Pids.ToArray());
        Assert.Equal(0, Allocation.Measure(200, () => scanner.Scan()));
    }
}
