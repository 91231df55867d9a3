using System.Runtime.CompilerServices;
using OomWarden.Linux;

namespace OomWarden.Tests;

/// <summary>A private copy of tests/fixtures/&lt;scenario&gt; that a test may edit; deleted on dispose.</summary>
internal sealed class FixtureTree : IDisposable
{
    private FixtureTree(string root) => Root = root;

    public string Root { get; }

    public HostPaths Paths => HostPaths.ForFixture(Root);

    public static string SourceDir(string scenario, [CallerFilePath] string thisFile = "")
        => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "fixtures", scenario));

    public static FixtureTree Copy(string scenario)
    {
        string root = Path.Combine(Path.GetTempPath(), "oomwarden-fixture-" + Guid.NewGuid().ToString("N")[..8]);
        CopyDir(SourceDir(scenario), root);
        return new FixtureTree(root);
    }

    public void Write(string relative, string content) => File.WriteAllText(Path.Combine(Root, relative), content);

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            // exe entries are symbolic links whose targets need not exist: copied as links.
            if (new FileInfo(f).LinkTarget is { } target) File.CreateSymbolicLink(Path.Combine(to, Path.GetFileName(f)), target);
            else File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        }
        foreach (var d in Directory.GetDirectories(from)) CopyDir(d, Path.Combine(to, Path.GetFileName(d)));
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
