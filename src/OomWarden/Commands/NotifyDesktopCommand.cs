using System.Globalization;
using System.Runtime.InteropServices;
using Tmds.DBus.Protocol;

namespace OomWarden.Commands;

/// <summary><c>oomwarden notify-desktop</c>: run by the daemon ([notify] desktop) to show one kill on a user's session
/// bus. As root it first drops to <c>--uid</c>/<c>--gid</c> (no supplementary groups), because a session bus accepts
/// only its owner; then it connects to <c>--bus</c> and calls org.freedesktop.Notifications.Notify, waiting at most
/// 3 s for each step. Exit 0 when the notification server answered.</summary>
public static partial class NotifyDesktopCommand
{
    private const string Help = """
        usage: oomwarden notify-desktop --uid UID --gid GID --bus PATH --summary TEXT [--body TEXT]

        Internal: the daemon runs this (with [notify] desktop = true) to show a kill on the session bus of the
        user it concerns. As root it drops to UID and GID before connecting to the bus socket PATH.
        Exit codes: 0 shown, 64 usage, 69 no notification server or the bus refused, 71 cannot drop privileges.
        """;

    private static readonly CliOption Uid = CliOption.WithValue("--uid");
    private static readonly CliOption Gid = CliOption.WithValue("--gid");
    private static readonly CliOption Bus = CliOption.WithValue("--bus");
    private static readonly CliOption Summary = CliOption.WithValue("--summary");
    private static readonly CliOption Body = CliOption.WithValue("--body");
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(3);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setgroups(nuint size, nint list);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setresgid(uint r, uint e, uint s);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setresuid(uint r, uint e, uint s);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!ArgReader.TryParse("notify-desktop", args, [Uid, Gid, Bus, Summary, Body], Help, stdout, stderr, out var parsed, out int exit)) return exit;
        if (parsed.Value(Uid.Name) is not { } uidText || parsed.Value(Gid.Name) is not { } gidText
            || parsed.Value(Bus.Name) is not { Length: > 0 } bus || parsed.Value(Summary.Name) is not { } summary)
            return ArgReader.UsageError("notify-desktop", "--uid, --gid, --bus and --summary are required", Help, stderr);
        if (!TryParseId(uidText, out uint uid)) return BadId(Uid.Name, uidText, "user", stderr);
        if (!TryParseId(gidText, out uint gid)) return BadId(Gid.Name, gidText, "group", stderr);
        string body = parsed.Value(Body.Name) ?? "";

        if (geteuid() != uid)
        {
            // glibc's set*id wrappers apply to every thread of the process.
            if (setgroups(0, 0) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0 || geteuid() != uid)
            {
                stderr.WriteLine($"oomwarden notify-desktop: cannot drop to uid {uid} gid {gid}: {Linux.Interop.Errno.Describe(Marshal.GetLastSystemError())}");
                return ExitCodes.OsError;
            }
        }
        try
        {
            using var connection = new DBusConnection(new DBusConnectionOptions("unix:path=" + bus) { AutoConnect = false });
            connection.ConnectAsync().AsTask().WaitAsync(StepTimeout).GetAwaiter().GetResult();
            using var writer = connection.GetMessageWriter();
            writer.WriteMethodCallHeader("org.freedesktop.Notifications", "/org/freedesktop/Notifications", "org.freedesktop.Notifications", "Notify", "susssasa{sv}i", MessageFlags.None);
            writer.WriteString("oomwarden");
            writer.WriteUInt32(0);
            writer.WriteString("dialog-warning");
            writer.WriteString(summary);
            writer.WriteString(Markup(body));
            var actions = writer.WriteArrayStart(DBusType.String);
            writer.WriteArrayEnd(actions);
            var hints = writer.WriteDictionaryStart();
            writer.WriteDictionaryEntryStart();
            writer.WriteString("urgency");
            writer.WriteVariantByte(2);
            writer.WriteDictionaryEntryStart();
            writer.WriteString("desktop-entry");
            writer.WriteVariantString("oomwarden");
            writer.WriteDictionaryEnd(hints);
            writer.WriteInt32(-1);
            uint id = connection.CallMethodAsync(writer.CreateMessage(), static (Message m, object? _) => m.GetBodyReader().ReadUInt32(), null)
                .WaitAsync(StepTimeout).GetAwaiter().GetResult();
            stdout.WriteLine(id.ToString(CultureInfo.InvariantCulture));
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            stderr.WriteLine($"oomwarden notify-desktop: {bus}: {(e is TimeoutException ? "timed out" : e.GetType().Name + ": " + e.Message)}");
            return ExitCodes.Unavailable;
        }
    }

    /// <summary>A uid or gid in decimal; never 4294967295, which set*id(2) read as "leave unchanged".</summary>
    private static bool TryParseId(string text, out uint id) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id) && id != uint.MaxValue;

    /// <summary>One line naming the flag and the value as given (escaped), exit 64.</summary>
    private static int BadId(string flag, string value, string what, TextWriter stderr)
    {
        stderr.WriteLine(Core.Model.TextEscape.ForTerminal($"oomwarden notify-desktop: {flag} '{value}' is not a {what} id (a decimal number below 4294967295)"));
        return ExitCodes.Usage;
    }

    /// <summary>The body may be read as markup by the server: &amp;, &lt; and &gt; are escaped.</summary>
    private static string Markup(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
