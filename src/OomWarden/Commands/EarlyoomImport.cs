using System.Globalization;
using System.Text;

namespace OomWarden.Commands;

/// <summary>Translates an earlyoom command line (1.7 and 1.8 flags) into an oomwarden configuration. Every flag
/// either becomes a setting or a rule, or a comment saying why there is no equivalent.</summary>
public static class EarlyoomImport
{
    /// <summary>The TOML text, or null with <paramref name="error"/> set for an unknown flag or a bad value.</summary>
    public static string? Translate(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        double memTerm = 10, swapTerm = 10;
        double? memKill = null, swapKill = null;
        long? memTermKiB = null, memKillKiB = null, swapTermKiB = null, swapKillKiB = null;
        bool dryRun = false, ignoreRoot = false;
        var rules = new List<(string Flag, string Regex)>();
        var notes = new List<string>();

        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string? inlineValue = null;
            string flag = a;
            if (a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=') is int eq and > 2)
            {
                flag = a[..eq];
                inlineValue = a[(eq + 1)..];
            }
            else if (a.Length > 2 && a[0] == '-' && a[1] != '-')
            {
                // getopt: "-m10" is "-m 10"; "-ng" is "-n -g".
                if ("msMSNr".Contains(a[1]))
                {
                    flag = a[..2];
                    inlineValue = a[2..];
                }
                else
                {
                    var expanded = a[1..].Select(c => "-" + c).ToList();
                    if (expanded.Any(e => "msMSNr".Contains(e[1])))
                    {
                        error = $"'{a}': an option that takes a value must come last in a group";
                        return null;
                    }
                    var rest = args.Take(i).Concat(expanded).Concat(args.Skip(i + 1)).ToList();
                    return Translate(rest, out error);
                }
            }

            string? Value()
            {
                if (inlineValue is not null) return inlineValue;
                if (i + 1 < args.Count) return args[++i];
                return null;
            }

            switch (flag)
            {
                case "-m" or "-s":
                {
                    string? v = Value();
                    if (v is null || !TryPair(v, out double term, out double? kill) || term > 100 || kill > 100)
                    {
                        error = $"{flag} needs PERCENT[,KILL_PERCENT] (0..100), got '{v}'";
                        return null;
                    }
                    if (flag == "-m") { memTerm = term; memKill = kill; }
                    else { swapTerm = term; swapKill = kill; }
                    break;
                }
                case "-M" or "-S":
                {
                    string? v = Value();
                    if (v is null || !TryPair(v, out double term, out double? kill))
                    {
                        error = $"{flag} needs SIZE[,KILL_SIZE] in KiB, got '{v}'";
                        return null;
                    }
                    long termKiB = (long)term, killKiB = (long)(kill ?? term / 2);
                    if (flag == "-M") { memTermKiB = termKiB; memKillKiB = killKiB; }
                    else { swapTermKiB = termKiB; swapKillKiB = killKiB; }
                    break;
                }
                case "--prefer" or "--avoid" or "--ignore":
                {
                    string? v = Value();
                    if (v is null)
                    {
                        error = $"{flag} needs a REGEX";
                        return null;
                    }
                    rules.Add((flag, v));
                    break;
                }
                case "--ignore-root-user": ignoreRoot = true; break;
                case "--dryrun": dryRun = true; break;
                case "-n":
                    notes.Add("-n (D-Bus notifications): no equivalent; every kill is a JSON line in the event journal ([action] events), see docs/MIGRATING.md for a follower");
                    break;
                case "-N":
                {
                    string? v = Value();
                    notes.Add($"-N {v} (script per kill): no equivalent; run it from the journal: tail -F the events file | jq (docs/MIGRATING.md)");
                    break;
                }
                case "-g":
                    notes.Add("-g (kill the victim's whole process group): no process-group kill; the nearest is kill = \"cgroup\" on a rule, which kills the victim's cgroup as a unit");
                    break;
                case "-r":
                {
                    string? v = Value();
                    notes.Add($"-r {v} (memory report interval): no periodic report; `oomwarden explain` shows the state on demand");
                    break;
                }
                case "-p":
                    notes.Add("-p (niceness -20, oom_score_adj -100): the unit sets Nice=-10 and OOMScoreAdjust=-1000");
                    break;
                case "--sort-by-rss":
                    notes.Add("--sort-by-rss: no equivalent; oomwarden ranks by priority, then footprint (rss + swap + page tables)");
                    break;
                case "-d":
                    notes.Add("-d (debug): `oomwarden explain` and the journal's reason field say why each decision was made");
                    break;
                case "-k" or "-i":
                    notes.Add($"{flag}: ignored by earlyoom itself");
                    break;
                default:
                    error = $"unknown earlyoom option '{a}'";
                    return null;
            }
        }

        var w = new StringBuilder();
        w.Append("# oomwarden configuration translated from: earlyoom").Append(args.Count > 0 ? " " : "").AppendLine(Comment(string.Join(' ', args.Select(Quote))));
        w.AppendLine("# Check it with: oomwarden check-config FILE");
        w.AppendLine("# earlyoom watches only the whole machine; oomwarden also acts on each cgroup at its own limit");
        w.AppendLine("# ([cgroups] enabled = false keeps earlyoom's behaviour).");
        foreach (var note in notes) w.AppendLine("# " + Comment(note));
        w.AppendLine();
        w.AppendLine("[system]");
        Level(w, "mem_available", memTerm, memKill, memTermKiB, memKillKiB, "-m", "-M");
        Level(w, "swap_free", swapTerm, swapKill, swapTermKiB, swapKillKiB, "-s", "-S");
        w.AppendLine("combine = \"and\"   # earlyoom acts only when memory AND swap are low (no swap counts as low)");
        if (dryRun)
        {
            w.AppendLine();
            w.AppendLine("[action]");
            w.AppendLine("dry_run = true");
        }

        if (ignoreRoot)
        {
            w.AppendLine();
            w.AppendLine("[[rule]]");
            w.AppendLine("name = \"earlyoom --ignore-root-user\"");
            w.AppendLine("user = \"0\"");
            w.AppendLine("protect = true");
        }
        // First match wins: what earlyoom never kills comes before what it merely prefers or avoids.
        foreach (var (flag, regex) in rules.Where(r => r.Flag == "--ignore").Concat(rules.Where(r => r.Flag != "--ignore")))
        {
            w.AppendLine();
            w.AppendLine("[[rule]]");
            w.AppendLine("name = " + TomlString($"earlyoom {flag} {regex}"));
            if (CommGlobs(regex) is { } globs)
            {
                w.AppendLine("comm = [" + string.Join(", ", globs.Select(TomlString)) + "]");
            }
            else
            {
                w.AppendLine("# earlyoom matched this against the process name; oomwarden's comm takes globs, so the regex");
                w.AppendLine("# is matched against the command line instead: check that it still selects the same processes.");
                w.AppendLine("cmdline = " + TomlString(regex));
            }
            switch (flag)
            {
                case "--prefer":
                    w.AppendLine("priority = -300   # earlyoom adds 300 to the oom_score; here it goes first among its siblings");
                    break;
                case "--avoid":
                    w.AppendLine("priority = 300    # earlyoom subtracts 300 from the oom_score; here it goes last among its siblings");
                    break;
                default:
                    w.AppendLine("protect = true");
                    break;
            }
        }
        return w.ToString();
    }

