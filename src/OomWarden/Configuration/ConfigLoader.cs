using OomWarden.Core.Collections;
using OomWarden.Core.Policy;
using OomWarden.Core.Settings;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace OomWarden.Configuration;

/// <summary>Reads the TOML config into <see cref="DaemonSettings"/> and a <see cref="CompiledPolicy"/>, once, at start.
/// Every error is collected (never thrown) as FILE:LINE:COL: reason; any error means no config at all (exit 78).</summary>
public static class ConfigLoader
{
    public const string DefaultSource = "(built-in defaults)";

    private static readonly string[] Tables = ["system", "cgroups", "monitor", "action", "levels", "notify", "control", "metrics"];

    /// <summary>The configuration used when no file is given: every default, no rules, preset "none".</summary>
    public static LoadedConfig Default() => new(DaemonSettings.Default, CompiledPolicy.Empty, DefaultSource);

    /// <summary>A config file is a few KiB; more than this is not a config (a device, a log named by mistake).</summary>
    public const int MaxFileBytes = 4 << 20;

    /// <summary>Loads <paramref name="path"/> against the user database only (no MemTotal: levels of different
    /// kinds are not compared).</summary>
    public static ConfigLoadResult LoadFile(string path) => LoadFile(path, ConfigHost.Users);

    public static ConfigLoadResult LoadFile(string path, ConfigHost host)
    {
        // Not through FileStream: a FIFO at the path would block the open (check-config, or a reload's thread, for
        // ever), and /dev/zero would be read to the cap; only a regular file is a config (a link to one is fine).
        var failure = Linux.IO.InputFile.TryRead(path, MaxFileBytes, out byte[]? bytes, out int errno, out string? reason);
        switch (failure)
        {
            case Linux.IO.InputFile.Failure.None:
                break;
            case Linux.IO.InputFile.Failure.TooLarge:
                return ConfigLoadResult.Failed([new ConfigError(path, 0, 0, $"larger than {MaxFileBytes >> 20} MiB: not a config file")]);
            default:
                return ConfigLoadResult.Unreadable(new ConfigError(path, 0, 0, "cannot read the file: " + reason), errno);
        }
        if (!TryDecode(bytes!, out string text, out int badOffset))
        {
            var (line, column) = LineColumn(bytes!, badOffset);
            return ConfigLoadResult.Failed([new ConfigError(path, line, column,
                $"not UTF-8 (byte 0x{bytes![badOffset]:x2}): a TOML file is UTF-8 text")]);
        }
        return LoadText(text, path, host);
    }

    /// <summary>Strict UTF-8 (a byte-order mark dropped); false with the offset of the first byte that is not UTF-8,
    /// which a lenient decoder would turn into U+FFFD in a key or a pattern without a word.</summary>
    private static bool TryDecode(byte[] bytes, out string text, out int badOffset)
    {
        text = "";
        badOffset = 0;
        var span = bytes.AsSpan();
        if (span.StartsWith("\uFEFF"u8)) { span = span[3..]; badOffset = 3; }
        var chars = new char[span.Length];
        var status = System.Text.Unicode.Utf8.ToUtf16(span, chars, out int read, out int written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
        {
            badOffset += read;
            return false;
        }
        text = new string(chars, 0, written);
        return true;
    }

    /// <summary>1-based line and column (in bytes) of <paramref name="offset"/>.</summary>
    private static (int Line, int Column) LineColumn(byte[] bytes, int offset)
    {
        int line = 1, start = 0;
        for (int i = 0; i < offset; i++)
            if (bytes[i] == (byte)'\n') { line++; start = i + 1; }
        return (line, offset - start + 1);
    }

    public static ConfigLoadResult LoadText(string text, string path) => LoadText(text, path, ConfigHost.Users);

    public static ConfigLoadResult LoadText(string text, string path, ConfigHost host)
    {
        var ctx = new BindContext(path, host);
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, path, validate: true);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The parser reports problems as diagnostics; this guards the "never throw to the caller" contract.
            return ConfigLoadResult.Failed([new ConfigError(path, 0, 0, "cannot parse: " + ex.Message)]);
        }

        if (document.HasErrors)
        {
            foreach (var d in document.Diagnostics)
            {
                if (d.Kind != DiagnosticMessageKind.Error) continue;
                var (line, column) = TomlSections.Position(d.Span);
                ctx.Error(line, column, d.Message);
            }
            return ConfigLoadResult.Failed(ctx.Errors);
        }

