using System.Text.Json;
using OomWarden.Core.Doctor;
using OomWarden.Linux;
using OomWarden.Linux.Doctor;

namespace OomWarden.Commands;

/// <summary><c>oomwarden doctor [--json]</c>: checks the host for what changes how an OOM plays out and explains
/// each finding with a fix. Exit 0 when no check warns, 1 when one does.</summary>
public static class DoctorCommand
{
    public const string Usage = """
        usage: oomwarden doctor [--json] [--proc-root DIR] [--sys-root DIR]

          --json            one JSON object: {"warnings":N,"notes":N,"checks":[{"check","status","summary","why","fix"}]}
          --proc-root DIR   read /proc from DIR (tests, containers)
          --sys-root DIR    read /sys from DIR

        Exit codes: 0 nothing to fix (ok and notes only), 1 at least one warning, 64 usage, 71 host unreadable.
        Run as root: other users' processes and the daemon's own files are unreadable otherwise.
        """;

    public const int WarningsFound = 1;

    private static readonly CliOption Json = CliOption.Flag("--json");
    private static readonly CliOption[] Options = [Json, LiveOptions.ProcRootOption, LiveOptions.SysRootOption];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!ArgReader.TryParse("doctor", args, Options, Usage, stdout, stderr, out var parsed, out int exit)) return exit;
        if (parsed.Positionals.Count > 0) return ArgReader.UsageError("doctor", $"unexpected argument '{parsed.Positionals[0]}'", Usage, stderr);
        bool json = parsed.Has(Json.Name);
        string procRoot = parsed.Value(LiveOptions.ProcRootOption.Name) ?? HostPaths.Default.ProcRoot;
        string sysRoot = parsed.Value(LiveOptions.SysRootOption.Name) ?? HostPaths.Default.SysRoot;

        if (!HostFactsReader.TryRead(new HostPaths(procRoot, sysRoot), out var facts, out string? error))
        {
            stderr.WriteLine($"oomwarden doctor: cannot read the host: {error}");
            return ExitCodes.OsError;
        }
        var findings = DoctorChecks.Run(facts);
        if (json) WriteJson(findings, stdout);
        else WriteText(findings, stdout);
        return DoctorChecks.Warnings(findings) > 0 ? WarningsFound : ExitCodes.Ok;
    }

    public static void WriteText(IReadOnlyList<Finding> findings, TextWriter w)
    {
        foreach (var f in findings)
        {
            w.WriteLine($"{Status(f.Status),-5} {f.Check,-25} {f.Summary}");
            if (f.Status == FindingStatus.Ok) continue;
            if (!string.IsNullOrEmpty(f.Why)) w.WriteLine($"{"",32}why: {f.Why}");
            if (!string.IsNullOrEmpty(f.Fix)) w.WriteLine($"{"",32}fix: {f.Fix}");
        }
        int warnings = DoctorChecks.Warnings(findings), notes = findings.Count(f => f.Status == FindingStatus.Note);
        w.WriteLine();
        w.WriteLine($"{warnings} warning{(warnings == 1 ? "" : "s")}, {notes} note{(notes == 1 ? "" : "s")}, {findings.Count - warnings - notes} ok");
    }

    public static void WriteJson(IReadOnlyList<Finding> findings, TextWriter w)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("warnings", DoctorChecks.Warnings(findings));
            json.WriteNumber("notes", findings.Count(f => f.Status == FindingStatus.Note));
            json.WriteStartArray("checks");
            foreach (var f in findings)
            {
                json.WriteStartObject();
                json.WriteString("check", f.Check);
                json.WriteString("status", Status(f.Status));
                json.WriteString("summary", f.Summary);
                if (!string.IsNullOrEmpty(f.Why)) json.WriteString("why", f.Why);
                if (!string.IsNullOrEmpty(f.Fix)) json.WriteString("fix", f.Fix);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        w.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static string Status(FindingStatus status) => status switch
    {
        FindingStatus.Ok => "ok",
        FindingStatus.Note => "note",
        _ => "warn",
    };
}
