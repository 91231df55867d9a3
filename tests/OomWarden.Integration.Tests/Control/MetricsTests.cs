using System.Net;
using System.Net.Sockets;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Control;

/// <summary>The Prometheus exposition of a running dry-run daemon (after a dry-run decision, so kills, the decision
/// histogram and levels have samples), from the textfile and from HTTP, checked by <c>promtool check metrics</c>
/// (Debian's prometheus package, installed by scripts/deps.sh).</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Textfile_and_http_pass_promtool_and_carry_the_domain_kill_and_process_metrics()
    {
        if (!File.Exists("/usr/bin/promtool")) Assert.Skip("promtool (package prometheus) is missing: scripts/deps.sh installs it");
        using var cg = V1MemoryCgroup.Create("oomwarden-metrics", 64L << 20);
        using var f = new ControlFixture();
        int port = FreePort();
        string textfile = Path.Combine(f.Dir, "oomwarden.prom");
        f.WriteConfig(cg.Path, extra: $"[metrics]\ntextfile = \"{textfile}\"\ninterval = \"1s\"\nlisten = \"127.0.0.1:{port}\"");
        using var daemon = DaemonProcess.Start("run", "--dry-run", "--config", f.ConfigPath);

        var hog = cg.Start(TestHelpers.Hog, "-s", "56", "-r", "0", "-L", "60");
        Assert.StartsWith("READY", hog.StandardOutput.ReadLine());
        Assert.True(ControlFixture.WaitUntil(() => daemon.Log.Contains("dry-run: would send SIGTERM to pid " + hog.Id, StringComparison.Ordinal), TimeSpan.FromSeconds(30)),
            "no dry-run decision:\n" + daemon.Log);
        Assert.True(ControlFixture.WaitUntil(() => File.Exists(textfile) && File.ReadAllText(textfile).Contains("oomwarden_dry_run_kills_total{", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60)), "no textfile with the kill:\n" + daemon.Log);

        string fromFile = File.ReadAllText(textfile);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var ct = TestContext.Current.CancellationToken;
        var response = await http.GetAsync($"http://127.0.0.1:{port}/metrics", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.MediaType);
        string fromHttp = await response.Content.ReadAsStringAsync(ct);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{port}/other", ct)).StatusCode);

        foreach (var (what, text) in new[] { ("textfile", fromFile), ("http", fromHttp) })
        {
            var check = Sh.Run("promtool", ["check", "metrics"], TimeSpan.FromSeconds(30), stdin: text);
            Assert.True(check.ExitCode == 0 && check.Stderr.Trim().Length == 0 && check.Stdout.Trim().Length == 0,
                $"promtool on the {what} (exit {check.ExitCode}): {check.Stdout}{check.Stderr}\n{text}");
            Assert.Contains($"oomwarden_domain_available_bytes{{domain=\"{cg.Path}\",kind=\"cgroup\"}}", text);
            Assert.Contains($"oomwarden_domain_level{{domain=\"{cg.Path}\",kind=\"cgroup\"}} ", text);
            Assert.Contains($"oomwarden_dry_run_kills_total{{domain=\"{cg.Path}\",kind=\"process\",reason=", text);
            Assert.Contains("# TYPE oomwarden_decision_duration_seconds histogram", text);
            Assert.Contains("oomwarden_decision_duration_seconds_bucket{le=\"+Inf\"} ", text);
            Assert.Contains("oomwarden_poll_interval_seconds ", text);
            Assert.Contains("process_resident_memory_bytes ", text);
            Assert.Contains("process_cpu_seconds_total ", text);
            Assert.Contains("process_start_time_seconds ", text);
            Assert.Contains("process_open_fds ", text);
        }
        // Atomic replacement: no temporary file is left in the directory.
        Assert.Empty(Directory.GetFiles(f.Dir, "*.tmp"));
        Assert.Equal(0, daemon.Stop(TimeSpan.FromSeconds(10)));
        hog.Kill();
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
