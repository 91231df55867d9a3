namespace OomWarden.Linux.Parsing;

/// <summary>cgroup.procs / tasks: one pid per line.</summary>
public static class PidListParser
{
    /// <summary>Appends the pids of <paramref name="text"/> to <paramref name="pids"/>; false on a malformed line
    /// (the pids before it are kept). An empty file is a valid, empty list.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, List<int> pids)
    {
        while (!text.IsEmpty)
        {
            var line = SpanText.Trim(SpanText.NextLine(ref text));
            if (line.IsEmpty) continue;
            if (!SpanText.TryParseInt32(line, out int pid) || pid <= 0) return false;
            pids.Add(pid);
        }
        return true;
    }
}
