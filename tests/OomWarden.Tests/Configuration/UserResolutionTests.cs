using OomWarden.Configuration;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;

namespace OomWarden.Tests.Configuration;

/// <summary>user = "NAME" is resolved to a uid when the config is loaded (getpwnam_r), so it matches the processes
/// of that user; a name that is no user here is a config error, never a rule that silently matches nothing.</summary>
public class UserResolutionTests
{
    private static ProcessSample Process(int uid) => new() { Pid = 42, Comm = "x", CgroupPath = "/a", Uid = uid };

    [Fact]
    public void RootResolvesToUidZeroAndMatchesRootsProcesses()
    {
        var result = ConfigLoader.LoadText("[[rule]]\nname = \"root-last\"\nuser = \"root\"\npriority = 50", "test.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var rule = result.Config.Policy.Rules[0];
        Assert.Equal(UserMatch.ForResolvedName("root", 0), Assert.Single(rule.Match.User));
        // The live reader knows the uid, not the name: the rule must match on the uid alone.
        Assert.Equal("root-last", result.Config.Policy.Evaluate(Process(0)).RuleName);
        Assert.Equal("default", result.Config.Policy.Evaluate(Process(1000)).RuleName);
        Assert.Equal("user=root(0)", rule.Match.ToString());
    }

    /// <summary>End to end on this machine: a rule naming the user running the tests matches this very process as
    /// the daemon's reader sees it in /proc (which gives the uid, never the name).</summary>
    [Fact]
    public void ANameRuleMatchesThisProcessAsTheLiveReaderSeesIt()
    {
        string me = Environment.UserName;
        var result = ConfigLoader.LoadText($"[[rule]]\nname = \"mine\"\nuser = \"{me}\"\npriority = 7", "test.toml");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        using var reader = new OomWarden.Linux.Processes.ProcessReader(OomWarden.Linux.HostPaths.Default, OomWarden.Linux.Parsing.CgroupVersion.None);
        Assert.True(reader.TryRead(Environment.ProcessId, OomWarden.Linux.Processes.ProcessReadOptions.Status, out var self), reader.LastError);
        var verdict = result.Config.Policy.Evaluate(self with { UserName = null });
        Assert.Equal("mine", verdict.RuleName);
        Assert.Equal(7, verdict.Priority);
    }

    [Fact]
    public void AnUnknownNameIsAConfigErrorAtItsPosition()
    {
        var result = ConfigLoader.LoadText("[[rule]]\ncomm = \"x\"\n  user = [\"root\", \"no-such-user-oomwarden\"]\npriority = 1", "test.toml");
        Assert.False(result.Success);
        var error = Assert.Single(result.Errors);
        Assert.Equal("test.toml:3:3: 'user' \"no-such-user-oomwarden\": no such user on this machine (write a uid, or create the user first)", error.ToString());
    }

    [Fact]
    public void UidsNeedNoLookup()
    {
        var host = new ConfigHost { LookupUser = (string name, out int uid, out string? error) => throw new InvalidOperationException("looked up " + name) };
        var result = ConfigLoader.LoadText("[[rule]]\nuser = [1000, \"1001\"]\npriority = 1", "test.toml", host);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal([UserMatch.ForUid(1000), UserMatch.ForUid(1001)], result.Config.Policy.Rules[0].Match.User);
    }

    [Fact]
    public void AFailedLookupSaysWhy()
    {
        var host = new ConfigHost
        {
            LookupUser = (string name, out int uid, out string? error) =>
            {
                uid = -1;
                error = "Too many open files";
                return false;
            },
        };
        var result = ConfigLoader.LoadText("[[rule]]\nuser = \"alice\"\npriority = 1", "test.toml", host);
        Assert.Contains(result.Errors, e => e.Line == 2 && e.Message == "'user' \"alice\": cannot look the user up: Too many open files");
    }

    /// <summary>The P/Invoke against the file it reads first: every account of /etc/passwd resolves to its uid.</summary>
    [Fact]
    public void EveryAccountOfEtcPasswdResolvesToItsUid()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int checkedAccounts = 0;
        foreach (var line in File.ReadAllLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length < 7 || fields[0].Length == 0 || fields[0].StartsWith('+') || !seen.Add(fields[0])) continue;
            int expected = int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(ConfigHost.Users.LookupUser(fields[0], out int uid, out string? error), $"{fields[0]}: {error}");
            Assert.Equal(expected, uid);
            checkedAccounts++;
        }
        Assert.True(checkedAccounts > 0, "/etc/passwd has no account");
        Assert.False(ConfigHost.Users.LookupUser("no-such-user-oomwarden", out _, out string? notFound));
        Assert.Null(notFound);
    }
}
