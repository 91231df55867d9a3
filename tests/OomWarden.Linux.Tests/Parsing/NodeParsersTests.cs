using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

public sealed class NodeParsersTests
{
    [Theory]
    [InlineData("0", 0b1UL)]
    [InlineData("0-1", 0b11UL)]
    [InlineData("0,2-3\n", 0b1101UL)]
    [InlineData(" 5 ", 1UL << 5)]
    [InlineData("63", 1UL << 63)]
    public void Node_lists_become_masks(string list, ulong expected)
    {
        Assert.True(NodeListParser.TryParse(System.Text.Encoding.ASCII.GetBytes(list), out ulong mask));
        Assert.Equal(expected, mask);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0-")]
    [InlineData("3-1")]
    [InlineData("64")]      // beyond the mask: the caller treats 0 as "every node"
    [InlineData("a")]
    [InlineData("0,,1")]
    public void Bad_or_huge_lists_give_zero(string list)
    {
        Assert.False(NodeListParser.TryParse(System.Text.Encoding.ASCII.GetBytes(list), out ulong mask));
        Assert.Equal(0UL, mask);
    }

    [Fact]
    public void Captured_node_meminfo_parses()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Fixtures.Dir("numa-fake-2"), "node1.meminfo"));
        Assert.True(NodeMeminfoParser.TryParse(bytes, 1, out var node));
        Assert.Equal(1, node.Node);
        Assert.Equal(515492L * 1024, node.TotalBytes);
        Assert.Equal(505368L * 1024, node.FreeBytes);
        Assert.True(node.AvailableBytes >= node.FreeBytes);
    }

    [Fact]
    public void Status_mems_allowed_list_is_read()
    {
        var status = "Name:\tx\nTgid:\t7\nPPid:\t1\nUid:\t0\t0\t0\t0\nMems_allowed:\t00000000,00000002\nMems_allowed_list:\t1\n"u8;
        Assert.True(ProcStatusParser.TryParse(status, out var s));
        Assert.Equal(0b10UL, s.MemsAllowedMask);
    }
}
