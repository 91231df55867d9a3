namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>Where things are: the repo root, the NativeAOT binary, the shared lab folder.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>bin/oomwarden, published by `make build` (make test builds it first).</summary>
    public static string Binary => Environment.GetEnvironmentVariable("OOMWARDEN_BIN") is { Length: > 0 } b
        ? b
        : Path.Combine(Root, "bin", "oomwarden");

    /// <summary>../shared beside the repo (CI lays it there), or $OOMWARDEN_SHARED.</summary>
    public static string Shared => Environment.GetEnvironmentVariable("OOMWARDEN_SHARED") is { Length: > 0 } s
        ? s
        : Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    public static string VmRun => Path.Combine(Shared, "vmlab", "vm-run");

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "OomWarden.slnx"))) return d.FullName;
        }
        throw new InvalidOperationException("cannot find the repo root (OomWarden.slnx) above " + AppContext.BaseDirectory);
    }

    /// <summary>Skips (with the reason printed) unless the NativeAOT binary exists.</summary>
    public static void RequireBinary()
    {
        if (!File.Exists(Binary)) Assert.Skip($"{Binary} is missing: run `make build` (make test does) first");
    }
}
