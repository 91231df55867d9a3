namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>Compiles tests/helpers/*.c once per test run into a private directory.</summary>
public static class TestHelpers
{
    private static readonly Lazy<string> HogPath = new(() => Compile("hog"));
    private static readonly Lazy<string> ForknPath = new(() => Compile("forkn"));

    public static string Hog => HogPath.Value;

    /// <summary>tests/helpers/forkn.c: "forkn -n COUNT [-f FORK_EVERY_MS] [-L LIFETIME_S]", COUNT + 1 processes.</summary>
    public static string Forkn => ForknPath.Value;

    /// <summary>Copies hog and "incg CGROUP_DIR CMD ARGS" (moves itself into a cgroup, then execs, so $! is
    /// the command's pid) into a directory shared with the guest.</summary>
    public static void CopyGuestTools(string dir)
    {
        File.Copy(Hog, Path.Combine(dir, "hog"));
        File.Copy(Forkn, Path.Combine(dir, "forkn"));
        string incg = Path.Combine(dir, "incg");
        File.WriteAllText(incg, "#!/bin/sh\necho $$ > \"$1/cgroup.procs\" || exit 1\nshift\nexec \"$@\"\n");
        File.SetUnixFileMode(incg, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>A directory the VM can write to (vm-run -s) and that outlives nothing: removed by the caller.</summary>
    public static string NewTempDirectory(string prefix)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"{prefix}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..(prefix.Length + 20)]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string Compile(string name)
    {
        string source = Path.Combine(Repo.Root, "tests", "helpers", name + ".c");
        // One directory per source text: test runs of other checkouts at the same time (another branch's hog.c) neither
        // replace this one's binary nor race for its temporary file.
        string hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(source)))[..12];
        string dir = Path.Combine(Path.GetTempPath(), "oomwarden-test-helpers", hash);
        Directory.CreateDirectory(dir);
        string output = Path.Combine(dir, name);
        string temporary = $"{output}.{Environment.ProcessId}.tmp";
        var r = Sh.Run("gcc", ["-O2", "-Wall", "-o", temporary, source], TimeSpan.FromSeconds(120));
        if (r.ExitCode != 0) throw new InvalidOperationException($"gcc {source} failed: {r.Stderr}");
        File.Move(temporary, output, overwrite: true);
        return output;
    }
}
