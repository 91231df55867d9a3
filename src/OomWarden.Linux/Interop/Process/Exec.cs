using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

/// <summary>execv(3): this process becomes another program (same pid, same descriptors, the environment as it is).
/// <c>oomwarden run</c> becomes the daemon-only executable with it.</summary>
public static unsafe partial class Exec
{
    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true)]
    private static partial int ExecV(byte* path, byte** argv);

    /// <summary>Replaces this process with <paramref name="path"/>, argv[0] first; returns only on failure, with errno.</summary>
    public static int Replace(string path, IReadOnlyList<string> argv)
    {
        var owned = new List<nint>(argv.Count + 1);
        try
        {
            nint file = Marshal.StringToCoTaskMemUTF8(path);
            owned.Add(file);
            byte** vector = stackalloc byte*[argv.Count + 1];
            for (int i = 0; i < argv.Count; i++)
            {
                nint a = Marshal.StringToCoTaskMemUTF8(argv[i]);
                owned.Add(a);
                vector[i] = (byte*)a;
            }
            vector[argv.Count] = null;
            ExecV((byte*)file, vector);
            return Marshal.GetLastSystemError();
        }
        finally
        {
            foreach (nint p in owned) Marshal.FreeCoTaskMem(p);
        }
    }
}
