using OomWarden.Core.Policy;
using OomWarden.Core.Settings;
using System.Globalization;
using OomWarden.Core.Model;
using Tomlyn.Syntax;

namespace OomWarden.Configuration;

/// <summary>Binds [system], [cgroups], [monitor], [action] and the top-level keys onto <see cref="DaemonSettings"/>,
/// by hand (no reflection), reporting every bad key or value with its position.</summary>
internal static class SettingsBinder
{
    public static readonly string[] TopLevelKeys = ["preset", "selector", "[system]", "[cgroups]", "[monitor]", "[action]", "[levels]", "[notify]", "[control]", "[metrics]", "[[rule]]"];
    private static readonly string[] SystemKeys = ["enabled", "mem_available_term", "mem_available_kill", "swap_free_term", "swap_free_kill", "combine"];
    private static readonly string[] CgroupKeys = ["enabled", "headroom_term", "headroom_kill", "include", "oom_delay", "oom_delay_high_margin", "oom_delay_state"];
    private static readonly string[] MonitorKeys = ["min_interval", "max_interval", "max_fill_rate", "rescan_interval", "events"];
    private static readonly string[] ActionKeys = ["dry_run", "term_grace", "settle", "memory_release", "events", "restart_loop", "restart_loop_priority"];
    private static readonly string[] RestartLoopKeys = ["kills", "within"];

    public static DaemonSettings BindTop(TomlSection top, DaemonSettings settings, BindContext ctx)
    {
        foreach (var item in top.Items)
        {
            switch (item.Key)
            {
                case "preset":
                    if (ctx.TryString(item, out var preset))
                    {
                        if (Array.IndexOf(Presets.Names, preset) >= 0)
                            settings = settings with { Preset = preset };
                        else
                            ctx.Error(item, $"unknown preset \"{preset}\" (valid: {BindContext.QuotedList(Presets.Names)})");
                    }
                    break;
                case "selector":
                    if (ctx.TryString(item, out var selector))
                    {
                        if (selector == "hierarchical") settings = settings with { Selector = SelectorKind.Hierarchical };
                        else if (selector == "badness") settings = settings with { Selector = SelectorKind.Badness };
                        else ctx.Error(item, $"unknown selector \"{selector}\" (valid: \"hierarchical\", \"badness\")");
                    }
                    break;
                case "rule":
                    ctx.Error(item, "'rule' must be an array of tables: write each rule as [[rule]]");
                    break;
                default:
                    ctx.UnknownKey(item, "the top level", TopLevelKeys);
                    break;
            }
        }
        return settings;
    }

    public static SystemThresholds BindSystem(TomlSection section, SystemThresholds s, BindContext ctx)
    {
        TomlItem? availTerm = null, availKill = null, swapTerm = null, swapKill = null;
        foreach (var item in section.Items)
        {
            switch (item.Key)
            {
                case "enabled":
                    if (ctx.TryBool(item, out bool systemEnabled)) s = s with { Enabled = systemEnabled };
                    break;
                case "mem_available_term":
                    if (TryThreshold(item, ctx, out var t1)) { s = s with { MemAvailableTerm = t1 }; availTerm = item; }
                    break;
                case "mem_available_kill":
                    if (TryThreshold(item, ctx, out var t2)) { s = s with { MemAvailableKill = t2 }; availKill = item; }
                    break;
                case "swap_free_term":
                    if (TryThreshold(item, ctx, out var t3)) { s = s with { SwapFreeTerm = t3 }; swapTerm = item; }
                    break;
                case "swap_free_kill":
                    if (TryThreshold(item, ctx, out var t4)) { s = s with { SwapFreeKill = t4 }; swapKill = item; }
                    break;
                case "combine":
                    if (ctx.TryString(item, out var combine))
                    {
                        if (combine == "and") s = s with { Combine = Combine.And };
                        else if (combine == "or") s = s with { Combine = Combine.Or };
                        else ctx.Error(item, $"'combine' must be \"and\" or \"or\", not \"{combine}\"");
                    }
                    break;
                default:
                    ctx.UnknownKey(item, "[system]", SystemKeys);
                    break;
            }
        }
        CheckOrder(s.MemAvailableKill, s.MemAvailableTerm, availKill ?? availTerm, "mem_available_kill", "mem_available_term", ctx);
        CheckOrder(s.SwapFreeKill, s.SwapFreeTerm, swapKill ?? swapTerm, "swap_free_kill", "swap_free_term", ctx);
        CheckOrderOnHost(s.MemAvailableKill, s.MemAvailableTerm, availKill ?? availTerm, "mem_available_kill", "mem_available_term", ctx.Host.MemTotalBytes, "MemTotal", ctx);
        CheckOrderOnHost(s.SwapFreeKill, s.SwapFreeTerm, swapKill ?? swapTerm, "swap_free_kill", "swap_free_term", ctx.Host.SwapTotalBytes, "SwapTotal", ctx);
        return s;
    }

