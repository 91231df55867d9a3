using System.Globalization;
using OomWarden.Core.Settings;
using Tomlyn.Syntax;

namespace OomWarden.Configuration;

/// <summary>Binds [levels] (with its <c>low</c>, <c>medium</c>, <c>critical</c> tables), and checks
/// that the levels are ordered: low looser than medium looser than critical, condition by condition.</summary>
internal static class LevelsBinder
{
    public static readonly string[] LevelNames = ["low", "medium", "critical"];
    private static readonly string[] LevelsKeys = ["enabled", "low", "medium", "critical", "hold", "release_grace", "repeat", "release", "release_kill", "reclaim_step", "reclaim_interval", "reclaim_psi_some_avg10"];
    private static readonly string[] ConditionKeys = ["available", "psi_some_avg10", "psi_full_avg10", "exhaustion_in"];

    /// <summary>Where each condition of each level was written (for ordering errors).</summary>
    internal sealed class Positions
    {
        public readonly Dictionary<string, TomlItem> Items = new(StringComparer.Ordinal);
        public TomlSection? LevelsSection;
    }

    public static LevelSettings BindLevels(TomlSection section, LevelSettings s, BindContext ctx, Positions at)
    {
        at.LevelsSection = section;
        foreach (var item in section.Items)
        {
            switch (item.Key)
            {
                case "enabled":
                    if (ctx.TryBool(item, out bool enabled)) s = s with { Enabled = enabled };
                    break;
                case "release":
                    if (ctx.TryBool(item, out bool release)) s = s with { Release = release };
                    break;
                case "release_kill":
                    if (ctx.TryBool(item, out bool releaseKill)) s = s with { ReleaseKill = releaseKill };
                    break;
                case "hold":
                    if (SettingsBinder.TryDuration(item, ctx, out var hold)) s = s with { Hold = hold };
                    break;
                case "release_grace":
                    if (TryPositive(item, ctx, out var grace)) s = s with { ReleaseGrace = grace };
                    break;
                case "repeat":
                    if (TryPositive(item, ctx, out var repeat)) s = s with { Repeat = repeat };
                    break;
                case "reclaim_step":
                    if (SettingsBinder.TryThreshold(item, ctx, out var step))
                    {
                        if (step.IsPercent ? step.Percent is <= 0 or > 100 : step.Bytes <= 0)
                            ctx.Error(item, $"'reclaim_step' = {Units.FormatThreshold(step)}: give bytes (\"16MiB\") or a percentage of the domain's total above 0 and at most 100%");
                        else s = s with { Reclaim = s.Reclaim with { Step = step } };
                    }
                    break;
                case "reclaim_interval":
                    if (TryPositive(item, ctx, out var interval)) s = s with { Reclaim = s.Reclaim with { Interval = interval } };
                    break;
                case "reclaim_psi_some_avg10":
                    if (TryPercent(item, ctx, out double stopPsi)) s = s with { Reclaim = s.Reclaim with { StopPsiSomeAvg10 = stopPsi } };
                    break;
                case "low" or "medium" or "critical":
                    // An inline table lands in its own section (levels.low); anything else is a mistake.
                    ctx.Error(item, $"'{item.Key}' must be a table of conditions, e.g. {item.Key} = {{ available = \"20%\" }}, not {BindContext.KindName(item.Value)}");
                    break;
                default:
                    ctx.UnknownKey(item, "[levels]", LevelsKeys);
                    break;
            }
        }
        return s;
    }

    /// <summary>One level's table: it replaces that level's default conditions as a whole (an empty table turns the
    /// level off).</summary>
    public static LevelSettings BindLevel(TomlSection section, string level, LevelSettings s, BindContext ctx, Positions at)
    {
        var c = new LevelConditions();
        foreach (var item in section.Items)
        {
            at.Items[level + "." + item.Key] = item;
            switch (item.Key)
            {
                case "available":
                    if (SettingsBinder.TryThreshold(item, ctx, out var t))
                    {
                        if (t.IsPercent && t.Percent > 100) ctx.Error(item, $"'available' = {Units.FormatThreshold(t)}: a percentage of the domain's total is at most 100%");
                        else c = c with { Available = t };
                    }
                    break;
                case "psi_some_avg10":
                    if (TryPercent(item, ctx, out double some)) c = c with { PsiSomeAvg10 = some };
                    break;
                case "psi_full_avg10":
                    if (TryPercent(item, ctx, out double full)) c = c with { PsiFullAvg10 = full };
                    break;
                case "exhaustion_in":
                    if (TryPositive(item, ctx, out var within)) c = c with { ExhaustionIn = within };
                    break;
                default:
                    ctx.UnknownKey(item, $"[levels.{level}]", ConditionKeys);
                    break;
            }
        }
        return level switch
        {
            "low" => s with { Low = c },
            "medium" => s with { Medium = c },
            _ => s with { Critical = c },
        };
    }

