using OomWarden.Linux.Doctor;

namespace OomWarden.Linux.Tests.Doctor;

public sealed class ProtectionParserTests
{
    [Fact]
    public void Status_gives_CapEff_as_hex_and_VmLck_in_bytes()
    {
        ProtectionParser.ParseStatus("Name:\tx\nVmLck:\t    7168 kB\nCapPrm:\t00000000ffffffff\nCapEff:\t0000000001084024\n"u8, out var caps, out var locked);
        Assert.Equal(0x1084024UL, caps);
        Assert.Equal(7168L * 1024, locked);
    }

    [Fact]
    public void Status_without_the_lines_gives_nulls()
    {
        ProtectionParser.ParseStatus("Name:\tkthreadd\nState:\tS\n"u8, out var caps, out var locked);
        Assert.Null(caps);
        Assert.Null(locked);
    }

    [Theory]
    [InlineData("Max locked memory         unlimited            unlimited            bytes     \n", long.MaxValue)]
    [InlineData("Max locked memory         8388608              8388608              bytes     \n", 8388608L)]
    [InlineData("Max open files            1024                 524288               files     \nMax locked memory         65536                unlimited            bytes     \n", 65536L)]
    public void Limits_give_the_soft_memlock_limit(string text, long expected)
    {
        Assert.True(ProtectionParser.TryParseMemlockLimit(System.Text.Encoding.ASCII.GetBytes(text), out long bytes));
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void Limits_without_the_line_or_with_garbage_are_false()
    {
        Assert.False(ProtectionParser.TryParseMemlockLimit("Max open files  1024  1024  files\n"u8, out _));
        Assert.False(ProtectionParser.TryParseMemlockLimit("Max locked memory  lots  lots  bytes\n"u8, out _));
    }

    [Fact]
    public void Swaps_list_the_devices_without_the_header()
    {
        var devices = ProtectionParser.ParseSwaps("Filename\tType\tSize\tUsed\tPriority\n/dev/zram0   partition\t4194300\t0\t100\n/swapfile   file\t1024\t0\t-2\n"u8);
        Assert.Equal(["/dev/zram0", "/swapfile"], devices);
    }
}
