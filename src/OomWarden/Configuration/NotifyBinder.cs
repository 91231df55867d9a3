using OomWarden.Core.Settings;
using Tomlyn.Syntax;

namespace OomWarden.Configuration;

/// <summary>Binds <c>[notify]</c>: the sockets (<c>socket</c>, <c>pressure_socket</c>) and the D-Bus and program keys
/// (<c>low_memory_monitor</c>, <c>desktop</c>, <c>hooks</c>). A hook is checked at load: its program must be an
/// absolute path to an executable regular file, each error at the position of the value that is wrong.</summary>
internal static class NotifyBinder
{
    public static readonly string[] Keys = ["low_memory_monitor", "desktop", "hooks", "socket", "pressure_socket"];
    private static readonly string[] HookKeys = ["argv", "on", "timeout"];

    public static NotifySettings Bind(TomlSection section, NotifySettings n, BindContext ctx)
    {
        foreach (var item in section.Items)
        {
            if (!TryBindItem(item, ref n, ctx))
                ctx.UnknownKey(item, "[notify]", Keys);
        }
        if (n.Socket.Length > 0 && n.Socket == n.PressureSocket)
        {
            // The later of the two keys (one of them is in this section: both default to "").
            for (int i = section.Items.Count - 1; i >= 0; i--)
            {
                if (section.Items[i].Key is not ("socket" or "pressure_socket")) continue;
                ctx.Error(section.Items[i], "'socket' and 'pressure_socket' must be different paths");
                break;
            }
        }
        return n;
    }

    /// <summary>False when <paramref name="item"/> is not a [notify] key.</summary>
    private static bool TryBindItem(TomlItem item, ref NotifySettings n, BindContext ctx)
    {
        switch (item.Key)
        {
            case "socket":
                if (TrySocketPath(item, ctx, out var socket)) n = n with { Socket = socket };
                return true;
            case "pressure_socket":
                if (TrySocketPath(item, ctx, out var pressure)) n = n with { PressureSocket = pressure };
                return true;
            case "low_memory_monitor":
                if (ctx.TryBool(item, out bool lmm)) n = n with { LowMemoryMonitor = lmm };
                return true;
            case "desktop":
                if (ctx.TryBool(item, out bool desktop)) n = n with { Desktop = desktop };
                return true;
            case "hooks":
                if (item.Value is not ArraySyntax array)
                {
                    ctx.Error(item, $"'hooks' must be an array of tables such as [{{ on = [\"kill\"], argv = [\"/usr/local/bin/x\"], timeout = \"5s\" }}], not {BindContext.KindName(item.Value)}");
                    return true;
                }
                var hooks = new List<HookSettings>();
                foreach (var element in array.Items)
                {
                    if (element.Value is not InlineTableSyntax table)
                    {
                        At(element.Value, item, out int l, out int c);
                        ctx.Error(l, c, $"a hook must be a table {{ on = [...], argv = [...], timeout = \"5s\" }}, not {BindContext.KindName(element.Value)}");
                        continue;
                    }
                    if (BindHook(table, item, ctx) is { } hook) hooks.Add(hook);
                }
                // Empty: the default instance itself, so a printed-back "hooks = []" loads to equal settings.
                n = n with { Hooks = hooks.Count == 0 ? Array.Empty<HookSettings>() : hooks };
                return true;
            default:
                return false;
        }
    }

    /// <summary>"" (off) or an absolute path short enough for sockaddr_un (107 bytes).</summary>
    private static bool TrySocketPath(TomlItem item, BindContext ctx, out string path)
    {
        if (!ctx.TryString(item, out path)) return false;
        if (path.Length == 0) return true;
        if (path[0] != '/')
        {
            ctx.Error(item, $"'{item.Key}' must be an absolute path (or \"\" for off), not \"{path}\"");
            return false;
        }
        if (System.Text.Encoding.UTF8.GetByteCount(path) > 107)
        {
            ctx.Error(item, $"'{item.Key}' is longer than a unix socket path may be (107 bytes)");
            return false;
        }
        if (path.EndsWith('/'))
        {
            ctx.Error(item, $"'{item.Key}' names a directory; give the socket's file name");
            return false;
        }
        return true;
    }

    private static HookSettings? BindHook(InlineTableSyntax table, TomlItem owner, BindContext ctx)
    {
        List<string>? argv = null;
        List<string> on = ["level", "kill"];
        var timeout = TimeSpan.FromSeconds(5);
        bool ok = true;
        int errors = ctx.Errors.Count;
        At(table, owner, out int tl, out int tc);
        foreach (var entry in table.Items)
        {
            if (entry.KeyValue is not { Key: { } key, Value: { } value }) continue;
            var (line, column) = TomlSections.Position(key.Span);
            var item = new TomlItem(string.Join('.', TomlSections.KeyParts(key)), value, line, column);
            switch (item.Key)
            {
                case "argv":
                    if (value is not ArraySyntax args || !ctx.TryStringList(item, out var list))
                    {
                        if (value is not ArraySyntax) ctx.Error(item, "'argv' must be an array of strings: the program and its arguments (no shell)");
                        ok = false;
                        break;
                    }
                    var first = args.Items.GetChild(0)!.Value;
                    At(first, item, out int al, out int ac);
                    if (Linux.IO.ProgramFile.WhyNotRunnable(list[0]) is { } problem)
                    {
                        ctx.Error(al, ac, $"hook program \"{list[0]}\": {problem}");
                        ok = false;
                    }
                    argv = list;
                    break;
                case "on":
                    if (!ctx.TryStringList(item, out var events)) { ok = false; break; }
                    foreach (var e in events)
                    {
                        if (Array.IndexOf(NotifySettings.HookEvents, e) < 0)
                        {
                            ctx.Error(item, $"'on': unknown event \"{e}\" (valid: {BindContext.QuotedList(NotifySettings.HookEvents)})");
                            ok = false;
                        }
                    }
                    on = events;
                    break;
                case "timeout":
                    if (SettingsBinder.TryDuration(item, ctx, out var t))
                    {
                        if (t <= TimeSpan.Zero || t > TimeSpan.FromMinutes(10)) { ctx.Error(item, "'timeout' must be greater than zero and at most 10min"); ok = false; }
                        else timeout = t;
                    }
                    else ok = false;
                    break;
                default:
                    ctx.UnknownKey(item, "a hook", HookKeys);
                    ok = false;
                    break;
            }
        }
        if (argv is null && ctx.Errors.Count == errors)
        {
            ctx.Error(tl, tc, "a hook needs 'argv': the program (an absolute path) and its arguments");
            ok = false;
        }
        return ok && argv is not null ? new HookSettings { Argv = argv, On = on, Timeout = timeout } : null;
    }

    private static void At(SyntaxNode? node, TomlItem fallback, out int line, out int column)
    {
        if (node is null) { line = fallback.Line; column = fallback.Column; return; }
        (line, column) = TomlSections.Position(node.Span);
    }
}
