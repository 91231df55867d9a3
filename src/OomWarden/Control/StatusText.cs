using System.Globalization;
using System.Text.Json;
using OomWarden.Core.Model;

namespace OomWarden.Control;

/// <summary><c>oomwarden status</c> for people: the daemon's JSON reply rendered as text. Every string that comes
/// from a process or a cgroup (comm, path, reason) is escaped for the terminal.</summary>
public static class StatusText
{
    /// <summary>"oom_delay 3s (memory.oom_control): waiting 812 ms, the kernel's turn in 2188 ms; 1 episode(s), 0 handed to the kernel".</summary>
    internal static string OomDelayLine(JsonElement od)
    {
        string state = S(od, "state")!;
        string since = od.TryGetProperty("state_ms", out var ms) && ms.ValueKind == JsonValueKind.Number ? " " + Ms(ms.GetDouble()) : "";
        string deadline = od.TryGetProperty("deadline_in_ms", out var dl) && dl.ValueKind == JsonValueKind.Number
            ? $", the kernel's turn in {Ms(dl.GetDouble())}" : "";
        string delay = Configuration.Units.FormatDuration(TimeSpan.FromMilliseconds(Dbl(od, "delay_ms")));
        return $"oom_delay {delay} ({S(od, "mechanism")}): {state}{since}{deadline}; {Long(od, "episodes")} episode(s), {Long(od, "releases")} handed to the kernel";
    }

