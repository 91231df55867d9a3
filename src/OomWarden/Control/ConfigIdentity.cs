using System.Security.Cryptography;

namespace OomWarden.Control;

/// <summary>The config file in force: its path, the sha256 of the bytes validated, and when it took effect.</summary>
public sealed record ConfigIdentity(string Path, string? Sha256, DateTimeOffset LoadedAt)
{
    /// <summary>The sha256 of the file now (lower-case hex), or null when it cannot be read.</summary>
    public static string? HashFile(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return null;
        }
    }
}
