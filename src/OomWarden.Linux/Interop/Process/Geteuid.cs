using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

public static partial class Ids
{
    /// <summary>geteuid(2): never fails.</summary>
    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint EffectiveUserId();
}
