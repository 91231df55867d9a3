using OomWarden.Configuration;
using OomWarden.Core.Model;
using OomWarden.Linux;

namespace OomWarden.Commands;

/// <summary>Options shared by the verbs that look at the live host (explain, snapshot):
/// --config, --domain, --proc-root, --sys-root.</summary>
internal sealed class LiveOptions
{
    public string? ConfigPath { get; set; }
    public string? DomainPath { get; set; }
    public string ProcRoot { get; set; } = HostPaths.Default.ProcRoot;
    public string SysRoot { get; set; } = HostPaths.Default.SysRoot;

    /// <summary>Consumes one of the shared options; false when <paramref name="option"/> is not one of them.
    /// Sets <paramref name="failed"/> when its value is missing.</summary>
    public bool TryTake(string option, ArgReader reader, TextWriter err, out bool failed)
    {
        failed = false;
        string? v;
        switch (option)
        {
            case "--config" or "-c": v = reader.Value(option, err); ConfigPath = v; break;
            case "--domain": v = reader.Value(option, err); DomainPath = v; break;
            case "--proc-root": v = reader.Value(option, err); if (v is not null) ProcRoot = v; break;
            case "--sys-root": v = reader.Value(option, err); if (v is not null) SysRoot = v; break;
            default: return false;
        }
        failed = v is null;
        return true;
    }

    public HostPaths Paths => new(ProcRoot, SysRoot);

    /// <summary>"system" (default), a cgroup path, or "nodes:LIST" (NUMA nodes, e.g. "nodes:1" or "nodes:0-1").</summary>
    public Domain Domain => DomainPath switch
    {
        null or "/" or "system" => Domain.System,
        _ when DomainPath.StartsWith("nodes:", StringComparison.Ordinal)
            && Linux.Parsing.NodeListParser.TryParse(System.Text.Encoding.ASCII.GetBytes(DomainPath[6..]), out ulong mask) => Domain.ForNodes(mask),
        _ => Domain.ForCgroup(DomainPath),
    };

    /// <summary>The config, or null after printing every error (the caller exits 78).</summary>
    public LoadedConfig? LoadConfig(TextWriter err)
    {
        if (ConfigPath is null) return ConfigLoader.Default();
        var r = ConfigLoader.LoadFile(ConfigPath);
        if (r.Success) return r.Config;
        foreach (var e in r.Errors) err.WriteLine(e.ToString());
        return null;
    }
}
