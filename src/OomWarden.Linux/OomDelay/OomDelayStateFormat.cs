using System.Text;

namespace OomWarden.Linux.OomDelay;

/// <summary>The state file's text: a header line, then one "restore DIRECTORY&lt;TAB&gt;FILE&lt;TAB&gt;OLD" line per changed
/// setting. Pure: parsing apart from reading.</summary>
public static class OomDelayStateFormat
{
    public const string Header = "# oomwarden oom_delay state 1: cgroup settings to put back (oomwarden restore-oom-settings)";
    private const string Prefix = "restore ";

    public static string Format(IEnumerable<OomSetting> settings)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var s in settings)
            sb.Append(Prefix).Append(s.Directory).Append('\t').Append(s.File).Append('\t').Append(s.OldValue).Append('\n');
        return sb.ToString();
    }

    /// <summary>Every valid entry; <paramref name="rejected"/> counts lines that are neither blank, a comment nor a
    /// valid entry (they are not acted on).</summary>
    public static List<OomSetting> Parse(string text, out int rejected)
    {
        var list = new List<OomSetting>();
        rejected = 0;
        foreach (var raw in text.Split('\n'))
        {
            if (raw.Length == 0 || raw.StartsWith('#')) continue;
            if (!raw.StartsWith(Prefix, StringComparison.Ordinal)) { rejected++; continue; }
            var parts = raw[Prefix.Length..].Split('\t');
            var s = parts.Length == 3 ? new OomSetting(parts[0], parts[1], parts[2]) : default;
            if (parts.Length == 3 && s.IsValid) list.Add(s);
            else rejected++;
        }
        return list;
    }
}
