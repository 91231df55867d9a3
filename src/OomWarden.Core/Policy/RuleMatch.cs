using OomWarden.Core.Model;

namespace OomWarden.Core.Policy;

/// <summary>The match keys of a rule. Each key present must match (AND); a key given as a list matches when
/// any of its patterns does (OR). Absent keys match everything.</summary>
public sealed record RuleMatch
{
    public IReadOnlyList<Glob> Cgroup { get; init; } = [];
    public IReadOnlyList<Glob> Comm { get; init; } = [];
    public IReadOnlyList<Glob> Exe { get; init; } = [];

    /// <summary>Searched (unanchored) in the command line, NULs shown as spaces (<see cref="CmdlineRegex"/>).</summary>
    public IReadOnlyList<CmdlineRegex> Cmdline { get; init; } = [];
    public IReadOnlyList<UserMatch> User { get; init; } = [];
    public IReadOnlyList<Glob> Unit { get; init; } = [];

    public bool IsEmpty => Cgroup.Count == 0 && Comm.Count == 0 && Exe.Count == 0 && Cmdline.Count == 0
        && User.Count == 0 && Unit.Count == 0;

    /// <summary>A rule that looks only at the cgroup (cgroup and/or unit keys) applies to cgroup nodes only; any
    /// process key (comm, exe, cmdline, user) makes the rule apply to processes only, and its cgroup/unit keys then
    /// narrow it to processes whose own cgroup matches.</summary>
    /// <remarks>Cgroup rules do not also rank the processes inside the cgroup: if they did, a cgroup rule written
    /// before a process rule would shadow it for every process in that cgroup (first match wins). A protected cgroup
    /// still shields every process below it, because the walk never enters it.</remarks>
    public bool AppliesToCgroups => Comm.Count == 0 && Exe.Count == 0 && Cmdline.Count == 0 && User.Count == 0
        && (Cgroup.Count > 0 || Unit.Count > 0);

    public bool Matches(CgroupNode cgroup) => MatchesCgroup(cgroup.Path);

    /// <summary>Whether this rule applies to the cgroup at <paramref name="cgroupPath"/> (cgroup-only rules).</summary>
    public bool MatchesCgroup(string cgroupPath) => AppliesToCgroups && MatchesCgroupPath(cgroupPath);

    public bool Matches(ProcessSample process)
    {
        if (AppliesToCgroups || IsEmpty) return false;
        if (!MatchesCgroupPath(process.CgroupPath)) return false;
        if (Comm.Count > 0 && !Any(Comm, process.Comm)) return false;
        if (Exe.Count > 0 && (process.ExePath is null || !MatchesExe(process.ExePath))) return false;
        if (Cmdline.Count > 0)
        {
            if (process.CommandLine is null) return false;
            bool found = false;
            foreach (var regex in Cmdline)
            {
                if (regex.IsMatch(process.CommandLine)) { found = true; break; }
            }
            if (!found) return false;
        }
        if (User.Count > 0)
        {
            bool found = false;
            foreach (var user in User)
            {
                if (user.IsMatch(process.Uid, process.UserName)) { found = true; break; }
            }
            if (!found) return false;
        }
        return true;
    }

    private bool MatchesCgroupPath(string path)
    {
        if (Cgroup.Count > 0 && !Any(Cgroup, path)) return false;
        if (Unit.Count > 0)
        {
            string? unit = SystemdUnit.FromCgroupPath(path);
            if (unit is null || !Any(Unit, unit)) return false;
        }
        return true;
    }

    /// <summary>The kernel shows a binary replaced since it was started (a package upgrade) as "PATH (deleted)": it
    /// still is the file that was at PATH, so it matches as PATH. Only the owner of PATH's directory can delete it.</summary>
    private bool MatchesExe(string exe)
    {
        const string Deleted = " (deleted)";
        if (Any(Exe, exe)) return true;
        return exe.EndsWith(Deleted, StringComparison.Ordinal) && Any(Exe, exe[..^Deleted.Length]);
    }

    private static bool Any(IReadOnlyList<Glob> globs, string text)
    {
        foreach (var glob in globs)
        {
            if (glob.IsMatch(text)) return true;
        }
        return false;
    }

    /// <summary>"cgroup=/batch/* comm=make|ninja", as check-config prints it.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Cgroup.Count > 0) parts.Add("cgroup=" + string.Join('|', Cgroup));
        if (Unit.Count > 0) parts.Add("unit=" + string.Join('|', Unit));
        if (Comm.Count > 0) parts.Add("comm=" + string.Join('|', Comm));
        if (Exe.Count > 0) parts.Add("exe=" + string.Join('|', Exe));
        if (Cmdline.Count > 0)
        {
            var regexes = new string[Cmdline.Count];
            for (int i = 0; i < regexes.Length; i++) regexes[i] = "/" + Cmdline[i] + "/";
            parts.Add("cmdline=" + string.Join('|', regexes));
        }
        if (User.Count > 0) parts.Add("user=" + string.Join('|', User));
        return string.Join(' ', parts);
    }
}
