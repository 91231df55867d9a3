using OomWarden.Core.Decisions;
using OomWarden.Core.Policy;
using Tomlyn.Syntax;

namespace OomWarden.Configuration;

/// <summary>Compiles one <c>[[rule]]</c> table: globs and regexes are built here, once, and every
/// problem is reported at the line of the key that causes it.</summary>
internal static class RuleCompiler
{
    public static readonly string[] MatchKeys = ["cgroup", "comm", "exe", "cmdline", "user", "unit"];
    public static readonly string[] EffectKeys = ["priority", "protect", "kill", "term_grace", "signal", "oom_delay", "reclaim"];
    private static readonly string[] AllKeys = ["name", .. MatchKeys, .. EffectKeys];

    /// <summary>The kernel keeps 15 characters of a process name (TASK_COMM_LEN 16).</summary>
    private const int CommMaxLength = 15;

    /// <param name="number">1-based position of the rule in its file, for the default name.</param>
    /// <param name="originPrefix">"FILE" or "preset:NAME"; the origin is "PREFIX:LINE".</param>
    public static PolicyRule? Compile(TomlSection section, int number, string originPrefix, string namePrefix, BindContext ctx)
    {
        int errorsBefore = ctx.Errors.Count;
        string name = namePrefix + "rule " + number;
        var match = new RuleMatch();
        var effect = new RuleEffect();
        var seen = new Dictionary<string, TomlItem>(StringComparer.Ordinal);

        foreach (var item in section.Items)
        {
            seen[item.Key] = item;
            switch (item.Key)
            {
                case "name":
                    if (ctx.TryString(item, out var n))
                    {
                        if (n.Length == 0) ctx.Error(item, "'name' must not be empty");
                        else name = namePrefix + n;
                    }
                    break;
                case "cgroup":
                    if (TryGlobs(item, ctx, out var cgroups))
                    {
                        foreach (var g in cgroups)
                        {
                            if (!g.Pattern.StartsWith('/') && !g.Pattern.StartsWith('*'))
                                ctx.Error(item, $"cgroup glob \"{g.Pattern}\" must start with '/' (paths look like /system.slice/ssh.service)");
                        }
                        match = match with { Cgroup = cgroups };
                    }
                    break;
                case "comm":
                    if (TryGlobs(item, ctx, out var comms))
                    {
                        foreach (var g in comms)
                        {
                            if (g.Pattern.Length > CommMaxLength && g.Pattern.IndexOfAny(['*', '?', '[']) < 0)
                                ctx.Error(item, $"comm \"{g.Pattern}\" can never match: the kernel keeps only the first {CommMaxLength} characters (\"{g.Pattern[..CommMaxLength]}\"); use exe or cmdline for longer names");
                        }
                        match = match with { Comm = comms };
                    }
                    break;
                case "exe":
                    if (TryGlobs(item, ctx, out var exes)) match = match with { Exe = exes };
                    break;
                case "unit":
                    if (TryGlobs(item, ctx, out var units)) match = match with { Unit = units };
                    break;
                case "cmdline":
                    if (ctx.TryStringList(item, out var patterns))
                    {
                        // Our own linear-time engine (Core/Policy/CmdlineRegex): no backtracking, no ReDoS from a config file.
                        var regexes = new List<CmdlineRegex>();
                        foreach (var p in patterns)
                        {
                            if (CmdlineRegex.TryCompile(p, out var regex, out var error)) regexes.Add(regex);
                            else ctx.Error(item, $"'cmdline' regex \"{p}\" is invalid: {error}");
                        }
                        match = match with { Cmdline = regexes };
                    }
                    break;
                case "user":
                    if (ctx.TryStringList(item, out var users, allowIntegers: true))
                    {
                        var list = new List<UserMatch>();
                        foreach (var u in users)
                        {
                            if (u.Length == 0 || u.StartsWith('-')) ctx.Error(item, $"'user' \"{u}\" is neither a user name nor a uid");
                            else if (TryResolveUser(u, item, ctx, out var user)) list.Add(user);
                        }
                        match = match with { User = list };
                    }
                    break;
                case "priority":
                    if (ctx.TryInt32(item, out int priority)) effect = effect with { Priority = priority };
                    break;
                case "protect":
                    if (ctx.TryBool(item, out bool protect)) effect = effect with { Protect = protect };
                    break;
                case "kill":
                    if (ctx.TryString(item, out var kill))
                    {
                        if (kill == "process") effect = effect with { Kill = KillMode.Process };
                        else if (kill == "cgroup") effect = effect with { Kill = KillMode.Cgroup };
                        else ctx.Error(item, $"'kill' must be \"process\" or \"cgroup\", not \"{kill}\"");
                    }
                    break;
                case "term_grace":
                    if (SettingsBinder.TryDuration(item, ctx, out var grace)) effect = effect with { TermGrace = grace };
                    break;
                case "oom_delay":
                    if (SettingsBinder.TryOomDelay(item, ctx, out var oomDelay)) effect = effect with { OomDelay = oomDelay };
                    break;
                case "reclaim":
                    if (ctx.TryBool(item, out bool reclaim)) effect = effect with { Reclaim = reclaim };
                    break;
                case "signal":
                    if (item.Value is IntegerValueSyntax or StringValueSyntax)
                    {
                        string text = item.Value is StringValueSyntax { Value: { } s } ? s : ((IntegerValueSyntax)item.Value).Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
                        if (Signals.TryParse(text, out int signal)) effect = effect with { Signal = signal };
                        else ctx.Error(item, $"'signal' \"{text}\" is not a signal (write \"SIGTERM\", \"TERM\", \"SIGKILL\"... or a number 1..64)");
                    }
                    else
                    {
                        ctx.Error(item, $"'signal' must be a signal name or number, not {BindContext.KindName(item.Value)}");
                    }
                    break;
                default:
                    ctx.UnknownKey(item, "[[rule]]", AllKeys);
                    break;
            }
        }

        if (!AnySeen(MatchKeys, seen))
            ctx.Error(section.Line, section.Column, $"{name}: a rule needs at least one match key ({string.Join(", ", MatchKeys)})");
        if (!AnySeen(EffectKeys, seen))
            ctx.Error(section.Line, section.Column, $"{name}: a rule needs at least one effect key ({string.Join(", ", EffectKeys)})");
        if (effect.Protect == true)
        {
            foreach (var conflicting in (ReadOnlySpan<string>)["priority", "kill", "term_grace", "signal"])
            {
                if (seen.TryGetValue(conflicting, out var item))
                    ctx.Error(item, $"{name}: '{conflicting}' conflicts with protect = true (a protected node is never killed)");
            }
        }

        if (seen.TryGetValue("oom_delay", out var delayItem) && !match.AppliesToCgroups)
            ctx.Error(delayItem, $"{name}: 'oom_delay' applies to cgroups (the cgroup's limit), but this rule matches processes (comm, exe, cmdline or user); use cgroup or unit only");
        if (seen.TryGetValue("reclaim", out var reclaimItem) && !match.AppliesToCgroups)
            ctx.Error(reclaimItem, $"{name}: 'reclaim' applies to cgroups (memory.reclaim is a cgroup file), but this rule matches processes (comm, exe, cmdline or user); use cgroup or unit only");
        if (ctx.Errors.Count != errorsBefore) return null;
        return new PolicyRule(name, $"{originPrefix}:{section.Line}", match, effect);
    }

