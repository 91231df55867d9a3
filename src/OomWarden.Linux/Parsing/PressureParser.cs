using System.Buffers.Text;
using OomWarden.Core.Model;

namespace OomWarden.Linux.Parsing;

/// <summary>A PSI file (/proc/pressure/memory, a cgroup's memory.pressure) → <see cref="PressureStats"/>.</summary>
/// <remarks>The "some" line is required. The "full" line is absent on 4.20–5.12 /proc/pressure/cpu and may be
/// absent elsewhere on old kernels: <see cref="PressureStats.HasFull"/> is then false.</remarks>
public static class PressureParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out PressureStats stats)
    {
        PressureLine some = default, full = default;
        bool hasSome = false, hasFull = false;
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            var kind = SpanText.NextField(ref line);
            if (kind.SequenceEqual("some"u8))
            {
                if (!TryParseLine(line, out some)) break;
                hasSome = true;
            }
            else if (kind.SequenceEqual("full"u8))
            {
                if (!TryParseLine(line, out full)) break;
                hasFull = true;
            }
        }

        stats = new PressureStats(some, full, hasFull);
        return hasSome;
    }

    /// <summary>"avg10=0.00 avg60=0.00 avg300=0.00 total=0" (the part after some/full).</summary>
    public static bool TryParseLine(ReadOnlySpan<byte> text, out PressureLine line)
    {
        double avg10 = 0, avg60 = 0, avg300 = 0;
        long total = 0;
        int seen = 0;
        while (true)
        {
            var field = SpanText.NextField(ref text);
            if (field.IsEmpty) break;
            int eq = field.IndexOf((byte)'=');
            if (eq <= 0) continue;
            var key = field[..eq];
            var value = field[(eq + 1)..];
            if (key.SequenceEqual("total"u8))
            {
                if (!SpanText.TryParseInt64(value, out total)) { line = default; return false; }
                seen |= 8;
                continue;
            }

            if (!TryParseFixed(value, out double number)
                && (!Utf8Parser.TryParse(value, out number, out int consumed) || consumed != value.Length))
            {
                line = default;
                return false;
            }
            if (key.SequenceEqual("avg10"u8)) { avg10 = number; seen |= 1; }
            else if (key.SequenceEqual("avg60"u8)) { avg60 = number; seen |= 2; }
            else if (key.SequenceEqual("avg300"u8)) { avg300 = number; seen |= 4; }
        }

        line = new PressureLine(avg10, avg60, avg300, total);
        return seen == 15;
    }

    /// <summary>The kernel prints averages as <c>%lu.%02lu</c>: read them as fixed point (the general double
    /// parser is the slow part of a poll). False for anything else, which then takes the general path.</summary>
    private static bool TryParseFixed(ReadOnlySpan<byte> value, out double number)
    {
        number = 0;
        int dot = value.Length - 3;
        if (dot < 1 || value[dot] != (byte)'.') return false;
        long whole = 0;
        for (int i = 0; i < dot; i++)
        {
            uint d = (uint)(value[i] - '0');
            if (d > 9) return false;
            whole = whole * 10 + d;
        }
        uint f1 = (uint)(value[dot + 1] - '0'), f2 = (uint)(value[dot + 2] - '0');
        if (f1 > 9 || f2 > 9) return false;
        number = whole + (f1 * 10 + f2) / 100.0;
        return true;
    }
}
