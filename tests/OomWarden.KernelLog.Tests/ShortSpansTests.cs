using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary><see cref="ShortSpans"/> gives what <c>IndexOf</c> and <c>Contains</c> give, for every length and position around its blocks.</summary>
public class ShortSpansTests
{
    [Fact]
    public void Every_position_of_every_length_gives_the_library_result()
    {
        var rnd = new Random(32);
        for (int len = 0; len <= 300; len++)
            for (int round = 0; round < 200; round++)
            {
                var s = new byte[len];
                for (int k = 0; k < len; k++) s[k] = (byte)rnd.Next(0x20, 0x7f);
                int hits = rnd.Next(3);
                for (int h = 0; h < hits && len > 0; h++) s[rnd.Next(len)] = (byte)'#';
                Assert.Equal(s.AsSpan().IndexOf((byte)'#'), ShortSpans.IndexOfNear(s, (byte)'#'));
                Assert.Equal(s.AsSpan().Contains((byte)'#'), ShortSpans.Contains(s, (byte)'#'));
            }
    }
}
