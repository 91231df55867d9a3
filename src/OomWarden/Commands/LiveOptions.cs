using OomWarden.Configuration;
using OomWarden.Core.Model;
using OomWarden.Linux;

namespace OomWarden.Commands;

/// <summary>Options shared by the verbs that look at the live host (explain, snapshot):
/// --config (explain only), --domain, --proc-root, --sys-root.</summary>
internal sealed class LiveOptions
{
    public static readonly CliOption Config = CliOption.WithValue("--config", "-c");
    public static readonly CliOption DomainOption = CliOption.WithValue("--domain");
    public static readonly CliOption ProcRootOption = CliOption.WithValue("--proc-root");
    public static readonly CliOption SysRootOption = CliOption.WithValue("--sys-root");

    /// <summary>--domain, --proc-root, --sys-root.</summary>
    public static readonly CliOption[] HostOptions = [DomainOption, ProcRootOption, SysRootOption];

    public string? ConfigPath { get; init; }
    public string? DomainPath { get; init; }
    public string ProcRoot { get; init; } = HostPaths.Default.ProcRoot;
    public string SysRoot { get; init; } = HostPaths.Default.SysRoot;

    public static LiveOptions From(ArgReader args) => new()
    {
        ConfigPath = args.Value(Config.Name),
        DomainPath = args.Value(DomainOption.Name),
        ProcRoot = args.Value(ProcRootOption.Name) ?? HostPaths.Default.ProcRoot,
        SysRoot = args.Value(SysRootOption.Name) ?? HostPaths.Default.SysRoot,
    };

    public HostPaths Paths => new(ProcRoot, SysRoot);

    /// <summary>"system" (default), a cgroup path, or "nodes:LIST" (NUMA nodes, e.g. "nodes:1" or "nodes:0-1").</summary>
    public Domain Domain => DomainPath switch
    {
        null or "/" or "system" => Domain.System,
        _ when DomainPath.StartsWith("nodes:", StringComparison.Ordinal)
            && Linux.Parsing.NodeListParser.TryParse(System.Text.Encoding.ASCII.GetBytes(DomainPath[6..]), out ulong mask) => Domain.ForNodes(mask),
        _ => Domain.ForCgroup(DomainPath),
    };

    /// <summary>Null when --domain is one of the forms <see cref="Domain"/> reads; else the usage error to print.</summary>
    public string? DomainError() => DomainPath switch
    {
        null or "system" => null,
        _ when DomainPath.StartsWith("nodes:", StringComparison.Ordinal) =>
            Linux.Parsing.NodeListParser.TryParse(System.Text.Encoding.ASCII.GetBytes(DomainPath[6..]), out _)
                ? null
                : $"--domain {DomainPath}: not a NUMA node list (write nodes:1 or nodes:0-1)",
        _ when DomainPath.StartsWith('/') => null,
        _ => $"--domain {DomainPath}: write a cgroup path as /proc/PID/cgroup shows it (starting with /), system, or nodes:LIST",
    };

    /// <summary>The config, checked against the host under --proc-root; null after printing every error, with the
    /// exit code (66, 74 or 78).</summary>
    public LoadedConfig? LoadConfig(TextWriter err, out int exitCode) =>
        ConfigFile.Load(ConfigPath, () => ConfigHost.Live(Paths), err, out exitCode);
}
