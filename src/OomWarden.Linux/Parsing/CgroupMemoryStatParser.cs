using OomWarden.Core.Model;

namespace OomWarden.Linux.Parsing;

/// <summary>memory.stat ("key value" lines, bytes) → <see cref="CgroupMemoryStat"/>, v1 or v2.</summary>
/// <remarks>v1 files are recognised by their hierarchical "total_*" keys, which are preferred to the local ones
/// (a v1 cgroup's own counters leave out its children). See <see cref="CgroupMemoryStat"/> for the mapping.</remarks>
public static class CgroupMemoryStatParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, out CgroupMemoryStat stat)
    {
        long anon = 0, file = 0, inactiveFile = 0, activeFile = 0, shmem = 0, dirty = 0, writeback = 0,
            slabReclaimable = 0, slabUnreclaimable = 0, swap = 0;
        long hierLimit = CgroupMemory.Unlimited, hierMemsw = CgroupMemory.Unlimited;
        bool any = false, v1Totals = false;
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            var key = SpanText.NextField(ref line);
            var number = SpanText.NextField(ref line);
            if (key.IsEmpty) continue;
            if (!SpanText.TryParseUInt64(number, out ulong raw))
            {
                stat = default;
                return false;
            }
            long value = raw > long.MaxValue ? long.MaxValue : (long)raw;
            any = true;

            if (key.StartsWith("total_"u8))
            {
                var name = key["total_"u8.Length..];
                if (!v1Totals)
                {
                    // First hierarchical key: forget local v1 counters read so far.
                    v1Totals = true;
                    anon = file = inactiveFile = activeFile = shmem = dirty = writeback = swap = 0;
                }
                Assign(name, value, isV1: true, ref anon, ref file, ref inactiveFile, ref activeFile, ref shmem,
                    ref dirty, ref writeback, ref swap);
            }
            else if (key.SequenceEqual("hierarchical_memory_limit"u8)) hierLimit = CgroupValueParser.Normalize(raw);
            else if (key.SequenceEqual("hierarchical_memsw_limit"u8)) hierMemsw = CgroupValueParser.Normalize(raw);
            else if (key.SequenceEqual("slab_reclaimable"u8)) slabReclaimable = value;
            else if (key.SequenceEqual("slab_unreclaimable"u8)) slabUnreclaimable = value;
            else if (!v1Totals)
            {
                Assign(key, value, isV1: false, ref anon, ref file, ref inactiveFile, ref activeFile, ref shmem,
                    ref dirty, ref writeback, ref swap);
            }
        }

        stat = new CgroupMemoryStat(anon, file, inactiveFile, activeFile, shmem, dirty, writeback,
            slabReclaimable, slabUnreclaimable, swap, hierLimit, hierMemsw);
        return any;
    }

    private static void Assign(ReadOnlySpan<byte> name, long value, bool isV1, ref long anon, ref long file,
        ref long inactiveFile, ref long activeFile, ref long shmem, ref long dirty, ref long writeback, ref long swap)
    {
        if (name.SequenceEqual("anon"u8) || name.SequenceEqual("rss"u8)) anon = value;
        else if (name.SequenceEqual("file"u8) || name.SequenceEqual("cache"u8)) file = value;
        else if (name.SequenceEqual("inactive_file"u8)) inactiveFile = value;
        else if (name.SequenceEqual("active_file"u8)) activeFile = value;
        else if (name.SequenceEqual("shmem"u8)) shmem = value;
        else if (name.SequenceEqual("file_dirty"u8) || (isV1 && name.SequenceEqual("dirty"u8))) dirty = value;
        else if (name.SequenceEqual("file_writeback"u8) || (isV1 && name.SequenceEqual("writeback"u8))) writeback = value;
        else if (isV1 && name.SequenceEqual("swap"u8)) swap = value;
    }
}
