using System.Runtime.InteropServices;

namespace OomWarden.Linux.Interop.Users;

/// <summary>getgrnam_r(3): a group name to its gid through the C library (NSS), as <c>getent group NAME</c>.</summary>
public static unsafe partial class Getgrnam
{
    /// <summary>struct group of glibc and musl on LP64: gr_name, gr_passwd, gr_gid, gr_mem.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public nint Name;
        public nint Password;
        public uint Gid;
        public nint Members;
    }

    private const int ERANGE = 34;
    private const int MaxBufferBytes = 1 << 22;

    [LibraryImport("libc", EntryPoint = "getgrnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int GetgrnamR(string name, Group* grp, byte* buffer, nuint bufferLength, Group** result);

    /// <summary>True with the gid when the group exists; false with <paramref name="errno"/> 0 when it does not,
    /// or with the lookup's errno when the lookup failed.</summary>
    public static bool TryGetGid(string name, out int gid, out int errno)
    {
        gid = -1;
        errno = 0;
        if (name.Length == 0 || name.Contains('\0')) return false;
        for (int size = 4096; ; size *= 2)
        {
            byte[] buffer = new byte[size];
            Group entry;
            Group* found = null;
            int rc;
            fixed (byte* b = buffer)
                rc = GetgrnamR(name, &entry, b, (nuint)size, &found);
            if (rc == ERANGE && size < MaxBufferBytes) continue;
            if (rc != 0)
            {
                errno = rc is Errno.ENOENT or Errno.ESRCH or Errno.EPERM ? 0 : rc;
                return false;
            }
            if (found is null || entry.Gid > int.MaxValue) return false;
            gid = (int)entry.Gid;
            return true;
        }
    }
}
