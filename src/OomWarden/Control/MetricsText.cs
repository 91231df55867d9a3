using System.Globalization;
using System.Text;
using OomWarden.Core.Engine;
using OomWarden.Core.Model;
using OomWarden.Daemon;
using OomWarden.Linux.Readers;

namespace OomWarden.Control;

/// <summary>The Prometheus text exposition format (version 0.0.4), written by hand: one family per metric name
/// (HELP, TYPE, then its samples), base units in names (bytes, seconds), counters ending in _total, label values
/// escaped. Every <see cref="ICounterSource"/> sample is rendered by its name, help and labels: a name ending in
/// _total is a counter, anything else a gauge. Built on the loop's thread when asked (a scrape, the textfile
/// timer), never per tick.</summary>
public static class MetricsText
{
    public static string Render(ControlService service)
    {
        var runtime = service.Runtime;
        var settings = runtime.Runner.Settings;
        var families = new Families();

        foreach (var d in runtime.Engine.Domains)
        {
            var facts = DomainFacts.Of(d, settings);
            var labels = new KeyValuePair<string, string>[] { new("domain", d.Name), new("kind", facts.Kind) };
            families.Gauge("oomwarden_domain_available_bytes", "What is left in the domain in its own terms (MemAvailable, a node's free + inactive file, a cgroup's limit minus working set).", labels, d.AvailableBytes);
            families.Gauge("oomwarden_domain_level", "The domain's level: 0 ok, 1 prepare (decision prepared ahead), 2 term (SIGTERM), 3 kill (SIGKILL).", labels, (int)d.Level);
            if (facts.TermBytes is long term) families.Gauge("oomwarden_domain_term_threshold_bytes", "Available bytes at or below which the domain's victim gets SIGTERM.", labels, term);
            if (facts.KillBytes is long kill) families.Gauge("oomwarden_domain_kill_threshold_bytes", "Available bytes at or below which the domain's victim gets SIGKILL at once.", labels, kill);
            if (facts.TotalBytes is long total) families.Gauge("oomwarden_domain_total_bytes", "The domain's size: MemTotal for the system, the limit for a cgroup.", labels, total);
            if (service.Activity.WarningOf(d.Name) is { } w) families.Gauge("oomwarden_domain_warning_level", "The domain's graded warning: 0 none, 1 low, 2 medium, 3 critical.", labels, (int)w);
            if (runtime.OomDelay?.WaitFor(d) is { } wait)
            {
                var e = wait.Episode;
                families.Gauge("oomwarden_oom_delay_waiting", "1 while the kernel holds the cgroup's tasks for oomwarden (oom_delay: v1 under OOM, v2 at the memory.high window).", labels,
                    e.State == Linux.OomDelay.OomEpisode.Phase.Waiting ? 1 : 0);
                families.Counter("oomwarden_oom_delay_episodes_total", "oom_delay episodes: the cgroup reached its window (v1 under OOM, v2 at memory.high) while armed.", labels, e.Episodes);
                families.Counter("oomwarden_oom_delay_releases_total", "oom_delay episodes whose delay ran out with the cgroup still at its window: handed to the kernel's own killer.", labels, e.Releases);
            }
        }
        Pressure(families, runtime);

        families.Gauge("oomwarden_kills_in_flight", "Kills between decision and judgement.", [], runtime.Engine.KillsInFlight.Count);
        families.Gauge("oomwarden_paused", "1 while paused: watching, not acting.", [], runtime.Engine.State.Paused ? 1 : 0);
        families.Gauge("oomwarden_dry_run", "1 when no signal is ever sent.", [], settings.Action.DryRun ? 1 : 0);
        families.Gauge("oomwarden_poll_interval_seconds", "The adaptive polling interval at the latest figures.", [],
            Core.Detection.AdaptiveInterval.Next(runtime.Domains.MinDistanceBytes, settings.Monitor).TotalSeconds);
        families.Gauge("oomwarden_config_info", "The config file in force, by path and sha256 (always 1).",
            [new("path", service.Config.Path), new("sha256", service.Config.Sha256 ?? "")], 1);
        families.Counter("oomwarden_cgroup_rescans_total", "Re-listings of the cgroup tree.", [], runtime.Runner.Rescans);

        foreach (var c in service.CollectCounters())
        {
            if (c.Name.EndsWith("_total", StringComparison.Ordinal)) families.Counter(c.Name, c.Help, c.Labels, c.Value);
            else families.Gauge(c.Name, c.Help, c.Labels, c.Value);
        }

        var (cumulative, count, sumMs) = service.Activity.DecisionLatency();
        var sb = families.Render();
        sb.Append("# HELP oomwarden_decision_duration_seconds Time the selector took to choose a victim (every decision, prepared ahead or at the crossing).\n");
        sb.Append("# TYPE oomwarden_decision_duration_seconds histogram\n");
        for (int i = 0; i < cumulative.Length; i++)
            sb.Append("oomwarden_decision_duration_seconds_bucket{le=\"").Append(Number(ActivityRecorder.LatencyBucketsMs[i] / 1000)).Append("\"} ").Append(cumulative[i]).Append('\n');
        sb.Append("oomwarden_decision_duration_seconds_bucket{le=\"+Inf\"} ").Append(count).Append('\n');
        sb.Append("oomwarden_decision_duration_seconds_sum ").Append(Number(sumMs / 1000)).Append('\n');
        sb.Append("oomwarden_decision_duration_seconds_count ").Append(count).Append('\n');

        var self = SelfStats.Read();
        Process(sb, "process_resident_memory_bytes", "gauge", "Resident memory of the daemon.", self.RssBytes);
        Process(sb, "process_cpu_seconds_total", "counter", "User and system CPU time of the daemon.", self.CpuSeconds);
        Process(sb, "process_start_time_seconds", "gauge", "Start time of the daemon since the Unix epoch.", self.StartTime.ToUnixTimeMilliseconds() / 1000.0);
        Process(sb, "process_open_fds", "gauge", "Open file descriptors of the daemon.", self.OpenFds);
        Process(sb, "process_threads", "gauge", "Threads of the daemon.", self.Threads);
        return sb.ToString();
    }