    /// <summary>A uid as written, or a name resolved to its uid now, once: processes are matched by uid, so a name
    /// that is not a user of this machine is an error, not a rule that silently matches nothing.</summary>
    private static bool TryResolveUser(string text, TomlItem item, BindContext ctx, out UserMatch user)
    {
        user = UserMatch.Parse(text);
        if (user.Name is null) return true;
        if (ctx.Host.LookupUser(text, out int uid, out string? error))
        {
            user = UserMatch.ForResolvedName(text, uid);
            return true;
        }
        ctx.Error(item, error is null
            ? $"'user' \"{text}\": no such user on this machine (write a uid, or create the user first)"
            : $"'user' \"{text}\": cannot look the user up: {error}");
        return false;
    }

    private static bool TryGlobs(TomlItem item, BindContext ctx, out List<Glob> globs)
    {
        globs = [];
        if (!ctx.TryStringList(item, out var patterns)) return false;
        bool ok = true;
        foreach (var p in patterns)
        {
            if (Glob.TryCompile(p, out var glob, out var error)) globs.Add(glob!);
            else
            {
                ctx.Error(item, $"'{item.Key}': {error}");
                ok = false;
            }
        }
        return ok;
    }

    private static bool AnySeen(string[] keys, Dictionary<string, TomlItem> seen)
    {
        foreach (var k in keys)
            if (seen.ContainsKey(k)) return true;
        return false;
    }
}