        var settings = DaemonSettings.Default;
        var rules = new List<PolicyRule>();
        var ruleSections = new Dictionary<string, TomlSection>(StringComparer.Ordinal);
        int ruleNumber = 0;
        var levelPositions = new LevelsBinder.Positions();
        var levelSections = new List<TomlSection>();
        foreach (var section in TomlSections.Flatten(document))
        {
            if (section.IsArrayItem)
            {
                if (section.Name == "rule")
                {
                    ruleNumber++;
                    var rule = RuleCompiler.Compile(section, ruleNumber, path, "", ctx);
                    if (rule is not null && IsNewName(rule, section, ruleSections, ctx))
                    {
                        rules.Add(rule);
                        ruleSections[rule.Name] = section;
                    }
                }
                else if (Tables.Contains(section.Name))
                {
                    ctx.Error(section.Line, section.Column, $"[[{section.Name}]] must be a single table: write [{section.Name}]");
                }
                else
                {
                    UnknownTable(section, ctx);
                }
                continue;
            }

            switch (section.Name)
            {
                case "":
                    settings = SettingsBinder.BindTop(section, settings, ctx);
                    break;
                case "system":
                    settings = settings with { System = SettingsBinder.BindSystem(section, settings.System, ctx) };
                    break;
                case "cgroups":
                    settings = settings with { Cgroups = SettingsBinder.BindCgroups(section, settings.Cgroups, ctx) };
                    break;
                case "monitor":
                    settings = settings with { Monitor = SettingsBinder.BindMonitor(section, settings.Monitor, ctx) };
                    break;
                case "action":
                    settings = settings with { Action = SettingsBinder.BindAction(section, settings.Action, ctx) };
                    break;
                case "levels":
                    settings = settings with { Levels = LevelsBinder.BindLevels(section, settings.Levels, ctx, levelPositions) };
                    break;
                case "levels.low" or "levels.medium" or "levels.critical":
                    levelSections.Add(section);
                    break;
                case "notify":
                    settings = settings with { Notify = NotifyBinder.Bind(section, settings.Notify, ctx) };
                    break;
                case "control":
                    settings = settings with { Control = OperatingBinder.BindControl(section, settings.Control, ctx) };
                    break;
                case "metrics":
                    settings = settings with { Metrics = OperatingBinder.BindMetrics(section, settings.Metrics, ctx) };
                    break;
                case "action.restart_loop":
                    settings = settings with { Action = settings.Action with { RestartLoop = SettingsBinder.BindRestartLoop(section, settings.Action.RestartLoop, ctx) } };
                    break;
                case "rule":
                    ctx.Error(section.Line, section.Column, "'rule' must be an array of tables: write each rule as [[rule]]");
                    break;
                default:
                    UnknownTable(section, ctx);
                    break;
            }
        }

        foreach (var section in levelSections)
            settings = settings with { Levels = LevelsBinder.BindLevel(section, section.Name["levels.".Length..], settings.Levels, ctx, levelPositions) };
        LevelsBinder.CheckOrder(settings.Levels, ctx, levelPositions);
        LevelsBinder.CheckAboveTerm(settings, ctx, levelPositions);

        IReadOnlyList<PolicyRule> presetRules = ctx.Errors.Count > 0 ? [] : Presets.Rules(settings.Preset);
        foreach (var presetRule in presetRules)
        {
            if (ruleSections.TryGetValue(presetRule.Name, out var clash))
                ctx.Error(NamePosition(clash).Line, NamePosition(clash).Column, $"rule name \"{presetRule.Name}\" is the name of a rule of preset \"{settings.Preset}\" ({presetRule.Origin}): rule names must be unique");
        }

        if (ctx.Errors.Count > 0)
            return ConfigLoadResult.Failed(Sorted(ctx.Errors), Sorted(ctx.Warnings));

        rules.AddRange(presetRules);
        var policy = new CompiledPolicy(rules, settings.Preset);
        return ConfigLoadResult.Ok(new LoadedConfig(settings, policy, path), Sorted(ctx.Warnings));
    }

    /// <summary>Rule names appear in check-config, explain and every kill event: two rules with one name would make
    /// them ambiguous.</summary>
    private static bool IsNewName(PolicyRule rule, TomlSection section, Dictionary<string, TomlSection> seen, BindContext ctx)
    {
        if (!seen.TryGetValue(rule.Name, out var first)) return true;
        var (line, column) = NamePosition(section);
        ctx.Error(line, column, $"duplicate rule name \"{rule.Name}\" (first used by the rule at line {first.Line}): rule names must be unique");
        return false;
    }

    /// <summary>Where a rule's name is written: its name key, or its [[rule]] header for a default name.</summary>
    private static (int Line, int Column) NamePosition(TomlSection section)
    {
        foreach (var item in section.Items)
        {
            if (item.Key == "name") return (item.Line, item.Column);
        }
        return (section.Line, section.Column);
    }

    private static void UnknownTable(TomlSection section, BindContext ctx)
    {
        string shown = section.IsArrayItem ? $"[[{section.Name}]]" : $"[{section.Name}]";
        string? hint = BindContext.Suggest(section.Name, [.. Tables, "rule"]);
        string suggestion = hint is null ? "" : hint == "rule" ? "; did you mean [[rule]]?" : $"; did you mean [{hint}]?";
        ctx.Error(section.Line, section.Column, $"unknown table {shown}{suggestion} (valid: [system], [cgroups], [monitor], [action], [levels], [notify], [control], [metrics], [[rule]])");
    }

    private static List<ConfigError> Sorted(List<ConfigError> errors) =>
        new(StableSort.Sorted(errors, static (a, b) => a.Line != b.Line ? a.Line.CompareTo(b.Line) : a.Column.CompareTo(b.Column)));
}
