using OomWarden.Core.Decisions;

namespace OomWarden.Core.Tests.Model;

public class HumanBytesTests
{
    [Theory]
    [InlineData(0L, "0B")]
    [InlineData(1023L, "1023B")]
    [InlineData(1536L, "1.5KiB")]
    [InlineData(3221225472L, "3.0GiB")]
    [InlineData(-1536L, "-1.5KiB")]
    [InlineData(long.MaxValue, "8.0EiB")]
    [InlineData(-long.MaxValue, "-8.0EiB")]
    [InlineData(long.MinValue, "-8.0EiB")]
    public void Formats_every_long_without_recursion(long bytes, string expected) =>
        Assert.Equal(expected, HumanBytes.Format(bytes));
}
