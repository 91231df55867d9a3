using System.Globalization;
using OomWarden.Configuration;
using OomWarden.Core.Decisions;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;

namespace OomWarden.Commands;

/// <summary>Prints a loaded config as check-config shows it: the compiled rule table, then every effective setting
/// as TOML (a valid config file).</summary>
public static class ConfigPrinter
{
    public static void PrintRules(CompiledPolicy policy, TextWriter output)
    {
        output.WriteLine($"rules (first match wins; {policy.Rules.Count} rule{(policy.Rules.Count == 1 ? "" : "s")}, preset \"{policy.Preset}\" last):");
        if (policy.Rules.Count == 0)
        {
            output.WriteLine("  (none: processes rank by -oom_score_adj, cgroups at priority 0)");
            return;
        }
        var rows = new List<string[]> { new[] { "#", "name", "origin", "applies to", "match", "effect" } };
        for (int i = 0; i < policy.Rules.Count; i++)
        {
            var r = policy.Rules[i];
            // One row per rule: a newline or an escape sequence in a name, a pattern or the file's name is shown escaped.
            rows.Add([
                (i + 1).ToString(CultureInfo.InvariantCulture),
                Core.Model.TextEscape.ForTerminal(r.Name),
                Core.Model.TextEscape.ForTerminal(r.Origin),
                r.Match.AppliesToCgroups ? "cgroups" : "processes",
                Core.Model.TextEscape.ForTerminal(r.Match.ToString()),
                FormatEffect(r.Effect),
            ]);
        }
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
            for (int c = 0; c < row.Length; c++) widths[c] = Math.Max(widths[c], row[c].Length);
        foreach (var row in rows)
        {
            var cells = row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]));
            output.WriteLine(("  " + string.Join("  ", cells)).TrimEnd());
        }
    }

    public static string FormatEffect(RuleEffect e)
    {
        var parts = new List<string>();
        if (e.Protect is bool protect) parts.Add(protect ? "protect" : "protect=false");
        if (e.Priority is int priority) parts.Add("priority=" + priority.ToString(CultureInfo.InvariantCulture));
        if (e.Kill is KillMode kill) parts.Add("kill=" + (kill == KillMode.Cgroup ? "cgroup" : "process"));
        if (e.TermGrace is TimeSpan grace) parts.Add("term_grace=" + Units.FormatDuration(grace));
        if (e.Signal is int signal) parts.Add("signal=" + Signals.Name(signal));
        if (e.OomDelay is TimeSpan delay) parts.Add("oom_delay=" + Units.FormatDuration(delay));
        if (e.Reclaim is bool reclaim) parts.Add("reclaim=" + Bool(reclaim));
        return string.Join(' ', parts);
    }

    public static void PrintSettings(DaemonSettings s, TextWriter o)
    {
        o.WriteLine($"preset = \"{s.Preset}\"");
        o.WriteLine($"selector = \"{(s.Selector == SelectorKind.Badness ? "badness" : "hierarchical")}\"");
        o.WriteLine();
        o.WriteLine("[system]");
        o.WriteLine($"enabled = {Bool(s.System.Enabled)}");
        o.WriteLine($"mem_available_term = \"{Units.FormatThreshold(s.System.MemAvailableTerm)}\"");
        o.WriteLine($"mem_available_kill = \"{Units.FormatThreshold(s.System.MemAvailableKill)}\"");
        o.WriteLine($"swap_free_term = \"{Units.FormatThreshold(s.System.SwapFreeTerm)}\"");
        o.WriteLine($"swap_free_kill = \"{Units.FormatThreshold(s.System.SwapFreeKill)}\"");
        o.WriteLine($"combine = \"{(s.System.Combine == Combine.And ? "and" : "or")}\"");
        o.WriteLine();
        o.WriteLine("[cgroups]");
        o.WriteLine($"enabled = {Bool(s.Cgroups.Enabled)}");
        o.WriteLine($"headroom_term = \"{Units.FormatThreshold(s.Cgroups.HeadroomTerm)}\"");
        o.WriteLine($"headroom_kill = \"{Units.FormatThreshold(s.Cgroups.HeadroomKill)}\"");
        o.WriteLine($"include = [{string.Join(", ", s.Cgroups.Include.Select(Quote))}]");
        o.WriteLine($"oom_delay = \"{Units.FormatDuration(s.Cgroups.OomDelay)}\"");
        o.WriteLine($"oom_delay_high_margin = \"{Units.FormatThreshold(s.Cgroups.OomDelayHighMargin)}\"");
        o.WriteLine($"oom_delay_state = {Quote(s.Cgroups.OomDelayState)}");
        o.WriteLine();
        o.WriteLine("[monitor]");
        o.WriteLine($"min_interval = \"{Units.FormatDuration(s.Monitor.MinInterval)}\"");
        o.WriteLine($"max_interval = \"{Units.FormatDuration(s.Monitor.MaxInterval)}\"");
        o.WriteLine($"max_fill_rate = \"{Units.FormatBytes(s.Monitor.MaxFillRateBytesPerSecond)}\"");
        o.WriteLine($"rescan_interval = \"{Units.FormatDuration(s.Monitor.RescanInterval)}\"");
        o.WriteLine($"events = {Bool(s.Monitor.Events)}");
        o.WriteLine();
        o.WriteLine("[action]");
        o.WriteLine($"dry_run = {Bool(s.Action.DryRun)}");
        o.WriteLine($"term_grace = \"{Units.FormatDuration(s.Action.TermGrace)}\"");
        o.WriteLine($"settle = \"{Units.FormatDuration(s.Action.Settle)}\"");
        o.WriteLine($"memory_release = {Bool(s.Action.MemoryRelease)}");
        o.WriteLine($"events = {Quote(s.Action.EventsPath)}");
        o.WriteLine($"restart_loop = {{ kills = {s.Action.RestartLoop.Kills.ToString(CultureInfo.InvariantCulture)}, within = \"{Units.FormatDuration(s.Action.RestartLoop.Within)}\" }}");
        if (s.Action.RestartLoop.Priority is int loopPriority)
            o.WriteLine($"restart_loop_priority = {loopPriority.ToString(CultureInfo.InvariantCulture)}");
        o.WriteLine();
        o.WriteLine("[levels]");
        o.WriteLine($"enabled = {Bool(s.Levels.Enabled)}");
        o.WriteLine($"low = {Conditions(s.Levels.Low)}");
        o.WriteLine($"medium = {Conditions(s.Levels.Medium)}");
        o.WriteLine($"critical = {Conditions(s.Levels.Critical)}");
        o.WriteLine($"hold = \"{Units.FormatDuration(s.Levels.Hold)}\"");
        o.WriteLine($"release_grace = \"{Units.FormatDuration(s.Levels.ReleaseGrace)}\"");
        o.WriteLine($"repeat = \"{Units.FormatDuration(s.Levels.Repeat)}\"");
        o.WriteLine($"release = {Bool(s.Levels.Release)}");
        o.WriteLine($"release_kill = {Bool(s.Levels.ReleaseKill)}");
        o.WriteLine($"reclaim_step = \"{Units.FormatThreshold(s.Levels.Reclaim.Step)}\"");
        o.WriteLine($"reclaim_interval = \"{Units.FormatDuration(s.Levels.Reclaim.Interval)}\"");
        o.WriteLine($"reclaim_psi_some_avg10 = {Number(s.Levels.Reclaim.StopPsiSomeAvg10)}");
        o.WriteLine();
        o.WriteLine("[notify]");
        o.WriteLine($"socket = {Quote(s.Notify.Socket)}");
        o.WriteLine($"pressure_socket = {Quote(s.Notify.PressureSocket)}");
        o.WriteLine($"low_memory_monitor = {Bool(s.Notify.LowMemoryMonitor)}");
        o.WriteLine($"desktop = {Bool(s.Notify.Desktop)}");
        o.WriteLine($"hooks = [{string.Join(", ", s.Notify.Hooks.Select(h =>
            $"{{ on = [{string.Join(", ", h.On.Select(Quote))}], argv = [{string.Join(", ", h.Argv.Select(Quote))}], timeout = \"{Units.FormatDuration(h.Timeout)}\" }}"))}]");
        o.WriteLine();
        o.WriteLine("[control]");
        o.WriteLine($"socket = {Quote(s.Control.Socket)}");
        if (s.Control.Group is not null) o.WriteLine($"group = {Quote(s.Control.Group)}");
        o.WriteLine();
        o.WriteLine("[metrics]");
        o.WriteLine($"textfile = {Quote(s.Metrics.Textfile ?? "")}");
        o.WriteLine($"interval = \"{Units.FormatDuration(s.Metrics.Interval)}\"");
        o.WriteLine($"listen = {Quote(s.Metrics.Listen ?? "")}");
        o.WriteLine($"allow_remote = {Bool(s.Metrics.AllowRemote)}");
    }

    /// <summary>One level as an inline table (<c>{}</c>: no condition, the level is off).</summary>
    private static string Conditions(LevelConditions c)
    {
        var parts = new List<string>(4);
        if (c.Available is { } t) parts.Add($"available = \"{Units.FormatThreshold(t)}\"");
        if (c.PsiSomeAvg10 is { } some) parts.Add("psi_some_avg10 = " + Number(some));
        if (c.PsiFullAvg10 is { } full) parts.Add("psi_full_avg10 = " + Number(full));
        if (c.ExhaustionIn is { } e) parts.Add($"exhaustion_in = \"{Units.FormatDuration(e)}\"");
        return parts.Count == 0 ? "{}" : "{ " + string.Join(", ", parts) + " }";
    }

    private static string Number(double d)
    {
        string r = d.ToString("R", CultureInfo.InvariantCulture);
        return r.Contains('.', StringComparison.Ordinal) || r.Contains('E', StringComparison.Ordinal) ? r : r + ".0";
    }

    private static string Bool(bool b) => b ? "true" : "false";

    /// <summary>A TOML basic string: backslash, quote and control characters escaped, so any path loads back.</summary>
    private static string Quote(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ' or '\u007f': sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"').ToString();
    }
}
