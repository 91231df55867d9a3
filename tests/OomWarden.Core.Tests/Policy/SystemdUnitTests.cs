using OomWarden.Core.Policy;

namespace OomWarden.Core.Tests.Policy;

public class SystemdUnitTests
{
    [Theory]
    [InlineData("/system.slice/ssh.service", "ssh.service")]
    [InlineData("/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-123.scope", "app-firefox-123.scope")]
    [InlineData("/system.slice/docker-1a2b.scope/init", "docker-1a2b.scope")]
    [InlineData("/system.slice", "system.slice")]
    [InlineData("/init.scope", "init.scope")]
    [InlineData("/kubepods/besteffort/pod1234/abcd", null)]
    [InlineData("/", null)]
    [InlineData("/.service", null)]
    public void DerivesTheDeepestUnit(string path, string? unit) => Assert.Equal(unit, SystemdUnit.FromCgroupPath(path));
}
