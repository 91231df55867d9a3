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

          -o, --output FILE  where to write the snapshot ("-" for stdout); written to FILE.tmp, then renamed
          --domain PATH      record only this memory cgroup's subtree (default: the whole system)
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var live = new LiveOptions();
        string? output = null;
        var reader = new ArgReader(args);
        while (reader.NextOption() is { } opt)
        {
            if (live.TryTake(opt, reader, stderr, out bool failed))
            {
                if (failed) return ExitCodes.Usage;
                continue;
            }
            switch (opt)
            {
                case "-o" or "--output": output = reader.Value(opt, stderr); if (output is null) return ExitCodes.Usage; break;
                case "-h" or "--help": stdout.WriteLine(Usage); return ExitCodes.Ok;
                default: stderr.WriteLine($"snapshot: unknown option {opt}"); stderr.WriteLine(Usage); return ExitCodes.Usage;
            }
        }
        if (output is null || reader.Positionals.Count > 0)
        {
            stderr.WriteLine(output is null ? "snapshot: -o FILE is required" : $"snapshot: unexpected argument '{reader.Positionals[0]}'");
            stderr.WriteLine(Usage);
            return ExitCodes.Usage;
        }

        var paths = live.Paths;
        using var host = LiveHost.Open(paths);
        using var meminfo = new MeminfoReader(paths);
        meminfo.TryRead(out var mem);
        var domain = live.Domain;
        var view = host.OpenDomain(domain);
        if (domain.Kind == Core.Model.DomainKind.Cgroup && view.DomainTotalBytes == 0)
        {
            stderr.WriteLine($"snapshot: {domain.CgroupPath}: no such memory cgroup with a limit");
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
        string tmp = output + ".tmp";
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
            {
                SnapshotWriter.Write(doc, fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, output, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"snapshot: cannot write {output}: {e.Message}");
            try { File.Delete(tmp); } catch (IOException) { }
            return ExitCodes.CantCreate;
        }
        int processes = doc.Cgroups.Sum(c => c.Processes.Count);
        stderr.WriteLine($"snapshot: {output}: {doc.Cgroups.Count} cgroups, {processes} processes, domain {domain}");
        return ExitCodes.Ok;
    }
}
