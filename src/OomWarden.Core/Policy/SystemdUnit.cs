namespace OomWarden.Core.Policy;

/// <summary>The systemd unit a cgroup belongs to, derived from its path alone.</summary>
public static class SystemdUnit
{
    private static readonly string[] Suffixes =
        [".service", ".scope", ".slice", ".socket", ".mount", ".swap", ".device", ".target", ".timer", ".path", ".automount"];

    /// <summary>The deepest path component that names a unit, or null.</summary>
    /// <example>"/system.slice/ssh.service" → "ssh.service";
    /// "/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox-123.scope" → "app-firefox-123.scope";
    /// "/system.slice/docker-1a2b.scope/init" → "docker-1a2b.scope".</example>
    public static string? FromCgroupPath(string cgroupPath)
    {
        int end = cgroupPath.Length;
        while (end > 0)
        {
            int slash = cgroupPath.LastIndexOf('/', end - 1);
            var component = cgroupPath.AsSpan(slash + 1, end - slash - 1);
            foreach (var suffix in Suffixes)
            {
                if (component.Length > suffix.Length && component.EndsWith(suffix, StringComparison.Ordinal))
                    return component.ToString();
            }
            if (slash < 0) break;
            end = slash;
        }
        return null;
    }
}
