using System.Globalization;

namespace OomWarden.Control;

/// <summary>The daemon's own footprint, read from its /proc/self when status or the metrics ask (never per tick):
/// resident memory, CPU time, open descriptors, threads, and when it started.</summary>
public readonly record struct SelfStats(long RssBytes, double CpuSeconds, int OpenFds, int Threads, DateTimeOffset StartTime)
{
    /// <summary>Set once at start (the process's own start, as near as the program sees it).</summary>
    public static DateTimeOffset Started { get; } = DateTimeOffset.UtcNow - SinceProcessStart();

    public TimeSpan Uptime => DateTimeOffset.UtcNow - StartTime;

    /// <summary>The real process's figures (always the real /proc: --proc-root names the host watched, not this process).</summary>
    public static SelfStats Read()
    {
        long rss = 0;
        int threads = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = ParseKb(line) * 1024;
                else if (line.StartsWith("Threads:", StringComparison.Ordinal)) threads = (int)ParseKb(line);
            }
        }
        catch (IOException) { }
        int fds = 0;
        try
        {
            foreach (var _ in Directory.EnumerateFileSystemEntries("/proc/self/fd")) fds++;
            fds--; // the directory's own descriptor
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return new SelfStats(rss, Environment.CpuUsage.TotalTime.TotalSeconds, Math.Max(fds, 0), threads, Started);
    }

    private static long ParseKb(string line)
    {
        var span = line.AsSpan(line.IndexOf(':') + 1).Trim();
        int space = span.IndexOf(' ');
        if (space > 0) span = span[..space];
        return long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v : 0;
    }

    /// <summary>Time since the process started: /proc/uptime minus field 22 of /proc/self/stat (clock ticks since
    /// boot, USER_HZ = 100 on every Linux ABI); zero when unreadable.</summary>
    private static TimeSpan SinceProcessStart()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long ticks))
            {
                string uptime = File.ReadAllText("/proc/uptime");
                double up = double.Parse(uptime[..uptime.IndexOf(' ')], CultureInfo.InvariantCulture);
                return TimeSpan.FromSeconds(Math.Max(0, up - ticks / 100.0));
            }
        }
        catch (Exception e) when (e is IOException or FormatException or ArgumentException) { }
        return TimeSpan.Zero;
    }
}
