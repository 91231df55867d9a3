using System.Text;

// The oomwarden way: a StringBuilder of "# HELP / # TYPE / name{labels} value" lines.
string outPath = args.Length > 0 ? args[0] : "/tmp/metrics-footprint-hand.prom";
var values = new double[40];
for (int round = 0; round < 100; round++)
{
    for (int i = 0; i < values.Length; i++) values[i] += i;
    var sb = new StringBuilder(8192);
    foreach (var name in new[] { "oomwarden_domain_available_bytes", "oomwarden_domain_level", "oomwarden_domain_term_threshold_bytes", "oomwarden_kills_total" })
    {
        sb.Append("# HELP ").Append(name).Append(" help text.\n# TYPE ").Append(name).Append(name.EndsWith("_total") ? " counter\n" : " gauge\n");
        for (int d = 0; d < 10; d++)
            sb.Append(name).Append("{domain=\"/d").Append(d).Append("\",kind=\"cgroup\"} ").Append(values[d * 4].ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
    }
    File.WriteAllText(outPath + ".tmp", sb.ToString());
    File.Move(outPath + ".tmp", outPath, true);
    Thread.Sleep(100);
}
Footprint.Report();
