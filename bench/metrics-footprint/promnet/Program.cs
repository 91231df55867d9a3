using Prometheus;

// The same series through prometheus-net: a private registry, gauges and counters with labels, exported as text.
// With "server" as the second argument its MetricServer (HttpListener) serves them on 127.0.0.1:9875 too.
string outPath = args.Length > 0 ? args[0] : "/tmp/metrics-footprint-promnet.prom";
var registry = Metrics.NewCustomRegistry();
var factory = Metrics.WithCustomRegistry(registry);
var available = factory.CreateGauge("oomwarden_domain_available_bytes", "help text.", "domain", "kind");
var level = factory.CreateGauge("oomwarden_domain_level", "help text.", "domain", "kind");
var term = factory.CreateGauge("oomwarden_domain_term_threshold_bytes", "help text.", "domain", "kind");
var kills = factory.CreateCounter("oomwarden_kills_total", "help text.", "domain", "kind");
MetricServer? server = null;
if (args.Length > 1 && args[1] == "server") server = (MetricServer)new MetricServer("127.0.0.1", 9875, registry: registry).Start();
for (int round = 0; round < 100; round++)
{
    for (int d = 0; d < 10; d++)
    {
        available.WithLabels("/d" + d, "cgroup").Set(round * d);
        level.WithLabels("/d" + d, "cgroup").Set(d % 4);
        term.WithLabels("/d" + d, "cgroup").Set(d << 20);
        kills.WithLabels("/d" + d, "cgroup").Inc();
    }
    using (var fs = File.Create(outPath + ".tmp")) registry.CollectAndExportAsTextAsync(fs).GetAwaiter().GetResult();
    File.Move(outPath + ".tmp", outPath, true);
    Thread.Sleep(100);
}
Footprint.Report();
server?.Stop();
