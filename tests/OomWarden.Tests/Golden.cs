namespace OomWarden.Tests;

/// <summary>Compares output with a file under tests/fixtures/snapshots/golden/. Set OOMWARDEN_UPDATE_GOLDEN=1 to
/// rewrite the files (then review the diff before committing).</summary>
public static class Golden
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>Makes the repository root the current directory, so commands can be given repo-relative paths and
    /// the output does not depend on where the repository is checked out. Nothing else in the tests uses the cwd.</summary>
    public static void UseRepoRootAsCurrentDirectory() => Directory.SetCurrentDirectory(RepoRoot);

    public static string Fixture(string relative) => Path.Combine(RepoRoot, relative);

    public static void Check(string name, string actual)
    {
        actual = actual.Replace(RepoRoot, "<repo>", StringComparison.Ordinal).Replace("\r\n", "\n", StringComparison.Ordinal);
        string path = Path.Combine(RepoRoot, "tests", "fixtures", "snapshots", "golden", name);
        if (Environment.GetEnvironmentVariable("OOMWARDEN_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"golden file {path} is missing; run with OOMWARDEN_UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(path), actual);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OomWarden.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
