using System.Globalization;
using Tomlyn.Syntax;

namespace OomWarden.Configuration;

/// <summary>Collects every error of one file while binding; typed readers for TOML values.</summary>
internal sealed class BindContext(string path, ConfigHost? host = null)
{
    public string Path { get; } = path;

    /// <summary>The machine the config is checked against (user names, MemTotal); the user database alone by default.</summary>
    public ConfigHost Host { get; } = host ?? ConfigHost.Users;

    public List<ConfigError> Errors { get; } = [];

    public List<ConfigError> Warnings { get; } = [];

    public void Error(int line, int column, string message) => Errors.Add(new ConfigError(Path, line, column, message));

    public void Error(TomlItem item, string message) => Error(item.Line, item.Column, message);

    public void Warn(TomlItem item, string message) => Warnings.Add(new ConfigError(Path, item.Line, item.Column, message, IsWarning: true));

    public void UnknownKey(TomlItem item, string where, IReadOnlyList<string> valid)
    {
        string hint = Suggest(item.Key, valid) is { } s ? $"; did you mean '{s}'?" : "";
        Error(item, $"unknown key '{item.Key}' in {where}{hint} (valid: {string.Join(", ", valid)})");
    }

    /// <summary>"\"a\", \"b\"": the valid values of an error message.</summary>
    public static string QuotedList(string[] values)
    {
        var quoted = new string[values.Length];
        for (int i = 0; i < quoted.Length; i++) quoted[i] = "\"" + values[i] + "\"";
        return string.Join(", ", quoted);
    }

    public bool TryString(TomlItem item, out string value)
    {
        if (item.Value is StringValueSyntax s && s.Value is not null)
        {
            value = s.Value;
            return true;
        }
        value = "";
        Error(item, $"'{item.Key}' must be a string, not {KindName(item.Value)}");
        return false;
    }

    public bool TryBool(TomlItem item, out bool value)
    {
        if (item.Value is BooleanValueSyntax b)
        {
            value = b.Value;
            return true;
        }
        value = false;
        Error(item, $"'{item.Key}' must be true or false, not {KindName(item.Value)}");
        return false;
    }

    public bool TryInt32(TomlItem item, out int value)
    {
        value = 0;
        if (item.Value is not IntegerValueSyntax i)
        {
            Error(item, $"'{item.Key}' must be an integer, not {KindName(item.Value)}");
            return false;
        }
        if (i.Value is < int.MinValue or > int.MaxValue)
        {
            Error(item, $"'{item.Key}' = {i.Value} is out of range");
            return false;
        }
        value = (int)i.Value;
        return true;
    }

    /// <summary>A string, or an array of strings (integers allowed when <paramref name="allowIntegers"/>).</summary>
    public bool TryStringList(TomlItem item, out List<string> values, bool allowIntegers = false)
    {
        values = [];
        switch (item.Value)
        {
            case StringValueSyntax s when s.Value is not null:
                values.Add(s.Value);
                return true;
            case IntegerValueSyntax n when allowIntegers:
                values.Add(n.Value.ToString(CultureInfo.InvariantCulture));
                return true;
            case ArraySyntax array:
                foreach (var element in array.Items)
                {
                    switch (element.Value)
                    {
                        case StringValueSyntax es when es.Value is not null:
                            values.Add(es.Value);
                            break;
                        case IntegerValueSyntax en when allowIntegers:
                            values.Add(en.Value.ToString(CultureInfo.InvariantCulture));
                            break;
                        default:
                            Error(item, $"'{item.Key}' must be a list of strings; an element is {KindName(element.Value)}");
                            return false;
                    }
                }
                if (values.Count == 0)
                {
                    Error(item, $"'{item.Key}' is an empty list: it would match nothing");
                    return false;
                }
                return true;
            default:
                Error(item, $"'{item.Key}' must be a string or a list of strings, not {KindName(item.Value)}");
                return false;
        }
    }

    public static string KindName(ValueSyntax? value) => value switch
    {
        StringValueSyntax => "a string",
        IntegerValueSyntax => "an integer",
        FloatValueSyntax => "a float",
        BooleanValueSyntax => "a boolean",
        ArraySyntax => "an array",
        InlineTableSyntax => "a table",
        DateTimeValueSyntax => "a date-time",
        _ => "an unknown value",
    };

    /// <summary>The valid name closest to a misspelled one (edit distance ≤ 2), if any.</summary>
    public static string? Suggest(string name, IReadOnlyList<string> valid)
    {
        string? best = null;
        int bestDistance = 3;
        foreach (var candidate in valid)
        {
            string bare = candidate.Trim('[', ']');
            int d = Distance(name, bare);
            if (d < bestDistance)
            {
                bestDistance = d;
                best = candidate;
            }
        }
        return best;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
