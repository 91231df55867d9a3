using System.Globalization;
using OomWarden.Core.Model;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Readers;

/// <summary>Every NUMA node's meminfo, each opened once and re-read at offset 0 (0 bytes per read once warm).
/// A machine without /sys/devices/system/node, or with one node, has <see cref="Count"/> ≤ 1.</summary>
public sealed class NodeMemoryReader : IDisposable
{
    private readonly KernelFile[] files;
    private readonly int[] nodes;
    private byte[] buffer = new byte[8192];

    public NodeMemoryReader(HostPaths paths)
    {
        // Parallel lists rather than (node, file) tuples: a value-type element compiles a list and a sort of its own.
        var found = new List<int>();
        var opened = new List<KernelFile>();
        string dir = paths.Sys("devices/system/node");
        if (Directory.Exists(dir))
        {
            foreach (var d in Directory.EnumerateDirectories(dir, "node*"))
            {
                string name = Path.GetFileName(d);
                if (!int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int node)) continue;
                if (KernelFile.TryOpen(Path.Combine(d, "meminfo"), out _) is { } f)
                {
                    found.Add(node);
                    opened.Add(f);
                }
            }
        }
        var order = new int[found.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => found[a].CompareTo(found[b]));
        nodes = new int[order.Length];
        files = new KernelFile[order.Length];
        for (int i = 0; i < order.Length; i++)
        {
            nodes[i] = found[order[i]];
            files[i] = opened[order[i]];
        }
    }

    public int Count => files.Length;

    public int NodeAt(int index) => nodes[index];

    /// <summary>Why the last <see cref="TryRead"/> failed (read error, truncation, malformed file); null after a success.</summary>
    public string? LastError { get; private set; }

    public bool TryRead(int index, out NodeMemory memory)
    {
        memory = default;
        var file = files[index];
        int n = file.Read(ref buffer, out bool truncated);
        if (n < 0)
        {
            LastError = file.DescribeError(-n);
            return false;
        }
        if (truncated)
        {
            LastError = file.TruncatedMessage;
            return false;
        }
        if (!NodeMeminfoParser.TryParse(buffer.AsSpan(0, n), nodes[index], out memory))
        {
            LastError = file.Path + ": malformed";
            return false;
        }
        LastError = null;
        return true;
    }

    public void Dispose()
    {
        foreach (var f in files) f.Dispose();
    }
}
