using CsCheck;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

/// <summary>Parsers see whatever the kernel (or a broken fixture) gives: they answer false, never throw.</summary>
public class ParserRobustnessTests
{
    // Bytes biased towards the characters the formats are made of.
    private static readonly byte[] Alphabet = "09 \n:()=-,\\maxsomefull"u8.ToArray();

    private static readonly Gen<byte[]> Text = Gen.OneOf(Gen.Byte, Gen.Int[0, Alphabet.Length - 1].Select(i => Alphabet[i]))
        .Array[0, 300];

    private static readonly byte[][] RealFiles =
    [
        Fixtures.Bytes("kernel-6.18-hybrid", "proc/meminfo"),
        Fixtures.Bytes("kernel-6.18-hybrid", "proc/self/mountinfo"),
        Fixtures.Bytes("kernel-6.18-hybrid", "proc/1/stat"),
        Fixtures.Bytes("kernel-6.18-hybrid", "proc/1/status"),
        Fixtures.Bytes("kernel-6.18-hybrid", "proc/1/cgroup"),
        Fixtures.Bytes("kernel-6.18-hybrid", "sys/fs/cgroup/memory/memory.stat"),
        Fixtures.Bytes("kernel-6.1-v2", "proc/pressure/memory"),
    ];

    /// <summary>A real file cut at a random point, with one byte overwritten.</summary>
    private static readonly Gen<byte[]> Mutated =
        from file in Gen.Int[0, RealFiles.Length - 1].Select(i => RealFiles[i])
        from cut in Gen.Int[0, file.Length]
        from position in Gen.Int[0, Math.Max(cut - 1, 0)]
        from value in Gen.Byte
        select Mutate(file, cut, position, value);

    private static byte[] Mutate(byte[] source, int cut, int position, byte value)
    {
        var copy = source[..cut];
        if (copy.Length > 0) copy[position] = value;
        return copy;
    }

    private static void AllParsers(byte[] bytes)
    {
        MeminfoParser.TryParse(bytes, out _);
        PressureParser.TryParse(bytes, out _);
        ProcStatParser.TryParse(bytes, out _);
        StatmParser.TryParse(bytes, out _);
        ProcStatusParser.TryParse(bytes, out _);
        OomScoreParser.TryParse(bytes, out _);
        ProcCgroupParser.TryParse(bytes, out _);
        ProcCgroupParser.TryFindMemoryPath(bytes, CgroupVersion.V1, out _);
        ProcCgroupParser.TryFindMemoryPath(bytes, CgroupVersion.V2, out _);
        MountInfoParser.TryParse(bytes, out _);
        CgroupValueParser.TryParse(bytes, out _);
        CgroupMemoryStatParser.TryParse(bytes, out _);
        CgroupEventsParser.TryParse(bytes, out _);
        OomControlParser.TryParse(bytes, out _);
        PidListParser.TryParse(bytes, []);
    }

    [Fact]
    public void Random_bytes_never_throw() => Text.Sample(AllParsers, iter: 20_000);

    [Fact]
    public void Truncated_and_corrupted_real_files_never_throw() => Mutated.Sample(AllParsers, iter: 20_000);

    [Fact]
    public void Stat_comm_is_found_whatever_the_name() =>
        Gen.Byte.Array[0, 64].Sample(comm =>
        {
            var text = "12 ("u8.ToArray().Concat(comm).Concat(") S 1 1 1 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 77 0 3 0\n"u8.ToArray()).ToArray();
            return ProcStatParser.TryParse(text, out var stat)
                && stat.Comm(text).SequenceEqual(comm) && stat.StartTimeTicks == 77 && stat.RssPages == 3;
        }, iter: 20_000);
}
