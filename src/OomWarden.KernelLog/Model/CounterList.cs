using System.Collections;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using OomWarden.KernelLog.Output;

namespace OomWarden.KernelLog.Model;

/// <summary>
/// A counter's name as every report of a log repeats it (<c>total_rss</c>, <c>active_anon</c>): one object per
/// name, with its JSON property (<c>"name":</c>) encoded once when the name needs no escaping, and a hash for the
/// duplicate check of the JSON writer. Made by <see cref="Of"/> (a fixed table of pairs of slots indexed by a hash of the bytes).
/// </summary>
public sealed class CounterName
{
    public string Text { get; }
    /// <summary><c>"name":</c> as UTF-8, or null when the name must go through the JSON escaping.</summary>
    internal byte[]? JsonProperty { get; }
    internal uint Hash { get; }
    /// <summary>The name is <c>[a-z0-9_]+</c>: a multi-line memcg stat may have it (<see cref="Parsing.MessageParsers.TryStatLine"/>).</summary>
    internal bool IsStatName { get; }
    /// <summary>The name holds the memcg frame's name: such a stat line must be classified (<see cref="Parsing.MessageParsers.MayBeOtherKind"/>).</summary>
    internal bool MayBeOtherKind { get; }
    /// <summary>A stat only v1 (1) or only v2 (2) prints; 0 for the others.</summary>
    internal byte MemcgVersion { get; }
    /// <summary>The diagnosis reads this counter (<see cref="CounterList.Find(CounterName)"/> by its first position, 1–<see cref="Keys"/>); 0 for the others.</summary>
    internal byte Key { get; }

    /// <summary>How many counter names the diagnosis reads (<see cref="Key"/>).</summary>
    internal const int Keys = 9;

    private readonly byte[] _utf8;
    internal byte[] Utf8 => _utf8;
    /// <summary>Its bit in a list's filter of the names it holds (0–511), from a hash of the whole text (<see cref="Hash"/> reads 4 bytes: similar stat names share it).</summary>
    internal readonly int SeenBit;

    /// <summary>
    /// The stat printed after this one the last time (a hint for the next report's, compared in full before use; shared
    /// by threads: a reference written and read once, a stale one only misses).
    /// </summary>
    internal CounterName? Next;

    private CounterName(ReadOnlySpan<byte> utf8, uint hash)
    {
        _utf8 = utf8.ToArray();
        Text = Encoding.UTF8.GetString(utf8);
        // printable ASCII without a quote or a backslash is written as it is (what the writer's escaping gives it)
        bool plain = !utf8.IsEmpty && utf8.IndexOfAnyExceptInRange((byte)' ', (byte)'~') < 0 && utf8.IndexOfAny((byte)'"', (byte)'\\') < 0;
        JsonProperty = plain ? JsonLineWriter.Name(Text) : null;
        Hash = hash;
        uint full = 2166136261u;
        foreach (char c in Text) full = (full ^ c) * 16777619u; // FNV-1a
        SeenBit = (int)((full * 0x9E3779B1u) >> 23);
        IsStatName = !utf8.IsEmpty;
        foreach (byte b in utf8)
            if (!((b >= (byte)'a' && b <= (byte)'z') || b == (byte)'_' || (b >= (byte)'0' && b <= (byte)'9'))) IsStatName = false;
        MayBeOtherKind = Parsing.MessageParsers.MayBeOtherKind(utf8);
        Key = Text switch
        {
            "file_dirty" => 1, "total_dirty" => 2, "dirty" => 3, "file_writeback" => 4, "total_writeback" => 5, "writeback" => 6,
            "slab_unreclaimable" => 7, "shmem" => 8, "total_shmem" => 9,
            _ => 0,
        };
        MemcgVersion = Text switch
        {
            "total_rss" or "hierarchical_memory_limit" or "cache" => 1,
            "anon" or "kernel_stack" or "file_dirty" => 2,
            _ => 0,
        };
    }

    /// <summary>Names longer than this are not kept in the table (no counter name is).</summary>
    internal const int MaxInterned = 32;
    private static readonly CounterName?[] Interned = new CounterName?[2048];

    /// <summary>The name of a counter the diagnosis looks up (an ASCII literal).</summary>
    internal static CounterName Of(string name) => Of(Encoding.UTF8.GetBytes(name));

