namespace OomWarden.Linux.Parsing;

/// <summary>One mapping of /proc/PID/smaps: the range, its permissions, whether a file backs it, and how much of
/// it is resident (<see cref="RssKib"/>) and anonymous (<see cref="AnonymousKib"/>: pages written since they were
/// mapped, copy-on-write copies included; in a file mapping these are the pages the file no longer holds).</summary>
public readonly record struct SmapsMapping(
    ulong StartAddress,
    ulong EndAddress,
    bool Writable,
    bool Executable,
    bool Shared,
    bool FileBacked,
    long RssKib,
    long AnonymousKib,
    long LockedKib)
{
    public ulong LengthBytes => EndAddress - StartAddress;

    /// <summary>The inode of the file that backs the mapping (0 for an anonymous one).</summary>
    public ulong Inode { get; init; }

    /// <summary>KiB of resident pages accessed since the last write to /proc/PID/clear_refs (or since mapped).</summary>
    public long ReferencedKib { get; init; }
}
