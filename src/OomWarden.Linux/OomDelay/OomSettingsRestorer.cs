using System.Text;
using OomWarden.Linux.Interop;
using OomWarden.Linux.IO;

namespace OomWarden.Linux.OomDelay;

/// <summary>Puts oom_delay's cgroup settings back: the daemon at stop and when a cgroup leaves the watch, the daemon
/// at start (a state file left by a killed instance), the guard process, and <c>oomwarden restore-oom-settings</c>
/// (the unit's ExecStopPost=). Idempotent: writing an old value twice is harmless. Only cgroupfs files are written
/// (<see cref="ControlFile"/>), only the two files <see cref="OomSetting.IsValid"/> allows.</summary>
public static class OomSettingsRestorer
{
    /// <summary>Writes the old value back. True when it is back or the cgroup is gone (nothing waits there any more).</summary>
    public static bool TryRestore(in OomSetting s, out string? error)
    {
        if (!s.IsValid)
        {
            error = $"refusing to restore {s.Directory}/{s.File} = \"{s.OldValue}\"";
            return false;
        }
        if (!Directory.Exists(s.Directory)) { error = null; return true; }
        if (ControlFile.TryWriteFile(s.Path, Encoding.ASCII.GetBytes(s.OldValue), out error)) return true;
        if (!Directory.Exists(s.Directory)) { error = null; return true; }
        return false;
    }

    /// <summary>Restores every entry of the state file at <paramref name="path"/>; the file then keeps only what could
    /// not be restored (removed when all were). Returns how many were restored; <paramref name="messages"/> gets one
    /// line per failure.</summary>
    public static int RestoreFile(string path, List<string> messages, out int failed)
    {
        failed = 0;
        if (!OomDelayStateFile.TryLoad(path, out var settings, out int rejected, out string? error))
        {
            messages.Add(error);
            failed = 1;
            return 0;
        }
        if (rejected > 0) messages.Add($"{path}: {rejected} line(s) that are not valid entries were ignored");
        int restored = 0;
        var left = new List<OomSetting>();
        foreach (var s in settings)
        {
            if (TryRestore(s, out string? why)) restored++;
            else
            {
                left.Add(s);
                failed++;
                messages.Add(why ?? $"{s.Path}: not restored");
            }
        }
        if (settings.Count > 0 || rejected > 0)
        {
            if (!OomDelayStateFile.TrySave(path, left, out string? saveError)) messages.Add(saveError);
        }
        return restored;
    }
}
