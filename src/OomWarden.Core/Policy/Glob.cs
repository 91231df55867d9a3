namespace OomWarden.Core.Policy;

/// <summary>A shell-style pattern over paths and names.</summary>
/// <remarks>
/// <c>*</c> matches any run of characters except <c>/</c>; <c>**</c> matches any run including <c>/</c>;
/// <c>?</c> one character except <c>/</c>; <c>[abc]</c>, <c>[a-z]</c>, <c>[!abc]</c> a character class.
/// The whole string must match. Matching runs the pattern's automaton over bit sets of positions in one pass over
/// the text: time is text length × pattern length / 64 at most (never exponential, whatever the pattern), with no
/// backtracking, no regex engine (whose size limits made a 25 KB pattern throw), and no allocation for patterns of
/// up to 1,000 tokens.
/// </remarks>
public sealed class Glob
{
    private enum Kind : byte { Char, Any, Class, Star, DoubleStar }

    private readonly record struct Token(Kind Kind, char Char, int ClassIndex);

    private readonly record struct CharRange(char First, char Last);

    private readonly record struct CharClass(CharRange[] Ranges, bool Negated)
    {
        public bool Contains(char c)
        {
            bool inside = false;
            foreach (var r in Ranges)
            {
                if (c >= r.First && c <= r.Last) { inside = true; break; }
            }
            return inside != Negated;
        }
    }

    /// <summary>Patterns of more tokens keep their two position sets in a rented array instead of on the stack.</summary>
    private const int StackWords = 16;

    private readonly Token[] _tokens;
    private readonly CharClass[] _classes;

    /// <summary>Bit sets over token positions, <see cref="_words"/> ulongs each. Bit i means "the first i tokens
    /// have matched"; bit <c>_tokens.Length</c> (all of them) at the end of the text is a match.</summary>
    private readonly int _words;

    /// <summary>Per distinct literal character of the pattern, the positions whose token is that character.</summary>
    private readonly ulong[] _literalMasks;
    private readonly int[] _asciiRow;
    private readonly Dictionary<char, int>? _otherRow;

    /// <summary>'?' tokens (any character but '/'); '*' tokens (stay on any character but '/'); '**' tokens (stay
    /// on any character); both kinds of star (may match nothing: the next position is reached too).</summary>
    private readonly ulong[] _anyMask, _starMask, _doubleStarMask, _allStarsMask;

    /// <summary>Positions of character classes, checked one by one (patterns have few).</summary>
    private readonly int[] _classPositions;

    /// <summary>Tokens that consume exactly one character: a shorter text cannot match.</summary>
    private readonly int _minLength;

    /// <summary>Fast paths for the common shapes: a literal, "prefix*" and "prefix**" (most preset patterns).</summary>
    private readonly Shape _shape;
    private readonly string _literal;

    private enum Shape { Automaton, Literal, PrefixStar, PrefixDoubleStar }

