namespace OomWarden.Core.Settings;

/// <summary>[control]: the daemon's local control socket (status, reload, pause, resume).</summary>
public sealed record ControlSettings
{
    public const string DefaultSocket = "/run/oomwarden/control";

    /// <summary>AF_UNIX stream socket path; empty turns the socket off.</summary>
    public string Socket { get; init; } = DefaultSocket;

    /// <summary>A group whose members may send the read-only requests (status): the socket is then 0660 owned by
    /// it. Null: 0600, root only. Reload, pause and resume need uid 0 whatever the group.</summary>
    public string? Group { get; init; }

    /// <summary>The group's gid, resolved at load (an unknown group is a config error).</summary>
    public int? GroupId { get; init; }
}

/// <summary>[metrics]: Prometheus exposition, as a node-exporter textfile and/or over HTTP.</summary>
public sealed record MetricsSettings
{
    /// <summary>Written atomically (temporary file + rename in its directory) every <see cref="Interval"/>; null: off.</summary>
    public string? Textfile { get; init; }

    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>"HOST:PORT" for HTTP GET /metrics; null: off. Loopback only unless <see cref="AllowRemote"/>.</summary>
    public string? Listen { get; init; }

    /// <summary>Explicit consent to a non-loopback <see cref="Listen"/> address.</summary>
    public bool AllowRemote { get; init; }
}
