using System.Text;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// The reader's marker searches (the specialised filters of <see cref="MarkerSearch{TFilter}"/>) and the generic
/// <see cref="MarkerSearch"/> find the first whole marker exactly where a naive search does: every marker at every
/// offset of spans of every length around the vector blocks, next to near misses that pass the byte-pair filters,
/// and in random text made of marker pieces.
/// </summary>
public class MarkerSearchTests
{
    public static TheoryData<string> Searches => new() { "idle", "after-kill", "classifier-tail" };

    private static MarkerSearch Search(string name) => name switch
    {
        "idle" => OomLogReader.IdleSearch,
        "after-kill" => OomLogReader.AfterKillSearch,
        _ => MessageClassifier.TailPieces,
    };

    private static int Naive(ReadOnlySpan<byte> s, IReadOnlyList<byte[]> markers)
    {
        for (int i = 0; i < s.Length; i++)
            foreach (var m in markers)
                if (s.Slice(i).StartsWith(m)) return i;
        return -1;
    }

    [Theory]
    [MemberData(nameof(Searches))]
    public void Every_marker_is_found_at_every_offset_of_every_length(string name)
    {
        var search = Search(name);
        var generic = new MarkerSearch([.. search.Markers]);
        var rnd = new Random(13);
        // a marker formed by chance before the planted one is what the naive search finds too
        const string Filler = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789[].:=-_<>";
        foreach (var m in search.Markers)
            for (int len = m.Length; len <= 100; len++)
                for (int at = 0; at + m.Length <= len; at++)
                {
                    var s = new byte[len];
                    for (int k = 0; k < len; k++) s[k] = (byte)Filler[rnd.Next(Filler.Length)];
                    m.CopyTo(s, at);
                    int expected = Naive(s, search.Markers);
                    Assert.True(expected >= 0 && expected <= at);
                    Assert.Equal(expected, search.IndexOfAny(s));
                    Assert.Equal(expected, generic.IndexOfAny(s));
                }
    }

    [Theory]
    [MemberData(nameof(Searches))]
    public void Near_misses_are_not_found(string name)
    {
        var search = Search(name);
        // each passes some byte-pair test of the filters (first and a later byte) but is no marker
        string[] misses = ["kabl", "Kabl", "Txxxxxs", "oxxxxxxxxr", "kilt", "Kiwl", "KILL", "Mem_", "mem-", "MeM-", "Tasks", "Taskss", "memory:u", "Memory: u",
            "Linux versio", "Linux  version", "name to >", "nAme to <", "oom_reapex", "oom reaper", "Lxxxxxxxxxxxn", "nxxxxxxx<",
            // and the bytes at 0, 3 and 6 of a marker (what a nibble-table test reads: bench/analyze/README.md, tenth pass)
            "kxxl", "Mxx-", "Txxkxxs", "mxxoxx:xu", "Lxxuxxvxxxxxn", "nxxexxoxx<", "oxx_xxaxxr", "Tasks_s"];
        foreach (var miss in misses)
            for (int pad = 0; pad < 40; pad++)
            {
                var s = Encoding.ASCII.GetBytes(new string('.', pad) + miss + new string('.', 40 - pad));
                Assert.Equal(-1, search.IndexOfAny(s));
            }
    }

    [Theory]
    [MemberData(nameof(Searches))]
    public void Random_text_of_marker_pieces_gives_the_naive_result(string name)
    {
        var search = Search(name);
        var generic = new MarkerSearch([.. search.Markers]);
        var pieces = new List<string> { " ", "x", "l", "k", "K", "M", "m", "T", "L", "n", "o", "r", "s", "u", "<", "-", "\n", "i", "_", "=", "c" };
        foreach (var m in search.Markers)
        {
            string t = Encoding.ASCII.GetString(m);
            for (int k = 1; k < t.Length; k++) { pieces.Add(t.Substring(0, k)); pieces.Add(t.Substring(k)); }
        }
        var rnd = new Random(20261202);
        for (int round = 0; round < 50_000; round++)
        {
            var sb = new StringBuilder();
            int target = rnd.Next(0, 160);
            while (sb.Length < target) sb.Append(pieces[rnd.Next(pieces.Count)]);
            var s = Encoding.ASCII.GetBytes(sb.ToString());
            int from = s.Length == 0 ? 0 : rnd.Next(s.Length);
            var span = s.AsSpan(from);
            int expected = Naive(span, search.Markers);
            Assert.Equal(expected, search.IndexOfAny(span));
            Assert.Equal(expected, generic.IndexOfAny(span));
        }
    }

    [Fact]
    public void A_filter_that_misses_a_marker_is_refused()
    {
        // the idle filter knows nothing of the reaper line
        var e = Assert.Throws<ArgumentException>(() => new MarkerSearch<IdleMarkerFilter>("kill"u8.ToArray(), "oom_reaper"u8.ToArray()));
        Assert.Contains("oom_reaper", e.Message);
        _ = new MarkerSearch<AfterKillMarkerFilter>("kill"u8.ToArray(), "oom_reaper"u8.ToArray());
    }
}
