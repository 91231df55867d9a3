using System.Buffers;
using System.Globalization;
using System.Text.Json;
using OomWarden.Core.Engine;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;
using OomWarden.KernelLog.Model;

namespace OomWarden.KernelLog.Diagnosis;

/// <summary>analyze's restart-loop section: the daemon's <see cref="RestartLoopDetector"/> run over the reports of one
/// input, on the kernel's clock (uptime; a later boot is placed after the earlier one). A unit, cgroup or executable
/// flagged there is listed with every kill of it in the input. Bounded like the detector.</summary>
public sealed class RestartLoops
{
    private const int MaxKillsKept = 64;
    private readonly UptimeClock _clock = new();
    private readonly RestartLoopDetector _detector;
    private readonly Dictionary<(string Kind, string Name), Entry> _entries = new();
    private readonly List<Entry> _flagged = [];
    private double _lastUptime = double.NegativeInfinity, _offset;

    public RestartLoops(RestartLoopSettings? settings = null)
    {
        Settings = settings ?? new RestartLoopSettings();
        _detector = new RestartLoopDetector(Settings, _clock);
    }

    public RestartLoopSettings Settings { get; }

    public sealed class Entry(string key, string name, string? unit)
    {
        public string Key { get; } = key;
        public string Name { get; } = name;
        public string? Unit { get; } = unit;
        public int Kills { get; internal set; }
        public int MostInWindow { get; internal set; }
        public List<(long Pid, string Comm, double? Uptime, int Index)> Victims { get; } = [];
    }

    /// <summary>Loops found so far, in the order they were recognised.</summary>
    public IReadOnlyList<Entry> Flagged => _flagged;

    /// <summary>Records one report; the loop when its kill makes one (or continues it).</summary>
    public RestartLoop? Add(OomReport r)
    {
        if (r.Killed is null) return null;
        if (r.UptimeSeconds is double up)
        {
            if (up < _lastUptime) _offset += _lastUptime + Settings.Within.TotalSeconds * 2; // another boot
            _lastUptime = up;
            _clock.Seconds = _offset + up;
        }
        var subject = new KillSubject(r.OomGroupMemcg ?? r.TaskMemcg ?? r.Memcg, null, null, r.Killed.Comm);
        var loop = _detector.Record(subject, byKernel: true);
        // RestartLoopDetector.Keys(subject) written out (no iterator, no unit name made unless an entry is new): the
        // subject has no executable, so its keys are the unit's cgroup and the cgroup (RestartLoopsTests compares them)
        string? cgroup = string.IsNullOrEmpty(subject.CgroupPath) || subject.CgroupPath == "/" ? null : subject.CgroupPath;
        string? unitPath = cgroup is null ? null : RestartLoopDetector.UnitCgroup(cgroup);
        if (unitPath is not null) Count(r, loop, "unit", unitPath, unitPath);
        if (cgroup is not null && cgroup != unitPath) Count(r, loop, "cgroup", cgroup, unitPath);
        return loop;
    }

    private void Count(OomReport r, RestartLoop? loop, string kind, string name, string? unitPath)
    {
        var id = (kind, name);
        if (!_entries.TryGetValue(id, out var e))
        {
            if (_entries.Count >= RestartLoopDetector.MaxKeys) return;
            _entries[id] = e = new Entry(kind, name, unitPath is null ? null : unitPath[(unitPath.LastIndexOf('/') + 1)..]);
        }
        e.Kills++;
        if (e.Victims.Count < MaxKillsKept) e.Victims.Add((r.Killed!.Pid, r.Killed.Comm, r.UptimeSeconds, r.Index));
        if (loop is not null && loop.Key == kind && loop.Name == name)
        {
            if (e.MostInWindow == 0) _flagged.Add(e);
            e.MostInWindow = Math.Max(e.MostInWindow, loop.Kills);
        }
    }

    public void WriteText(TextWriter o)
    {
        if (_flagged.Count == 0) return;
        o.WriteLine($"restart loops ({Settings.Kills} or more kills of one unit, cgroup or executable within {Within()}):");
        foreach (var e in _flagged)
        {
            string what = e.Key switch { "unit" => $"unit {e.Unit} (cgroup {e.Name})", "cgroup" => $"cgroup {e.Name}", _ => $"executable {e.Name}" };
            var times = e.Victims.Where(v => v.Uptime is not null).Select(v => v.Uptime!.Value).ToList();
            string span = times.Count >= 2 ? $" between {times.Min():0.#} s and {times.Max():0.#} s of uptime" : "";
            string pids = string.Join(", ", e.Victims.Select(v => $"{v.Pid} ({v.Comm})"));
            string restarter = e.Unit is null ? "no systemd unit in its cgroup path" : $"restarted by systemd unit {e.Unit}";
            o.WriteLine(TextEscape.ForTerminal($"  {what}: {e.Kills} kills{span}, at most {e.MostInWindow} within {Within()}; pids {pids}; {restarter}"));
        }
        o.WriteLine();
    }

    /// <summary>One JSON line: <c>{"restart_loops":[{"key":"unit","name":...,"unit":...,"kills":N,"loop_kills":M,...}]}</c>.</summary>
    public byte[] JsonLine()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("restart_loops"u8);
            foreach (var e in _flagged)
            {
                w.WriteStartObject();
                w.WriteString("key"u8, e.Key);
                w.WriteString("name"u8, e.Name);
                if (e.Unit is null) w.WriteNull("unit"u8); else w.WriteString("unit"u8, e.Unit);
                w.WriteNumber("kills"u8, e.Kills);
                w.WriteNumber("loop_kills"u8, e.MostInWindow);
                w.WriteNumber("within_s"u8, Settings.Within.TotalSeconds);
                w.WriteStartArray("victims"u8);
                foreach (var v in e.Victims)
                {
                    w.WriteStartObject();
                    w.WriteNumber("index"u8, v.Index);
                    w.WriteNumber("pid"u8, v.Pid);
                    w.WriteString("comm"u8, v.Comm);
                    if (v.Uptime is double up) w.WriteNumber("uptime_s"u8, up); else w.WriteNull("uptime_s"u8);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private string Within() => Settings.Within.TotalMinutes >= 1 && Settings.Within.TotalMinutes == Math.Floor(Settings.Within.TotalMinutes)
        ? Settings.Within.TotalMinutes.ToString("0", CultureInfo.InvariantCulture) + " min"
        : Settings.Within.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";

    /// <summary>The kernel's uptime as the detector's clock.</summary>
    private sealed class UptimeClock : TimeProvider
    {
        public double Seconds { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => (long)(Seconds * TimeSpan.TicksPerSecond);
    }
}
