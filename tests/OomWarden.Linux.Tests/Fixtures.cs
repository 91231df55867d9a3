using System.Runtime.CompilerServices;

namespace OomWarden.Linux.Tests;

/// <summary>Locates tests/fixtures/&lt;case&gt; from the source tree.</summary>
internal static class Fixtures
{
    private static readonly string Root = FindRoot();

    public static string Dir(string scenario) => Path.Combine(Root, scenario);

    public static HostPaths Paths(string scenario) => HostPaths.ForFixture(Dir(scenario));

    public static byte[] Bytes(string scenario, string relative) => File.ReadAllBytes(Path.Combine(Dir(scenario), relative));

    private static string FindRoot([CallerFilePath] string thisFile = "")
    {
        // tests/OomWarden.Linux.Tests/Fixtures.cs → tests/fixtures
        var candidate = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "fixtures"));
        if (Directory.Exists(candidate)) return candidate;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var probe = Path.Combine(dir.FullName, "tests", "fixtures");
            if (Directory.Exists(probe)) return probe;
        }
        throw new DirectoryNotFoundException("tests/fixtures not found from " + AppContext.BaseDirectory);
    }
}