    public static CgroupThresholds BindCgroups(TomlSection section, CgroupThresholds c, BindContext ctx)
    {
        TomlItem? term = null, kill = null;
        foreach (var item in section.Items)
        {
            switch (item.Key)
            {
                case "enabled":
                    if (ctx.TryBool(item, out bool enabled)) c = c with { Enabled = enabled };
                    break;
                case "headroom_term":
                    if (TryThreshold(item, ctx, out var t1)) { c = c with { HeadroomTerm = t1 }; term = item; }
                    break;
                case "headroom_kill":
                    if (TryThreshold(item, ctx, out var t2)) { c = c with { HeadroomKill = t2 }; kill = item; }
                    break;
                case "include":
                    if (item.Value is ArraySyntax { Items.ChildrenCount: 0 })
                    {
                        c = c with { Include = [] };
                    }
                    else if (ctx.TryStringList(item, out var globs))
                    {
                        bool ok = true;
                        foreach (var g in globs)
                        {
                            if (!Glob.TryCompile(g, out _, out var error))
                            {
                                ctx.Error(item, $"'include': {error}");
                                ok = false;
                            }
                        }
                        if (ok) c = c with { Include = globs };
                    }
                    break;
                case "oom_delay":
                    if (TryOomDelay(item, ctx, out var delay)) c = c with { OomDelay = delay };
                    break;
                case "oom_delay_high_margin":
                    if (TryThreshold(item, ctx, out var margin))
                    {
                        if (margin.IsPercent ? margin.Percent <= 0 || margin.Percent >= 50 : margin.Bytes <= 0)
                            ctx.Error(item, "'oom_delay_high_margin' must be above 0 (and below 50%): memory.high is set this far below memory.max");
                        else c = c with { OomDelayHighMargin = margin };
                    }
                    break;
                case "oom_delay_state":
                    if (ctx.TryString(item, out var statePath))
                    {
                        if (!statePath.StartsWith('/') || statePath.EndsWith('/'))
                            ctx.Error(item, "'oom_delay_state' must be an absolute file path");
                        else c = c with { OomDelayState = statePath };
                    }
                    break;
                default:
                    ctx.UnknownKey(item, "[cgroups]", CgroupKeys);
                    break;
            }
        }
        CheckOrder(c.HeadroomKill, c.HeadroomTerm, kill ?? term, "headroom_kill", "headroom_term", ctx);
        CheckCgroupOrderAcrossUnits(c, kill ?? term, ctx);
        return c;
    }

    public static MonitorSettings BindMonitor(TomlSection section, MonitorSettings m, BindContext ctx)
    {
        TomlItem? minItem = null, maxItem = null;
        foreach (var item in section.Items)
        {
            switch (item.Key)
            {
                case "min_interval":
                    if (TryPositiveDuration(item, ctx, out var min)) { m = m with { MinInterval = min }; minItem = item; }
                    break;
                case "max_interval":
                    if (TryPositiveDuration(item, ctx, out var max)) { m = m with { MaxInterval = max }; maxItem = item; }
                    break;
                case "max_fill_rate":
                    if (TrySize(item, ctx, out long rate, allowPerSecond: true))
                    {
                        if (rate == 0) ctx.Error(item, "'max_fill_rate' must be positive");
                        else m = m with { MaxFillRateBytesPerSecond = rate };
                    }
                    break;
                case "rescan_interval":
                    if (TryPositiveDuration(item, ctx, out var rescan)) m = m with { RescanInterval = rescan };
                    break;
                case "events":
                    if (ctx.TryBool(item, out bool events)) m = m with { Events = events };
                    break;
                default:
                    ctx.UnknownKey(item, "[monitor]", MonitorKeys);
                    break;
            }
        }
        if (m.MinInterval > m.MaxInterval)
        {
            var at = minItem ?? maxItem!;
            ctx.Error(at, $"min_interval ({Units.FormatDuration(m.MinInterval)}) must not exceed max_interval ({Units.FormatDuration(m.MaxInterval)})");
        }
        return m;
    }

