using System.Text;
using System.Text.Json;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Settings;
using OomWarden.Daemon;

namespace OomWarden.Tests.Daemon;

/// <summary>The journal's <c>reclaim</c> record, the log line and the counters for one step.</summary>
public class ReclaimRecordTests
{
    private static readonly CgroupDomain Domain = new("/rc", 1L << 30, new CgroupThresholds(), 0);
    private static readonly DateTimeOffset Time = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static ReclaimStep Step(ReclaimResult result) => new(3, Domain, "/rc/cache", -10, "caches", 16L << 20, 1.0)
    {
        Result = result,
        UsageBeforeBytes = 200L << 20,
        UsageAfterBytes = 180L << 20,
        PsiBefore = 0.1,
        PsiAfter = 0.4,
        Duration = TimeSpan.FromMilliseconds(12.34),
    };

    private static JsonElement Json(KillEvent e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) EventJournal.Write(w, e);
        return JsonDocument.Parse(Encoding.UTF8.GetString(buffer.WrittenSpan)).RootElement.Clone();
    }

    [Fact]
    public void A_step_is_recorded_with_what_oomwarden_measured()
    {
        var j = Json(ReclaimRecord.Of(new ReclaimStepped(Time, Step(ReclaimResult.Ok), false), dryRun: false));
        Assert.Equal("reclaim", j.GetProperty("event").GetString());
        Assert.Equal("/rc", j.GetProperty("domain").GetString());
        Assert.Equal("/rc/cache", j.GetProperty("cgroup").GetString());
        Assert.Equal("caches", j.GetProperty("rule").GetString());
        Assert.Equal(-10, j.GetProperty("priority").GetInt32());
        Assert.Equal(16L << 20, j.GetProperty("requested_bytes").GetInt64());
        Assert.Equal(20L << 20, j.GetProperty("reclaimed_bytes").GetInt64());
        Assert.Equal(200L << 20, j.GetProperty("usage_before_bytes").GetInt64());
        Assert.Equal(180L << 20, j.GetProperty("usage_after_bytes").GetInt64());
        Assert.Equal(0.4, j.GetProperty("psi_some_avg10").GetDouble());
        Assert.Equal(12.3, j.GetProperty("duration_ms").GetDouble());
        Assert.Equal("ok", j.GetProperty("result").GetString());
        Assert.False(j.TryGetProperty("message", out _));
        Assert.Equal("reclaim /rc/cache (priority -10, rule caches) for domain /rc: asked 16.0 MiB, memory.current fell by 20.0 MiB in 12 ms",
            ReclaimRecord.Line(new ReclaimStepped(Time, Step(ReclaimResult.Ok), false)));
    }

    [Fact]
    public void A_stop_says_why()
    {
        var partial = Json(ReclaimRecord.Of(new ReclaimStepped(Time, Step(ReclaimResult.Partial), true), false));
        Assert.Equal("partial", partial.GetProperty("result").GetString());
        Assert.Contains("EAGAIN", partial.GetProperty("message").GetString());
        var pressure = Step(ReclaimResult.Pressure);
        pressure.PsiBefore = 3.5;
        pressure.PsiAfter = null;
        var p = Json(ReclaimRecord.Of(new ReclaimStepped(Time, pressure, true), false));
        Assert.Equal(0, p.GetProperty("reclaimed_bytes").GetInt64());
        Assert.Equal(3.5, p.GetProperty("psi_some_avg10").GetDouble());
        Assert.Contains("memory.pressure some avg10 3.50 >= 1", p.GetProperty("message").GetString());
        Assert.False(p.TryGetProperty("usage_after_bytes", out _));
        var risen = Step(ReclaimResult.Ok);
        risen.PsiAfter = 2.0;
        var rise = Json(ReclaimRecord.Of(new ReclaimStepped(Time, risen, true), false));
        Assert.Contains("after the step", rise.GetProperty("message").GetString());
    }

    [Fact]
    public void Counters_sum_what_memory_current_dropped_by()
    {
        var c = new ReclaimCounters();
        c.Publish(new ReclaimStepped(Time, Step(ReclaimResult.Ok), false));
        c.Publish(new ReclaimStepped(Time, Step(ReclaimResult.Partial), true));
        c.Publish(new ReclaimStepped(Time, Step(ReclaimResult.Gone), true));
        var samples = new List<CounterSample>();
        c.Collect(samples);
        Assert.Equal(40L << 20, samples.Single(s => s.Name == "oomwarden_reclaimed_bytes_total").Value);
        long Steps(string result) => samples.Single(s => s.Name == "oomwarden_reclaim_steps_total" && s.Labels[0].Value == result).Value;
        Assert.Equal((1, 1, 1, 0), (Steps("ok"), Steps("partial"), Steps("gone"), Steps("pressure")));
    }
}