    /// <summary>
    /// The name for these bytes: the same object each time a log repeats it (a collision just makes a new one). A
    /// table of pairs of slots indexed by a hash of the length and four of the bytes, each entry compared in full;
    /// shared by threads: an entry is read once before use.
    /// </summary>
    internal static CounterName Of(ReadOnlySpan<byte> s)
    {
        uint h = HashOf(s);
        // two slots per hash (a pair of names that share one must not evict each other on every report)
        int slot = (int)(h & (uint)(Interned.Length - 2));
        CounterName? first = null, second = null;
        if (s.Length <= MaxInterned)
        {
            // only ASCII names are kept: bytes equal to one are ASCII
            first = Volatile.Read(ref Interned[slot]);
            if (first is not null && Same(s, first._utf8)) return first;
            second = Volatile.Read(ref Interned[slot + 1]);
            if (second is not null && Same(s, second._utf8)) return second;
        }
        bool ascii = Ascii.IsValid(s);
        // the writer's duplicate check compares names by text: bytes that are not ASCII may decode to the same text, so
        // those names share one hash (ASCII bytes are their text: the hash of the bytes is one of the text)
        var made = new CounterName(s, ascii ? h : 0x2545F491u);
        if (ascii && s.Length <= MaxInterned) Volatile.Write(ref Interned[first is null || second is not null ? slot : slot + 1], made);
        return made;
    }

    /// <summary><c>s.SequenceEqual(name)</c> for at most 32 bytes, inline: overlapping 8-byte (or 4-byte) words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Same(ReadOnlySpan<byte> s, byte[] name)
    {
        int n = s.Length;
        if (name.Length != n) return false;
        ref byte a = ref MemoryMarshal.GetReference(s);
        ref byte b = ref MemoryMarshal.GetArrayDataReference(name);
        if (n >= 8)
        {
            if (Unsafe.ReadUnaligned<ulong>(ref a) != Unsafe.ReadUnaligned<ulong>(ref b)
                || Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, n - 8)) != Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, n - 8))) return false;
            if (n <= 16) return true;
            // 17–32 bytes: the words at 8 and n − 16 cover the rest
            return Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, 8)) == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, 8))
                && Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, n - 16)) == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, n - 16));
        }
        if (n >= 4)
            return Unsafe.ReadUnaligned<uint>(ref a) == Unsafe.ReadUnaligned<uint>(ref b)
                && Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref a, n - 4)) == Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, n - 4));
        for (int i = 0; i < n; i++)
            if (Unsafe.Add(ref a, i) != Unsafe.Add(ref b, i)) return false;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint HashOf(ReadOnlySpan<byte> s)
    {
        int n = s.Length;
        if (n == 0) return 0x9E3779B9u;
        uint a = s[0] | (uint)s[n >> 1] << 8 | (uint)s[n - 1] << 16 | (uint)s[Math.Max(0, n - 2)] << 24;
        uint h = (a ^ ((uint)n * 0x85EBCA6Bu)) * 0x9E3779B1u;
        return h ^ (h >> 15);
    }
}

/// <summary>
/// Counters of a report in the order printed (memcg stats, Mem-Info pages): a name and a value each. A damaged report
/// may repeat a name: the first one counts for <see cref="Find"/> and the JSON output.
/// </summary>
public sealed class CounterList : IReadOnlyList<KeyValuePair<string, long>>
{
    public const int MaxCounters = 256;

    private (CounterName Name, long Value)[] _items = [];
    private int _count;

    public int Count => _count;

    public KeyValuePair<string, long> this[int index] =>
        (uint)index < (uint)_count ? new(_items[index].Name.Text, _items[index].Value) : throw new ArgumentOutOfRangeException(nameof(index));

    internal CounterName NameAt(int index) => _items[index].Name;
    /// <summary>Adds a counter (ignored past <see cref="MaxCounters"/>); the first add makes room for <paramref name="expected"/>.</summary>
    internal void Add(CounterName name, long value, int expected)
    {
        if (_count >= MaxCounters) return;
        if (_count == _items.Length) Array.Resize(ref _items, _count == 0 ? expected : Math.Min(_count * 2, MaxCounters));
        // a name seen before in this list (a damaged report): a Bloom filter of the names' hashes, and a look back
        // for the same text when its bit is set; the JSON writer skips its duplicate check for a list without any
        int bit = name.SeenBit;
        ref ulong word = ref _seen[bit >> 6];
        if ((word & (1UL << bit)) != 0 && !_repeats) _repeats = SeenBefore(name);
        word |= 1UL << bit;
        if (name.Key != 0)
        {
            _firstOfKey ??= new byte[CounterName.Keys + 1];
            if (_firstOfKey[name.Key] == 0) { _firstOfKey[name.Key] = (byte)(_count + 1); _keyed = true; }
        }
        _items[_count++] = (name, value);
    }

    private SeenBits _seen;
    private bool _repeats;

    [System.Runtime.CompilerServices.InlineArray(8)]
    private struct SeenBits
    {
        private ulong _bits;
    }

    private bool SeenBefore(CounterName name)
    {
        uint h = name.Hash;
        foreach (var (n, _) in _items.AsSpan(0, _count))
            if (ReferenceEquals(n, name) || (n.Hash == h && string.Equals(n.Text, name.Text, StringComparison.Ordinal))) return true;
        return false;
    }

