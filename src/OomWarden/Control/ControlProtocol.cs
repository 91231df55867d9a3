using System.Buffers;
using System.Text.Json;
using OomWarden.Linux.Control;
using OomWarden.Linux.Interop.Sockets;

namespace OomWarden.Control;

/// <summary>The control socket's JSON lines: one request object per line (<c>{"request":"status"}</c>, "reload",
/// "pause", "resume"), one reply object per line. The peer is the kernel's SO_PEERCRED, checked per request: status
/// is for root, the daemon's own uid, and members of <c>[control] group</c>; reload, pause and resume for root only.</summary>
public sealed class ControlProtocol : IStreamProtocol
{
    /// <summary>A request is a short line; more than this without a newline is not one.</summary>
    public const int MaxRequestBytes = 4096;

    private readonly ControlService _service;
    private readonly int? _groupId;
    private readonly int _ownUid = (int)SocketInterop.EffectiveUid();

    public ControlProtocol(ControlService service, int? groupId)
    {
        _service = service;
        _groupId = groupId;
    }

    public long Requests { get; private set; }

    public int OnData(StreamConnection c, ReadOnlySpan<byte> received)
    {
        int newline = received.IndexOf((byte)'\n');
        if (newline < 0) return 0;
        Requests++;
        Handle(c, received[..newline].TrimEnd((byte)'\r'));
        return newline + 1;
    }

    public void OnOverflow(StreamConnection c) =>
        c.Send(Error(null, "bad_request", $"request longer than {MaxRequestBytes} bytes without a newline"));

    private void Handle(StreamConnection c, ReadOnlySpan<byte> line)
    {
        if (!TryReadRequest(line, out string? request, out string? problem))
        {
            c.Send(Error(null, "bad_request", problem!));
            return;
        }
        bool readOnly = request == "status";
        if (request is not ("status" or "reload" or "pause" or "resume"))
        {
            c.Send(Error(request, "bad_request", $"unknown request \"{request}\" (valid: status, reload, pause, resume)"));
            return;
        }
        if (!Allowed(c, readOnly, out string? denied))
        {
            c.Send(Error(request, "forbidden", denied!));
            return;
        }
        switch (request)
        {
            case "status":
                c.Send(StatusJson.Build(_service));
                break;
            case "pause":
            case "resume":
                bool was = _service.SetPaused(request == "pause", c.Peer);
                c.Send(Reply(w =>
                {
                    w.WriteBoolean("ok"u8, true);
                    w.WriteString("request"u8, request);
                    w.WriteBoolean("paused"u8, request == "pause");
                    w.WriteBoolean("was_paused"u8, was);
                }));
                break;
            case "reload":
                c.Busy = true;
                _service.RequestReload("reload request", outcome =>
                {
                    c.Send(ReloadReply(outcome));
                    c.Resume();
                });
                break;
        }
    }

    private bool Allowed(StreamConnection c, bool readOnly, out string? denied)
    {
        denied = null;
        if (!c.HasPeer)
        {
            denied = "the peer's credentials (SO_PEERCRED) cannot be read";
            return false;
        }
        var p = c.Peer;
        if (p.Uid == 0) return true;
        if (!readOnly)
        {
            denied = $"permission denied: reload, pause and resume need root (uid 0); you are uid {p.Uid}";
            return false;
        }
        if (p.Uid == _ownUid) return true;
        if (_groupId is int gid && (p.Gid == gid || InSupplementaryGroup(p.Pid, gid))) return true;
        denied = $"permission denied: status is for root{(_groupId is null ? "" : " and members of the [control] group")}; you are uid {p.Uid} gid {p.Gid}";
        return false;
    }

    /// <summary>The "Groups:" line of /proc/PID/status (the real process: the peer is a process on this machine).</summary>
    private static bool InSupplementaryGroup(int pid, int gid)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/status"))
            {
                if (!line.StartsWith("Groups:", StringComparison.Ordinal)) continue;
                foreach (var g in line.AsSpan(7).Trim().ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    if (int.TryParse(g, System.Globalization.CultureInfo.InvariantCulture, out int v) && v == gid) return true;
                return false;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return false;
    }

    private static bool TryReadRequest(ReadOnlySpan<byte> line, out string? request, out string? problem)
    {
        request = null;
        problem = null;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                problem = "a request is one JSON object per line, e.g. {\"request\":\"status\"}";
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isRequest = reader.ValueTextEquals("request"u8);
                if (!reader.Read()) break;
                if (isRequest && reader.TokenType == JsonTokenType.String) request = reader.GetString();
                else reader.TrySkip();
            }
        }
        catch (JsonException)
        {
            problem = "not valid JSON; a request is one JSON object per line, e.g. {\"request\":\"status\"}";
            return false;
        }
        if (request is null) problem = "no \"request\" string in the object";
        return request is not null;
    }

    public static byte[] ReloadReply(ReloadOutcome o) => Reply(w =>
    {
        w.WriteBoolean("ok"u8, o.Applied);
        w.WriteString("request"u8, "reload");
        if (!o.Applied)
        {
            w.WriteString("code"u8, "config_rejected");
            w.WriteString("error"u8, $"{o.Path}: {o.Errors.Count} error(s), rejected; the running policy stays");
        }
        w.WriteString("config"u8, o.Path);
        if (o.Sha256 is not null) w.WriteString("sha256"u8, o.Sha256); else w.WriteNull("sha256"u8);
        Strings(w, "errors"u8, o.Errors);
        Strings(w, "warnings"u8, o.Warnings);
        Strings(w, "restart_needed"u8, o.RestartNeeded);
    });

    private static void Strings(Utf8JsonWriter w, ReadOnlySpan<byte> name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    public static byte[] Error(string? request, string code, string message) => Reply(w =>
    {
        w.WriteBoolean("ok"u8, false);
        if (request is not null) w.WriteString("request"u8, request);
        w.WriteString("code"u8, code);
        w.WriteString("error"u8, message);
    });

    private static byte[] Reply(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }
}
