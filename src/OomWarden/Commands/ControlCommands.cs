using System.Text.Json;
using OomWarden.Control;
using OomWarden.Core.Settings;

namespace OomWarden.Commands;

/// <summary><c>oomwarden status [--json]</c>, <c>reload</c>, <c>pause</c>, <c>resume</c>: requests to the running daemon
/// over its control socket (<c>--socket PATH</c>, default /run/oomwarden/control).</summary>
public static class ControlCommands
{
    public static readonly CliOption Socket = CliOption.WithValue("--socket");
    private static readonly CliOption Json = CliOption.Flag("--json");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private const string Exits = """
        Exit codes: 0 ok, 64 usage, 69 no daemon listens on the socket, 70 malformed reply, 75 no reply in 10 s,
        77 permission denied (the socket's mode or the request needs root)
        """;

    public const string StatusUsage = """
        usage: oomwarden status [--json] [--socket PATH]

        Asks the running daemon what it is doing: each domain's level, levels in bytes, what is available, the next
        victim and why; kills in flight and the last kills (freed bytes, timings); every counter; the poll interval;
        the daemon's own RSS, CPU time and uptime; the config file and its sha256. --json prints the daemon's reply
        as it is (fields in docs/OPERATING.md).

          --json          one JSON object (for scripts)
          --socket PATH   the control socket (default /run/oomwarden/control, or [control] socket)

        """ + "\n" + Exits;

    public const string ReloadUsage = """
        usage: oomwarden reload [--socket PATH]

        Has the running daemon re-read its config file (as SIGHUP does), validated exactly as check-config does: a
        good file takes effect between two ticks, keeping kills in flight, levels and counters; a bad one is
        rejected with every reason (printed here, exit 78) and the running policy stays. Settings that need a
        restart are named. Root only.

          --socket PATH   the control socket (default /run/oomwarden/control)

        """ + "\n" + Exits + ", 78 config rejected";

    public const string PauseUsage = """
        usage: oomwarden pause [--socket PATH]

        The daemon keeps reading every domain and reporting levels (status, metrics, journal), but chooses and
        signals no new victim until `oomwarden resume`; a kill already in flight is finished (a victim in its grace
        still gets SIGKILL). Journaled as a pause event. A restarted daemon is not paused. Root only.

          --socket PATH   the control socket (default /run/oomwarden/control)

        """ + "\n" + Exits;

    public const string ResumeUsage = """
        usage: oomwarden resume [--socket PATH]

        Ends a pause: the daemon acts again. Journaled as a resume event. Root only.

          --socket PATH   the control socket (default /run/oomwarden/control)

        """ + "\n" + Exits;

