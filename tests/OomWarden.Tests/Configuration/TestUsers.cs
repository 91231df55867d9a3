using OomWarden.Configuration;

namespace OomWarden.Tests.Configuration;

/// <summary>A user database for tests: the names given, then this machine's own (getpwnam). Docs name accounts such
/// as "ci" that a test machine does not have.</summary>
internal static class TestUsers
{
    public static ConfigHost With(long memTotalBytes = 0, long swapTotalBytes = 0, params (string Name, int Uid)[] users) => new()
    {
        MemTotalBytes = memTotalBytes,
        SwapTotalBytes = swapTotalBytes,
        LookupUser = (string name, out int uid, out string? error) =>
        {
            foreach (var u in users)
            {
                if (u.Name == name)
                {
                    uid = u.Uid;
                    error = null;
                    return true;
                }
            }
            return ConfigHost.Users.LookupUser(name, out uid, out error);
        },
    };
}