    private Glob(string pattern, Token[] tokens, CharClass[] classes)
    {
        Pattern = pattern;
        _tokens = tokens;
        _classes = classes;
        _words = (tokens.Length + 1 + 63) / 64;
        _anyMask = new ulong[_words];
        _starMask = new ulong[_words];
        _doubleStarMask = new ulong[_words];
        _allStarsMask = new ulong[_words];
        _asciiRow = new int[128];
        Array.Fill(_asciiRow, -1);
        var rows = new List<ulong[]>();
        var classPositions = new List<int>();
        for (int i = 0; i < tokens.Length; i++)
        {
            ulong bit = 1UL << (i & 63);
            int w = i >> 6;
            var t = tokens[i];
            switch (t.Kind)
            {
                case Kind.Char:
                    int row;
                    if (t.Char < 128)
                    {
                        if (_asciiRow[t.Char] < 0) { _asciiRow[t.Char] = rows.Count; rows.Add(new ulong[_words]); }
                        row = _asciiRow[t.Char];
                    }
                    else
                    {
                        _otherRow ??= [];
                        if (!_otherRow.TryGetValue(t.Char, out row)) { row = rows.Count; _otherRow[t.Char] = row; rows.Add(new ulong[_words]); }
                    }
                    rows[row][w] |= bit;
                    _minLength++;
                    break;
                case Kind.Any:
                    _anyMask[w] |= bit;
                    _minLength++;
                    break;
                case Kind.Class:
                    classPositions.Add(i);
                    _minLength++;
                    break;
                case Kind.Star:
                    _starMask[w] |= bit;
                    _allStarsMask[w] |= bit;
                    break;
                default:
                    _doubleStarMask[w] |= bit;
                    _allStarsMask[w] |= bit;
                    break;
            }
        }
        _literalMasks = new ulong[rows.Count * _words];
        for (int r = 0; r < rows.Count; r++) rows[r].CopyTo(_literalMasks, r * _words);
        _classPositions = [.. classPositions];

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
            _shape = Shape.Automaton;
            _literal = "";
        }
    }

    public string Pattern { get; }

    public bool IsMatch(string text) => _shape switch
    {
        Shape.Literal => string.Equals(text, _literal, StringComparison.Ordinal),
        Shape.PrefixStar => text.StartsWith(_literal, StringComparison.Ordinal) && text.IndexOf('/', _literal.Length) < 0,
        Shape.PrefixDoubleStar => text.StartsWith(_literal, StringComparison.Ordinal),
        _ => RunAutomaton(text),
    };

    public override string ToString() => Pattern;

    /// <summary>One pass over the text, a word of 64 positions at a time (shift-and with self-loops for the stars):
    /// text length × pattern length / 64 steps.</summary>
    private bool RunAutomaton(string text)
    {
        if (text.Length < _minLength) return false;
        int words = _words;
        ulong[]? rented = null;
        Span<ulong> buffer = words <= StackWords
            ? stackalloc ulong[2 * StackWords]
            : (rented = System.Buffers.ArrayPool<ulong>.Shared.Rent(2 * words));
        try
        {
            var current = buffer[..words];
            var next = buffer.Slice(words, words);
            current.Clear();
            current[0] = 1;
            CloseOverStars(current);
            foreach (char c in text)
            {
                bool notSlash = c != '/';
                int row = c < 128 ? _asciiRow[c] : _otherRow is not null && _otherRow.TryGetValue(c, out int r) ? r : -1;
                var literal = row < 0 ? default : _literalMasks.AsSpan(row * words, words);
                ulong carry = 0, any = 0;
                for (int w = 0; w < words; w++)
                {
                    ulong cur = current[w];
                    ulong advance = (row < 0 ? 0 : literal[w]) | (notSlash ? _anyMask[w] : 0);
                    ulong moved = cur & advance;
                    ulong stay = cur & (_doubleStarMask[w] | (notSlash ? _starMask[w] : 0));
                    ulong v = (moved << 1) | carry | stay;
                    carry = moved >> 63;
                    next[w] = v;
                    any |= v;
                }
                if (notSlash)
                {
                    foreach (int i in _classPositions)
                    {
                        if ((current[i >> 6] & (1UL << (i & 63))) != 0 && _classes[_tokens[i].ClassIndex].Contains(c))
                        {
                            next[(i + 1) >> 6] |= 1UL << ((i + 1) & 63);
                            any = 1;
                        }
                    }
                }
                if (any == 0) return false;
                CloseOverStars(next);
                var swap = current;
                current = next;
                next = swap;
            }
            int end = _tokens.Length;
            return (current[end >> 6] & (1UL << (end & 63))) != 0;
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    /// <summary>A star may match nothing: the position after a reached star is reached too. One step is enough:
    /// adjacent stars are merged at compile time, so the position after a star is never a star.</summary>
    private void CloseOverStars(Span<ulong> set)
    {
        ulong carry = 0;
        for (int w = 0; w < set.Length; w++)
        {
            ulong stars = set[w] & _allStarsMask[w];
            set[w] |= (stars << 1) | carry;
            carry = stars >> 63;
        }
    }

    /// <summary>Compiles <paramref name="pattern"/>; false with a reason (and the 1-based position in the pattern)
    /// when it is malformed.</summary>
    public static bool TryCompile(string pattern, out Glob? glob, out string error)
    {
        glob = null;
        if (pattern.Length == 0)
        {
            error = "empty glob";
            return false;
        }

        var tokens = new List<Token>(pattern.Length);
        var classes = new List<CharClass>();
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            switch (c)
            {
                case '*':
                    bool doubleStar = i + 1 < pattern.Length && pattern[i + 1] == '*';
                    if (doubleStar) i++;
                    // "***" is "**" then "*": one run that may cross '/', the same as "**". Adjacent stars merge.
                    if (tokens.Count > 0 && tokens[^1].Kind is Kind.Star or Kind.DoubleStar)
                    {
                        if (doubleStar) tokens[^1] = new Token(Kind.DoubleStar, '\0', -1);
                        break;
                    }
                    tokens.Add(new Token(doubleStar ? Kind.DoubleStar : Kind.Star, '\0', -1));
                    break;
                case '?':
                    tokens.Add(new Token(Kind.Any, '\0', -1));
                    break;
                case '[':
                {
                    int close = pattern.IndexOf(']', i + 1);
                    if (close < 0)
                    {
                        error = $"unclosed '[' at position {i + 1} in glob \"{Shorten(pattern)}\"";
                        return false;
                    }
                    string body = pattern[(i + 1)..close];
                    bool negate = body.StartsWith('!') || body.StartsWith('^');
                    if (negate) body = body[1..];
                    if (body.Length == 0)
                    {
                        error = $"empty character class at position {i + 1} in glob \"{Shorten(pattern)}\"";
                        return false;
                    }
                    var ranges = new List<CharRange>();
                    for (int k = 0; k < body.Length; k++)
                    {
                        // "a-z" is a range; a '-' first or last is itself.
                        if (k + 2 < body.Length && body[k + 1] == '-')
                        {
                            if (body[k + 2] < body[k])
                            {
                                error = $"reversed range '{body[k]}-{body[k + 2]}' at position {i + 1} in glob \"{Shorten(pattern)}\"";
                                return false;
                            }
                            ranges.Add(new CharRange(body[k], body[k + 2]));
                            k += 2;
                        }
                        else
                        {
                            ranges.Add(new CharRange(body[k], body[k]));
                        }
                    }
                    classes.Add(new CharClass([.. ranges], negate));
                    tokens.Add(new Token(Kind.Class, '\0', classes.Count - 1));
                    i = close;
                    break;
                }
                default:
                    tokens.Add(new Token(Kind.Char, c, -1));
                    break;
            }
        }
        glob = new Glob(pattern, [.. tokens], [.. classes]);
        error = "";
        return true;
    }

    /// <summary>Compiles a pattern known to be valid (built-in tables, tests); throws otherwise.</summary>
    public static Glob Compile(string pattern) =>
        TryCompile(pattern, out var glob, out var error) ? glob! : throw new ArgumentException(error, nameof(pattern));

    /// <summary>A pattern as quoted in an error: long ones are cut (a 25 KB glob in a message helps no one).</summary>
    private static string Shorten(string pattern) => pattern.Length <= 80 ? pattern : pattern[..77] + "...";
}
