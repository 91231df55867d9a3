// Shared by both programs: the same work (40 series, rendered and written every 100 ms for 10 s), then the
// process's own figures on one line: "rss_kib=N threads=N".
static class Footprint
{
    public static void Report()
    {
        long rss = 0; int threads = 0;
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:")) rss = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            if (line.StartsWith("Threads:")) threads = int.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]);
        }
        Console.WriteLine($"rss_kib={rss} threads={threads}");
    }
}
