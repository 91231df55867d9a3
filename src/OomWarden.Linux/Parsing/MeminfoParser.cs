using OomWarden.Core.Model;

namespace OomWarden.Linux.Parsing;

/// <summary>/proc/meminfo → <see cref="MemoryInfo"/> (kB → bytes).</summary>
/// <remarks>
/// MemTotal and MemFree are required. Kernels before 3.14 have no MemAvailable: the figure is then
/// estimated as MemFree + Buffers + Cached and <see cref="MemoryInfo.MemAvailableIsEstimate"/> is set.
/// Lines absent from older kernels (Shmem before 2.6.32) read as 0. Unknown lines are ignored.
/// </remarks>
public static class MeminfoParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out MemoryInfo info)
    {
        long total = -1, free = -1, available = -1, buffers = 0, cached = 0, swapTotal = 0, swapFree = 0,
            shmem = 0, dirty = 0, writeback = 0;
        // The ten lines used sit in the first two dozen of ~55: stop once all are seen (the C reference
        // and earlyoom scan the same way).
        const int All = (1 << 10) - 1;
        int seen = 0;
        while (!text.IsEmpty && seen != All)
        {
            var line = SpanText.NextLine(ref text);
            int colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var key = line[..(colon + 1)];
            var rest = line[(colon + 1)..];
            var number = SpanText.NextField(ref rest);
            if (!SpanText.TryParseInt64(number, out long value)) continue;
            var unit = SpanText.Trim(rest);
            if (unit.SequenceEqual("kB"u8)) value = SpanText.KibToBytes(value);

            if (key.SequenceEqual("MemTotal:"u8)) { total = value; seen |= 1; }
            else if (key.SequenceEqual("MemFree:"u8)) { free = value; seen |= 2; }
            else if (key.SequenceEqual("MemAvailable:"u8)) { available = value; seen |= 4; }
            else if (key.SequenceEqual("Buffers:"u8)) { buffers = value; seen |= 8; }
            else if (key.SequenceEqual("Cached:"u8)) { cached = value; seen |= 16; }
            else if (key.SequenceEqual("SwapTotal:"u8)) { swapTotal = value; seen |= 32; }
            else if (key.SequenceEqual("SwapFree:"u8)) { swapFree = value; seen |= 64; }
            else if (key.SequenceEqual("Shmem:"u8)) { shmem = value; seen |= 128; }
            else if (key.SequenceEqual("Dirty:"u8)) { dirty = value; seen |= 256; }
            else if (key.SequenceEqual("Writeback:"u8)) { writeback = value; seen |= 512; }
        }

        if (total < 0 || free < 0)
        {
            info = default;
            return false;
        }

        bool estimated = available < 0;
        // Saturating: a huge MemFree must not wrap the sum negative (a negative MemAvailable is a kill decision).
        if (estimated) available = Math.Min(total, Saturating.Add(free, buffers, cached));
        info = new MemoryInfo(total, free, available, cached, swapTotal, swapFree, shmem, dirty, writeback)
        {
            MemAvailableIsEstimate = estimated,
        };
        return true;
    }
}
