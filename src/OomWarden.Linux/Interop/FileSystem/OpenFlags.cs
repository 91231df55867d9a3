namespace OomWarden.Linux.Interop.FileSystem;

/// <summary>open(2) flags and openat's AT_FDCWD (Linux, all architectures .NET supports).</summary>
internal static class OpenFlags
{
    public const int ReadOnly = 0x0;            // O_RDONLY
    public const int CloseOnExec = 0x80000;     // O_CLOEXEC
    public const int AtCurrentDirectory = -100; // AT_FDCWD

    /// <summary>O_DIRECTORY: 0x10000 on x86-64, 0x4000 on arm64/arm.</summary>
    public static int Directory { get; } =
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is
            System.Runtime.InteropServices.Architecture.Arm64 or System.Runtime.InteropServices.Architecture.Arm
            ? 0x4000 : 0x10000;

    /// <summary>O_NOFOLLOW: 0x20000 on x86-64, 0x8000 on arm64/arm.</summary>
    public static int NoFollow { get; } =
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is
            System.Runtime.InteropServices.Architecture.Arm64 or System.Runtime.InteropServices.Architecture.Arm
            ? 0x8000 : 0x20000;

    public static int ReadFile => ReadOnly | CloseOnExec;

    public static int ReadDirectory => ReadOnly | CloseOnExec | Directory;
}
