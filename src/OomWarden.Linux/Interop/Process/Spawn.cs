using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Process;

/// <summary>posix_spawn(3) with a new process group, default signal dispositions and an empty signal mask (the
/// daemon ignores SIGPIPE and blocks nothing a child should inherit), stdin/stdout/stderr from pipes. glibc's
/// opaque structs are given generously sized zeroed buffers (posix_spawnattr_t is 336 bytes, file actions 80).</summary>
internal static unsafe partial class Spawn
{
    private const short SetPgroup = 0x02, SetSigDef = 0x04, SetSigMask = 0x08;
    private const int BufferBytes = 1024;
    private const int SigsetBytes = 128;

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    private static partial int PosixSpawn(out int pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int AttrInit(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int AttrDestroy(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int AttrSetFlags(void* attr, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setpgroup")]
    private static partial int AttrSetPgroup(void* attr, int pgroup);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int AttrSetSigDefault(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int AttrSetSigMask(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "sigfillset")]
    private static partial int SigFillSet(void* set);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int SigEmptySet(void* set);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int ActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int ActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int ActionsAddDup2(void* actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    public static partial int Pipe2(int* fds, int flags);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, out int status, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    public const int OCloexec = 0x80000, ONonblock = 0x800;

    /// <summary>Starts <paramref name="argv"/>[0] (an absolute path: no PATH search) in its own process group with
    /// fds 0, 1 and 2 set to <paramref name="stdinFd"/>, <paramref name="outputFd"/>, <paramref name="outputFd"/>.
    /// Returns 0 and the pid, or the error number.</summary>
    public static int Start(IReadOnlyList<string> argv, IReadOnlyList<string> environment, int stdinFd, int outputFd, out int pid) =>
        Start(argv, environment, stdinFd, outputFd, ownProcessGroup: true, out pid);

    /// <summary>As above; <paramref name="environment"/> null: this process's own environment; <paramref name="outputFd"/>
    /// -1: stdout and stderr are this process's; <paramref name="ownProcessGroup"/> false: this process's group (a
    /// terminal's Ctrl-C reaches the child too).</summary>
    public static int Start(IReadOnlyList<string> argv, IReadOnlyList<string>? environment, int stdinFd, int outputFd, bool ownProcessGroup, out int pid)
    {
        pid = -1;
        var handles = new List<GCHandle>();
        byte* attr = stackalloc byte[BufferBytes];
        byte* actions = stackalloc byte[BufferBytes];
        byte* all = stackalloc byte[SigsetBytes];
        byte* none = stackalloc byte[SigsetBytes];
        new Span<byte>(attr, BufferBytes).Clear();
        new Span<byte>(actions, BufferBytes).Clear();
        try
        {
            byte** args = Strings(argv, handles);
            byte** env = environment is null ? Environ() : Strings(environment, handles);
            if (env is null) return Errno.ENOSYS;
            int r;
            if ((r = AttrInit(attr)) != 0) return r;
            if ((r = ActionsInit(actions)) != 0) { AttrDestroy(attr); return r; }
            try
            {
                SigFillSet(all);
                SigEmptySet(none);
                if ((r = AttrSetFlags(attr, (short)((ownProcessGroup ? SetPgroup : 0) | SetSigDef | SetSigMask))) != 0) return r;
                if (ownProcessGroup && (r = AttrSetPgroup(attr, 0)) != 0) return r;
                if ((r = AttrSetSigDefault(attr, all)) != 0) return r;
                if ((r = AttrSetSigMask(attr, none)) != 0) return r;
                if ((r = ActionsAddDup2(actions, stdinFd, 0)) != 0) return r;
                if (outputFd >= 0 && (r = ActionsAddDup2(actions, outputFd, 1)) != 0) return r;
                if (outputFd >= 0 && (r = ActionsAddDup2(actions, outputFd, 2)) != 0) return r;
                return PosixSpawn(out pid, args[0], actions, attr, args, env);
            }
            finally
            {
                ActionsDestroy(actions);
                AttrDestroy(attr);
            }
        }
        finally
        {
            foreach (var h in handles) h.Free();
        }
    }

    /// <summary>libc's <c>environ</c>: this process's environment as it is now (the runtime does not change it), or
    /// null when the symbol cannot be found.</summary>
    private static byte** Environ() =>
        NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "environ", out nint address) ? *(byte***)address : null;

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings, pinned until the handles are freed.</summary>
    private static byte** Strings(IReadOnlyList<string> values, List<GCHandle> handles)
    {
        var pointers = new nint[values.Count + 1];
        for (int i = 0; i < values.Count; i++)
        {
            byte[] bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(values[i]) + 1];
            System.Text.Encoding.UTF8.GetBytes(values[i], bytes);
            var h = GCHandle.Alloc(bytes, GCHandleType.Pinned);
            handles.Add(h);
            pointers[i] = h.AddrOfPinnedObject();
        }
        var table = GCHandle.Alloc(pointers, GCHandleType.Pinned);
        handles.Add(table);
        return (byte**)table.AddrOfPinnedObject();
    }
}
