using System.Runtime.InteropServices;
using OomWarden.Linux.Interop;
using OomWarden.Linux.Interop.FileSystem;
using OomWarden.Linux.IO;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Parsing;

namespace OomWarden.Linux.Actions;

/// <summary>Makes NativeAOT's data section (<c>.hydrated</c>: the MethodTables and frozen objects, decompressed into
/// anonymous memory at start, 1.1 MiB resident and locked for good) file-backed, so that the pages the daemon never
/// reads again can be given back like the executable's text. At the very start of the daemon, while it runs one
/// thread: the section's whole pages are written to an unnamed file (O_TMPFILE) on a disk file system, synced, and
/// mapped privately over themselves (MAP_FIXED). The bytes are the same; a page written later becomes the process's
/// own copy (copy-on-write), as before. <see cref="WorkingSetTrim"/> then pages out (MADV_PAGEOUT) those of them not
/// read since start. See docs/DESIGN.md, "The data section, file-backed".</summary>
/// <remarks>Safe against lost writes: the file is compared with the memory through a second mapping just before the
/// memory is replaced (only the mmap call lies between), and MADV_PAGEOUT never drops a page that was written (no
/// swap to put it in). A tmpfs or ramfs directory is refused: its pages are memory, nothing would be given back.</remarks>
public static unsafe class DataSectionRemap
{
    /// <summary>Where the unnamed file may live, first usable one wins: the daemon's state directory (the unit's
    /// StateDirectory=), then /var/tmp (private to the service under PrivateTmp=).</summary>
    public static readonly string[] DefaultDirectories = ["/var/lib/oomwarden", "/var/tmp"];

    private const ulong PageBytes = 4096;
    private const int MaxTableBytes = 1 << 20;

    /// <summary>What the start did: set once by the daemon's entry point, read by the working-set trim and the log.</summary>
    public static DataSectionRemapResult Current { get; set; }

