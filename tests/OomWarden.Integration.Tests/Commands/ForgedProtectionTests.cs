using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Commands;

/// <summary>Real processes on this kernel that pretend to be sshd, in a v1 memory cgroup of the test's own, against
/// the server preset (the real binary's explain): only a process that runs root's /usr/sbin/sshd as root is
/// protected; a process renamed sshd, one started through a symlink named sshd, and one that shows its own file at
/// /usr/sbin/sshd from a private mount namespace of an unprivileged user are candidates.</summary>
public sealed class ForgedProtectionTests
{
    [Fact]
    public void Only_roots_sshd_binary_run_as_root_is_protected_by_the_server_preset()
    {
        Repo.RequireBinary();
        using var cg = V1MemoryCgroup.Create("oomwarden-forge", 256L << 20);
        string dir = TestHelpers.NewTempDirectory("oomwarden-forge");
        try
        {
            string config = Path.Combine(dir, "server.toml");
            File.WriteAllText(config, "preset = \"server\"\n");
            string link = Path.Combine(dir, "sshd");
            File.CreateSymbolicLink(link, "/bin/sleep");
            // The children keep the test's v1 memory cgroup; nothing outside it is looked at (explain --domain).
            var renamed = cg.Start("/bin/sh", "-c", "printf sshd > /proc/$$/comm; sleep 120 & wait");
            var symlinked = cg.Start(link, "120");
            var userNamespace = cg.Start("setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                "unshare", "-Urm", "sh", "-c", "mount -t tmpfs none /usr/sbin && cp /bin/sleep /usr/sbin/sshd && exec /usr/sbin/sshd 120");
            var rootNamespace = cg.Start("unshare", "-m", "--propagation", "private",
                "sh", "-c", "mount -t tmpfs none /usr/sbin && cp /bin/sleep /usr/sbin/sshd && exec /usr/sbin/sshd 120");

            WaitFor(renamed.Id, "sshd", exe: null);
            WaitFor(symlinked.Id, "sshd", exe: "/usr/bin/sleep");
            WaitFor(userNamespace.Id, "sshd", exe: "/usr/sbin/sshd");
            WaitFor(rootNamespace.Id, "sshd", exe: "/usr/sbin/sshd");
            Assert.Contains("65534", File.ReadAllLines($"/proc/{userNamespace.Id}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)));

            var r = Sh.Run(Repo.Binary, ["explain", "--domain", cg.Path, "--json", "--config", config], TimeSpan.FromSeconds(30));
            Assert.True(r.ExitCode == 0, r.Stderr);
            using var doc = JsonDocument.Parse(r.Stdout);
            var byPid = doc.RootElement.GetProperty("levels").EnumerateArray()
                .SelectMany(l => l.GetProperty("candidates").EnumerateArray())
                .Where(c => c.GetProperty("pid").ValueKind == JsonValueKind.Number)
                .ToDictionary(c => c.GetProperty("pid").GetInt32(), c => c.Clone());

            Assert.False(byPid[renamed.Id].GetProperty("protected").GetBoolean(), "renamed with /proc/self/comm");
            Assert.False(byPid[symlinked.Id].GetProperty("protected").GetBoolean(), "started through a symlink named sshd");
            Assert.False(byPid[userNamespace.Id].GetProperty("protected").GetBoolean(), "its own file at /usr/sbin/sshd, as uid 65534");
            Assert.True(byPid[rootNamespace.Id].GetProperty("protected").GetBoolean(), "exe /usr/sbin/sshd as root");
            Assert.Equal("server/sshd", byPid[rootNamespace.Id].GetProperty("rule").GetString());
            int victim = doc.RootElement.GetProperty("victim").GetProperty("pid").GetInt32();
            Assert.NotEqual(rootNamespace.Id, victim);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Explain_as_a_normal_user_says_that_exe_rules_cannot_match_other_users_processes()
    {
        Repo.RequireBinary();
        using var cg = V1MemoryCgroup.Create("oomwarden-nobody", 64L << 20);
        var root = cg.Start("/bin/sleep", "60");
        WaitFor(root.Id, "sleep", null); // the shell joins the cgroup, then execs sleep: only then is it listed
        var r = Sh.Run("setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups", Repo.Binary, "explain", "--domain", cg.Path, "--json"],
            TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("explain: not root: /proc/PID/exe of other users' processes cannot be read", r.Stderr, StringComparison.Ordinal);
        // Root sees everything without the note; the normal user's explain still lists root's sleep.
        var asRoot = Sh.Run(Repo.Binary, ["explain", "--domain", cg.Path, "--json"], TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("not root", asRoot.Stderr, StringComparison.Ordinal);
        Assert.Contains($"\"pid\": {root.Id}", r.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Waits until the process shows <paramref name="comm"/> (and <paramref name="exe"/> when given).</summary>
    private static void WaitFor(int pid, string comm, string? exe)
    {
        string? seenComm = null, seenExe = null;
        for (int i = 0; i < 250; i++)
        {
            try
            {
                seenComm = File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
                seenExe = File.ResolveLinkTarget($"/proc/{pid}/exe", returnFinalTarget: false)?.FullName;
            }
            catch (IOException) { }
            if (seenComm == comm && (exe is null || seenExe == exe)) return;
            Thread.Sleep(20);
        }
        Assert.Fail($"pid {pid}: comm {seenComm}, exe {seenExe}; expected {comm}, {exe}");
    }
}
