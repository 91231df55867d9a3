using System.Text;
using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>A report stays open <see cref="OomLogReader.AfterKillBytes"/> past its kill line for the reaper: the lines
/// that start inside that window join it, later ones do not, however the input arrives (one file read, or a pipe
/// trickling a few KiB at a time). The window used to run on to the end of whatever the buffer held when no line
/// ended exactly at its end: a reaper line 120 KB after the kill joined the report read from a file and not the same
/// report read from a pipe.</summary>
public sealed class AfterKillWindowTests
{
    private static byte[] Log(int noiseBytes)
    {
        var lines = File.ReadAllLines(Fixtures.PathOf("reconstructed-4.15-global.log"));
        var sb = new StringBuilder();
        int n = 0;
        foreach (var l in lines)
        {
            if (l.Contains("oom_reaper:", StringComparison.Ordinal))
            {
                // the same reaper line, after noiseBytes of unrelated lines (odd lengths: no line ends on a round offset)
                while (sb.Length < noiseBytes + 8000)
                    sb.Append($"[53121.6{n++ % 100000:00000}] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None{new string('x', n % 7)}\n");
            }
            sb.Append(l).Append('\n');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static List<OomReport> Read(byte[] log, int chunk)
    {
        var reports = new List<OomReport>();
        var reader = new OomLogReader(reports.Add, holdForBootInfo: true);
        for (int i = 0; i < log.Length; i += chunk) reader.Feed(log.AsSpan(i, Math.Min(chunk, log.Length - i)));
        reader.Complete();
        return reports;
    }

    [Theory]
    [InlineData(30_000, true)]
    [InlineData(120_000, false)]
    [InlineData(500_000, false)]
    public void A_reaper_line_joins_its_report_only_inside_the_window_whatever_the_reads(int noiseBytes, bool joins)
    {
        var log = Log(noiseBytes);
        foreach (int chunk in new[] { log.Length, 1 << 20, 65_536, 4096, 1000, 97 })
        {
            var r = Assert.Single(Read(log, chunk));
            Assert.Equal(2905, r.Killed?.Pid);
            Assert.True((r.ReapedPid == 2905) == joins, $"chunks of {chunk} bytes: reaped_pid {r.ReapedPid?.ToString() ?? "null"}, {noiseBytes} bytes after the kill line");
        }
    }
}
