using System.Net;
using OomWarden.Core.Settings;

namespace OomWarden.Configuration;

/// <summary>Binds [control] and [metrics] (issue 12), by hand, every bad key or value with its position.</summary>
internal static class OperatingBinder
{
    private static readonly string[] ControlKeys = ["socket", "group"];
    private static readonly string[] MetricsKeys = ["textfile", "interval", "listen", "allow_remote"];

    public static ControlSettings BindControl(TomlSection section, ControlSettings c, BindContext ctx)
    {
        foreach (var item in section.Items)
        {
            switch (item.Key)
            {
                case "socket":
                    if (ctx.TryString(item, out var socket))
                    {
                        if (socket.Length > 0 && !socket.StartsWith('/')) ctx.Error(item, "'socket' must be an absolute path (or \"\" for no control socket)");
                        else if (System.Text.Encoding.UTF8.GetByteCount(socket) > 107) ctx.Error(item, "'socket' is longer than the 107 bytes an AF_UNIX address holds");
                        else c = c with { Socket = socket };
                    }
                    break;
                case "group":
                    if (ctx.TryString(item, out var group))
                    {
                        if (!ctx.Host.LookupGroup(group, out int gid, out string? error))
                            ctx.Error(item, error is null ? $"unknown group \"{group}\"" : $"group \"{group}\" cannot be looked up: {error}");
                        else c = c with { Group = group, GroupId = gid };
                    }
                    break;
                default:
                    ctx.UnknownKey(item, "[control]", ControlKeys);
                    break;
            }
        }
        return c;
    }

    public static MetricsSettings BindMetrics(TomlSection section, MetricsSettings m, BindContext ctx)
    {
        TomlItem? listenItem = null;
        foreach (var item in section.Items)
        {
            switch (item.Key)
            {
                case "textfile":
                    if (ctx.TryString(item, out var textfile))
                    {
                        if (textfile.Length == 0) m = m with { Textfile = null };
                        else if (!textfile.StartsWith('/')) ctx.Error(item, "'textfile' must be an absolute path");
                        else if (textfile.EndsWith('/')) ctx.Error(item, "'textfile' must name a file, not a directory");
                        else m = m with { Textfile = textfile };
                    }
                    break;
                case "interval":
                    if (SettingsBinder.TryDuration(item, ctx, out var interval))
                    {
                        if (interval < TimeSpan.FromSeconds(1)) ctx.Error(item, "'interval' must be at least 1s");
                        else m = m with { Interval = interval };
                    }
                    break;
                case "listen":
                    if (ctx.TryString(item, out var listen))
                    {
                        if (listen.Length == 0) m = m with { Listen = null };
                        else if (!TryParseListen(listen, out _, out string? error)) ctx.Error(item, "'listen': " + error);
                        else { m = m with { Listen = listen }; listenItem = item; }
                    }
                    break;
                case "allow_remote":
                    if (ctx.TryBool(item, out bool remote)) m = m with { AllowRemote = remote };
                    break;
                default:
                    ctx.UnknownKey(item, "[metrics]", MetricsKeys);
                    break;
            }
        }
        if (listenItem is not null && TryParseListen(m.Listen!, out var ep, out _) && !IPAddress.IsLoopback(ep!.Address) && !m.AllowRemote)
            ctx.Error(listenItem, $"'listen' = \"{m.Listen}\" is not a loopback address: the metrics would be open to the network; set allow_remote = true to mean it");
        return m;
    }

    /// <summary>"127.0.0.1:9874", "[::1]:9874", "localhost:9874": an IP literal (or localhost) and a port 1-65535.</summary>
    public static bool TryParseListen(string text, out IPEndPoint? endpoint, out string? error)
    {
        endpoint = null;
        error = null;
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"\"{text}\" is not HOST:PORT (e.g. \"127.0.0.1:9874\")";
            return false;
        }
        string host = text[..colon], port = text[(colon + 1)..];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) || p < 1 || p > 65535)
        {
            error = $"port \"{port}\" is not a number from 1 to 65535";
            return false;
        }
        IPAddress? address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var a) ? a : null;
        if (address is null)
        {
            error = $"\"{host}\" is not an IP address (host names other than localhost are not resolved)";
            return false;
        }
        endpoint = new IPEndPoint(address, p);
        return true;
    }
}
