using OomWarden.Linux.Interop.Process;

namespace OomWarden.Linux.Tests.Interop;

public sealed class ResourceLimitTests
{
    [Fact]
    public void The_soft_open_file_limit_is_raised_to_the_hard_one()
    {
        ulong hard = ResourceLimit.OpenFilesHardLimit;
        if (hard < 2048) Assert.Skip($"hard RLIMIT_NOFILE is only {hard}");
        // One below the hard limit: lower enough to see the raise, high enough not to starve the test host.
        Assert.True(ResourceLimit.TrySetOpenFilesSoftLimit(hard - 1));
        Assert.Equal(hard - 1, ResourceLimit.OpenFilesSoftLimit);

        Assert.Null(ResourceLimit.RaiseOpenFilesToHardLimit());

        Assert.Equal(hard, ResourceLimit.OpenFilesSoftLimit);
        Assert.Null(ResourceLimit.RaiseOpenFilesToHardLimit()); // already there: nothing to do, no warning
    }
}
