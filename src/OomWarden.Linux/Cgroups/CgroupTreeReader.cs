using OomWarden.Core.Model;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux.Cgroups;

/// <summary>Builds the <see cref="CgroupNode"/> tree of the memory hierarchy (the v1 memory mount or the cgroup2
/// mount), reading each cgroup's <see cref="CgroupMemory"/>. Cgroups removed during the walk are left out.
/// When no memory controller is mounted, the tree is a lone "/" whose processes are all of ProcRoot.</summary>
public sealed class CgroupTreeReader
{
    private readonly HostPaths paths;
    private ProcessScanner? scanner;
    private byte[] buffer = new byte[4096];

    public CgroupTreeReader(HostPaths paths, CgroupLayout layout)
    {
        this.paths = paths;
        Layout = layout;
    }

    private static readonly CgroupMemory UnknownRoot = new(0, CgroupMemory.Unlimited, CgroupMemory.Unlimited, 0, 0);

    public CgroupLayout Layout { get; }

    public bool HasMemoryController => Layout.MemoryVersion != CgroupVersion.None;

    /// <summary>The directory of memory cgroup <paramref name="cgroupPath"/>; null without a memory controller.</summary>
    public string? DirectoryOf(string cgroupPath) => Layout.MemoryCgroupDirectory(paths, cgroupPath);

    /// <summary>The subtree rooted at <paramref name="rootPath"/>; null when that cgroup does not exist (or was removed).</summary>
    public CgroupNode? ReadTree(string rootPath = "/")
    {
        rootPath = Normalize(rootPath);
        if (!HasMemoryController)
            return rootPath == "/" ? new CgroupNode("/", UnknownRoot, []) : null;
        var directory = DirectoryOf(rootPath);
        return directory is null ? null : ReadNode(rootPath, directory);
    }

    /// <summary>Every cgroup of the hierarchy with a limit (memory.max / memory.limit_in_bytes below unlimited),
    /// parents before children: the cgroups the daemon watches for a memcg shortage.</summary>
    public IReadOnlyList<CgroupNode> ListLimitedCgroups()
    {
        var tree = ReadTree("/");
        if (tree is null) return [];
        return tree.DescendantsAndSelf().Where(n => n.Memory.HasLimit).ToList();
    }

    /// <summary>Reads one cgroup's memory figures (opening and closing its files; for repeated reads keep a
    /// <see cref="CgroupMemoryReader"/>).</summary>
    public bool TryReadMemory(string cgroupPath, out CgroupMemory memory)
    {
        memory = default;
        var directory = HasMemoryController ? DirectoryOf(Normalize(cgroupPath)) : null;
        return directory is not null && TryReadMemoryAt(directory, out memory);
    }

    /// <summary>Appends the pids attached directly to <paramref name="cgroupPath"/> (cgroup.procs; v1 falls back to
    /// tasks) to <paramref name="pids"/>. False when the cgroup is gone. Without a memory controller, "/" lists ProcRoot.</summary>
    public bool TryReadPids(string cgroupPath, List<int> pids)
    {
        cgroupPath = Normalize(cgroupPath);
        if (!HasMemoryController)
        {
            if (cgroupPath != "/") return false;
            scanner ??= new ProcessScanner(paths);
            if (scanner.Scan() < 0) return false;
            foreach (int pid in scanner.Pids) pids.Add(pid);
            return true;
        }
        var directory = DirectoryOf(cgroupPath);
        if (directory is null) return false;
        string file = directory + "/cgroup.procs";
        int n = NativeRead.ReadFile(file, ref buffer, NativeRead.MaxBytes, out bool truncated);
        if (n < 0 && Layout.MemoryVersion == CgroupVersion.V1 && -n == Errno.ENOENT)
        {
            file = directory + "/tasks";
            n = NativeRead.ReadFile(file, ref buffer, NativeRead.MaxBytes, out truncated);
        }
        if (n < 0)
        {
            if (!Errno.MeansGone(-n)) LastError = Errno.Describe(-n, "read", file);
            return false;
        }
        // A list cut at the cap still names real members: use them, and say that more exist.
        int end = truncated ? buffer.AsSpan(0, n).LastIndexOf((byte)'\n') + 1 : n;
        if (!PidListParser.TryParse(buffer.AsSpan(0, end), pids))
        {
            LastError = file + ": malformed";
            return false;
        }
        if (truncated)
        {
            TruncatedReads++;
            LastError = NativeRead.TruncatedMessage(file, NativeRead.MaxBytes);
        }
        else
        {
            LastError = null;
        }
        return true;
    }

    /// <summary>Why the last <see cref="TryReadPids"/> failed or was incomplete (read error other than the cgroup's
    /// removal, malformed list, list longer than the cap); null after a complete read.</summary>
    public string? LastError { get; private set; }

    /// <summary>Pid lists cut at the cap so far (each also sets <see cref="LastError"/>).</summary>
    public long TruncatedReads { get; private set; }

    /// <summary>As <see cref="TryReadPids"/>; empty when the cgroup is gone.</summary>
    public IReadOnlyList<int> ReadPids(string cgroupPath)
    {
        var pids = new List<int>();
        TryReadPids(cgroupPath, pids);
        return pids;
    }

    private CgroupNode? ReadNode(string cgroupPath, string directory)
    {
        if (!TryReadMemoryAt(directory, out var memory))
        {
            // The hierarchy root is never removed; a v2 root before 5.x has no memory files at all.
            if (cgroupPath != "/" || !Directory.Exists(directory)) return null;
            memory = UnknownRoot;
        }
        var children = new List<CgroupNode>();
        foreach (var childDirectory in ChildDirectories(directory))
        {
            string name = Path.GetFileName(childDirectory);
            string childPath = cgroupPath == "/" ? "/" + name : cgroupPath + "/" + name;
            var child = ReadNode(childPath, childDirectory);
            if (child is not null) children.Add(child);
        }
        return new CgroupNode(cgroupPath, memory, children);
    }

    private bool TryReadMemoryAt(string directory, out CgroupMemory memory)
    {
        memory = default;
        if (!CgroupMemoryReader.TryOpen(directory, Layout.MemoryVersion, out var reader)) return false;
        using (reader)
            return reader.TryRead(out memory);
    }

    private static string[] ChildDirectories(string directory)
    {
        try
        {
            var children = Directory.GetDirectories(directory);
            Array.Sort(children, StringComparer.Ordinal);
            return children;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return []; // removed while we walked
        }
    }

    private static string Normalize(string cgroupPath) =>
        cgroupPath.Length == 0 ? "/" : cgroupPath.Length > 1 ? "/" + cgroupPath.Trim('/') : cgroupPath;
}
