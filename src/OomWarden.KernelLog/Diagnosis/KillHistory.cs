using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Diagnosis;

/// <summary>
/// Counts kills per (task name, memcg) across the events of one input, to spot restart loops: a kill only counts
/// as a repeat when the victim was not yet running at the previous kill (its pid was not in that task table),
/// i.e. it was started again afterwards. Bounded.
/// </summary>
public sealed class KillHistory
{
    private const int MaxKeys = 4096;
    private const int MaxPidsPerKey = 256;
    private readonly Dictionary<(string Comm, string Memcg), Entry> _kills = new();

    private sealed class Entry
    {
        public int Kills;
        public HashSet<long> PidsAtLastKill = new();
    }

    /// <summary>Records the event's kill; returns how many earlier kills of the same name in the same memcg preceded a restart.</summary>
    public int Record(OomReport r)
    {
        if (r.Killed is null || r.Killed.Comm.Length == 0) return 0;
        var key = (r.Killed.Comm, r.Memcg ?? r.TaskMemcg ?? "");
        if (!_kills.TryGetValue(key, out var e))
        {
            if (_kills.Count < MaxKeys)
            {
                e = new Entry { Kills = 1 };
                Fill(e.PidsAtLastKill, r);
                _kills[key] = e;
            }
            return 0;
        }
        // a victim that was already running at the previous kill is a second victim of one episode, not a restart
        bool wasRunning = e.PidsAtLastKill.Contains(r.Killed.Pid);
        int earlier = wasRunning ? e.Kills - 1 : e.Kills;
        if (!wasRunning) e.Kills++;
        e.PidsAtLastKill.Clear();
        Fill(e.PidsAtLastKill, r);
        return Math.Max(0, earlier);
    }

    private static void Fill(HashSet<long> pids, OomReport r)
    {
        foreach (var t in r.Tasks)
            if (t.Name == r.Killed!.Comm && pids.Count < MaxPidsPerKey) pids.Add(t.Pid);
        pids.Add(r.Killed!.Pid);
    }
}
