namespace OomWarden.Linux.Tests;

/// <summary>A writable copy of a fixture tree, deleted on dispose.</summary>
internal sealed class TempTree : IDisposable
{
    public TempTree(string scenario)
    {
        Root = Path.Combine(Path.GetTempPath(), "oomwarden-linux-tests-" + Guid.NewGuid().ToString("N"));
        Copy(Fixtures.Dir(scenario), Root);
        Paths = HostPaths.ForFixture(Root);
    }

    public string Root { get; }

    public HostPaths Paths { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else if (entry is DirectoryInfo) Copy(entry.FullName, target);
            else File.Copy(entry.FullName, target);
        }
    }
}