    /// <summary>Maps <paramref name="sectionName"/> of the running executable (<paramref name="exePath"/>, normally
    /// /proc/self/exe) over itself from an unnamed file in the first usable of <paramref name="directories"/>.</summary>
    public static DataSectionRemapResult TryApply(string exePath, ReadOnlySpan<string> directories, ReadOnlySpan<byte> sectionName)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        if (!TryLocate(exePath, sectionName, out ulong start, out ulong end, out string? failure))
            return new(0, 0, null, failure);
        nuint length = (nuint)(end - start);
        int flags = FileMapping.TemporaryFileFlags; // its static initialiser runs before the copy, not between
        string? reasons = null;
        foreach (var directory in directories)
        {
            if (TryRemapFrom(directory, start, length, out string? why))
                return new(start, end, directory, null) { Elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(t0) };
            reasons = reasons is null ? why : reasons + "; " + why;
        }
        return new(0, 0, null, $"data section stays anonymous: {reasons ?? "no directory to try"}");
    }

    private static bool TryRemapFrom(string directory, ulong start, nuint length, out string? why)
    {
        why = null;
        if (!FileMapping.TryCreateUnnamed(directory, out int fd, out int errno))
        {
            why = $"{directory}: open(O_TMPFILE): {Errno.Describe(errno)}";
            return false;
        }
        nint check = -1;
        try
        {
            if (!IO.ControlFile.TryGetFileSystemType(fd, out long type, out errno))
            {
                why = $"{directory}: fstatfs: {Errno.Describe(errno)}";
                return false;
            }
            if (type is FileMapping.TmpfsMagic or FileMapping.RamfsMagic)
            {
                why = $"{directory}: on tmpfs/ramfs (its pages are memory too)";
                return false;
            }
            if (!FileMapping.TryWritePages(fd, (byte*)start, length, out errno) || !FileMapping.TryDataSync(fd, out errno))
            {
                why = $"{directory}: write: {Errno.Describe(errno)}";
                return false;
            }
            check = FileMapping.Map(0, length, FileMapping.ProtRead, FileMapping.MapPrivate, fd, out errno);
            if (check == -1)
            {
                why = $"{directory}: mmap: {Errno.Describe(errno)}";
                return false;
            }
            if (!new ReadOnlySpan<byte>((void*)check, (int)length).SequenceEqual(new ReadOnlySpan<byte>((void*)start, (int)length)))
            {
                why = "the data section changed while it was copied (another thread wrote to it)";
                return false;
            }
            nint mapped = FileMapping.Map((nint)start, length, FileMapping.ProtRead | FileMapping.ProtWrite,
                FileMapping.MapPrivate | FileMapping.MapFixed, fd, out errno);
            if (mapped != (nint)start)
            {
                why = $"{directory}: mmap(MAP_FIXED): {Errno.Describe(errno)}";
                return false;
            }
            return true;
        }
        finally
        {
            if (check != -1) FileMapping.Unmap(check, length);
            RawFile.Close(fd);
        }
    }

    /// <summary>The run-time range of the section's whole pages (the pages it shares with .bss stay as they are).</summary>
    private static bool TryLocate(string exePath, ReadOnlySpan<byte> sectionName, out ulong start, out ulong end, out string? failure)
    {
        start = end = 0;
        failure = null;
        if (!RawFile.TryOpen(exePath, RawFile.ORdOnly, out int fd, out int errno))
        {
            failure = $"data section stays anonymous: cannot open {exePath}: {Errno.Describe(errno)}";
            return false;
        }
        try
        {
            Span<byte> header = stackalloc byte[ElfImage.HeaderBytes];
            if (!NativeRead.TryReadAt(fd, header, 0) || !ElfImage.TryParseHeader(header, out var elf))
            {
                failure = $"data section stays anonymous: {exePath} is not a 64-bit little-endian ELF file";
                return false;
            }
            int sectionBytes = elf.SectionHeaderCount * ElfImage.SectionHeaderBytes;
            int programBytes = elf.ProgramHeaderCount * ElfImage.ProgramHeaderBytes;
            if (sectionBytes > MaxTableBytes || programBytes > MaxTableBytes)
            {
                failure = "data section stays anonymous: the executable's header tables are implausibly large";
                return false;
            }
            var sections = new byte[sectionBytes];
            var programs = new byte[programBytes];
            if (!NativeRead.TryReadAt(fd, sections, (long)elf.SectionHeadersOffset) || !NativeRead.TryReadAt(fd, programs, (long)elf.ProgramHeadersOffset)
                || !ElfImage.TryGetSectionFileRange(sections, elf.SectionNamesIndex, out ulong namesOffset, out ulong namesSize)
                || namesSize > MaxTableBytes)
            {
                failure = "data section stays anonymous: cannot read the executable's section headers";
                return false;
            }
            var names = new byte[namesSize];
            if (!NativeRead.TryReadAt(fd, names, (long)namesOffset)
                || !ElfImage.TryFindSection(sections, names, sectionName, out ulong address, out ulong size, out uint type)
                || type != ElfImage.NoBits)
            {
                failure = $"data section stays anonymous: no {System.Text.Encoding.ASCII.GetString(sectionName)} section in the executable";
                return false;
            }
            if (!ElfImage.TryGetProgramHeadersAddress(programs, elf.ProgramHeadersOffset, out ulong linkedHeaders))
            {
                failure = "data section stays anonymous: no program header address";
                return false;
            }
            ulong loadBias = FileMapping.GetAuxiliaryValue(FileMapping.AtProgramHeaders) - linkedHeaders;
            start = (loadBias + address + PageBytes - 1) & ~(PageBytes - 1);
            end = (loadBias + address + size) & ~(PageBytes - 1);
            if (end <= start + 16 * PageBytes)
            {
                failure = "data section stays anonymous: the section is too small to be worth it";
                return false;
            }
            return true;
        }
        finally
        {
            RawFile.Close(fd);
        }
    }
}

/// <summary>The range mapped from the file (0, 0 when nothing was done), the directory of the file, or why not.</summary>
public readonly record struct DataSectionRemapResult(ulong StartAddress, ulong EndAddress, string? Directory, string? Warning)
{
    public bool Applied => EndAddress > StartAddress;

    /// <summary>How long locating, writing, syncing and mapping took.</summary>
    public TimeSpan Elapsed { get; init; }

    public ulong LengthBytes => EndAddress - StartAddress;
}
