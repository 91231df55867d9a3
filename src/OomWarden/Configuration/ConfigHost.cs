using OomWarden.Core.Model;
using OomWarden.Linux;
using OomWarden.Linux.Interop.Users;
using OomWarden.Linux.Readers;

namespace OomWarden.Configuration;

/// <summary>Looks a login name up: true with its uid; false with <paramref name="error"/> null when there is no
/// such user, or with the reason when the lookup itself failed.</summary>
public delegate bool UserLookup(string name, out int uid, out string? error);

/// <summary>What a config is checked against on the machine that loads it: user names, resolved once at load
/// (a rule's <c>user = "alice"</c> becomes alice's uid), and MemTotal/SwapTotal, to compare a percentage level with
/// a size level (kill above term is then a warning).</summary>
public sealed class ConfigHost
{
    public required UserLookup LookupUser { get; init; }

    /// <summary>Group names ([control] group) to gids; the C library's group database unless a test says otherwise.</summary>
    public UserLookup LookupGroup { get; init; } = LookupSystemGroup;

    /// <summary>0 when unknown: levels of different kinds are then not compared.</summary>
    public long MemTotalBytes { get; init; }

    public long SwapTotalBytes { get; init; }

    /// <summary>The C library's user database (getpwnam_r: /etc/passwd and whatever NSS adds); no memory figures.</summary>
    public static ConfigHost Users { get; } = new() { LookupUser = LookupSystemUser };

    /// <summary>The user database and the memory of the host under <paramref name="paths"/> (its /proc/meminfo;
    /// unreadable: figures unknown).</summary>
    public static ConfigHost Live(HostPaths paths)
    {
        try
        {
            using var meminfo = new MeminfoReader(paths);
            if (meminfo.TryRead(out MemoryInfo mem))
                return new ConfigHost { LookupUser = LookupSystemUser, MemTotalBytes = mem.MemTotalBytes, SwapTotalBytes = mem.SwapTotalBytes };
        }
        catch (IOException)
        {
            // The verb reports an unreadable host itself, with its own exit code; the config is checked without it.
        }
        return Users;
    }

    /// <summary>The memory figures of a recorded host (a snapshot) with this machine's user database.</summary>
    public static ConfigHost ForMemory(long memTotalBytes, long swapTotalBytes) =>
        new() { LookupUser = LookupSystemUser, MemTotalBytes = memTotalBytes, SwapTotalBytes = swapTotalBytes };

    private static bool LookupSystemGroup(string name, out int gid, out string? error)
    {
        if (Getgrnam.TryGetGid(name, out gid, out int errno))
        {
            error = null;
            return true;
        }
        error = errno == 0 ? null : Linux.Interop.Errno.Strerror(errno);
        return false;
    }

    private static bool LookupSystemUser(string name, out int uid, out string? error)
    {
        if (Getpwnam.TryGetUid(name, out uid, out int errno))
        {
            error = null;
            return true;
        }
        error = errno == 0 ? null : Linux.Interop.Errno.Strerror(errno);
        return false;
    }
}
