using System.Text;

namespace OomWarden.Linux.Parsing;

/// <summary>/proc/PID/cgroup: lines "hierarchy-ID:controller-list:path".</summary>
/// <remarks>v2 is "0::/path"; v1 lines list controllers ("4:memory:/a", "3:cpu,cpuacct:/", "9:name=systemd:/").
/// A path may contain ':' (only the first two colons split). Paths may end in " (deleted)" for a removed
/// cgroup; that suffix is kept, as the kernel writes it.</remarks>
public static class ProcCgroupParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out ProcCgroup cgroup)
    {
        string? unified = null, memory = null, systemd = null;
        bool any = false;
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            if (line.IsEmpty) continue;
            if (!TrySplit(line, out var id, out var controllers, out var path))
            {
                cgroup = new ProcCgroup(null, null, null);
                return false;
            }
            any = true;
            if (id.SequenceEqual("0"u8) && controllers.IsEmpty) unified = Encoding.UTF8.GetString(path);
            else if (ListContains(controllers, "memory"u8)) memory = Encoding.UTF8.GetString(path);
            else if (ListContains(controllers, "name=systemd"u8)) systemd = Encoding.UTF8.GetString(path);
        }

        cgroup = new ProcCgroup(unified, memory, systemd);
        return any;
    }

    /// <summary>Finds the memory-hierarchy path without allocating: the "memory" line on v1, the "0::" line on v2.</summary>
    public static bool TryFindMemoryPath(ReadOnlySpan<byte> text, CgroupVersion memoryOn, out ReadOnlySpan<byte> path)
    {
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            if (!TrySplit(line, out var id, out var controllers, out var p)) continue;
            bool match = memoryOn == CgroupVersion.V1
                ? ListContains(controllers, "memory"u8)
                : id.SequenceEqual("0"u8) && controllers.IsEmpty;
            if (match)
            {
                path = p;
                return true;
            }
        }
        path = default;
        return false;
    }

    private static bool TrySplit(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> id, out ReadOnlySpan<byte> controllers,
        out ReadOnlySpan<byte> path)
    {
        id = controllers = path = default;
        int first = line.IndexOf((byte)':');
        if (first <= 0) return false;
        int second = line[(first + 1)..].IndexOf((byte)':');
        if (second < 0) return false;
        second += first + 1;
        id = line[..first];
        controllers = line[(first + 1)..second];
        path = line[(second + 1)..];
        return path.Length > 0;
    }

    /// <summary>Whether the comma-separated <paramref name="list"/> holds <paramref name="item"/>.</summary>
    internal static bool ListContains(ReadOnlySpan<byte> list, ReadOnlySpan<byte> item)
    {
        while (!list.IsEmpty)
        {
            int comma = list.IndexOf((byte)',');
            var entry = comma < 0 ? list : list[..comma];
            if (entry.SequenceEqual(item)) return true;
            list = comma < 0 ? default : list[(comma + 1)..];
        }
        return false;
    }
}
