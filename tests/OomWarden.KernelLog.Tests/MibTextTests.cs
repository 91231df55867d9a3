using OomWarden.KernelLog.Diagnosis;

namespace OomWarden.KernelLog.Tests;

/// <summary>The diagnosis' sizes under 10 GiB are formatted in integers: the same text as the double formatting they replace.</summary>
public class MibTextTests
{
    [Fact]
    public void MibTextIsTheDoubleFormatting()
    {
        var rng = new Random(13);
        for (long kb = 0; kb < (1L << 21); kb++) Check(kb);
        for (int i = 0; i < 1_000_000; i++) Check(rng.NextInt64(10L * 1024 * 1024));
        for (long kb = 10L * 1024 * 1024 - 5000; kb < 10L * 1024 * 1024; kb++) Check(kb);

        static void Check(long kb)
        {
            string expected = $"{kb / 1024.0:0.0} MiB";
            string actual = OomDiagnosis.MibText(kb);
            if (expected != actual) Assert.Fail($"kb {kb}: {actual}, expected {expected}");
        }
    }

    [Theory]
    [InlineData(0L, "0.0 MiB")]
    [InlineData(51L, "0.0 MiB")]    // 0.0498 MiB
    [InlineData(52L, "0.1 MiB")]    // 0.0508 MiB
    [InlineData(1587L, "1.5 MiB")]  // 1.5498 MiB
    [InlineData(1588L, "1.6 MiB")]  // 1.5508 MiB
    [InlineData(10L * 1024 * 1024 - 1, "10240.0 MiB")]
    public void MibTextRoundsHalfUp(long kb, string text) => Assert.Equal(text, OomDiagnosis.MibText(kb));
}
