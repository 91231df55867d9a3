using OomWarden.Linux.OomDelay;

namespace OomWarden.Linux.Tests.IO;

/// <summary>The oom_delay state file: only valid entries are ever acted on, a link or a FIFO at its path is refused,
/// and a save never writes through something planted there.</summary>
public class OomDelayStateTests
{
    [Fact]
    public void Format_and_parse_round_trip()
    {
        var settings = new[]
        {
            new OomSetting("/sys/fs/cgroup/memory/a b", OomSetting.V1OomControl, "0"),
            new OomSetting("/sys/fs/cgroup/c", OomSetting.V2High, "max"),
            new OomSetting("/sys/fs/cgroup/d", OomSetting.V2High, "536870912"),
        };
        var back = OomDelayStateFormat.Parse(OomDelayStateFormat.Format(settings), out int rejected);
        Assert.Equal(0, rejected);
        Assert.Equal(settings, back);
    }

    [Theory]
    [InlineData("restore relative/dir\tmemory.oom_control\t0")]
    [InlineData("restore /sys/fs/cgroup/../../etc\tmemory.oom_control\t0")]
    [InlineData("restore /sys/fs/cgroup/a\tmemory.limit_in_bytes\t0")]
    [InlineData("restore /sys/fs/cgroup/a\tmemory.oom_control\t2")]
    [InlineData("restore /sys/fs/cgroup/a\tmemory.high\t-1")]
    [InlineData("restore /sys/fs/cgroup/a\tmemory.high\t1 2")]
    [InlineData("restore /sys/fs/cgroup/a\tmemory.high")]
    [InlineData("write /sys/fs/cgroup/a\tmemory.high\tmax")]
    public void Anything_but_a_valid_entry_is_rejected(string line)
    {
        var parsed = OomDelayStateFormat.Parse(OomDelayStateFormat.Header + "\n" + line + "\n", out int rejected);
        Assert.Empty(parsed);
        Assert.Equal(1, rejected);
    }

    [Fact]
    public void Save_load_and_remove()
    {
        using var dir = new Scratch();
        string path = Path.Combine(dir.Root, "run", "state");
        var s = new OomSetting("/sys/fs/cgroup/memory/x", OomSetting.V1OomControl, "1");
        Assert.True(OomDelayStateFile.TrySave(path, [s], out _));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.True(OomDelayStateFile.TryLoad(path, out var loaded, out int rejected, out _));
        Assert.Equal([s], loaded);
        Assert.Equal(0, rejected);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));  // no temporary file left
        Assert.True(OomDelayStateFile.TrySave(path, [], out _));
        Assert.False(File.Exists(path));
        Assert.True(OomDelayStateFile.TryLoad(path, out loaded, out _, out _));  // no file: nothing to restore
        Assert.Empty(loaded);
    }

    [Fact]
    public void A_symlink_or_a_fifo_at_the_path_is_refused_and_never_written_through()
    {
        using var dir = new Scratch();
        string target = Path.Combine(dir.Root, "target");
        File.WriteAllText(target, "restore /sys/fs/cgroup/memory/x\tmemory.oom_control\t0\n");
        string link = Path.Combine(dir.Root, "state");
        File.CreateSymbolicLink(link, target);
        Assert.False(OomDelayStateFile.TryLoad(link, out _, out _, out string? error));
        Assert.Contains("symbolic link", error);

        Assert.True(OomDelayStateFile.TrySave(link, [new OomSetting("/sys/fs/cgroup/y", OomSetting.V2High, "max")], out _));
        Assert.Equal("restore /sys/fs/cgroup/memory/x\tmemory.oom_control\t0\n", File.ReadAllText(target));  // untouched
        Assert.Null(new FileInfo(link).LinkTarget);  // the link itself was replaced

        string fifo = Path.Combine(dir.Root, "fifo");
        Assert.Equal(0, mkfifo(fifo, 0x180));
        Assert.False(OomDelayStateFile.TryLoad(fifo, out _, out _, out error));
        Assert.Contains("not a regular file", error);
    }

    [Fact]
    public void Restoring_a_cgroup_that_is_gone_counts_as_restored_and_a_plain_file_is_never_written()
    {
        using var dir = new Scratch();
        var gone = new OomSetting(Path.Combine(dir.Root, "no-such-cgroup"), OomSetting.V1OomControl, "0");
        Assert.True(OomSettingsRestorer.TryRestore(gone, out _));
        Directory.CreateDirectory(Path.Combine(dir.Root, "fake"));
        File.WriteAllText(Path.Combine(dir.Root, "fake", "memory.high"), "123");
        var fake = new OomSetting(Path.Combine(dir.Root, "fake"), OomSetting.V2High, "max");
        Assert.False(OomSettingsRestorer.TryRestore(fake, out string? error));
        Assert.Contains("not on procfs, sysfs or cgroupfs", error);
        Assert.Equal("123", File.ReadAllText(Path.Combine(dir.Root, "fake", "memory.high")));
    }

    private sealed class Scratch : IDisposable
    {
        public string Root { get; } = Directory.CreateTempSubdirectory("oomwarden-state-").FullName;

        public void Dispose() => Directory.Delete(Root, recursive: true);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, int mode);
}
