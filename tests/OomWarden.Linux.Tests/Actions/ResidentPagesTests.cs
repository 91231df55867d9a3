using System.Buffers.Binary;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Tests.Actions;

public unsafe class ResidentPagesTests
{
    [Fact]
    public void Decode_takes_the_pages_whose_entry_has_the_present_bit()
    {
        var entries = new byte[4 * 8];
        BinaryPrimitives.WriteUInt64LittleEndian(entries.AsSpan(0), ResidentPages.PresentBit);          // present, frame hidden
        BinaryPrimitives.WriteUInt64LittleEndian(entries.AsSpan(8), 1UL << 62);                         // swapped
        BinaryPrimitives.WriteUInt64LittleEndian(entries.AsSpan(16), 0);                                // not mapped
        BinaryPrimitives.WriteUInt64LittleEndian(entries.AsSpan(24), ResidentPages.PresentBit | 12345); // present, frame shown
        var present = new List<ulong>();
        ResidentPages.Decode(entries, 0x7f0000000000, present);
        Assert.Equal([0x7f0000000000UL, 0x7f0000003000UL], present);
    }

    [Fact]
    public void Since_is_what_is_present_now_and_was_not_kept()
    {
        Assert.Equal([0x2000UL, 0x9000UL], ResidentPages.Since([0x1000, 0x2000, 0x5000, 0x9000], [0x1000, 0x3000, 0x5000]));
        Assert.Empty(ResidentPages.Since([0x1000], [0x1000, 0x2000]));
        Assert.Equal([0x1000UL], ResidentPages.Since([0x1000], []));
    }

    [Fact]
    public void This_process_s_pagemap_shows_the_pages_it_touched_of_a_fresh_mapping()
    {
        const int pages = 16;
        byte* memory = AnonymousMemory.TryMap(pages * 4096, out int errno);
        Assert.True(memory is not null, $"mmap: errno {errno}");
        try
        {
            ulong start = (ulong)memory;
            memory[2 * 4096] = 1;
            memory[3 * 4096 + 100] = 1;
            memory[15 * 4096 + 4095] = 1;
            var mapping = new SmapsMapping(start, start + pages * 4096, Writable: true, Executable: false, Shared: false, FileBacked: false,
                RssKib: 12, AnonymousKib: 12, LockedKib: 0);
            Assert.True(ResidentPages.TryRead("/proc/self/pagemap", [mapping], out var present, out errno), $"errno {errno}");
            Assert.Equal([start + 2 * 4096, start + 3 * 4096, start + 15 * 4096], present);
        }
        finally
        {
            AnonymousMemory.Unmap(memory, pages * 4096);
        }
    }

    [Fact]
    public void TryRead_of_a_missing_pagemap_is_false_with_the_errno()
    {
        Assert.False(ResidentPages.TryRead("/nonexistent/pagemap", [], out _, out int errno));
        Assert.Equal(2, errno);
    }
}
