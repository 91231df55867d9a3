namespace OomWarden.Core.Policy;

/// <summary>Finds <c>protect = true</c> rules that a local user can satisfy on purpose, for <c>check-config</c>'s
/// warnings. A forged protection does more harm than a forged priority: the walk backtracks out of a cgroup whose
/// only candidate is protected, so a protected hog pushes the kills onto other users' processes.</summary>
public static class ProtectionAudit
{
    /// <summary>"ORIGIN: warning: NAME: why", one per rule that a user can forge, in rule order.</summary>
    public static IReadOnlyList<string> Warnings(CompiledPolicy policy)
    {
        var warnings = new List<string>();
        foreach (var rule in policy.Rules)
        {
            if (rule.Effect.Protect != true) continue;
            if (Why(rule.Match) is { } why) warnings.Add($"{rule.Origin}: warning: {rule.Name}: {why}");
        }
        return warnings;
    }

    /// <summary>Why a protection matching <paramref name="match"/> can be forged by a user, or null when it cannot.</summary>
    public static string? Why(RuleMatch match)
    {
        bool anchored = match.Cgroup.Count > 0 || match.User.Count > 0;
        if (anchored) return null;
        if (match.Exe.Count > 0)
        {
            return "protect = true on exe alone: a user can run that binary with code of their own (LD_PRELOAD), or show "
                + "any file at that path from a private mount namespace; add user = 0 for a daemon that runs as root, "
                + "or a cgroup key";
        }
        if (match.Unit.Count > 0)
        {
            return "protect = true on unit names: under a user's own systemd (user@UID.service) the user names the units "
                + "and can start one called so; write the system unit's cgroup (cgroup = \"/system.slice/NAME.service\")";
        }
        // comm = "**" alone protects every process: a catch-all, nothing for a user to forge.
        if (match.Cmdline.Count == 0 && match.Comm.Count > 0 && AllCatchAll(match.Comm)) return null;
        if (match.Comm.Count > 0 || match.Cmdline.Count > 0)
        {
            return "protect = true matches only on comm/cmdline, which every process chooses itself (prctl(PR_SET_NAME), "
                + "exec -a, a symlink named so): any user can get this protection; match on exe with user = 0, on cgroup, "
                + "or on user instead";
        }
        return null;
    }

    private static bool AllCatchAll(IReadOnlyList<Glob> globs)
    {
        foreach (var g in globs)
            if (g.Pattern is not ("*" or "**")) return false;
        return true;
    }
}
