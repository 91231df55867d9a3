using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

/// <summary>getppid(2): the guard proves the pidfd it opened names its parent, the daemon.</summary>
public static partial class ParentProcess
{
    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int GetPpid();

    public static int Pid => GetPpid();
}
