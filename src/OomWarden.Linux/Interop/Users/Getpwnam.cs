using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Users;

/// <summary>getpwnam_r(3): a login name to its uid through the C library, so every source the host's NSS
/// configuration names (/etc/passwd, LDAP, systemd-userdb...) is asked, as <c>id NAME</c> would.</summary>
public static unsafe partial class Getpwnam
{
    /// <summary>struct passwd of glibc and musl on LP64 (x86_64, aarch64): the fields up to pw_shell.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public nint Name;
        public nint Password;
        public uint Uid;
        public uint Gid;
        public nint Gecos;
        public nint Dir;
        public nint Shell;
    }

    private const int ERANGE = 34;
    private const int EBADF = 9;

    /// <summary>The strings of one entry can be long (LDAP gecos); the buffer grows up to this.</summary>
    private const int MaxBufferBytes = 1 << 20;

    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetpwnamR(string name, Passwd* pwd, byte* buffer, nuint bufferLength, Passwd** result);

    /// <summary>True with the uid when the user exists; false with <paramref name="errno"/> 0 when it does not,
    /// or with the lookup's errno when the lookup itself failed (e.g. EMFILE, EIO).</summary>
    public static bool TryGetUid(string name, out int uid, out int errno)
    {
        uid = -1;
        errno = 0;
        if (name.Length == 0 || name.Contains('\0')) return false;
        for (int size = 4096; ; size *= 2)
        {
            byte[] buffer = new byte[size];
            Passwd entry;
            Passwd* found = null;
            int rc;
            fixed (byte* b = buffer)
                rc = GetpwnamR(name, &entry, b, (nuint)size, &found);
            if (rc == ERANGE && size < MaxBufferBytes) continue;
            if (rc != 0)
            {
                // "not found" is reported as 0 and a null result, but some NSS modules answer ENOENT or ESRCH.
                errno = rc is Errno.ENOENT or Errno.ESRCH or Errno.EPERM or EBADF ? 0 : rc;
                return false;
            }
            if (found is null) return false;
            if (entry.Uid > int.MaxValue) return false;
            uid = (int)entry.Uid;
            return true;
        }
    }
}
