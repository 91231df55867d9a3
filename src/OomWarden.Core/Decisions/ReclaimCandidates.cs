using OomWarden.Core.Model;
using OomWarden.Core.Policy;

namespace OomWarden.Core.Decisions;

/// <summary>A cgroup the policy lets oomwarden reclaim from (<c>reclaim = true</c>), with its rank.</summary>
/// <param name="UsageBytes">memory.current when the domain was read: a step asks for no more than this.</param>
public readonly record struct ReclaimCandidate(string CgroupPath, int Priority, long UsageBytes, string RuleName);

/// <summary>The cgroups of a domain that may be reclaimed from, in the victim walk's order: at each level the
/// children by priority ascending, then working set descending, then path; a cgroup's subtree comes before the
/// cgroup itself (its lowest-priority descendants are reclaimed from first, the cgroup as a whole after them).
/// Pure: the tree and the policy go in.</summary>
/// <remarks>Protection does not bar reclaim: <c>protect</c> is about kills, and reclaim takes only what the kernel
/// itself would reclaim under pressure; a cgroup is reclaimed from only where a rule says so.</remarks>
public static class ReclaimCandidates
{
    public static List<ReclaimCandidate> Rank(CgroupNode root, CompiledPolicy policy)
    {
        var into = new List<ReclaimCandidate>();
        if (!policy.AnyReclaim) return into;
        // Iterative post-order walk (a hand-made tree may be deep): (node, children sorted, next child index).
        var stack = new Stack<(CgroupNode Node, CgroupNode[] Children, int Next)>();
        stack.Push((root, Sorted(root, policy), 0));
        while (stack.Count > 0)
        {
            var (node, children, next) = stack.Pop();
            if (next < children.Length)
            {
                stack.Push((node, children, next + 1));
                var child = children[next];
                stack.Push((child, Sorted(child, policy), 0));
                continue;
            }
            if (!policy.ReclaimFor(node.Path)) continue;
            var verdict = policy.Evaluate(node);
            into.Add(new ReclaimCandidate(node.Path, verdict.Priority, node.Memory.UsageBytes, verdict.RuleName));
        }
        return into;
    }

    private static CgroupNode[] Sorted(CgroupNode node, CompiledPolicy policy)
    {
        if (node.Children.Count == 0) return [];
        // Parallel arrays rather than (node, priority) tuples: a value-type element would compile its own sort.
        var children = node.Children;
        var priorities = new int[children.Count];
        var order = new int[children.Count];
        for (int i = 0; i < order.Length; i++)
        {
            priorities[i] = policy.Evaluate(children[i]).Priority;
            order[i] = i;
        }
        Array.Sort(order, (x, y) =>
        {
            int c = priorities[x].CompareTo(priorities[y]);
            if (c != 0) return c;
            CgroupNode a = children[x], b = children[y];
            c = b.Memory.WorkingSetBytes.CompareTo(a.Memory.WorkingSetBytes);
            return c != 0 ? c : string.CompareOrdinal(a.Path, b.Path);
        });
        var sorted = new CgroupNode[order.Length];
        for (int i = 0; i < order.Length; i++) sorted[i] = children[order[i]];
        return sorted;
    }
}
