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

    /// <summary>The node at <paramref name="path"/> in this subtree, or null. Iterative: a tree thousands of levels
    /// deep (a hand-made snapshot) cannot overflow the stack.</summary>
    public CgroupNode? Find(string path)
    {
        var node = this;
        while (true)
        {
            if (path == node.Path) return node;
            CgroupNode? next = null;
            foreach (var child in node.Children)
            {
                if (path.StartsWith(child.Path, StringComparison.Ordinal)
                    && (path.Length == child.Path.Length || path[child.Path.Length] == '/' || child.Path == "/"))
                {
                    next = child;
                    break;
                }
            }
            if (next is null) return null;
            node = next;
        }
    }

    /// <summary>This node, then its subtree depth-first, children in order. Iterative (an explicit stack), so any
    /// depth is fine and each node costs O(1).</summary>
    public IEnumerable<CgroupNode> DescendantsAndSelf()
    {
        var pending = new Stack<CgroupNode>();
        pending.Push(this);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            yield return node;
            for (int i = node.Children.Count - 1; i >= 0; i--) pending.Push(node.Children[i]);
        }
    }

    public override string ToString() => Path;
}
