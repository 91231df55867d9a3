namespace OomWarden.KernelLog.Tests;

/// <summary>Locates tests/fixtures/oom-reports from the test binary's directory.</summary>
internal static class Fixtures
{
    public static string Dir { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "oom-reports");
            if (Directory.Exists(candidate)) return candidate;
            dir = dir.Parent;
        }
        throw new DirectoryNotFoundException("tests/fixtures/oom-reports not found above " + AppContext.BaseDirectory);
    }

    public static string PathOf(string name) => System.IO.Path.Combine(Dir, name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    public static IEnumerable<string> LogNames() =>
        Directory.EnumerateFiles(Dir, "*.log").Select(p => System.IO.Path.GetFileName(p)!).Order(StringComparer.Ordinal);
}