    public static ActionSettings BindAction(TomlSection section, ActionSettings a, BindContext ctx)
    {
        foreach (var item in section.Items)
        {
            switch (item.Key)
            {
                case "dry_run":
                    if (ctx.TryBool(item, out bool dry)) a = a with { DryRun = dry };
                    break;
                case "term_grace":
                    if (TryDuration(item, ctx, out var grace)) a = a with { TermGrace = grace };
                    break;
                case "settle":
                    if (TryDuration(item, ctx, out var settle)) a = a with { Settle = settle };
                    break;
                case "memory_release":
                    if (ctx.TryBool(item, out bool release)) a = a with { MemoryRelease = release };
                    break;
                case "events":
                    if (ctx.TryString(item, out var path))
                    {
                        if (path.Length == 0) ctx.Error(item, "'events' must be a file path");
                        else a = a with { EventsPath = path };
                    }
                    break;
                case "restart_loop_priority":
                    if (ctx.TryInt32(item, out int loopPriority)) a = a with { RestartLoop = a.RestartLoop with { Priority = loopPriority } };
                    break;
                case "restart_loop":
                    ctx.Error(item, "'restart_loop' must be a table: restart_loop = { kills = 3, within = \"10m\" }");
                    break;
                default:
                    ctx.UnknownKey(item, "[action]", ActionKeys);
                    break;
            }
        }
        return a;
    }

    /// <summary><c>[action] restart_loop = { kills = 3, within = "10m" }</c> (also written <c>[action.restart_loop]</c>).
    /// kills = 0 turns detection off.</summary>
    public static RestartLoopSettings BindRestartLoop(TomlSection section, RestartLoopSettings r, BindContext ctx)
    {
        foreach (var item in section.Items)
        {
            switch (item.Key)
            {
                case "kills":
                    if (ctx.TryInt32(item, out int kills))
                    {
                        if (kills < 0 || kills == 1) ctx.Error(item, "'kills' must be 2 or more (0 turns restart-loop detection off)");
                        else r = r with { Kills = kills };
                    }
                    break;
                case "within":
                    if (TryPositiveDuration(item, ctx, out var within)) r = r with { Within = within };
                    break;
                default:
                    ctx.UnknownKey(item, "[action] restart_loop", RestartLoopKeys);
                    break;
            }
        }
        return r;
    }

    /// <summary>The kill level must not exceed the term level (both are "act when below").
    /// Only comparable when both are written the same way (both % or both bytes).</summary>
    private static void CheckOrder(Threshold kill, Threshold term, TomlItem? at, string killKey, string termKey, BindContext ctx)
    {
        if (at is null || kill.IsPercent != term.IsPercent) return;
        bool wrong = kill.IsPercent ? kill.Percent > term.Percent : kill.Bytes > term.Bytes;
        if (wrong)
            ctx.Error(at, $"{killKey} ({Units.FormatThreshold(kill)}) must not exceed {termKey} ({Units.FormatThreshold(term)}): SIGKILL comes after SIGTERM");
    }

    /// <summary>headroom_kill and headroom_term in different units cross at some limit: the cgroups on the wrong side
    /// of it reach the kill level first. A warning, as for the system levels (the file may be right for the cgroups
    /// this host has).</summary>
    private static void CheckCgroupOrderAcrossUnits(CgroupThresholds c, TomlItem? at, BindContext ctx)
    {
        if (at is null || c.HeadroomKill.IsPercent == c.HeadroomTerm.IsPercent) return;
        var (percent, bytes) = c.HeadroomTerm.IsPercent ? (c.HeadroomTerm.Percent, c.HeadroomKill.Bytes) : (c.HeadroomKill.Percent, c.HeadroomTerm.Bytes);
        if (percent <= 0 || bytes <= 0) return;
        long crossBytes = (long)Math.Min(long.MaxValue / 2, bytes * 100.0 / percent);
        string side = c.HeadroomTerm.IsPercent ? "below" : "above";
        ctx.Warn(at, $"headroom_kill ({Units.FormatThreshold(c.HeadroomKill)}) exceeds headroom_term ({Units.FormatThreshold(c.HeadroomTerm)}) for cgroups "
            + $"with a limit {side} {SizeFormat.FormatBytes(crossBytes)}: there SIGKILL would come before SIGTERM");
    }

    /// <summary>A percentage against a size depends on the machine: compared with its total (MemTotal, SwapTotal) at
    /// load, and a kill level above the term level is a warning (the same file may be right on a bigger machine).
    /// Not compared when the total is unknown or 0 (no swap).</summary>
    private static void CheckOrderOnHost(Threshold kill, Threshold term, TomlItem? at, string killKey, string termKey, long totalBytes, string totalName, BindContext ctx)
    {
        if (at is null || kill.IsPercent == term.IsPercent || totalBytes <= 0) return;
        long killBytes = kill.ToBytes(totalBytes), termBytes = term.ToBytes(totalBytes);
        if (killBytes <= termBytes) return;
        ctx.Warn(at, $"{killKey} ({OnHost(kill, totalBytes, totalName)}) exceeds {termKey} ({OnHost(term, totalBytes, totalName)}) on this machine: "
            + "SIGKILL would come before SIGTERM");
    }

    private static string OnHost(Threshold t, long totalBytes, string totalName) => t.IsPercent
        ? $"{Units.FormatThreshold(t)} of {totalName} {SizeFormat.FormatBytes(totalBytes)} = {SizeFormat.FormatBytes(t.ToBytes(totalBytes))}"
        : Units.FormatThreshold(t);

