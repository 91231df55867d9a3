using OomWarden.Core.Model;

namespace OomWarden.Linux.Parsing;

/// <summary>/sys/devices/system/node/nodeN/meminfo ("Node 0 MemFree:   123 kB") → <see cref="NodeMemory"/>.</summary>
public static class NodeMeminfoParser
{
    public static bool TryParse(ReadOnlySpan<byte> text, int node, out NodeMemory memory)
    {
        long total = -1, free = -1, inactiveFile = 0;
        while (!text.IsEmpty)
        {
            var line = SpanText.NextLine(ref text);
            // Skip "Node N ".
            if (!line.StartsWith("Node "u8)) continue;
            var rest = line[5..];
            SpanText.NextField(ref rest);
            var key = SpanText.NextField(ref rest);
            var value = SpanText.NextField(ref rest);
            if (!SpanText.TryParseInt64(value, out long kib)) continue;
            if (key.SequenceEqual("MemTotal:"u8)) total = SpanText.KibToBytes(kib);
            else if (key.SequenceEqual("MemFree:"u8)) free = SpanText.KibToBytes(kib);
            else if (key.SequenceEqual("Inactive(file):"u8)) inactiveFile = SpanText.KibToBytes(kib);
        }
        memory = new NodeMemory(node, Math.Max(0, total), Math.Max(0, free), inactiveFile);
        return total > 0 && free >= 0;
    }
}
