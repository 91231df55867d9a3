using System.Diagnostics;
using System.Globalization;

namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>A throw-away cgroup v1 memory cgroup with a limit, on this host. Dispose SIGKILLs every
/// process still inside (by pid, from cgroup.procs) and removes the directory, even after a failure.</summary>
public sealed class V1MemoryCgroup : IDisposable
{
    public const string MemoryMount = "/sys/fs/cgroup/memory";

    private readonly List<Process> _started = [];

    private V1MemoryCgroup(string name, string directory)
    {
        Name = name;
        Directory = directory;
    }

    /// <summary>The cgroup path as /proc/PID/cgroup shows it ("/oomwarden-it-...").</summary>
    public string Path => "/" + Name;

    public string Name { get; }

    public string Directory { get; }

    /// <summary>Skips with the reason when this host has no v1 memory controller or we are not root.</summary>
    public static void Require()
    {
        if (!Sh.IsRoot) Assert.Skip("needs root to create memory cgroups");
        if (!File.Exists(System.IO.Path.Combine(MemoryMount, "memory.limit_in_bytes")))
            Assert.Skip($"no cgroup v1 memory controller at {MemoryMount}");
    }

    public static V1MemoryCgroup Create(string prefix, long limitBytes, string? parent = null)
    {
        Require();
        string name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        if (parent is not null) name = parent.TrimStart('/') + "/" + name;
        string dir = System.IO.Path.Combine(MemoryMount, name);
        System.IO.Directory.CreateDirectory(dir);
        var cg = new V1MemoryCgroup(name, dir);
        if (limitBytes > 0) cg.Write("memory.limit_in_bytes", limitBytes.ToString(CultureInfo.InvariantCulture));
        if (parent is null) cg.Write("memory.use_hierarchy", "1");
        return cg;
    }

    public void Write(string file, string value) => File.WriteAllText(System.IO.Path.Combine(Directory, file), value);

    public string Read(string file) => File.ReadAllText(System.IO.Path.Combine(Directory, file));

    /// <summary>oom_kill from memory.oom_control: kills the kernel made in this cgroup.</summary>
    public long KernelOomKills()
    {
        foreach (var line in Read("memory.oom_control").Split('\n'))
            if (line.StartsWith("oom_kill ", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(9), CultureInfo.InvariantCulture);
        return -1;
    }

    public IReadOnlyList<int> Pids() => Read("cgroup.procs")
        .Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();

    /// <summary>Starts <paramref name="file"/> inside this cgroup (the shell moves itself in, then execs).</summary>
    public Process Start(string file, params string[] args)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("echo $$ > \"$0\" && exec \"$@\"");
        psi.ArgumentList.Add(System.IO.Path.Combine(Directory, "cgroup.procs"));
        psi.ArgumentList.Add(file);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _started.Add(p);
        return p;
    }

    public void Dispose()
    {
        for (int round = 0; round < 50; round++)
        {
            IReadOnlyList<int> pids;
            try { pids = Pids(); }
            catch (IOException) { break; }
            if (pids.Count == 0) break;
            foreach (int pid in pids) Signals.Send(pid, 9);
            Thread.Sleep(20);
        }
        foreach (var p in _started)
        {
            try { if (!p.HasExited) p.Kill(); } catch (InvalidOperationException) { }
            p.Dispose();
        }
        for (int i = 0; i < 50; i++)
        {
            try
            {
                System.IO.Directory.Delete(Directory);
                return;
            }
            catch (IOException) { Thread.Sleep(50); }
            catch (UnauthorizedAccessException) { Thread.Sleep(50); }
        }
    }
}
