using System.Text;
using System.Text.RegularExpressions;

namespace OomWarden.Core.Policy;

/// <summary>A shell-style pattern over paths and names.</summary>
/// <remarks>
/// <c>*</c> matches any run of characters except <c>/</c>; <c>**</c> matches any run including <c>/</c>;
/// <c>?</c> one character except <c>/</c>; <c>[abc]</c>, <c>[a-z]</c>, <c>[!abc]</c> a character class.
/// The whole string must match. Compiled once to a non-backtracking regex, so matching is linear.
/// </remarks>
public sealed class Glob
{
    private readonly Regex _regex;

    /// <summary>Fast paths for the common shapes: a literal, "prefix*" and "prefix**" (most preset patterns).</summary>
    private readonly Shape _shape;
    private readonly string _literal;

    private enum Shape { Regex, Literal, PrefixStar, PrefixDoubleStar }

    private Glob(string pattern, Regex regex)
    {
        Pattern = pattern;
        _regex = regex;
        int meta = pattern.AsSpan().IndexOfAny("*?[");
        if (meta < 0)
        {
            _shape = Shape.Literal;
            _literal = pattern;
        }
        else if (meta == pattern.Length - 1 && pattern[meta] == '*')
        {
            _shape = Shape.PrefixStar;
            _literal = pattern[..meta];
        }
        else if (meta == pattern.Length - 2 && pattern.EndsWith("**", StringComparison.Ordinal))
        {
            _shape = Shape.PrefixDoubleStar;
            _literal = pattern[..meta];
        }
        else
        {
            _shape = Shape.Regex;
            _literal = "";
        }
    }

    public string Pattern { get; }

    public bool IsMatch(string text) => _shape switch
    {
        Shape.Literal => string.Equals(text, _literal, StringComparison.Ordinal),
        Shape.PrefixStar => text.StartsWith(_literal, StringComparison.Ordinal) && text.IndexOf('/', _literal.Length) < 0,
        Shape.PrefixDoubleStar => text.StartsWith(_literal, StringComparison.Ordinal),
        _ => _regex.IsMatch(text),
    };

    public override string ToString() => Pattern;

    /// <summary>Compiles <paramref name="pattern"/>; false with a reason when it is malformed.</summary>
    public static bool TryCompile(string pattern, out Glob? glob, out string error)
    {
        glob = null;
        if (pattern.Length == 0)
        {
            error = "empty glob";
            return false;
        }

        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*':
                    if (i + 1 < pattern.Length && pattern[i + 1] == '*')
                    {
                        sb.Append(".*");
                        i++;
                    }
                    else
                    {
                        sb.Append("[^/]*");
                    }
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '[':
                {
                    int close = pattern.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        error = $"unclosed '[' at position {i + 1} in glob \"{pattern}\"";
                        return false;
                    }
                    string body = pattern[(i + 1)..close];
                    bool negate = body.StartsWith('!') || body.StartsWith('^');
                    if (negate) body = body[1..];
                    if (body.Length == 0)
                    {
                        error = $"empty character class at position {i + 1} in glob \"{pattern}\"";
                        return false;
                    }
                    sb.Append('[');
                    if (negate) sb.Append('^');
                    foreach (char b in body)
                    {
                        if (b is '\\' or '[' or ']' or '^') sb.Append('\\');
                        sb.Append(b);
                    }
                    sb.Append(']');
                    i = close;
                    break;
                }
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        sb.Append('$');

        try
        {
            var regex = new Regex(sb.ToString(), RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            glob = new Glob(pattern, regex);
            error = "";
            return true;
        }
        catch (ArgumentException ex)
        {
            error = $"invalid glob \"{pattern}\": {ex.Message}";
            return false;
        }
    }

    /// <summary>Compiles a pattern known to be valid (built-in tables, tests); throws otherwise.</summary>
    public static Glob Compile(string pattern) =>
        TryCompile(pattern, out var glob, out var error) ? glob! : throw new ArgumentException(error, nameof(pattern));
}
