using OomWarden.Core.Model;
using OomWarden.Core.Snapshot;
using OomWarden.Daemon;
using OomWarden.Linux.Readers;

namespace OomWarden.Commands;

/// <summary><c>oomwarden snapshot -o FILE [--domain PATH]</c>: records what the selector needs (cgroup tree,
/// processes, memory figures) into one versioned JSON file for <c>oomwarden simulate</c>.</summary>
public static class SnapshotCommand
{
    public const string Usage = """
        usage: oomwarden snapshot -o FILE [--domain PATH] [--proc-root DIR] [--sys-root DIR]

          -o, --output FILE  where to write the snapshot ("-" for stdout); written to a new FILE.tmp.PID.RANDOM, then renamed
          --domain PATH      record only this memory cgroup's subtree (default: the whole system)
          --proc-root DIR --sys-root DIR
                             read /proc and /sys from DIR (containers, fixture trees)

        Exit: 0 written, 64 usage, 65 no such memory cgroup with a limit, 71 host unreadable,
        73 output not writable.
        """;

    private static readonly CliOption Output = CliOption.WithValue("--output", "-o");
    private static readonly CliOption[] Options = [Output, .. LiveOptions.HostOptions];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!ArgReader.TryParse("snapshot", args, Options, Usage, stdout, stderr, out var parsed, out int exit)) return exit;
        if (parsed.Positionals.Count > 0) return ArgReader.UsageError("snapshot", $"unexpected argument '{parsed.Positionals[0]}'", Usage, stderr);
        if (parsed.Value(Output.Name) is not { } output) return ArgReader.UsageError("snapshot", "-o FILE is required", Usage, stderr);
        var live = LiveOptions.From(parsed);
        if (live.DomainError() is { } domainError) return ArgReader.UsageError("snapshot", domainError, Usage, stderr);

        // Before reading the host: refused at once.
        if (output != "-" && !Linux.IO.OutputPath.MayReplace(output, out string? notReplaced))
        {
            stderr.WriteLine(TextEscape.ForTerminal($"oomwarden snapshot: cannot write {output}: {notReplaced}{(output.StartsWith("/dev/", StringComparison.Ordinal) ? "; -o - writes to stdout" : "")}"));
            return ExitCodes.CantCreate;
        }

        var paths = live.Paths;
        // README: 71 when the host cannot be read (no /proc, no cgroupfs), as doctor and bench say it.
        if (!TryOpenHost(paths, stderr, out var opened)) return ExitCodes.OsError;
        using var host = opened;
        using var meminfo = new MeminfoReader(paths);
        meminfo.TryRead(out var mem);
        var domain = live.Domain;
        var view = host.OpenDomain(domain);
        if (domain.Kind == Core.Model.DomainKind.Cgroup && view.DomainTotalBytes == 0)
        {
            stderr.WriteLine(TextEscape.ForTerminal($"oomwarden snapshot: {domain.CgroupPath}: no such memory cgroup with a limit"));
            return ExitCodes.DataError;
        }
        var doc = SnapshotBuilder.Build(view, mem, DateTimeOffset.UtcNow, Environment.MachineName, paths.PageSizeBytes,
            paths.ProcRoot == Linux.HostPaths.Default.ProcRoot ? Environment.ProcessId : null);
        if (output == "-")
        {
            using var stdoutStream = Console.OpenStandardOutput();
            SnapshotWriter.Write(doc, stdoutStream);
            return ExitCodes.Ok;
        }
        // A fresh name created with O_EXCL (FileMode.CreateNew): never an existing file, FIFO or a link planted
        // at a predictable name in a shared directory; renamed over the output when complete.
        string tmp = output + ".tmp." + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)
            + "." + Guid.NewGuid().ToString("N")[..8];
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            {
                SnapshotWriter.Write(doc, fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, output, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"oomwarden snapshot: cannot write {output}: {OsErrors.Describe(e)}");
            try { File.Delete(tmp); } catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
            return ExitCodes.CantCreate;
        }
        int processes = doc.Cgroups.Sum(c => c.Processes.Count);
        stderr.WriteLine($"snapshot: {output}: {doc.Cgroups.Count} cgroups, {processes} processes, domain {domain}");
        return ExitCodes.Ok;
    }

    private static bool TryOpenHost(Linux.HostPaths paths, TextWriter stderr, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out LiveHost? host)
    {
        try
        {
            host = LiveHost.Open(paths);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"oomwarden snapshot: cannot read the host: {OsErrors.Describe(e)}");
            host = null;
            return false;
        }
    }
}
