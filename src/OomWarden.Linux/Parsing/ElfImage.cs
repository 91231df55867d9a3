using System.Buffers.Binary;

namespace OomWarden.Linux.Parsing;

/// <summary>The few facts of a 64-bit little-endian ELF file that the daemon needs about its own executable: where
/// the section headers are, where a named section lies in memory, and the program headers' own virtual address
/// (to turn link-time addresses into run-time ones). Pure: every method parses bytes the caller read.</summary>
public static class ElfImage
{
    public const int HeaderBytes = 64;
    public const int SectionHeaderBytes = 64;
    public const int ProgramHeaderBytes = 56;

    /// <summary>sh_type of a section that takes memory but no bytes of the file (.bss, NativeAOT's .hydrated).</summary>
    public const uint NoBits = 8;

    private const uint ProgramHeaderType = 6; // PT_PHDR
    private const uint LoadType = 1;          // PT_LOAD

    /// <summary>Where the section and program header tables are. False unless a 64-bit little-endian ELF header
    /// with 64-byte section and 56-byte program header entries.</summary>
    public static bool TryParseHeader(ReadOnlySpan<byte> header, out ElfHeader result)
    {
        result = default;
        if (header.Length < HeaderBytes || !header[..4].SequenceEqual("\u007fELF"u8)) return false;
        if (header[4] != 2 || header[5] != 1) return false; // ELFCLASS64, ELFDATA2LSB
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x36..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(header[0x3A..]);
        if (phentsize != ProgramHeaderBytes || shentsize != SectionHeaderBytes) return false;
        result = new ElfHeader(
            ProgramHeadersOffset: BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]),
            ProgramHeaderCount: BinaryPrimitives.ReadUInt16LittleEndian(header[0x38..]),
            SectionHeadersOffset: BinaryPrimitives.ReadUInt64LittleEndian(header[0x28..]),
            SectionHeaderCount: BinaryPrimitives.ReadUInt16LittleEndian(header[0x3C..]),
            SectionNamesIndex: BinaryPrimitives.ReadUInt16LittleEndian(header[0x3E..]));
        return true;
    }

    /// <summary>The file offset and size of section <paramref name="index"/>'s bytes (for the section name table).</summary>
    public static bool TryGetSectionFileRange(ReadOnlySpan<byte> sectionHeaders, int index, out ulong offset, out ulong size)
    {
        offset = size = 0;
        if (index < 0 || (long)(index + 1) * SectionHeaderBytes > sectionHeaders.Length) return false;
        var entry = sectionHeaders.Slice(index * SectionHeaderBytes, SectionHeaderBytes);
        offset = BinaryPrimitives.ReadUInt64LittleEndian(entry[0x18..]);
        size = BinaryPrimitives.ReadUInt64LittleEndian(entry[0x20..]);
        return true;
    }

    /// <summary>The link-time address, size and type of the section called <paramref name="name"/>; false when no
    /// section has that name or a name offset points outside <paramref name="names"/>.</summary>
    public static bool TryFindSection(ReadOnlySpan<byte> sectionHeaders, ReadOnlySpan<byte> names, ReadOnlySpan<byte> name,
        out ulong address, out ulong size, out uint type)
    {
        address = size = 0;
        type = 0;
        for (int i = 0; (i + 1) * SectionHeaderBytes <= sectionHeaders.Length; i++)
        {
            var entry = sectionHeaders.Slice(i * SectionHeaderBytes, SectionHeaderBytes);
            uint nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            if (nameOffset >= (uint)names.Length) continue;
            var rest = names[(int)nameOffset..];
            int end = rest.IndexOf((byte)0);
            if (end < 0 || !rest[..end].SequenceEqual(name)) continue;
            type = BinaryPrimitives.ReadUInt32LittleEndian(entry[0x04..]);
            address = BinaryPrimitives.ReadUInt64LittleEndian(entry[0x10..]);
            size = BinaryPrimitives.ReadUInt64LittleEndian(entry[0x20..]);
            return true;
        }
        return false;
    }

    /// <summary>The link-time virtual address of the program header table: PT_PHDR's, else the first PT_LOAD at
    /// file offset 0 plus the table's offset. Run-time base = getauxval(AT_PHDR) − this.</summary>
    public static bool TryGetProgramHeadersAddress(ReadOnlySpan<byte> programHeaders, ulong programHeadersOffset, out ulong address)
    {
        address = 0;
        bool found = false;
        for (int i = 0; (i + 1) * ProgramHeaderBytes <= programHeaders.Length; i++)
        {
            var entry = programHeaders.Slice(i * ProgramHeaderBytes, ProgramHeaderBytes);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(entry);
            ulong fileOffset = BinaryPrimitives.ReadUInt64LittleEndian(entry[0x08..]);
            ulong virtualAddress = BinaryPrimitives.ReadUInt64LittleEndian(entry[0x10..]);
            if (type == ProgramHeaderType)
            {
                address = virtualAddress;
                return true;
            }
            if (!found && type == LoadType && fileOffset == 0)
            {
                address = virtualAddress + programHeadersOffset;
                found = true;
            }
        }
        return found;
    }
}

/// <summary>The ELF header fields <see cref="ElfImage"/> uses.</summary>
public readonly record struct ElfHeader(
    ulong ProgramHeadersOffset,
    int ProgramHeaderCount,
    ulong SectionHeadersOffset,
    int SectionHeaderCount,
    int SectionNamesIndex);