    private static void Level(StringBuilder w, string key, double termPercent, double? killPercent, long? termKiB, long? killKiB, string percentFlag, string sizeFlag)
    {
        if (termKiB is { } t)
        {
            // earlyoom takes the lower of the two; a size is the common reason to pass both ("10% but at most 1 GiB").
            w.AppendLine($"{key}_term = \"{t}KiB\"   # {sizeFlag}" + (termPercent != 10 || killPercent is not null ? $"; earlyoom used the lower of this and {percentFlag} {Number(termPercent)}%" : ""));
            w.AppendLine($"{key}_kill = \"{killKiB}KiB\"");
            return;
        }
        w.AppendLine($"{key}_term = \"{Number(termPercent)}%\"");
        w.AppendLine($"{key}_kill = \"{Number(killPercent ?? termPercent / 2)}%\"");
    }

    private static bool TryPair(string text, out double term, out double? kill)
    {
        kill = null;
        var parts = text.Split(',');
        if (parts.Length > 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out term) || term < 0) { term = 0; return false; }
        if (parts.Length == 2)
        {
            if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double k) || k < 0 || k > term) return false;
            kill = k;
        }
        return true;
    }

    /// <summary>A regex that is a (possibly anchored) alternation of plain names, as comm globs: "^(chrome|firefox)$" →
    /// ["chrome", "firefox"], "java" → ["*java*"]. Null when the regex is anything more.</summary>
    public static IReadOnlyList<string>? CommGlobs(string regex)
    {
        bool start = regex.StartsWith('^'), end = regex.EndsWith('$') && !regex.EndsWith("\\$", StringComparison.Ordinal);
        string body = regex[(start ? 1 : 0)..(end ? regex.Length - 1 : regex.Length)];
        if (body.StartsWith('(') && body.EndsWith(')')) body = body[1..^1];
        var globs = new List<string>();
        foreach (var alternative in body.Split('|'))
        {
            string? name = PlainName(alternative);
            if (name is null) return null;
            // The kernel keeps 15 characters of a command name, and earlyoom matched against those.
            if (start && end && name.Length > 15) name = name[..15];
            globs.Add((start ? "" : "*") + name + (end ? "" : "*"));
        }
        return globs;
    }

    /// <summary>An alternative of letters, digits, '_', '-', ' ' and the escapes \. \+ \-, unescaped; null when it is
    /// empty or holds anything else (a regex metacharacter).</summary>
    private static string? PlainName(string alternative)
    {
        var name = new StringBuilder(alternative.Length);
        for (int i = 0; i < alternative.Length; i++)
        {
            char c = alternative[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or ' ') name.Append(c);
            else if (c == '\\' && i + 1 < alternative.Length && alternative[i + 1] is '.' or '+' or '-') name.Append(alternative[++i]);
            else return null;
        }
        return name.Length == 0 ? null : name.ToString();
    }

    /// <summary>Text made safe for a TOML comment: control characters (a newline would end it) become spaces.</summary>
    private static string Comment(string text) => new(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray());

    private static string Number(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>A TOML literal string when it can be one (no quote, no control character), else a basic string.</summary>
    public static string TomlString(string s)
    {
        if (!s.Contains('\'') && !s.Any(char.IsControl)) return "'" + s + "'";
        var b = new StringBuilder("\"");
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case < ' ': b.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)); break;
                default: b.Append(c); break;
            }
        }
        return b.Append('"').ToString();
    }

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || c is '-' or ',' or '.' or '/' or '=' or '_') ? arg : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
