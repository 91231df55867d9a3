using System.Buffers;
using System.Globalization;
using System.Text.Json;
using OomWarden.Core.Detection;
using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using OomWarden.Daemon;

namespace OomWarden.Control;

/// <summary>The <c>status</c> reply: one JSON object on one line (field names documented in docs/OPERATING.md, a
/// contract: added to, never renamed). Built on the loop's thread from the engine's state, the domains' latest
/// figures, the recorder and every counter source; allocates (status is asked for, never per tick).</summary>
public static class StatusJson
{
    public static byte[] Build(ControlService service)
    {
        var runtime = service.Runtime;
        var settings = runtime.Runner.Settings;
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteBoolean("ok"u8, true);
            w.WriteString("request"u8, "status");
            w.WriteString("version"u8, typeof(StatusJson).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
            w.WriteNumber("pid"u8, Environment.ProcessId);
            w.WriteBoolean("dry_run"u8, settings.Action.DryRun);
            w.WriteBoolean("paused"u8, runtime.Engine.State.Paused);
            w.WriteStartObject("config"u8);
            w.WriteString("path"u8, service.Config.Path);
            if (service.Config.Sha256 is { } sha) w.WriteString("sha256"u8, sha); else w.WriteNull("sha256"u8);
            w.WriteString("loaded_at"u8, Time(service.Config.LoadedAt));
            w.WriteNumber("reloads"u8, service.Reloads);
            w.WriteEndObject();

            w.WriteStartObject("poll"u8);
            w.WriteNumber("interval_ms"u8, Math.Round(AdaptiveInterval.Next(runtime.Domains.MinDistanceBytes, settings.Monitor).TotalMilliseconds, 3));
            w.WriteNumber("min_interval_ms"u8, settings.Monitor.MinInterval.TotalMilliseconds);
            w.WriteNumber("max_interval_ms"u8, settings.Monitor.MaxInterval.TotalMilliseconds);
            w.WriteString("psi_trigger"u8, runtime.PsiStatus);
            w.WriteEndObject();

            var self = SelfStats.Read();
            w.WriteStartObject("self"u8);
            w.WriteNumber("rss_bytes"u8, self.RssBytes);
            w.WriteNumber("cpu_seconds"u8, Math.Round(self.CpuSeconds, 3));
            w.WriteNumber("uptime_seconds"u8, Math.Round(self.Uptime.TotalSeconds, 1));
            w.WriteString("started"u8, Time(self.StartTime));
            w.WriteNumber("open_fds"u8, self.OpenFds);
            w.WriteNumber("threads"u8, self.Threads);
            w.WriteEndObject();

            w.WriteStartArray("domains"u8);
            long now = TimeProvider.System.GetTimestamp();
            foreach (var d in runtime.Engine.Domains)
            {
                var facts = DomainFacts.Of(d, settings);
                w.WriteStartObject();
                w.WriteString("name"u8, d.Name);
                w.WriteString("kind"u8, facts.Kind);
                w.WriteString("level"u8, LevelName(d.Level));
                if (service.Activity.WarningOf(d.Name) is { } warning) w.WriteString("warning"u8, warning.ToString().ToLowerInvariant());
                w.WriteBoolean("has_figures"u8, d.HasFigures);
                w.WriteNumber("available_bytes"u8, d.AvailableBytes);
                if (facts.TotalBytes is long total) w.WriteNumber("total_bytes"u8, total);
                if (facts.TermBytes is long term) w.WriteNumber("term_bytes"u8, term);
                if (facts.KillBytes is long kill) w.WriteNumber("kill_bytes"u8, kill);
                w.WriteString("term_level"u8, facts.TermLevel);
                w.WriteString("kill_level"u8, facts.KillLevel);
                w.WriteNumber("distance_to_term_bytes"u8, Math.Min(d.Reading.DistanceToTermBytes, long.MaxValue / 4));
                if (facts.SwapFreeBytes is long swapFree) w.WriteNumber("swap_free_bytes"u8, swapFree);
                var (slope, exhaustion) = runtime.Engine.FillOf(d.Name);
                if (slope is double bytesPerSecond) w.WriteNumber("fill_rate_bytes_per_second"u8, Math.Round(-bytesPerSecond));
                if (exhaustion is double seconds) w.WriteNumber("exhaustion_in_seconds"u8, Math.Round(seconds, 1));
                else w.WriteNull("exhaustion_in_seconds"u8);
                var st = runtime.Engine.State.For(d.Name);
                w.WriteNumber("kills"u8, st?.Kills ?? 0);
                if (runtime.OomDelay?.WaitFor(d) is { } wait) OomDelay(w, wait, now);
                else w.WriteNull("oom_delay"u8);
                if (st?.Prepared is { } p && p.Victim is { } v)
                {
                    w.WriteStartObject("next_victim"u8);
                    w.WriteNumber("pid"u8, v.Pid);
                    w.WriteString("comm"u8, v.Comm);
                    w.WriteString("cgroup"u8, v.CgroupPath);
                    w.WriteNumber("footprint_bytes"u8, v.FootprintBytes);
                    if (p.Action is { } a)
                    {
                        w.WriteString("signal"u8, Signals.Name(a.Signal));
                        w.WriteString("kill"u8, a.Mode == Core.Decisions.KillMode.Cgroup ? "cgroup" : "process");
                    }
                    if (p.Path.Count > 0 && p.Path[^1].Ranked.Count > 0) w.WriteString("rule"u8, p.Path[^1].Ranked[0].Rule);
                    w.WriteString("why"u8, p.Summary);
                    w.WriteNumber("decided_ms_ago"u8, Math.Round(Elapsed(st.PreparedAt, now), 1));
                    w.WriteEndObject();
                }
                else if (st?.Prepared is { } none)
                {
                    w.WriteStartObject("next_victim"u8);
                    w.WriteNull("pid"u8);
                    w.WriteString("why"u8, none.Summary);
                    w.WriteNumber("decided_ms_ago"u8, Math.Round(Elapsed(st.PreparedAt, now), 1));
                    w.WriteEndObject();
                }
                else w.WriteNull("next_victim"u8);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartArray("kills_in_flight"u8);
            foreach (var k in runtime.Engine.KillsInFlight)
            {
                w.WriteStartObject();
                w.WriteString("domain"u8, k.Domain.Name);
                w.WriteString("victim"u8, k.WholeCgroup ? "cgroup" : "process");
                w.WriteNumber("pid"u8, k.Pid);
                w.WriteString("comm"u8, k.Comm);
                w.WriteString("cgroup"u8, k.CgroupPath);
                w.WriteString("phase"u8, k.Phase.ToString().ToLowerInvariant());
                w.WriteString("signal"u8, Signals.Name(k.LastSignal == 0 ? k.FirstSignal : k.LastSignal));
                if (k.SignalledAt != 0) w.WriteNumber("signalled_ms_ago"u8, Math.Round(Elapsed(k.SignalledAt, now), 1));
                w.WriteString("reason"u8, k.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartArray("recent_kills"u8);
            foreach (var k in service.Activity.Recent())
            {
                w.WriteStartObject();
                w.WriteString("time"u8, Time(k.Time));
                w.WriteString("domain"u8, k.Domain);
                w.WriteString("victim"u8, k.Victim);
                if (k.Pid is int pid) w.WriteNumber("pid"u8, pid);
                if (k.Comm is not null) w.WriteString("comm"u8, k.Comm);
                w.WriteString("cgroup"u8, k.Cgroup);
                w.WriteString("signal"u8, k.Signal);
                w.WriteString("result"u8, k.Result);
                if (k.FreedBytes is long freed) w.WriteNumber("freed_bytes"u8, freed); else w.WriteNull("freed_bytes"u8);
                if (k.ExitMs is double exit) w.WriteNumber("exit_ms"u8, Math.Round(exit, 1)); else w.WriteNull("exit_ms"u8);
                w.WriteNumber("decision_ms"u8, Math.Round(k.DecisionMs, 3));
                w.WriteString("trigger"u8, k.Trigger);
                w.WriteString("reason"u8, k.Reason);
                w.WriteBoolean("dry_run"u8, k.DryRun);
                w.WriteEndObject();
            }
            w.WriteEndArray();

            w.WriteStartArray("counters"u8);
            foreach (var c in service.CollectCounters())
            {
                w.WriteStartObject();
                w.WriteString("name"u8, c.Name);
                w.WriteStartObject("labels"u8);
                foreach (var (k, v) in c.Labels) w.WriteString(k, v);
                w.WriteEndObject();
                w.WriteNumber("value"u8, c.Value);
                w.WriteString("help"u8, c.Help);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    public static string LevelName(PressureLevel level) => level switch
    {
        PressureLevel.None => "ok",
        PressureLevel.Prepare => "prepare",
        PressureLevel.Term => "term",
        _ => "kill",
    };

    /// <summary>The domain's bounded wait (oom_delay): its state, how long it has been in it, and its counts.</summary>
    private static void OomDelay(Utf8JsonWriter w, Linux.OomDelay.IOomWait wait, long now)
    {
        var e = wait.Episode;
        w.WriteStartObject("oom_delay"u8);
        w.WriteString("mechanism"u8, wait.Setting.File);
        w.WriteNumber("delay_ms"u8, wait.Delay.TotalMilliseconds);
        w.WriteString("state"u8, e.StateName);
        if (e.StateSince != 0) w.WriteNumber("state_ms"u8, Math.Round(Elapsed(e.StateSince, now), 1)); else w.WriteNull("state_ms"u8);
        if (e.State is Linux.OomDelay.OomEpisode.Phase.Waiting or Linux.OomDelay.OomEpisode.Phase.Leaving)
            w.WriteNumber("deadline_in_ms"u8, Math.Round(Math.Max(0, -Elapsed(e.Deadline, now)), 1));
        else w.WriteNull("deadline_in_ms"u8);
        w.WriteNumber("episodes"u8, e.Episodes);
        w.WriteNumber("releases"u8, e.Releases);
        w.WriteEndObject();
    }

    private static double Elapsed(long since, long now) => since == 0 ? 0 : (now - since) * 1000.0 / TimeProvider.System.TimestampFrequency;

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