    internal static bool TryThreshold(TomlItem item, BindContext ctx, out Threshold threshold)
    {
        threshold = default;
        if (BareNumber(item, ctx, percentAllowed: true, out bool zero))
        {
            if (zero) threshold = Threshold.FromBytes(0);
            return zero;
        }
        if (item.Value is not StringValueSyntax { Value: { } text })
        {
            ctx.Error(item, $"'{item.Key}' must be a size (\"512MiB\") or a percentage (\"10%\"), not {BindContext.KindName(item.Value)}");
            return false;
        }
        if (!Units.TryParseThreshold(text, out threshold, out var error))
        {
            ctx.Error(item, $"'{item.Key}': {error}");
            return false;
        }
        return true;
    }

    private static bool TrySize(TomlItem item, BindContext ctx, out long bytes, bool allowPerSecond)
    {
        bytes = 0;
        if (BareNumber(item, ctx, percentAllowed: false, out bool zero)) return zero;
        if (item.Value is not StringValueSyntax { Value: { } text })
        {
            ctx.Error(item, $"'{item.Key}' must be a size such as \"4GiB\", not {BindContext.KindName(item.Value)}");
            return false;
        }
        if (allowPerSecond && text.EndsWith("/s", StringComparison.Ordinal)) text = text[..^2];
        if (text.EndsWith('%'))
        {
            ctx.Error(item, $"'{item.Key}' must be a size, not a percentage");
            return false;
        }
        if (!Units.TryParseSize(text, out bytes, out var error))
        {
            ctx.Error(item, $"'{item.Key}': {error}");
            return false;
        }
        return true;
    }

    /// <summary>A TOML integer or float where a size or level belongs: 0 is accepted (<paramref name="zero"/>), any
    /// other number is rejected with "did you mean \"10%\" or \"10MiB\"?" (it used to be taken as bytes, silently).
    /// False when the value is not a number at all.</summary>
    private static bool BareNumber(TomlItem item, BindContext ctx, bool percentAllowed, out bool zero)
    {
        zero = false;
        string number;
        switch (item.Value)
        {
            case IntegerValueSyntax i:
                if (i.Value == 0) { zero = true; return true; }
                number = i.Value.ToString(CultureInfo.InvariantCulture);
                break;
            case FloatValueSyntax f when double.IsFinite(f.Value):
                if (f.Value == 0) { zero = true; return true; }
                number = f.Value.ToString("0.###", CultureInfo.InvariantCulture);
                break;
            default:
                return false;
        }
        if (number.StartsWith('-'))
            ctx.Error(item, $"'{item.Key}' cannot be negative");
        else
            ctx.Error(item, $"'{item.Key}' = {number} has no unit: {Units.NoUnitHint(number, percentAllowed)}");
        return true;
    }

    internal static bool TryDuration(TomlItem item, BindContext ctx, out TimeSpan duration)
    {
        duration = default;
        if (item.Value is not StringValueSyntax { Value: { } text })
        {
            ctx.Error(item, $"'{item.Key}' must be a duration string such as \"2s\" or \"250ms\", not {BindContext.KindName(item.Value)}");
            return false;
        }
        if (!Units.TryParseDuration(text, out duration, out var error))
        {
            ctx.Error(item, $"'{item.Key}': {error}");
            return false;
        }
        return true;
    }

    /// <summary>The longest oom_delay: the kernel's tasks wait in the charge path this long at most.</summary>
    internal static readonly TimeSpan MaxOomDelay = TimeSpan.FromMinutes(1);

    /// <summary>oom_delay: "0s" (off) up to a minute, at least 100 ms when on (the loop's deadlines are milliseconds,
    /// and a shorter wait gives the daemon no time to choose).</summary>
    internal static bool TryOomDelay(TomlItem item, BindContext ctx, out TimeSpan delay)
    {
        if (!TryDuration(item, ctx, out delay)) return false;
        if (delay < TimeSpan.Zero || delay > MaxOomDelay || (delay > TimeSpan.Zero && delay < TimeSpan.FromMilliseconds(100)))
        {
            ctx.Error(item, $"'{item.Key}' must be \"0s\" (off) or between 100ms and {Units.FormatDuration(MaxOomDelay)}: tasks wait in the kernel this long");
            return false;
        }
        return true;
    }

    private static bool TryPositiveDuration(TomlItem item, BindContext ctx, out TimeSpan duration)
    {
        if (!TryDuration(item, ctx, out duration)) return false;
        if (duration <= TimeSpan.Zero)
        {
            ctx.Error(item, $"'{item.Key}' must be greater than zero");
            return false;
        }
        return true;
    }
}
