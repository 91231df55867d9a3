namespace OomWarden.Linux.Parsing;

/// <summary>The fields of /proc/PID/stat the daemon uses. The command name is kept as a range into the
/// parsed bytes (<see cref="Comm"/>) so that an identity check allocates nothing.</summary>
public readonly record struct ProcStat(
    int Pid,
    byte State,
    int ParentPid,
    uint Flags,
    ulong StartTimeTicks,
    long RssPages,
    int CommOffset,
    int CommLength)
{
    /// <summary>PF_KTHREAD in the flags field (field 9): a kernel thread.</summary>
    public const uint PfKthread = 0x0020_0000;

    public bool IsKernelThread => (Flags & PfKthread) != 0;

    /// <summary>PF_EXITING in the flags field: the task is in do_exit (tearing its memory down).</summary>
    public const uint PfExiting = 0x0000_0004;

    /// <summary>A zombie or dead task (state Z, X, or x before 4.14), or one in do_exit (PF_EXITING).</summary>
    public bool IsExiting => State is (byte)'Z' or (byte)'X' or (byte)'x' || (Flags & PfExiting) != 0;

    /// <summary>The raw command name, a slice of the bytes that were parsed.</summary>
    public ReadOnlySpan<byte> Comm(ReadOnlySpan<byte> parsedText) => parsedText.Slice(CommOffset, CommLength);
}
