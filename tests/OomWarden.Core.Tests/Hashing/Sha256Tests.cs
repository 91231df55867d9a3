using System.Text;
using OomWarden.Core.Hashing;

namespace OomWarden.Core.Tests.Hashing;

/// <summary>The managed SHA-256 against FIPS 180-4's examples and against .NET's own (OpenSSL) at every length
/// around the block and padding boundaries.</summary>
public sealed class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    public void Matches_the_standard_examples(string text, string hex)
    {
        Assert.Equal(hex, Sha256.HexOf(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Matches_the_platform_at_every_length_up_to_three_blocks_and_at_a_large_one()
    {
        var random = new Random(20261201);
        foreach (int length in Enumerable.Range(0, 200).Append(1 << 20))
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data)), Sha256.HexOf(data));
        }
    }
}
