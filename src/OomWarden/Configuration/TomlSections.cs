using Tomlyn.Syntax;

namespace OomWarden.Configuration;

/// <summary>One key = value with the position of its key.</summary>
internal sealed record TomlItem(string Key, ValueSyntax Value, int Line, int Column);

/// <summary>A table of the file: "" for the top level, "system", or one <c>[[rule]]</c> (IsArrayItem).</summary>
internal sealed class TomlSection(string name, bool isArrayItem, int line, int column)
{
    public string Name { get; } = name;
    public bool IsArrayItem { get; } = isArrayItem;
    public int Line { get; } = line;
    public int Column { get; } = column;
    public List<TomlItem> Items { get; } = [];
}

/// <summary>Flattens Tomlyn's syntax tree into sections of key/value items, keeping every position.
/// Dotted keys (<c>system.combine = "or"</c>) and inline tables (<c>system = { combine = "or" }</c>) land in the
/// section they name, so every way TOML allows to write a setting is bound the same way.</summary>
internal static class TomlSections
{
    public static List<TomlSection> Flatten(DocumentSyntax document)
    {
        var sections = new List<TomlSection>();
        var named = new Dictionary<string, TomlSection>(StringComparer.Ordinal);
        var top = new TomlSection("", false, 1, 1);
        sections.Add(top);
        named[""] = top;

        foreach (var kv in document.KeyValues)
            AddKeyValue(top, kv, sections, named);

        foreach (var table in document.Tables)
        {
            if (table.Name is null) continue;
            string name = string.Join('.', KeyParts(table.Name));
            var (line, column) = Position(table.Span);
            TomlSection section;
            if (table is TableArraySyntax)
            {
                section = new TomlSection(name, true, line, column);
                sections.Add(section);
            }
            else if (!named.TryGetValue(name, out section!))
            {
                section = new TomlSection(name, false, line, column);
                sections.Add(section);
                named[name] = section;
            }
            foreach (var kv in table.Items)
                AddKeyValue(section, kv, sections, named);
        }
        return sections;
    }

    private static void AddKeyValue(TomlSection section, KeyValueSyntax kv, List<TomlSection> sections, Dictionary<string, TomlSection> named)
    {
        if (kv.Key is null || kv.Value is null) return;
        var parts = KeyParts(kv.Key);
        var (line, column) = Position(kv.Key.Span);
        var target = section;
        if (parts.Count > 1)
        {
            // a.b.c = v inside [s] belongs to the section s.a.b (only meaningful at the top level here).
            string prefix = string.Join('.', parts.GetRange(0, parts.Count - 1));
            string sub = section.Name.Length == 0 ? prefix : section.IsArrayItem ? "" : section.Name + "." + prefix;
            if (section.IsArrayItem)
            {
                // Keys inside a [[rule]] are flat: a dotted key is an unknown key of that rule.
                section.Items.Add(new TomlItem(string.Join('.', parts), kv.Value, line, column));
                return;
            }
            target = GetOrAdd(sub, line, column, sections, named);
        }
        string key = parts[^1];
        if (kv.Value is InlineTableSyntax inline && !section.IsArrayItem)
        {
            string sub = target.Name.Length == 0 ? key : target.Name + "." + key;
            var inner = GetOrAdd(sub, line, column, sections, named);
            foreach (var item in inline.Items)
            {
                if (item.KeyValue is not null)
                    AddKeyValue(inner, item.KeyValue, sections, named);
            }
            return;
        }
        target.Items.Add(new TomlItem(key, kv.Value, line, column));
    }

    private static TomlSection GetOrAdd(string name, int line, int column, List<TomlSection> sections, Dictionary<string, TomlSection> named)
    {
        if (!named.TryGetValue(name, out var section))
        {
            section = new TomlSection(name, false, line, column);
            sections.Add(section);
            named[name] = section;
        }
        return section;
    }

    public static List<string> KeyParts(KeySyntax key)
    {
        var parts = new List<string> { KeyText(key.Key) };
        foreach (var dotted in key.DotKeys)
            parts.Add(KeyText(dotted.Key));
        return parts;
    }

    private static string KeyText(BareKeyOrStringValueSyntax? key) => key switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax str => str.Value ?? "",
        _ => "",
    };

    /// <summary>1-based line and column of a span.</summary>
    public static (int Line, int Column) Position(SourceSpan span) => (span.Start.Line + 1, span.Start.Column + 1);
}
