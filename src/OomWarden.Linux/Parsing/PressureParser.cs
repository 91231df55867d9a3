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

            if (!Utf8Parser.TryParse(value, out double number, out int consumed) || consumed != value.Length)
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
}
