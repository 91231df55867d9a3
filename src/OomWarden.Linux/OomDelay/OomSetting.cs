namespace OomWarden.Linux.OomDelay;

/// <summary>One cgroup setting oomwarden changed for oom_delay, and the value that puts it back: v1
/// <c>memory.oom_control</c> ("0" or "1", the old oom_kill_disable), v2 <c>memory.high</c> ("max" or bytes).</summary>
/// <param name="Directory">The cgroup's absolute directory (/sys/fs/cgroup/memory/foo).</param>
public readonly record struct OomSetting(string Directory, string File, string OldValue)
{
    public const string V1OomControl = "memory.oom_control";
    public const string V2High = "memory.high";

    public string Path => System.IO.Path.Combine(Directory, File);

    /// <summary>What a state file may hold: only these two files, a plain absolute directory (no "." or ".."
    /// component, no control character, no tab) and a value the file takes. Anything else is refused on write and
    /// on read, so a damaged or planted state file cannot make oomwarden write elsewhere or write something else.</summary>
    public bool IsValid
    {
        get
        {
            if (Directory is null || File is null || OldValue is null) return false;
            if (!Directory.StartsWith('/') || Directory.Length > 4096) return false;
            foreach (char c in Directory) if (c < ' ' || c == '\u007f') return false;
            foreach (var part in Directory.Split('/'))
                if (part is "." or "..") return false;
            return File switch
            {
                V1OomControl => OldValue is "0" or "1",
                V2High => OldValue == "max" || (OldValue.Length is > 0 and <= 20 && !OldValue.AsSpan().ContainsAnyExceptInRange('0', '9')),
                _ => false,
            };
        }
    }
}
