using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary><see cref="ShortSpans"/> gives what <c>IndexOf</c> and <c>Contains</c> give, for every length and position around its blocks.</summary>
public class ShortSpansTests
{
    [Fact]
    public void Every_position_of_every_length_gives_the_library_result()
    {
        var rnd = new Random(32);
        int proven = 0;
        for (int len = 0; len <= 600; len++)
            for (int round = 0; round < 200; round++)
            {
                var s = new byte[len];
                for (int k = 0; k < len; k++) s[k] = (byte)rnd.Next(0x20, 0x7f);
                int hits = rnd.Next(3);
                for (int h = 0; h < hits && len > 0; h++) s[rnd.Next(len)] = (byte)'#';
                Assert.Equal(s.AsSpan().IndexOf((byte)'#'), ShortSpans.IndexOfNear(s, (byte)'#'));
                Assert.Equal(s.AsSpan().Contains((byte)'#'), ShortSpans.Contains(s, (byte)'#'));
                Assert.Equal(s.AsSpan().IndexOf((byte)'#'), ShortSpans.IndexOfBlocks(s, (byte)'#'));
                for (int k = 0; k < len; k++) if (rnd.Next(8) == 0) s[k] = (byte)'\n';
                int nl = ShortSpans.IndexOfNear(s, (byte)'\n', (byte)'#', out bool hashNear);
                Assert.Equal(s.AsSpan().IndexOf((byte)'\n'), nl);
                // false only when it is proven: no '#' in the line
                if (!hashNear) { Assert.DoesNotContain((byte)'#', nl < 0 ? s : s[..nl]); proven++; }
            }
        Assert.True(proven > 1000, $"only {proven} lines proven without '#'");
    }
}
