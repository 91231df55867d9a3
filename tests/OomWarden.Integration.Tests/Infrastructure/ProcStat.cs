namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>The state letter of /proc/PID/stat (the field after the comm's closing parenthesis).</summary>
public static class ProcStat
{
    /// <summary>'R', 'S', 'D' (for instance in the kernel's OOM wait), 'T' (stopped), 'Z' (zombie)...; '?' when the
    /// process is gone.</summary>
    public static char State(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close >= 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
        }
        catch (IOException)
        {
            return '?';
        }
    }
}
