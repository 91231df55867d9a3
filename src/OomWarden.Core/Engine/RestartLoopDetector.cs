using OomWarden.Core.Model;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Engine;

/// <summary>What a kill struck, for restart-loop keys: the victim's cgroup (its systemd unit is the last
/// <c>.service</c>/<c>.scope</c> component) and, when known, its executable and command line.</summary>
public readonly record struct KillSubject(string? CgroupPath, string? ExePath, string? CommandLine, string? Comm);

/// <summary>How a restart loop was recognised: <see cref="Key"/> is <c>unit</c>, <c>cgroup</c> or <c>exe</c>;
/// <see cref="Name"/> the unit's cgroup, the cgroup, or the executable and command line.</summary>
public sealed record RestartLoop(string Key, string Name, string? Unit, string? CgroupPath, int Kills, TimeSpan Within,
    int ByKernel, int ByOomwarden, bool New)
{
    /// <summary>"what restarts it": the unit (systemd restarts a service per its Restart=; a scope's owner re-creates it).</summary>
    public string Restarter => Unit is null
        ? "no systemd unit in its cgroup path: whatever starts it again (a supervisor, a shell loop, cron)"
        : $"systemd unit {Unit}";

    public string Describe() => Key switch
    {
        "unit" => $"unit {Unit} (cgroup {Name})",
        "cgroup" => $"cgroup {Name}",
        _ => $"executable {Name}",
    };
}

/// <summary>Counts kills per unit, cgroup and executable + command line in a sliding window; the kill that brings a
/// key to <see cref="RestartLoopSettings.Kills"/> within <see cref="RestartLoopSettings.Within"/> is flagged, and so is
/// every further kill while the window still holds that many. Also the daemon's <see cref="IPriorityOverride"/> for
/// <c>restart_loop_priority</c>. Thread-safe (the loop and the kernel-log thread both record). Bounded: at most
/// <see cref="MaxKeys"/> keys, each holding at most <see cref="RestartLoopSettings.Kills"/> times.</summary>
public sealed class RestartLoopDetector : IPriorityOverride
{
    public const int MaxKeys = 4096;

    private readonly RestartLoopSettings _settings;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Entry> _keys = new(StringComparer.Ordinal);
    private long _loops;

    private sealed class Entry(string kind, string name, string? unit, string? cgroup)
    {
        public readonly string Kind = kind, Name = name;
        public readonly string? Unit = unit, Cgroup = cgroup;
        public readonly Queue<(long At, bool ByKernel)> Kills = new();
        public bool Looping;
    }

    public RestartLoopDetector(RestartLoopSettings settings, TimeProvider time)
    {
        _settings = settings;
        _time = time;
    }

    public RestartLoopSettings Settings => _settings;

    /// <summary>Restart loops recognised so far (a key reaching the count; again after it fell below).</summary>
    public long Loops => Interlocked.Read(ref _loops);

    /// <summary>Records one kill (a kernel report or an oomwarden kill counts once, however many tasks it took);
    /// the loop when this kill is one, else null.</summary>
    public RestartLoop? Record(KillSubject subject, bool byKernel)
    {
        if (!_settings.Enabled) return null;
        long now = _time.GetTimestamp();
        RestartLoop? found = null;
        lock (_keys)
        {
            foreach (var (kind, name, unit, cgroup) in Keys(subject))
            {
                string id = kind + "\0" + name;
                if (!_keys.TryGetValue(id, out var e))
                {
                    if (_keys.Count >= MaxKeys) Prune(now);
                    if (_keys.Count >= MaxKeys) continue;
                    e = new Entry(kind, name, unit, cgroup);
                    _keys[id] = e;
                }
                Expire(e, now);
                e.Kills.Enqueue((now, byKernel));
                while (e.Kills.Count > Math.Max(_settings.Kills, 1) * 4) e.Kills.Dequeue();
                if (e.Kills.Count < _settings.Kills)
                {
                    e.Looping = false;
                    continue;
                }
                bool isNew = !e.Looping;
                e.Looping = true;
                if (found is not null) continue; // the first key (unit, then cgroup, then executable) names it
                if (isNew) Interlocked.Increment(ref _loops);
                int byK = 0;
                foreach (var k in e.Kills) if (k.ByKernel) byK++;
                found = new RestartLoop(e.Kind, e.Name, e.Unit, e.Cgroup, e.Kills.Count, _settings.Within, byK, e.Kills.Count - byK, isNew);
            }
        }
        return found;
    }

