namespace OomWarden.Linux.Parsing;

/// <summary>/proc/PID/status → <see cref="ProcStatus"/>. Uid is the real uid (first of four).
/// Tgid and the Uid line are required; Vm* lines are optional (kernel threads, zombies).</summary>
public static class ProcStatusParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out ProcStatus status)
    {
        int tgid = -1, ppid = 0, uid = -1;
        long rss = 0, swap = 0, pte = 0;
        bool? kthread = null;
        ulong mems = 0;
        bool killPending = false;
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var key = line[..(colon + 1)];
            var rest = line[(colon + 1)..];
            // "Name:" may hold anything (escaped); never parse it as a number.
            if (key.SequenceEqual("Name:"u8)) continue;
            var first = SpanText.NextField(ref rest);
            if (key.SequenceEqual("Tgid:"u8)) SpanText.TryParseInt32(first, out tgid);
            else if (key.SequenceEqual("PPid:"u8)) SpanText.TryParseInt32(first, out ppid);
            else if (key.SequenceEqual("Uid:"u8)) SpanText.TryParseInt32(first, out uid);
            else if (key.SequenceEqual("VmRSS:"u8)) rss = Kib(first);
            else if (key.SequenceEqual("VmSwap:"u8)) swap = Kib(first);
            else if (key.SequenceEqual("VmPTE:"u8)) pte = Kib(first);
            else if (key.SequenceEqual("Kthread:"u8) && SpanText.TryParseInt32(first, out int k)) kthread = k != 0;
            else if (key.SequenceEqual("Mems_allowed_list:"u8)) NodeListParser.TryParse(first, out mems);
            else if (key.SequenceEqual("SigPnd:"u8) || key.SequenceEqual("ShdPnd:"u8)) killPending |= HasSigKill(first);
        }

        status = new ProcStatus(tgid, ppid, uid, rss, swap, pte, kthread, mems, killPending);
        return tgid >= 0 && uid >= 0;
    }

    /// <summary>A signal mask in hex, most significant first (16 digits on 64-bit); SIGKILL (9) is bit 8.</summary>
    private static bool HasSigKill(ReadOnlySpan<byte> mask)
    {
        if (mask.Length < 3) return false;
        byte digit = mask[^3];
        int value = digit is >= (byte)'0' and <= (byte)'9' ? digit - '0'
            : digit is >= (byte)'a' and <= (byte)'f' ? digit - 'a' + 10
            : digit is >= (byte)'A' and <= (byte)'F' ? digit - 'A' + 10 : 0;
        return (value & 1) != 0;
    }

    private static long Kib(ReadOnlySpan<byte> number) =>
        SpanText.TryParseInt64(number, out long kib) ? SpanText.KibToBytes(kib) : 0;
}
