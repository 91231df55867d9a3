using System.Buffers;
using System.Globalization;
using System.Text.Json;
using OomWarden.Core.Engine;
using OomWarden.Daemon;

namespace OomWarden.Notify;

/// <summary>What the notifiers say about an event: its kind ("level", "kill", "kernel_kill"), its JSON (the journal's
/// kill record for kills, the own socket's level event for levels) and the <c>OOMWARDEN_*</c> variables a hook gets.
/// Built on the loop when an event happens (never per tick).</summary>
public sealed record NotifyEvent(string Kind, byte[] Json, IReadOnlyList<string> Environment)
{
    public const string SafePath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static string LevelName(WarningLevel level) => level switch
    {
        WarningLevel.Low => "low",
        WarningLevel.Medium => "medium",
        WarningLevel.Critical => "critical",
        _ => "none",
    };

    /// <summary>The notifier's view of <paramref name="e"/>, or null for events no notifier reports.</summary>
    public static NotifyEvent? From(EngineEvent e, bool dryRun)
    {
        switch (e)
        {
            case WarningChanged w:
            {
                var env = Base("level", w.Time);
                env.Add("OOMWARDEN_DOMAIN=" + w.Domain.Name);
                env.Add("OOMWARDEN_LEVEL=" + LevelName(w.To));
                env.Add("OOMWARDEN_PREVIOUS_LEVEL=" + LevelName(w.From));
                env.Add("OOMWARDEN_AVAILABLE_BYTES=" + w.AvailableBytes.ToString(CultureInfo.InvariantCulture));
                return new NotifyEvent("level", ToJson(jw =>
                {
                    jw.WriteStartObject();
                    jw.WriteString("event"u8, "level");
                    jw.WriteString("time"u8, Time(w.Time));
                    jw.WriteString("domain"u8, w.Domain.Name);
                    jw.WriteString("level"u8, LevelName(w.To));
                    jw.WriteString("previous"u8, LevelName(w.From));
                    jw.WriteNumber("available_bytes"u8, w.AvailableBytes);
                    jw.WriteEndObject();
                }), env);
            }
            case Judged j:
                return Kill(KillRecord.Of(j), j.Kill.Decision?.Victim?.Uid);
            case WouldKill k:
                return Kill(KillRecord.Of(k), k.Kill.Decision?.Victim?.Uid);
            case KernelKill kk:
                return Kill(new KillEvent { Event = "kernel_kill", Time = kk.Time, Pid = kk.Pid, Comm = kk.Comm, Cgroup = kk.Cgroup, Domain = kk.Domain, Reason = kk.Constraint, DryRun = dryRun }, null, "kernel_kill");
            default:
                return null;
        }
    }

    private static NotifyEvent Kill(KillEvent r, int? uid, string kind = "kill")
    {
        var env = Base(kind, r.Time);
        if (r.Domain is not null) env.Add("OOMWARDEN_DOMAIN=" + r.Domain);
        if (r.Pid is int pid) env.Add("OOMWARDEN_PID=" + pid.ToString(CultureInfo.InvariantCulture));
        if (uid is int u && u >= 0) env.Add("OOMWARDEN_UID=" + u.ToString(CultureInfo.InvariantCulture));
        if (r.Comm is not null) env.Add("OOMWARDEN_COMM=" + r.Comm);
        if (r.Cgroup is not null) env.Add("OOMWARDEN_CGROUP=" + r.Cgroup);
        if (r.Signal is not null) env.Add("OOMWARDEN_SIGNAL=" + r.Signal);
        if (r.FreedBytes is long freed) env.Add("OOMWARDEN_FREED_BYTES=" + freed.ToString(CultureInfo.InvariantCulture));
        if (r.Result is not null) env.Add("OOMWARDEN_RESULT=" + r.Result);
        if (r.SignalId is not null) env.Add("OOMWARDEN_SIGNAL_ID=" + r.SignalId);
        env.Add("OOMWARDEN_DRY_RUN=" + (r.DryRun ? "1" : "0"));
        return new NotifyEvent(kind, ToJson(jw => EventJournal.Write(jw, r)), env);
    }

    private static List<string> Base(string kind, DateTimeOffset time) =>
        [SafePath, "LANG=C.UTF-8", "OOMWARDEN_EVENT=" + kind, "OOMWARDEN_TIME=" + Time(time)];

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static byte[] ToJson(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, EventJournal.WriterOptions)) write(w);
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