    /// <summary>The keys of one kill, strongest first: its unit's cgroup (up to the last .service/.scope component),
    /// its cgroup (when it is not the unit's own or the root), its executable and command line (when known).</summary>
    public static IEnumerable<(string Kind, string Name, string? Unit, string? Cgroup)> Keys(KillSubject s)
    {
        string? cgroup = string.IsNullOrEmpty(s.CgroupPath) || s.CgroupPath == "/" ? null : s.CgroupPath;
        string? unitPath = cgroup is null ? null : UnitCgroup(cgroup);
        string? unit = unitPath is null ? null : unitPath[(unitPath.LastIndexOf('/') + 1)..];
        if (unitPath is not null) yield return ("unit", unitPath, unit, cgroup);
        if (cgroup is not null && cgroup != unitPath) yield return ("cgroup", cgroup, unit, cgroup);
        if (!string.IsNullOrEmpty(s.ExePath))
            yield return ("exe", string.IsNullOrEmpty(s.CommandLine) ? s.ExePath : s.ExePath + " " + s.CommandLine, unit, cgroup);
    }

    /// <summary>The cgroup path up to and including its last <c>.service</c> or <c>.scope</c> component, or null.</summary>
    public static string? UnitCgroup(string cgroupPath)
    {
        int end = cgroupPath.Length;
        while (end > 0)
        {
            int slash = cgroupPath.LastIndexOf('/', end - 1);
            var component = cgroupPath.AsSpan(slash + 1, end - slash - 1);
            if ((component.EndsWith(".service", StringComparison.Ordinal) && component.Length > 8)
                || (component.EndsWith(".scope", StringComparison.Ordinal) && component.Length > 6))
                return cgroupPath[..end];
            if (slash < 0) break;
            end = slash;
        }
        return null;
    }

    public bool TryCgroupPriority(string cgroupPath, out int priority)
    {
        priority = 0;
        if (_settings.Priority is not int p || cgroupPath.Length == 0 || cgroupPath == "/") return false;
        long now = _time.GetTimestamp();
        lock (_keys)
        {
            foreach (var e in _keys.Values)
            {
                if (e.Kind == "exe" || !e.Looping || !StillLooping(e, now)) continue;
                // the looping cgroup and every cgroup above it: the walk must come down to it first
                if (e.Name == cgroupPath || (e.Name.Length > cgroupPath.Length && e.Name.StartsWith(cgroupPath, StringComparison.Ordinal) && e.Name[cgroupPath.Length] == '/'))
                {
                    priority = p;
                    return true;
                }
            }
        }
        return false;
    }

    public bool TryProcessPriority(ProcessSample process, out int priority)
    {
        priority = 0;
        if (_settings.Priority is not int p || string.IsNullOrEmpty(process.ExePath)) return false;
        string name = string.IsNullOrEmpty(process.CommandLine) ? process.ExePath : process.ExePath + " " + process.CommandLine;
        long now = _time.GetTimestamp();
        lock (_keys)
        {
            if (_keys.TryGetValue("exe\0" + name, out var e) && e.Looping && StillLooping(e, now))
            {
                priority = p;
                return true;
            }
        }
        return false;
    }

    /// <summary>The loops whose window still holds enough kills now (for status and the stop line).</summary>
    public List<RestartLoop> Current()
    {
        long now = _time.GetTimestamp();
        var list = new List<RestartLoop>();
        lock (_keys)
        {
            foreach (var e in _keys.Values)
            {
                if (!e.Looping || !StillLooping(e, now)) continue;
                int byK = 0;
                foreach (var k in e.Kills) if (k.ByKernel) byK++;
                list.Add(new RestartLoop(e.Kind, e.Name, e.Unit, e.Cgroup, e.Kills.Count, _settings.Within, byK, e.Kills.Count - byK, false));
            }
        }
        return list;
    }

    private bool StillLooping(Entry e, long now)
    {
        Expire(e, now);
        if (e.Kills.Count >= _settings.Kills) return true;
        e.Looping = false;
        return false;
    }

    private void Expire(Entry e, long now)
    {
        while (e.Kills.Count > 0 && _time.GetElapsedTime(e.Kills.Peek().At, now) > _settings.Within) e.Kills.Dequeue();
    }

    private void Prune(long now)
    {
        List<string>? empty = null;
        foreach (var (id, e) in _keys)
        {
            Expire(e, now);
            if (e.Kills.Count == 0) (empty ??= []).Add(id);
        }
        if (empty is not null) foreach (var id in empty) _keys.Remove(id);
    }
}
