namespace OomWarden.Core.Model;

/// <summary>One cgroup of the memory hierarchy, with its children. Processes are fetched on demand
/// through <see cref="Decisions.IDomainView.ProcessesIn"/>, so a decision reads only the cgroups it descends into.</summary>
public sealed class CgroupNode
{
    public CgroupNode(string path, CgroupMemory memory, IReadOnlyList<CgroupNode> children)
    {
        Path = path;
        Memory = memory;
        Children = children;
    }

    /// <summary>As /proc/PID/cgroup shows it: "/" for the root, "/system.slice/ssh.service" below.</summary>
    public string Path { get; }

    public string Name => Path == "/" ? "/" : Path[(Path.LastIndexOf('/') + 1)..];

    public CgroupMemory Memory { get; }

    public IReadOnlyList<CgroupNode> Children { get; }

    public CgroupNode? Find(string path)
    {
        if (path == Path) return this;
        foreach (var child in Children)
        {
            if (path.StartsWith(child.Path, StringComparison.Ordinal)
                && (path.Length == child.Path.Length || path[child.Path.Length] == '/' || child.Path == "/"))
            {
                return child.Find(path);
            }
        }
        return null;
    }

    public IEnumerable<CgroupNode> DescendantsAndSelf()
    {
        yield return this;
        foreach (var child in Children)
            foreach (var node in child.DescendantsAndSelf())
                yield return node;
    }

    public override string ToString() => Path;
}
