using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Doctor;

/// <summary>The lines of /proc/PID/status and /proc/PID/limits that say how a process is protected.</summary>
public static class ProtectionParser
{
    /// <summary>CapEff (hex) and VmLck (kB) of /proc/PID/status; each false-flagged when its line is absent
    /// (a kernel thread has no VmLck).</summary>
    public static void ParseStatus(ReadOnlySpan<byte> text, out ulong? effectiveCapabilities, out long? lockedBytes)
    {
        effectiveCapabilities = null;
        lockedBytes = null;
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            if (line.StartsWith("CapEff:"u8))
            {
                if (ulong.TryParse(SpanText.Trim(line[7..]), System.Globalization.NumberStyles.AllowHexSpecifier, null, out ulong caps))
                    effectiveCapabilities = caps;
            }
            else if (line.StartsWith("VmLck:"u8))
            {
                var rest = line[6..];
                var number = SpanText.NextField(ref rest);
                if (SpanText.TryParseInt64(number, out long kib)) lockedBytes = SpanText.KibToBytes(kib);
            }
        }
    }

    /// <summary>The soft limit of "Max locked memory" in /proc/PID/limits: bytes, or <see cref="long.MaxValue"/> for
    /// "unlimited". False when the line is missing or malformed.</summary>
    public static bool TryParseMemlockLimit(ReadOnlySpan<byte> text, out long bytes)
    {
        bytes = 0;
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            if (!line.StartsWith("Max locked memory"u8)) continue;
            var rest = line["Max locked memory"u8.Length..];
            var soft = SpanText.NextField(ref rest);
            if (soft.SequenceEqual("unlimited"u8))
            {
                bytes = long.MaxValue;
                return true;
            }
            return SpanText.TryParseInt64(soft, out bytes) && bytes >= 0;
        }
        return false;
    }

    /// <summary>The device column of /proc/swaps, header skipped.</summary>
    public static List<string> ParseSwaps(ReadOnlySpan<byte> text)
    {
        var devices = new List<string>();
        SpanText.NextLine(ref text);
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            var device = SpanText.NextField(ref line);
            if (!device.IsEmpty) devices.Add(System.Text.Encoding.UTF8.GetString(device));
        }
        return devices;
    }

    /// <summary>The first field of /proc/self/stat: the pid of the reader.</summary>
    public static bool TryParsePid(ReadOnlySpan<byte> stat, out int pid) => SpanText.TryParseInt32(SpanText.NextField(ref stat), out pid);
}
