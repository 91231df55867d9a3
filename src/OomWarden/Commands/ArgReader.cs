using OomWarden.Configuration;

namespace OomWarden.Commands;

/// <summary>One option a verb accepts: "--name" and an optional short "-x". A value option is written
/// "--name VALUE" or "--name=VALUE"; a flag takes no value, so "--flag=yes" is a usage error.</summary>
public sealed record CliOption(string Name, string? Short = null, bool TakesValue = false)
{
    public static CliOption Flag(string name, string? shortName = null) => new(name, shortName);

    public static CliOption WithValue(string name, string? shortName = null) => new(name, shortName, TakesValue: true);
}

/// <summary>The one option parser of every verb: the verb declares its options, the parser checks the whole command
/// line before the verb does anything. Unknown options, a value given to a flag, a missing or empty value and an
/// option given twice are usage errors (exit 64), each with one clear message. "--" ends the options; "-" is a
/// positional (stdin). -h/--help is accepted by every verb.</summary>
public sealed class ArgReader
{
    public static readonly CliOption Help = CliOption.Flag("--help", "-h");

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private ArgReader()
    {
    }

    public List<string> Positionals { get; } = [];

    public bool HelpRequested => _values.ContainsKey(Help.Name);

    /// <summary>Whether the option (by its long name) was given.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The value of a value option (by its long name), or null when it was not given.</summary>
    public string? Value(string name) => _values.TryGetValue(name, out var v) ? v : null;

    /// <summary>Parses <paramref name="args"/> against <paramref name="options"/>; false with one message saying
    /// what is wrong.</summary>
    public static bool TryParse(IReadOnlyList<string> args, IReadOnlyList<CliOption> options, out ArgReader parsed, out string error)
    {
        parsed = new ArgReader();
        error = "";
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                for (i++; i < args.Count; i++) parsed.Positionals.Add(args[i]);
                break;
            }
            if (a.Length < 2 || a[0] != '-')
            {
                parsed.Positionals.Add(a);
                continue;
            }

            int eq = a.IndexOf('=');
            string name = eq > 0 ? a[..eq] : a;
            string? inlineValue = eq > 0 ? a[(eq + 1)..] : null;
            var option = Find(name, options);
            if (option is null)
            {
                error = $"unknown option {name}{Hint(name, options)}";
                return false;
            }
            string shown = name == option.Name ? name : $"{name} ({option.Name})";
            if (parsed._values.ContainsKey(option.Name))
            {
                error = $"option {shown} given twice";
                return false;
            }
            if (!option.TakesValue)
            {
                if (inlineValue is not null)
                {
                    error = $"option {shown} takes no value (write {name} alone)";
                    return false;
                }
                parsed._values[option.Name] = "";
                continue;
            }
            string? value = inlineValue;
            // "--config --dry-run" is a forgotten value, not a file named "--dry-run" (write --config=--dry-run for that).
            if (value is null && i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
            if (string.IsNullOrEmpty(value))
            {
                error = $"option {shown} needs a value";
                return false;
            }
            parsed._values[option.Name] = value;
        }
        return true;
    }

    /// <summary>The usual start of a verb: parse, print help or the usage error. False when the verb must return
    /// <paramref name="exitCode"/> at once (0 after --help, 64 after a usage error).</summary>
    public static bool TryParse(string verb, string[] args, IReadOnlyList<CliOption> options, string usage, TextWriter stdout, TextWriter stderr,
        out ArgReader parsed, out int exitCode)
    {
        exitCode = ExitCodes.Ok;
        if (!TryParse(args, options, out parsed, out string error))
        {
            exitCode = UsageError(verb, error, usage, stderr);
            return false;
        }
        if (parsed.HelpRequested)
        {
            stdout.WriteLine(usage.TrimEnd());
            return false;
        }
        return true;
    }

    /// <summary>"oomwarden VERB: message", then the usage text; returns 64. The message is shown as
    /// <see cref="Shown"/> does: it names what was typed, which may be anything.</summary>
    public static int UsageError(string verb, string message, string usage, TextWriter stderr)
    {
        stderr.WriteLine($"oomwarden {verb}: {Shown(message)}");
        stderr.WriteLine(usage.TrimEnd());
        return ExitCodes.Usage;
    }

    /// <summary>Most characters of a message about the command line that are shown.</summary>
    public const int MaxShownChars = 1024;

    /// <summary>Text from the command line as an error line shows it: control characters escaped (a newline or an
    /// escape sequence in an argument stays on the line and never reaches the terminal as such), and cut after
    /// <see cref="MaxShownChars"/> characters with the length said (a 200 KB argument is not echoed whole).</summary>
    public static string Shown(string text)
    {
        string escaped = Core.Model.TextEscape.ForTerminal(text);
        return escaped.Length <= MaxShownChars ? escaped : $"{escaped[..MaxShownChars]}... ({escaped.Length} characters)";
    }

    private static CliOption? Find(string name, IReadOnlyList<CliOption> options)
    {
        if (name == Help.Name || name == Help.Short) return Help;
        foreach (var o in options)
        {
            if (o.Name == name || (o.Short is not null && o.Short == name)) return o;
        }
        return null;
    }

    private static string Hint(string name, IReadOnlyList<CliOption> options)
    {
        if (!name.StartsWith("--", StringComparison.Ordinal)) return "";
        var names = new List<string>(options.Count);
        foreach (var o in options) names.Add(o.Name[2..]);
        return BindContext.Suggest(name[2..], names) is { } s ? $"; did you mean --{s}?" : "";
    }
}