    public static void Write(JsonElement r, TextWriter o)
    {
        var self = r.GetProperty("self");
        var config = r.GetProperty("config");
        var poll = r.GetProperty("poll");
        string flags = (Bool(r, "dry_run") ? ", DRY RUN (no signal is sent)" : "") + (Bool(r, "paused") ? ", PAUSED (watching, not acting: oomwarden resume)" : "");
        o.WriteLine($"oomwarden {S(r, "version")}, pid {Long(r, "pid")}, up {Duration(Dbl(self, "uptime_seconds"))}{flags}");
        o.WriteLine($"config   {T(S(config, "path"))}{(S(config, "sha256") is { } sha ? $" (sha256 {sha[..Math.Min(16, sha.Length)]}…)" : "")}, loaded {S(config, "loaded_at")}, {Long(config, "reloads")} reload(s)");
        o.WriteLine($"poll     every {Ms(Dbl(poll, "interval_ms"))} now ({Ms(Dbl(poll, "min_interval_ms"))} … {Ms(Dbl(poll, "max_interval_ms"))}); PSI trigger {T(S(poll, "psi_trigger"))}");
        o.WriteLine($"daemon   RSS {B(Long(self, "rss_bytes"))}, CPU {Dbl(self, "cpu_seconds").ToString("0.00", CultureInfo.InvariantCulture)} s, {Long(self, "open_fds")} fds, {Long(self, "threads")} threads");
        o.WriteLine();

        var domains = r.GetProperty("domains");
        o.WriteLine($"domains ({domains.GetArrayLength()}):");
        foreach (var d in domains.EnumerateArray())
        {
            string level = S(d, "level")!.ToUpperInvariant() + (S(d, "warning") is { } w ? $", warning {w}" : "");
            string total = d.TryGetProperty("total_bytes", out var t) ? " of " + B(t.GetInt64()) : "";
            o.WriteLine($"  {T(S(d, "name"))}  [{level}]  available {B(Long(d, "available_bytes"))}{total}"
                + (d.TryGetProperty("swap_free_bytes", out var sf) ? $", SwapFree {B(sf.GetInt64())}" : "")
                + (Bool(d, "has_figures") ? "" : " (no reading yet)"));
            string term = d.TryGetProperty("term_bytes", out var tb) ? B(tb.GetInt64()) + " = " : "";
            string kill = d.TryGetProperty("kill_bytes", out var kb) ? B(kb.GetInt64()) + " = " : "";
            long distance = Long(d, "distance_to_term_bytes");
            o.WriteLine($"      term at {term}{S(d, "term_level")}; kill at {kill}{S(d, "kill_level")}; "
                + (distance > 0 ? $"{B(distance)} above term" : "at or below term")
                + $"; {Long(d, "kills")} kill(s)");
            if (d.TryGetProperty("oom_delay", out var od) && od.ValueKind == JsonValueKind.Object) o.WriteLine("      " + OomDelayLine(od));
            if (d.TryGetProperty("fill_rate_bytes_per_second", out var fill))
            {
                double rate = fill.GetDouble();
                string exhaustion = d.TryGetProperty("exhaustion_in_seconds", out var ex) && ex.ValueKind == JsonValueKind.Number
                    ? $"term level in {ex.GetDouble().ToString("0.0", CultureInfo.InvariantCulture)} s at this rate"
                    : "not filling";
                o.WriteLine($"      filling at {(rate > 0 ? B((long)rate) : "0 B")}/s (smoothed): {exhaustion}");
            }
            if (d.GetProperty("next_victim") is { ValueKind: JsonValueKind.Object } v)
            {
                string who = v.TryGetProperty("pid", out var pid) && pid.ValueKind == JsonValueKind.Number
                    ? $"pid {pid.GetInt32()} ({T(S(v, "comm"))}, {B(Long(v, "footprint_bytes"))}) in {T(S(v, "cgroup"))}, {S(v, "signal")}{(S(v, "kill") == "cgroup" ? ", kill = cgroup" : "")}, rule {T(S(v, "rule") ?? "?")}"
                    : "nothing to kill";
                o.WriteLine($"      next victim: {who} (decided {Ms(Dbl(v, "decided_ms_ago"))} ago)");
                o.WriteLine($"      why: {T(S(v, "why"))}");
            }
            else if (InFlightFor(r, S(d, "name")) is { } k)
                o.WriteLine($"      victim: pid {Long(k, "pid")} ({T(S(k, "comm"))}) in {T(S(k, "cgroup"))}, kill in flight ({S(k, "phase")}, {S(k, "signal")}): {T(S(k, "reason"))}");
            else o.WriteLine("      next victim: not prepared (chosen once the domain nears its term level)");
        }
        o.WriteLine();

        var inFlight = r.GetProperty("kills_in_flight");
        o.WriteLine(inFlight.GetArrayLength() == 0 ? "kills in flight: none" : "kills in flight:");
        foreach (var k in inFlight.EnumerateArray())
            o.WriteLine($"  {T(S(k, "domain"))}: pid {Long(k, "pid")} ({T(S(k, "comm"))}) {S(k, "phase")}, {S(k, "signal")}"
                + (k.TryGetProperty("signalled_ms_ago", out var ago) ? $" sent {Ms(ago.GetDouble())} ago" : ""));

        var recent = r.GetProperty("recent_kills");
        o.WriteLine(recent.GetArrayLength() == 0 ? "recent kills: none" : "recent kills (newest last):");
        foreach (var k in recent.EnumerateArray())
        {
            string victim = k.TryGetProperty("pid", out var pid) ? $"pid {pid.GetInt32()} ({T(S(k, "comm"))})" : $"cgroup {T(S(k, "cgroup"))}";
            string freed = k.GetProperty("freed_bytes") is { ValueKind: JsonValueKind.Number } f ? ", freed " + B(f.GetInt64()) : "";
            string exit = k.GetProperty("exit_ms") is { ValueKind: JsonValueKind.Number } e ? $", exited after {Ms(e.GetDouble())}" : "";
            o.WriteLine($"  {S(k, "time")}  {T(S(k, "domain"))}: {S(k, "signal")} {victim}: {S(k, "result")}{freed}{exit}, decision {Ms(Dbl(k, "decision_ms"))} [{S(k, "trigger")}]");
        }

        var counters = r.GetProperty("counters");
        o.WriteLine(counters.GetArrayLength() == 0 ? "counters: none yet" : "counters:");
        foreach (var c in counters.EnumerateArray())
        {
            var labels = new List<string>();
            foreach (var l in c.GetProperty("labels").EnumerateObject()) labels.Add($"{l.Name}={T(l.Value.GetString() ?? "")}");
            o.WriteLine($"  {S(c, "name")}{(labels.Count == 0 ? "" : "{" + string.Join(",", labels) + "}")} {Long(c, "value")}");
        }
    }

    private static JsonElement? InFlightFor(JsonElement r, string? domain)
    {
        foreach (var k in r.GetProperty("kills_in_flight").EnumerateArray())
            if (S(k, "domain") == domain) return k;
        return null;
    }

    private static string? S(JsonElement e, string name) => Commands.ControlCommands.Str(e, name);

    private static string T(string? s) => TextEscape.ForTerminal(s ?? "");

    private static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static long Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private static double Dbl(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;

    private static string B(long bytes) => SizeFormat.FormatBytes(bytes);

    private static string Ms(double ms) => ms >= 1000
        ? (ms / 1000).ToString(ms >= 10_000 ? "0" : "0.0", CultureInfo.InvariantCulture) + " s"
        : ms.ToString(ms >= 10 ? "0" : ms >= 1 ? "0.0" : "0.###", CultureInfo.InvariantCulture) + " ms";

    private static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalDays >= 1 ? $"{(int)t.TotalDays}d {t.Hours}h" : t.TotalHours >= 1 ? $"{(int)t.TotalHours}h {t.Minutes:00}m" : $"{t.Minutes}m {t.Seconds:00}s";
    }
}
