using System.Diagnostics;
using System.Text.Json;
using OomWarden.Integration.Tests.Infrastructure;

namespace OomWarden.Integration.Tests.Control;

/// <summary>A test's own directory (config, journal, control socket) and helpers to ask the running daemon with the
/// real binary as a client.</summary>
internal sealed class ControlFixture : IDisposable
{
    public ControlFixture()
    {
        Dir = TestHelpers.NewTempDirectory("oomwarden-ctl");
    }

    public string Dir { get; }

    public string Socket => ConfinedConfig.ControlSocketIn(Dir);

    public string Events => Path.Combine(Dir, "events.jsonl");

    public string ConfigPath => Path.Combine(Dir, "oomwarden.toml");

    /// <summary>Writes the config: a v1 cgroup domain only (the system domain off), the socket and journal here;
    /// <paramref name="extra"/> goes on in [control] (its keys, then any table).</summary>
    public void WriteConfig(string cgroupPath, string extra = "", string term = "25%", string kill = "10%", string grace = "2s") =>
        new ConfinedConfig(Dir, cgroupPath)
        {
            Cgroups = $"headroom_term = \"{term}\"\nheadroom_kill = \"{kill}\"",
            Action = $"term_grace = \"{grace}\"",
            Control = extra,
        }.Write();

    public Sh.Result Client(params string[] args) => Sh.Run(Repo.Binary, args, TimeSpan.FromSeconds(30));

    /// <summary>The real binary as a client, run as nobody:nogroup with no supplementary group.</summary>
    public Sh.Result ClientAsNobody(params string[] args) =>
        Sh.Run("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", Repo.Binary, .. args], TimeSpan.FromSeconds(30));

    public JsonElement StatusJson(DaemonProcess daemon)
    {
        var r = Client("status", "--json", "--socket", Socket);
        Assert.True(r.ExitCode == 0, $"status --json exit {r.ExitCode}: {r.Stderr}\n{daemon.Log}");
        using var doc = JsonDocument.Parse(r.Stdout);
        return doc.RootElement.Clone();
    }

    public static JsonElement Domain(JsonElement status, string name) =>
        status.GetProperty("domains").EnumerateArray().Single(d => d.GetProperty("name").GetString() == name);

    /// <summary><see cref="Poll.Until"/> at 10 checks a second: a condition here is often a status request.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout) => Poll.Until(condition, timeout, TimeSpan.FromMilliseconds(100));

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