    /// <summary>After every level is bound: each condition of a looser level must be at least as loose as the same
    /// condition of a stricter one (available and exhaustion_in larger or equal, PSI thresholds smaller or equal);
    /// compared where both are written and comparable (available: both % or both bytes).</summary>
    public static void CheckOrder(LevelSettings s, BindContext ctx, Positions at)
    {
        for (int loose = 1; loose <= 2; loose++)
        {
            for (int tight = loose + 1; tight <= 3; tight++)
            {
                var a = s.For(loose);
                var b = s.For(tight);
                string la = LevelNames[loose - 1], lb = LevelNames[tight - 1];
                if (a.Available is { } ta && b.Available is { } tb && ta.IsPercent == tb.IsPercent
                    && (ta.IsPercent ? ta.Percent < tb.Percent : ta.Bytes < tb.Bytes))
                    Order(ctx, at, lb, "available", $"{lb}.available ({Units.FormatThreshold(tb)}) must not exceed {la}.available ({Units.FormatThreshold(ta)}): {la} comes first");
                if (a.PsiSomeAvg10 is { } sa && b.PsiSomeAvg10 is { } sb && sa > sb)
                    Order(ctx, at, lb, "psi_some_avg10", Invariant($"{lb}.psi_some_avg10 ({sb}) must not be below {la}.psi_some_avg10 ({sa}): {la} comes first"));
                if (a.PsiFullAvg10 is { } fa && b.PsiFullAvg10 is { } fb && fa > fb)
                    Order(ctx, at, lb, "psi_full_avg10", Invariant($"{lb}.psi_full_avg10 ({fb}) must not be below {la}.psi_full_avg10 ({fa}): {la} comes first"));
                if (a.ExhaustionIn is { } ea && b.ExhaustionIn is { } eb && ea < eb)
                    Order(ctx, at, lb, "exhaustion_in", $"{lb}.exhaustion_in ({Units.FormatDuration(eb)}) must not exceed {la}.exhaustion_in ({Units.FormatDuration(ea)}): {la} comes first");
            }
        }
    }

    /// <summary>Levels sit above the term level: a level whose <c>available</c> is at or below the term level of the
    /// same kind of domain would only ever be seen together with a kill (a warning, not an error).</summary>
    public static void CheckAboveTerm(DaemonSettings s, BindContext ctx, Positions at)
    {
        if (!s.Levels.Enabled) return;
        for (int l = 1; l <= 3; l++)
        {
            if (s.Levels.For(l).Available is not { } t) continue;
            if (!at.Items.TryGetValue(LevelNames[l - 1] + ".available", out var item)) continue;
            if (Below(t, s.System.MemAvailableTerm, ctx.Host.MemTotalBytes))
                ctx.Warn(item, $"{LevelNames[l - 1]}.available ({Units.FormatThreshold(t)}) is not above [system] mem_available_term ({Units.FormatThreshold(s.System.MemAvailableTerm)}): the system domain would warn only when it already kills");
            else if (t.IsPercent && s.Cgroups.HeadroomTerm.IsPercent && t.Percent <= s.Cgroups.HeadroomTerm.Percent)
                ctx.Warn(item, $"{LevelNames[l - 1]}.available ({Units.FormatThreshold(t)}) is not above [cgroups] headroom_term ({Units.FormatThreshold(s.Cgroups.HeadroomTerm)}): a cgroup would warn only when it already kills");
        }
    }

    private static bool Below(Threshold level, Threshold term, long totalBytes)
    {
        if (level.IsPercent == term.IsPercent) return level.IsPercent ? level.Percent <= term.Percent : level.Bytes <= term.Bytes;
        return totalBytes > 0 && level.ToBytes(totalBytes) <= term.ToBytes(totalBytes);
    }

    private static void Order(BindContext ctx, Positions at, string level, string key, string message)
    {
        if (at.Items.TryGetValue(level + "." + key, out var item)) ctx.Error(item, message);
        else if (at.LevelsSection is { } s) ctx.Error(s.Line, s.Column, message);
        else ctx.Error(1, 1, message);
    }

    private static bool TryPositive(TomlItem item, BindContext ctx, out TimeSpan duration)
    {
        if (!SettingsBinder.TryDuration(item, ctx, out duration)) return false;
        if (duration > TimeSpan.Zero) return true;
        ctx.Error(item, $"'{item.Key}' must be greater than zero");
        return false;
    }

    /// <summary>A PSI average: a number from 0 to 100 (percent of time stalled), written bare (20 or 20.0).</summary>
    private static bool TryPercent(TomlItem item, BindContext ctx, out double value)
    {
        value = item.Value switch
        {
            IntegerValueSyntax i => i.Value,
            FloatValueSyntax f => f.Value,
            _ => double.NaN,
        };
        if (double.IsNaN(value))
        {
            ctx.Error(item, $"'{item.Key}' must be a number of percent from 0 to 100 (e.g. 20.0), not {BindContext.KindName(item.Value)}");
            return false;
        }
        if (value is < 0 or > 100 || !double.IsFinite(value))
        {
            ctx.Error(item, Invariant($"'{item.Key}' = {value} is out of range: PSI averages are 0 to 100 (percent)"));
            return false;
        }
        return true;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
