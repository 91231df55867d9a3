using OomWarden.Control;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Settings;

namespace OomWarden.Tests.Control;

/// <summary>The warning and release counters status and the metrics show: a rise counts once per level (not its
/// reminders, not a fall), a release counts what oomwarden measured, not what the subscriber claimed.</summary>
public sealed class ActivityRecorderTests
{
    private static readonly SystemDomain System = new(new SystemThresholds(), 0);

    /// <summary>A reminder is a change from a level to itself.</summary>
    private static WarningChanged Change(WarningLevel from, WarningLevel to) => new(DateTimeOffset.UtcNow, System, from, to, 1 << 30);

    private static long Value(List<CounterSample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.Single(s => s.Name == name && labels.All(l => s.Labels.Any(p => p.Key == l.Key && p.Value == l.Value))).Value;

    [Fact]
    public void Warnings_count_rises_and_releases_count_measured_bytes()
    {
        var recorder = new ActivityRecorder();
        recorder.Publish(Change(WarningLevel.None, WarningLevel.Low));
        recorder.Publish(Change(WarningLevel.Low, WarningLevel.Low));
        recorder.Publish(Change(WarningLevel.Low, WarningLevel.Medium));
        recorder.Publish(Change(WarningLevel.Medium, WarningLevel.None));
        recorder.Publish(Change(WarningLevel.None, WarningLevel.Low));
        var request = new ReleaseRequest(7, System, 64 << 20, TimeSpan.FromSeconds(3))
        {
            SubscriberBytesBefore = 100 << 20,
            SubscriberBytesAfter = 10 << 20,
            Answered = true,
        };
        recorder.Publish(new ReleaseMeasured(DateTimeOffset.UtcNow, request, StillShort: false));

        var samples = new List<CounterSample>();
        recorder.Collect(samples);
        Assert.Equal(2, Value(samples, "oomwarden_warnings_total", ("domain", "system"), ("level", "low")));
        Assert.Equal(1, Value(samples, "oomwarden_warnings_total", ("domain", "system"), ("level", "medium")));
        Assert.DoesNotContain(samples, s => s.Name == "oomwarden_warnings_total" && s.Labels.Any(l => l.Value == "none"));
        Assert.Equal(1, Value(samples, "oomwarden_release_requests_total", ("domain", "system")));
        Assert.Equal(90L << 20, Value(samples, "oomwarden_released_bytes_total", ("domain", "system")));
    }
}
