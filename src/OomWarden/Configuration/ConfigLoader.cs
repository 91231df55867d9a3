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

    private static readonly string[] Tables = ["system", "cgroups", "monitor", "action"];

    /// <summary>The configuration used when no file is given: every default, no rules, preset "none".</summary>
    public static LoadedConfig Default() => new(DaemonSettings.Default, CompiledPolicy.Empty, DefaultSource);

    public static ConfigLoadResult LoadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return ConfigLoadResult.Failed([new ConfigError(path, 0, 0, "cannot read the file: " + ex.Message)]);
        }
        return LoadText(text, path);
    }

    public static ConfigLoadResult LoadText(string text, string path)
    {
        var ctx = new BindContext(path);
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
        int ruleNumber = 0;
        foreach (var section in TomlSections.Flatten(document))
        {
            if (section.IsArrayItem)
            {
                if (section.Name == "rule")
                {
                    ruleNumber++;
                    var rule = RuleCompiler.Compile(section, ruleNumber, path, "", ctx);
                    if (rule is not null) rules.Add(rule);
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
                case "rule":
                    ctx.Error(section.Line, section.Column, "'rule' must be an array of tables: write each rule as [[rule]]");
                    break;
                default:
                    UnknownTable(section, ctx);
                    break;
            }
        }

        if (ctx.Errors.Count > 0)
            return ConfigLoadResult.Failed(Sorted(ctx.Errors));

        rules.AddRange(Presets.Rules(settings.Preset));
        var policy = new CompiledPolicy(rules, settings.Preset);
        return ConfigLoadResult.Ok(new LoadedConfig(settings, policy, path));
    }

    private static void UnknownTable(TomlSection section, BindContext ctx)
    {
        string shown = section.IsArrayItem ? $"[[{section.Name}]]" : $"[{section.Name}]";
        string? hint = BindContext.Suggest(section.Name, [.. Tables, "rule"]);
        string suggestion = hint is null ? "" : hint == "rule" ? "; did you mean [[rule]]?" : $"; did you mean [{hint}]?";
        ctx.Error(section.Line, section.Column, $"unknown table {shown}{suggestion} (valid: [system], [cgroups], [monitor], [action], [[rule]])");
    }

    private static List<ConfigError> Sorted(List<ConfigError> errors) =>
        [.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)];
}