    // The first position (+1; 0: none) of each name the diagnosis reads (CounterName.Key): it finds them without a
    // pass over the list. MaxCounters is 256: the positions are the first 255 (a later one is found by the pass).
    private byte[]? _firstOfKey;
    private bool _keyed;

    /// <summary>Empties the list for its report's next use (the array is kept).</summary>
    internal void Clear()
    {
        _count = 0;
        _seen = default;
        _repeats = false;
        if (_keyed) { Array.Clear(_firstOfKey!); _keyed = false; }
    }

    public void Add(string name, long value) => Add(CounterName.Of(name), value, 32);

    /// <summary>The value of the first counter of that name, null when none: the hashes first, the text when they match.</summary>
    internal long? Find(CounterName name)
    {
        if (name.Key != 0 && _count < 255)
        {
            int at = _firstOfKey is { } first ? first[name.Key] : 0;
            return at == 0 ? null : _items[at - 1].Value;
        }
        uint h = name.Hash;
        for (int i = 0; i < _count; i++)
        {
            var n = _items[i].Name;
            if (ReferenceEquals(n, name) || (n.Hash == h && n.Text == name.Text)) return _items[i].Value;
        }
        return null;
    }

    /// <summary><c>Find(a) ?? Find(b) ?? Find(c)</c> in one pass.</summary>
    internal long? FindFirst(CounterName a, CounterName b, CounterName c)
    {
        if (a.Key != 0 && b.Key != 0 && c.Key != 0 && _count < 255) return Find(a) ?? Find(b) ?? Find(c);
        long? vb = null, vc = null;
        uint ha = a.Hash, hb = b.Hash, hc = c.Hash;
        // the hash first (one load per counter: most match none of the three), the name only when it matches
        foreach (var (n, value) in _items.AsSpan(0, _count))
        {
            uint h = n.Hash;
            if (h == ha && Same(n, a)) return value; // the first a wins whatever follows
            if (vb is null && h == hb && Same(n, b)) vb = value;
            else if (vc is null && h == hc && Same(n, c)) vc = value;
        }
        return vb ?? vc;

        static bool Same(CounterName n, CounterName key) => ReferenceEquals(n, key) || n.Text == key.Text;
    }

    /// <summary>The value of the first counter of that name, null when none.</summary>
    public long? Find(string name)
    {
        for (int i = 0; i < _count; i++)
            if (_items[i].Name.Text == name) return _items[i].Value;
        return null;
    }

    /// <summary>The counters as one JSON object under <paramref name="property"/>: a repeated name is written once (its first value).</summary>
    internal void WriteJson(JsonLineWriter w, ReadOnlySpan<byte> property)
    {
        w.StartObject(property);
        if (!_repeats)
        {
            // no name twice (the Bloom filter of Add): every counter is written
            foreach (var (name, value) in _items.AsSpan(0, _count))
            {
                if (name.JsonProperty is { } p) w.Number(p, value);
                else w.Number(name.Text, value);
            }
            w.EndObject();
            return;
        }
        // the names seen so far in an open-addressed table of their positions (+1; 0 is empty), at most half full: a
        // name is looked for among the few of its hash, not among all the names before it
        int bits = Math.Max(4, BitOperations.Log2((uint)_count) + 2);
        Span<ushort> seenAt = stackalloc ushort[1 << bits];
        var items = _items.AsSpan(0, _count);
        for (int i = 0; i < items.Length; i++)
        {
            var name = items[i].Name;
            if (!FirstOfItsName(items, seenAt, bits, i)) continue;
            if (name.JsonProperty is { } p) w.Number(p, items[i].Value);
            else w.Number(name.Text, items[i].Value);
        }
        w.EndObject();
    }

    /// <summary>No name before <paramref name="i"/> has its text; records it in <paramref name="seenAt"/> if so.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FirstOfItsName(ReadOnlySpan<(CounterName Name, long Value)> items, Span<ushort> seenAt, int bits, int i)
    {
        var name = items[i].Name;
        uint h = name.Hash;
        int mask = seenAt.Length - 1;
        for (int slot = (int)((h * 0x9E3779B1u) >> (32 - bits)); ; slot = (slot + 1) & mask)
        {
            int at = seenAt[slot] - 1;
            if (at < 0)
            {
                seenAt[slot] = (ushort)(i + 1);
                return true;
            }
            var other = items[at].Name;
            if (ReferenceEquals(other, name) || (other.Hash == h && string.Equals(other.Text, name.Text, StringComparison.Ordinal))) return false;
        }
    }

    public IEnumerator<KeyValuePair<string, long>> GetEnumerator()
    {
        for (int i = 0; i < _count; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
