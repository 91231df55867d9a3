using System.Buffers;
using System.Text;

namespace OomWarden.Linux.IO;

/// <summary>Turns UTF-8 bytes into strings, returning the same instance for the same bytes (cgroup paths, exe paths
/// and names repeat across processes and scans). Invalid UTF-8 becomes U+FFFD, never an exception.</summary>
internal sealed class Utf8StringCache
{
    private const int MaxEntries = 4096;
    private const int MaxCachedLength = 512;
    private readonly Dictionary<string, string> strings = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> lookup;

    public Utf8StringCache()
    {
        lookup = strings.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty) return string.Empty;
        if (utf8.Length > MaxCachedLength) return Encoding.UTF8.GetString(utf8);
        Span<char> chars = stackalloc char[MaxCachedLength];
        int n = Encoding.UTF8.GetChars(utf8, chars);
        var key = chars[..n];
        if (lookup.TryGetValue(key, out var existing)) return existing;
        if (strings.Count >= MaxEntries) strings.Clear();
        var created = new string(key);
        strings[created] = created;
        return created;
    }
}
