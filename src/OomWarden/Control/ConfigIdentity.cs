
namespace OomWarden.Control;

/// <summary>The config file in force: its path, the sha256 of the bytes validated, and when it took effect.</summary>
public sealed record ConfigIdentity(string Path, string? Sha256, DateTimeOffset LoadedAt)
{
    /// <summary>The sha256 of the file now (lower-case hex), or null when it cannot be read.</summary>
    public static string? HashFile(string path)
    {
        try
        {
            // Managed SHA-256: .NET's would load OpenSSL's libcrypto (0.4 MiB resident) for one small file.
            return Core.Hashing.Sha256.HexOf(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or OutOfMemoryException)
        {
            return null;
        }
    }
}
