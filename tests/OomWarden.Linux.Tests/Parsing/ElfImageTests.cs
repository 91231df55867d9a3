using System.Buffers.Binary;
using System.Text;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Parsing;

/// <summary>ElfImage on an ELF file built here byte by byte: a PIE with PT_PHDR, three sections and a name table.</summary>
public class ElfImageTests
{
    private const ulong PhOff = 64, ShOff = 0x400;
    private static readonly byte[] Names = Encoding.ASCII.GetBytes("\0.shstrtab\0.bss\0.hydrated\0");

    private static byte[] Image(bool withPhdr = true, string magic = "\u007fELF", byte elfClass = 2)
    {
        var f = new byte[0x800];
        Encoding.ASCII.GetBytes(magic).CopyTo(f, 0);
        f[4] = elfClass;
        f[5] = 1;
        BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(0x20), PhOff);
        BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(0x28), ShOff);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(0x36), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(0x38), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(0x3A), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(0x3C), 4);
        BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(0x3E), 1);
        // Program headers: PT_PHDR (or a PT_NOTE) at vaddr 0x40, then PT_LOAD at offset 0, vaddr 0x1000.
        Program(f, 0, withPhdr ? 6u : 4u, 0x40, 0x40);
        Program(f, 1, 1, 0, 0x1000);
        // Sections: null, .shstrtab at 0x700, .bss, .hydrated (NOBITS).
        Section(f, 1, 1, 3, 0, 0x700, (ulong)Names.Length);
        Section(f, 2, 11, 8, 0x4d7510, 0, 0x18798);
        Section(f, 3, 16, 8, 0x4efcb0, 0, 0x11d948);
        Names.CopyTo(f, 0x700);
        return f;
    }

    private static void Program(byte[] f, int i, uint type, ulong offset, ulong vaddr)
    {
        var e = f.AsSpan((int)PhOff + i * 56, 56);
        BinaryPrimitives.WriteUInt32LittleEndian(e, type);
        BinaryPrimitives.WriteUInt64LittleEndian(e[0x08..], offset);
        BinaryPrimitives.WriteUInt64LittleEndian(e[0x10..], vaddr);
    }

    private static void Section(byte[] f, int i, uint name, uint type, ulong addr, ulong offset, ulong size)
    {
        var e = f.AsSpan((int)ShOff + i * 64, 64);
        BinaryPrimitives.WriteUInt32LittleEndian(e, name);
        BinaryPrimitives.WriteUInt32LittleEndian(e[0x04..], type);
        BinaryPrimitives.WriteUInt64LittleEndian(e[0x10..], addr);
        BinaryPrimitives.WriteUInt64LittleEndian(e[0x18..], offset);
        BinaryPrimitives.WriteUInt64LittleEndian(e[0x20..], size);
    }

    [Fact]
    public void Finds_a_section_by_name_through_the_name_table()
    {
        var f = Image();
        Assert.True(ElfImage.TryParseHeader(f, out var h));
        Assert.Equal(4, h.SectionHeaderCount);
        var sections = f.AsSpan((int)h.SectionHeadersOffset, h.SectionHeaderCount * 64);
        Assert.True(ElfImage.TryGetSectionFileRange(sections, h.SectionNamesIndex, out ulong namesAt, out ulong namesSize));
        var names = f.AsSpan((int)namesAt, (int)namesSize);
        Assert.True(ElfImage.TryFindSection(sections, names, ".hydrated"u8, out ulong address, out ulong size, out uint type));
        Assert.Equal((0x4efcb0ul, 0x11d948ul, ElfImage.NoBits), (address, size, type));
        Assert.True(ElfImage.TryFindSection(sections, names, ".bss"u8, out address, out _, out _));
        Assert.Equal(0x4d7510ul, address);
        // A prefix of a name is not the name.
        Assert.False(ElfImage.TryFindSection(sections, names, ".hydr"u8, out _, out _, out _));
        Assert.False(ElfImage.TryFindSection(sections, names, ".data"u8, out _, out _, out _));
    }

    [Fact]
    public void Program_headers_address_is_PT_PHDR_else_the_first_load_at_offset_zero()
    {
        var f = Image();
        Assert.True(ElfImage.TryParseHeader(f, out var h));
        Assert.True(ElfImage.TryGetProgramHeadersAddress(f.AsSpan((int)PhOff, 2 * 56), h.ProgramHeadersOffset, out ulong a));
        Assert.Equal(0x40ul, a);
        f = Image(withPhdr: false);
        Assert.True(ElfImage.TryGetProgramHeadersAddress(f.AsSpan((int)PhOff, 2 * 56), h.ProgramHeadersOffset, out a));
        Assert.Equal(0x1040ul, a);
    }

    [Theory]
    [InlineData("\u007fELG", 2)]
    [InlineData("\u007fELF", 1)]
    public void Refuses_what_is_not_a_64_bit_ELF(string magic, byte elfClass)
    {
        Assert.False(ElfImage.TryParseHeader(Image(magic: magic, elfClass: elfClass), out _));
        Assert.False(ElfImage.TryParseHeader(new byte[10], out _));
    }

    [Fact]
    public void A_name_offset_outside_the_table_or_a_short_table_is_no_match()
    {
        var f = Image();
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan((int)ShOff + 3 * 64), 5000);
        var sections = f.AsSpan((int)ShOff, 4 * 64);
        Assert.False(ElfImage.TryFindSection(sections, Names, ".hydrated"u8, out _, out _, out _));
        Assert.False(ElfImage.TryGetSectionFileRange(sections, 9, out _, out _));
    }

    [Fact]
    public void The_running_test_host_is_parsed_too()
    {
        // /proc/self/exe is the dotnet host here: a real PIE with a .bss section and a name table.
        var f = File.ReadAllBytes("/proc/self/exe");
        Assert.True(ElfImage.TryParseHeader(f, out var h));
        var sections = f.AsSpan((int)h.SectionHeadersOffset, h.SectionHeaderCount * 64);
        Assert.True(ElfImage.TryGetSectionFileRange(sections, h.SectionNamesIndex, out ulong at, out ulong size));
        Assert.True(ElfImage.TryFindSection(sections, f.AsSpan((int)at, (int)size), ".bss"u8, out ulong bss, out _, out uint type));
        Assert.True(bss > 0);
        Assert.Equal(ElfImage.NoBits, type);
        Assert.True(ElfImage.TryGetProgramHeadersAddress(f.AsSpan((int)h.ProgramHeadersOffset, h.ProgramHeaderCount * 56), h.ProgramHeadersOffset, out _));
    }
}