    private static void Pressure(Families families, DaemonRuntime runtime)
    {
        // The system's PSI (none on a kernel without it); cgroup domains on v2 have their own memory.pressure.
        using (var psi = new PressureReader(runtime.Host.PressureMemoryPath))
            if (psi.IsSupported && psi.TryRead(out var stats)) PressureFamilies(families, "system", "system", stats);
        if (runtime.Host.MemoryVersion != Linux.Parsing.CgroupVersion.V2) return;
        foreach (var c in runtime.Domains.Cgroups)
        {
            using var psi = PressureReader.ForCgroup(c.Directory);
            if (psi.IsSupported && psi.TryRead(out var stats)) PressureFamilies(families, c.Cgroup.Path, "cgroup", stats);
        }
    }

    private static void PressureFamilies(Families families, string domain, string kind, PressureStats s)
    {
        const string Avg = "Share of the last 10 s in which tasks of the domain stalled on memory (PSI avg10 / 100).";
        const string Total = "Time tasks of the domain stalled on memory (PSI total).";
        families.Gauge("oomwarden_domain_memory_pressure_avg10_ratio", Avg, [new("domain", domain), new("kind", kind), new("stall", "some")], s.Some.Avg10 / 100);
        families.Counter("oomwarden_domain_memory_pressure_stalled_seconds_total", Total, [new("domain", domain), new("kind", kind), new("stall", "some")], s.Some.TotalMicroseconds / 1e6);
        if (!s.HasFull) return;
        families.Gauge("oomwarden_domain_memory_pressure_avg10_ratio", Avg, [new("domain", domain), new("kind", kind), new("stall", "full")], s.Full.Avg10 / 100);
        families.Counter("oomwarden_domain_memory_pressure_stalled_seconds_total", Total, [new("domain", domain), new("kind", kind), new("stall", "full")], s.Full.TotalMicroseconds / 1e6);
    }

    private static void Process(StringBuilder sb, string name, string type, string help, double value) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n')
          .Append(name).Append(' ').Append(Number(value)).Append('\n');

    public static string Number(double v) =>
        double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : double.IsNaN(v) ? "NaN" : v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>"a\"b" with backslash, quote and newline escaped, as the format wants.</summary>
    public static string EscapeLabel(string v)
    {
        if (v.AsSpan().IndexOfAny("\\\"\n") < 0) return v;
        return v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }

    /// <summary>Samples grouped by name, in first-seen order; one HELP and TYPE per name; a repeated label set keeps
    /// its first value (a family must not list one series twice).</summary>
    private sealed class Families
    {
        private readonly List<(string Name, string Type, string Help, List<string> Lines, HashSet<string> Series)> _families = [];
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public void Gauge(string name, string help, IReadOnlyList<KeyValuePair<string, string>> labels, double value) => Add(name, "gauge", help, labels, value);

        public void Counter(string name, string help, IReadOnlyList<KeyValuePair<string, string>> labels, double value) => Add(name, "counter", help, labels, value);

        private void Add(string name, string type, string help, IReadOnlyList<KeyValuePair<string, string>> labels, double value)
        {
            if (!_index.TryGetValue(name, out int i))
            {
                i = _families.Count;
                _index[name] = i;
                _families.Add((name, type, help, [], new HashSet<string>(StringComparer.Ordinal)));
            }
            var sb = new StringBuilder(name);
            if (labels.Count > 0)
            {
                sb.Append('{');
                for (int l = 0; l < labels.Count; l++)
                {
                    if (l > 0) sb.Append(',');
                    sb.Append(labels[l].Key).Append("=\"").Append(EscapeLabel(labels[l].Value)).Append('"');
                }
                sb.Append('}');
            }
            string series = sb.ToString();
            if (!_families[i].Series.Add(series)) return;
            _families[i].Lines.Add(series + " " + Number(value));
        }

        public StringBuilder Render()
        {
            var sb = new StringBuilder(8192);
            foreach (var (name, type, help, lines, _) in _families)
            {
                sb.Append("# HELP ").Append(name).Append(' ').Append(help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
                sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
                foreach (var line in lines) sb.Append(line).Append('\n');
            }
            return sb;
        }
    }
}
