using OomWarden.Core.Doctor;
using OomWarden.Linux.IO;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Doctor;

/// <summary>Reads <see cref="ProtectionFacts"/> of one process from ProcRoot/PID (or ProcRoot/self): the daemon
/// calls it on itself after start-up, <c>doctor</c> on the daemon it finds.</summary>
public static class ProtectionReader
{
    /// <param name="pid">The process, or null for the reader itself (/proc/self).</param>
    public static ProtectionFacts Read(HostPaths paths, int? pid)
    {
        string dir = pid is { } p ? paths.ProcPid(p) : paths.Proc("self");
        var buffer = new byte[8192];
        int? adj = null;
        long? memlock = null;
        ulong? caps = null;
        long? locked = null;
        int n = NativeRead.ReadFile(dir + "/oom_score_adj", ref buffer, NativeRead.MaxBytes, out _);
        if (n >= 0 && OomScoreParser.TryParse(buffer.AsSpan(0, n), out int a)) adj = a;
        n = NativeRead.ReadFile(dir + "/limits", ref buffer, NativeRead.MaxBytes, out _);
        if (n >= 0 && ProtectionParser.TryParseMemlockLimit(buffer.AsSpan(0, n), out long limit)) memlock = limit;
        n = NativeRead.ReadFile(dir + "/status", ref buffer, NativeRead.MaxBytes, out _);
        if (n >= 0) ProtectionParser.ParseStatus(buffer.AsSpan(0, n), out caps, out locked);
        return new ProtectionFacts(adj, locked, memlock, caps);
    }
}