    public static int Status(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!Parse("status", args, [Json, Socket], StatusUsage, stdout, stderr, out var parsed, out int exit)) return exit;
        exit = Ask("status", SocketOf(parsed), "status", stderr, out var reply, out var raw);
        if (reply is null) return exit;
        using (reply)
        {
            if (parsed.Has(Json.Name)) stdout.WriteLine(raw);
            else if (!TryRender("status", stderr, () => StatusText.Write(reply.RootElement, stdout))) return ExitCodes.Software;
        }
        return ExitCodes.Ok;
    }

    public static int Reload(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!Parse("reload", args, [Socket], ReloadUsage, stdout, stderr, out var parsed, out int exit)) return exit;
        exit = Ask("reload", SocketOf(parsed), "reload", stderr, out var reply, out _, allowConfigRejected: true);
        if (reply is null) return exit;
        using (reply)
        {
            var r = reply.RootElement;
            foreach (var w in Array(r, "warnings")) stderr.WriteLine(w);
            if (!(r.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True))
            {
                foreach (var e in Array(r, "errors")) stderr.WriteLine(e);
                stderr.WriteLine("oomwarden reload: " + Str(r, "error"));
                return ExitCodes.Config;
            }
            stdout.WriteLine($"reloaded {Str(r, "config")} (sha256 {Str(r, "sha256") ?? "-"})");
            foreach (var n in Array(r, "restart_needed")) stdout.WriteLine("  not applied until a restart: " + n);
        }
        return ExitCodes.Ok;
    }

    public static int Pause(string[] args, TextWriter stdout, TextWriter stderr) => Toggle("pause", PauseUsage, args, stdout, stderr);

    public static int Resume(string[] args, TextWriter stdout, TextWriter stderr) => Toggle("resume", ResumeUsage, args, stdout, stderr);

    private static int Toggle(string verb, string usage, string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!Parse(verb, args, [Socket], usage, stdout, stderr, out var parsed, out int exit)) return exit;
        exit = Ask(verb, SocketOf(parsed), verb, stderr, out var reply, out _);
        if (reply is null) return exit;
        using (reply)
        {
            if (!reply.RootElement.TryGetProperty("was_paused", out var wasPaused) || wasPaused.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                stderr.WriteLine($"oomwarden {verb}: the daemon's reply has no was_paused (another version of oomwarden?)");
                return ExitCodes.Software;
            }
            bool was = wasPaused.GetBoolean();
            stdout.WriteLine(verb == "pause"
                ? (was ? "already paused" : "paused: watching every domain, acting on none (kills in flight are finished); `oomwarden resume` to act again")
                : (was ? "resumed: acting again" : "not paused: nothing to resume"));
        }
        return ExitCodes.Ok;
    }

    private static bool Parse(string verb, string[] args, CliOption[] options, string usage, TextWriter stdout, TextWriter stderr, out ArgReader parsed, out int exit)
    {
        if (!ArgReader.TryParse(verb, args, options, usage, stdout, stderr, out parsed, out exit)) return false;
        if (parsed.Positionals.Count > 0)
        {
            exit = ArgReader.UsageError(verb, $"unexpected argument '{parsed.Positionals[0]}'", usage, stderr);
            return false;
        }
        if (parsed.Value(Socket.Name) is { } socket && System.Text.Encoding.UTF8.GetByteCount(socket) > MaxSocketPathBytes)
        {
            exit = ArgReader.UsageError(verb, $"--socket: a unix socket path is at most {MaxSocketPathBytes} bytes, this one has {System.Text.Encoding.UTF8.GetByteCount(socket)}", usage, stderr);
            return false;
        }
        return true;
    }

    /// <summary>Renders a reply; false (after one line saying so) when it lacks what this client reads: a daemon of
    /// another version, or something else answering on the socket. Never the exception's name or message.</summary>
    private static bool TryRender(string verb, TextWriter stderr, Action render)
    {
        try
        {
            render();
            return true;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            stderr.WriteLine($"oomwarden {verb}: the daemon's reply is not the status this client reads (another version of oomwarden?); --json prints it as it is");
            return false;
        }
    }

    /// <summary>sun_path holds 108 bytes with the terminating NUL.</summary>
    private const int MaxSocketPathBytes = 107;

    private static string SocketOf(ArgReader parsed) => parsed.Value(Socket.Name) ?? ControlSettings.DefaultSocket;

    /// <summary>Sends the request; null with the exit code (after saying why) when there is no good reply.</summary>
    private static int Ask(string verb, string socket, string request, TextWriter stderr, out JsonDocument? reply, out string? raw, bool allowConfigRejected = false)
    {
        reply = null;
        var failure = ControlClient.TryRequest(socket, $"{{\"request\":\"{request}\"}}", Timeout, out raw, out string? error);
        switch (failure)
        {
            case ControlClient.Failure.NoDaemon:
                // A socket nobody listens on is a daemon that is gone; anything else there is a wrong --socket.
                if (OomWarden.Linux.IO.FileIdentity.TypeOf(socket) is { } type && type is not ("a socket" or "a symbolic link"))
                    stderr.WriteLine($"oomwarden {verb}: {socket} is {type}, not a socket: no daemon listens there (is the --socket path right?)");
                else stderr.WriteLine($"oomwarden {verb}: no daemon is running: nothing listens on {socket} ({error})");
                return ExitCodes.Unavailable;
            case ControlClient.Failure.Permission:
                stderr.WriteLine($"oomwarden {verb}: permission denied on {socket}: the socket is for root{(request == "status" ? " (and the [control] group when one is set)" : "")}");
                return ExitCodes.NoPermission;
            case ControlClient.Failure.Timeout:
                stderr.WriteLine($"oomwarden {verb}: {socket}: {error}");
                return ExitCodes.TempFail;
            case ControlClient.Failure.Other:
                stderr.WriteLine($"oomwarden {verb}: {socket}: {error}");
                return ExitCodes.Unavailable;
        }
        try
        {
            reply = JsonDocument.Parse(raw!);
        }
        catch (JsonException)
        {
            stderr.WriteLine($"oomwarden {verb}: the daemon's reply is not JSON");
            return ExitCodes.Software;
        }
        var root = reply.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ok", out var ok) && ok.ValueKind is JsonValueKind.True) return ExitCodes.Ok;
        string code = Str(root, "code") ?? "";
        if (allowConfigRejected && code == "config_rejected") return ExitCodes.Ok;
        stderr.WriteLine($"oomwarden {verb}: {Str(root, "error") ?? "the daemon refused"}");
        reply.Dispose();
        reply = null;
        return code == "forbidden" ? ExitCodes.NoPermission : code == "bad_request" ? ExitCodes.Software : ExitCodes.Unavailable;
    }

    internal static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static IEnumerable<string> Array(JsonElement e, string name)
    {
        if (!e.TryGetProperty(name, out var a) || a.ValueKind != JsonValueKind.Array) yield break;
        foreach (var item in a.EnumerateArray())
            if (item.ValueKind == JsonValueKind.String) yield return item.GetString()!;
    }
}
