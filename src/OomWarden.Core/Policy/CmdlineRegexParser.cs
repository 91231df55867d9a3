using System.Globalization;

namespace OomWarden.Core.Policy;

/// <summary>Parses the <see cref="CmdlineRegex"/> syntax into a tree and emits the NFA program. Whatever the linear
/// engine cannot do (backreferences, lookarounds, atomic groups, conditionals, balancing groups, \G, class
/// subtraction, (?x)) is an error that names the construct and its offset, never a silent difference.</summary>
internal sealed class CmdlineRegexParser
{
    private const int MaxCount = 1000;

    /// <summary>Groups nested deeper are refused: the parser and the emitter recurse once per level.</summary>
    private const int MaxDepth = 100;

    private readonly string _p;
    private readonly List<CmdlineCharSet> _sets = [];
    private int _i;
    private int _depth;
    private bool _ignoreCase, _multiline, _singleline;

    private CmdlineRegexParser(string pattern) => _p = pattern;

    public static bool TryCompile(string pattern, out CmdlineRegex? regex, out string? error)
    {
        var parser = new CmdlineRegexParser(pattern);
        try
        {
            var tree = parser.ParseAlternation();
            if (parser._i < pattern.Length) throw parser.Fail("too many )'s", parser._i);
            var emitter = new Emitter();
            emitter.Emit(tree);
            emitter.Add(CmdlineOp.Match, 0, 0);
            regex = new CmdlineRegex(pattern, emitter.Program, emitter.Count, [.. parser._sets]);
            error = null;
            return true;
        }
        catch (CmdlineRegexException ex)
        {
            regex = null;
            error = ex.Message;
            return false;
        }
    }

    private CmdlineRegexException Fail(string what, int offset) => new($"{what} at offset {offset}");

    private bool More => _i < _p.Length;

    private Node ParseAlternation()
    {
        var branches = new List<Node> { ParseConcatenation() };
        while (More && _p[_i] == '|')
        {
            _i++;
            branches.Add(ParseConcatenation());
        }
        return branches.Count == 1 ? branches[0] : new Alternation(branches);
    }

    private Node ParseConcatenation()
    {
        var items = new List<Node>();
        while (More && _p[_i] is not ('|' or ')'))
        {
            var atom = ParseAtom();
            if (atom is null)
            {
                if (More && IsQuantifierAt(_i)) throw Fail("quantifier following nothing", _i);
                continue;
            }
            items.Add(ParseQuantifiers(atom));
        }
        return items.Count == 1 ? items[0] : new Concatenation(items);
    }

    private Node ParseQuantifiers(Node atom)
    {
        if (!More || !IsQuantifierAt(_i)) return atom;
        int min, max;
        char q = _p[_i];
        if (q == '*') { min = 0; max = -1; _i++; }
        else if (q == '+') { min = 1; max = -1; _i++; }
        else if (q == '?') { min = 0; max = 1; _i++; }
        else ParseCount(out min, out max);
        if (More && _p[_i] == '?') _i++;   // lazy: the same set of matches
        if (More && IsQuantifierAt(_i)) throw Fail("nested quantifier", _i);
        // An anchor repeated is the anchor, or nothing when it may be skipped.
        if (atom is Assertion) return min == 0 ? new Concatenation([]) : atom;
        return new Repetition(atom, min, max);
    }

    private bool IsQuantifierAt(int i)
    {
        char c = _p[i];
        if (c is '*' or '+' or '?') return true;
        return c == '{' && TryCountAt(i, out _, out _, out _);
    }

    /// <summary>{n}, {n,}, {n,m}: anything else after '{' is a literal '{', as in .NET.</summary>
    private bool TryCountAt(int i, out int min, out int max, out int end)
    {
        min = max = 0;
        end = i;
        int j = i + 1;
        if (!TryNumber(ref j, out min)) return false;
        max = min;
        if (j < _p.Length && _p[j] == ',')
        {
            j++;
            if (j < _p.Length && _p[j] == '}') max = -1;
            else if (!TryNumber(ref j, out max)) return false;
        }
        if (j >= _p.Length || _p[j] != '}') return false;
        end = j + 1;
        return true;
    }

    private bool TryNumber(ref int j, out int value)
    {
        value = 0;
        int start = j;
        while (j < _p.Length && char.IsAsciiDigit(_p[j]))
        {
            value = value > int.MaxValue / 10 ? int.MaxValue : Math.Min(int.MaxValue - 9, value * 10) + (_p[j] - '0');
            j++;
        }
        return j > start;
    }

    private void ParseCount(out int min, out int max)
    {
        int at = _i;
        TryCountAt(_i, out min, out max, out int end);
        if (max != -1 && min > max) throw Fail("{x,y} with x > y", at);
        if (min > MaxCount || max > MaxCount) throw Fail($"repetition count above {MaxCount}", at);
        _i = end;
    }

    private Node? ParseAtom()
    {
        char c = _p[_i];
        switch (c)
        {
            case '(':
                return ParseGroup();
            case '[':
                _i++;
                return ParseClass();
            case '.':
                _i++;
                return new Single(_singleline ? CmdlineOp.Any : CmdlineOp.AnyButNewline, 0);
            case '^':
                _i++;
                return new Assertion(_multiline ? CmdlineAssert.LineStart : CmdlineAssert.Start);
            case '$':
                _i++;
                return new Assertion(_multiline ? CmdlineAssert.LineEnd : CmdlineAssert.EndOrFinalNewline);
            case '\\':
                return ParseEscape();
            case '*' or '+' or '?':
                throw Fail("quantifier following nothing", _i);
            case '{' when IsQuantifierAt(_i):
                throw Fail("quantifier following nothing", _i);
            default:
                _i++;
                return Literal(c);
        }
    }

    private Node Literal(char c)
    {
        if (!_ignoreCase) return new Single(CmdlineOp.Char, c);
        char lower = char.ToLowerInvariant(c), upper = char.ToUpperInvariant(c), upperOfLower = char.ToUpperInvariant(lower);
        if (lower == c && upper == c && upperOfLower == c) return new Single(CmdlineOp.Char, c);
        return NewSet([c, c, lower, lower, upper, upper, upperOfLower, upperOfLower], [], negated: false);
    }

    private Node NewSet(char[] ranges, int[] categories, bool negated)
    {
        _sets.Add(new CmdlineCharSet(ranges, categories, negated, _ignoreCase));
        return new Single(CmdlineOp.Set, _sets.Count - 1);
    }

    private Node? ParseGroup()
    {
        int open = _i;
        _i++;
        bool saveI = _ignoreCase, saveM = _multiline, saveS = _singleline;
        if (More && _p[_i] == '?')
        {
            _i++;
            if (!More) throw Fail("unrecognized grouping construct", open);
            char k = _p[_i];
            if (k == ':') _i++;
            else if (k == '#')
            {
                int close = _p.IndexOf(')', _i);
                if (close < 0) throw Fail("unterminated (?#...) comment", open);
                _i = close + 1;
                return null;
            }
            else if (k is '=' or '!') throw Fail("lookarounds are not supported by the linear-time engine", open);
            else if (k == '>') throw Fail("atomic groups are not supported by the linear-time engine", open);
            else if (k == '(') throw Fail("conditionals are not supported by the linear-time engine", open);
            else if (k == '<' && _i + 1 < _p.Length && _p[_i + 1] is '=' or '!')
                throw Fail("lookarounds are not supported by the linear-time engine", open);
            else if (k is '<' or '\'') ParseGroupName(k == '<' ? '>' : '\'', open);
            else if (!ParseOptions(open)) return null;   // (?imsn-imsn): to the end of the enclosing group
        }
        if (++_depth > MaxDepth) throw Fail($"groups nested deeper than {MaxDepth}", open);
        var inner = ParseAlternation();
        _depth--;
        if (!More || _p[_i] != ')') throw Fail("unclosed '('", open);
        _i++;
        _ignoreCase = saveI;
        _multiline = saveM;
        _singleline = saveS;
        return new Group(inner);
    }

    private void ParseGroupName(char close, int open)
    {
        _i++;
        int start = _i;
        while (More && (char.IsLetterOrDigit(_p[_i]) || _p[_i] == '_')) _i++;
        if (More && _p[_i] == '-') throw Fail("balancing groups are not supported by the linear-time engine", open);
        if (_i == start || !More || _p[_i] != close) throw Fail("invalid group name", start);
        _i++;
    }

    /// <summary>After "(?": options up to ')' (true: they apply to the rest of the enclosing group; returns false)
    /// or ':' (a group with its own options; returns true).</summary>
    private bool ParseOptions(int open)
    {
        bool on = true;
        while (More)
        {
            char c = _p[_i++];
            switch (c)
            {
                case '-': on = false; break;
                case 'i': _ignoreCase = on; break;
                case 'm': _multiline = on; break;
                case 's': _singleline = on; break;
                case 'n': break;   // explicit capture: nothing is captured anyway
                case 'x': throw Fail("(?x) is not supported", open);
                case ')': return false;
                case ':': return true;
                default: throw Fail("unrecognized grouping construct", open);
            }
        }
        throw Fail("unclosed '('", open);
    }

    private Node ParseEscape()
    {
        int at = _i;
        _i++;
        if (!More) throw Fail("illegal \\ at end of pattern", at);
        char c = _p[_i];
        switch (c)
        {
            case 'b': _i++; return new Assertion(CmdlineAssert.WordBoundary);
            case 'B': _i++; return new Assertion(CmdlineAssert.NotWordBoundary);
            case 'A': _i++; return new Assertion(CmdlineAssert.Start);
            case 'z': _i++; return new Assertion(CmdlineAssert.End);
            case 'Z': _i++; return new Assertion(CmdlineAssert.EndOrFinalNewline);
            case 'G': throw Fail("\\G is not supported", at);
            case 'k': throw Fail("backreferences are not supported by the linear-time engine", at);
            case >= '1' and <= '9': throw Fail("backreferences are not supported by the linear-time engine", at);
        }
        if (TryClassEscape(out int mask, out bool negated))
            return NewSet([], [mask, negated ? 1 : 0], negated: false);
        return Literal(CharEscape(inClass: false));
    }

    /// <summary>\d \D \w \W \s \S \p{..} \P{..} at _i (just after the backslash).</summary>
    private bool TryClassEscape(out int mask, out bool negated)
    {
        char c = _p[_i];
        negated = char.IsAsciiLetterUpper(c);
        switch (c)
        {
            case 'd' or 'D': mask = CmdlineCharSet.DigitMask; break;
            case 'w' or 'W': mask = CmdlineCharSet.WordMask; break;
            case 's' or 'S': mask = CmdlineCharSet.WhiteSpaceBit; break;
            case 'p' or 'P':
                int at = _i - 1;
                if (_i + 1 >= _p.Length || _p[_i + 1] != '{') throw Fail("malformed \\p{X} character escape", at);
                int close = _p.IndexOf('}', _i + 2);
                if (close < 0) throw Fail("malformed \\p{X} character escape", at);
                string name = _p[(_i + 2)..close];
                mask = CategoryMask(name);
                if (mask == 0) throw Fail($"unknown Unicode category \"{name}\" (write a general category: L, Lu, Nd, P, Zs...)", at);
                // .NET case-folds a category under (?i) (\P{Ll} then excludes 'A' too): not reproduced, refused.
                if (_ignoreCase && name is "Lu" or "Ll" or "Lt")
                    throw Fail($"\\{c}{{{name}}} under (?i) is not supported (write \\p{{L}}, or drop (?i))", at);
                _i = close + 1;
                return true;
            default:
                mask = 0;
                return false;
        }
        _i++;
        return true;
    }

    /// <summary>One character after a backslash (at _i), consumed.</summary>
    private char CharEscape(bool inClass)
    {
        int at = _i - 1;
        char c = _p[_i++];
        switch (c)
        {
            case 't': return '\t';
            case 'n': return '\n';
            case 'r': return '\r';
            case 'f': return '\f';
            case 'v': return '\v';
            case 'a': return '\a';
            case 'e': return '\u001B';
            case 'b' when inClass: return '\b';
            case 'x': return (char)Hex(2, at);
            case 'u': return (char)Hex(4, at);
            case 'c':
                if (!More || !char.IsAsciiLetter(_p[_i])) throw Fail("missing control character", at);
                return (char)(char.ToUpperInvariant(_p[_i++]) - '@');
            case >= '0' and <= '7':
                // Octal, up to three digits and 0377 (.NET).
                int value = c - '0';
                for (int n = 1; n < 3 && More && _p[_i] is >= '0' and <= '7' && value * 8 + (_p[_i] - '0') <= 255; n++)
                    value = value * 8 + (_p[_i++] - '0');
                return (char)value;
        }
        if (char.IsLetterOrDigit(c) || c == '_') throw Fail($"unrecognized escape sequence \\{c}", at);
        return c;
    }

    private int Hex(int digits, int at)
    {
        if (_i + digits > _p.Length) throw Fail("insufficient hexadecimal digits", at);
        if (!int.TryParse(_p.AsSpan(_i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int value))
            throw Fail("insufficient hexadecimal digits", at);
        _i += digits;
        return value;
    }

    private Node ParseClass()
    {
        int open = _i - 1;
        bool negated = More && _p[_i] == '^';
        if (negated) _i++;
        var ranges = new List<char>();
        var categories = new List<int>();
        bool first = true;
        while (true)
        {
            if (!More) throw Fail("unterminated [] set", open);
            char c = _p[_i];
            if (c == ']' && !first) { _i++; break; }
            if (c == '-' && !first && _i + 1 < _p.Length && _p[_i + 1] == '[') throw Fail("character class subtraction is not supported", _i);
            first = false;
            int itemAt = _i;
            if (!TryClassItem(out char lo, ranges, categories, rangeEnd: false)) continue;
            if (_i + 1 < _p.Length && _p[_i] == '-' && _p[_i + 1] != ']')
            {
                if (_p[_i + 1] == '[') throw Fail("character class subtraction is not supported", _i);
                _i++;
                int hiAt = _i;
                if (!TryClassItem(out char hi, ranges, categories, rangeEnd: true)) throw Fail("a class (\\d, \\w, \\s, \\p) cannot end a range", hiAt);
                if (hi < lo) throw Fail("[x-y] range in reverse order", itemAt);
                ranges.Add(lo);
                ranges.Add(hi);
            }
            else
            {
                ranges.Add(lo);
                ranges.Add(lo);
            }
        }
        var set = NewSet([.. ranges], [.. categories], negated);
        return set;
    }

    /// <summary>One member at _i: a char (true, in <paramref name="c"/>: it may start a range) or a class escape or
    /// an escaped '-', added to <paramref name="categories"/> or <paramref name="ranges"/> (false).</summary>
    private bool TryClassItem(out char c, List<char> ranges, List<int> categories, bool rangeEnd)
    {
        c = _p[_i];
        if (c != '\\')
        {
            _i++;
            return true;
        }
        int at = _i;
        _i++;
        if (!More) throw Fail("illegal \\ at end of pattern", at);
        if (_p[_i] == '-' && !rangeEnd)
        {
            // An escaped '-' never starts a range, but may end one (.NET): "[\\--/]" is '-', '-' and '/'; "[+-\\-]" is +,-.
            _i++;
            ranges.Add('-');
            ranges.Add('-');
            return false;
        }
        if (TryClassEscape(out int mask, out bool negated))
        {
            // A '-' after a class is a literal '-' (.NET): "[\\w-.]" is \w, '-' and '.'.
            categories.Add(mask);
            categories.Add(negated ? 1 : 0);
            return false;
        }
        c = CharEscape(inClass: true);
        return true;
    }

    private static int CategoryMask(string name)
    {
        static int M(params UnicodeCategory[] cats)
        {
            int m = 0;
            foreach (var cat in cats) m |= 1 << (int)cat;
            return m;
        }
        return name switch
        {
            "L" => M(UnicodeCategory.UppercaseLetter, UnicodeCategory.LowercaseLetter, UnicodeCategory.TitlecaseLetter, UnicodeCategory.ModifierLetter, UnicodeCategory.OtherLetter),
            "Lu" => M(UnicodeCategory.UppercaseLetter),
            "Ll" => M(UnicodeCategory.LowercaseLetter),
            "Lt" => M(UnicodeCategory.TitlecaseLetter),
            "Lm" => M(UnicodeCategory.ModifierLetter),
            "Lo" => M(UnicodeCategory.OtherLetter),
            "M" => M(UnicodeCategory.NonSpacingMark, UnicodeCategory.SpacingCombiningMark, UnicodeCategory.EnclosingMark),
            "Mn" => M(UnicodeCategory.NonSpacingMark),
            "Mc" => M(UnicodeCategory.SpacingCombiningMark),
            "Me" => M(UnicodeCategory.EnclosingMark),
            "N" => M(UnicodeCategory.DecimalDigitNumber, UnicodeCategory.LetterNumber, UnicodeCategory.OtherNumber),
            "Nd" => M(UnicodeCategory.DecimalDigitNumber),
            "Nl" => M(UnicodeCategory.LetterNumber),
            "No" => M(UnicodeCategory.OtherNumber),
            "P" => M(UnicodeCategory.ConnectorPunctuation, UnicodeCategory.DashPunctuation, UnicodeCategory.OpenPunctuation, UnicodeCategory.ClosePunctuation,
                UnicodeCategory.InitialQuotePunctuation, UnicodeCategory.FinalQuotePunctuation, UnicodeCategory.OtherPunctuation),
            "Pc" => M(UnicodeCategory.ConnectorPunctuation),
            "Pd" => M(UnicodeCategory.DashPunctuation),
            "Ps" => M(UnicodeCategory.OpenPunctuation),
            "Pe" => M(UnicodeCategory.ClosePunctuation),
            "Pi" => M(UnicodeCategory.InitialQuotePunctuation),
            "Pf" => M(UnicodeCategory.FinalQuotePunctuation),
            "Po" => M(UnicodeCategory.OtherPunctuation),
            "S" => M(UnicodeCategory.MathSymbol, UnicodeCategory.CurrencySymbol, UnicodeCategory.ModifierSymbol, UnicodeCategory.OtherSymbol),
            "Sm" => M(UnicodeCategory.MathSymbol),
            "Sc" => M(UnicodeCategory.CurrencySymbol),
            "Sk" => M(UnicodeCategory.ModifierSymbol),
            "So" => M(UnicodeCategory.OtherSymbol),
            "Z" => M(UnicodeCategory.SpaceSeparator, UnicodeCategory.LineSeparator, UnicodeCategory.ParagraphSeparator),
            "Zs" => M(UnicodeCategory.SpaceSeparator),
            "Zl" => M(UnicodeCategory.LineSeparator),
            "Zp" => M(UnicodeCategory.ParagraphSeparator),
            "C" => M(UnicodeCategory.Control, UnicodeCategory.Format, UnicodeCategory.Surrogate, UnicodeCategory.PrivateUse, UnicodeCategory.OtherNotAssigned),
            "Cc" => M(UnicodeCategory.Control),
            "Cf" => M(UnicodeCategory.Format),
            "Cs" => M(UnicodeCategory.Surrogate),
            "Co" => M(UnicodeCategory.PrivateUse),
            "Cn" => M(UnicodeCategory.OtherNotAssigned),
            _ => 0,
        };
    }

    private abstract class Node;

    private sealed class Single(CmdlineOp op, int arg) : Node
    {
        public CmdlineOp Op { get; } = op;
        public int Arg { get; } = arg;
    }

    private sealed class Assertion(CmdlineAssert kind) : Node
    {
        public CmdlineAssert Kind { get; } = kind;
    }

    private sealed class Group(Node inner) : Node
    {
        public Node Inner { get; } = inner;
    }

    private sealed class Concatenation(List<Node> items) : Node
    {
        public List<Node> Items { get; } = items;
    }

    private sealed class Alternation(List<Node> branches) : Node
    {
        public List<Node> Branches { get; } = branches;
    }

    private sealed class Repetition(Node inner, int min, int max) : Node
    {
        public Node Inner { get; } = inner;
        public int Min { get; } = min;
        public int Max { get; } = max;   // -1: unbounded
    }

    /// <summary>Thompson's construction into (op, a, b) triples.</summary>
    private sealed class Emitter
    {
        public int[] Program { get; private set; } = new int[48];
        public int Count { get; private set; }

        public int Add(CmdlineOp op, int a, int b)
        {
            if (Count >= CmdlineRegex.MaxStates)
                throw new CmdlineRegexException($"the regex is too large (more than {CmdlineRegex.MaxStates} states once repetitions are expanded)");
            if (3 * Count + 3 > Program.Length)
            {
                var grown = new int[Program.Length * 2];
                Program.CopyTo(grown, 0);
                Program = grown;
            }
            Program[3 * Count] = (int)op;
            Program[3 * Count + 1] = a;
            Program[3 * Count + 2] = b;
            return Count++;
        }

        private void Patch(int pc, int slot, int target) => Program[3 * pc + slot] = target;

        public void Emit(Node node)
        {
            switch (node)
            {
                case Single s:
                    Add(s.Op, s.Arg, 0);
                    break;
                case Assertion a:
                    Add(CmdlineOp.Assert, (int)a.Kind, 0);
                    break;
                case Group g:
                    Emit(g.Inner);
                    break;
                case Concatenation c:
                    foreach (var item in c.Items) Emit(item);
                    break;
                case Alternation alt:
                    var jumps = new List<int>();
                    for (int k = 0; k < alt.Branches.Count; k++)
                    {
                        if (k < alt.Branches.Count - 1)
                        {
                            int split = Add(CmdlineOp.Split, Count + 1, 0);
                            Emit(alt.Branches[k]);
                            jumps.Add(Add(CmdlineOp.Jump, 0, 0));
                            Patch(split, 2, Count);
                        }
                        else Emit(alt.Branches[k]);
                    }
                    foreach (int j in jumps) Patch(j, 1, Count);
                    break;
                case Repetition r:
                    for (int k = 0; k < r.Min; k++) Emit(r.Inner);
                    if (r.Max < 0)
                    {
                        int loop = Add(CmdlineOp.Split, Count + 1, 0);
                        Emit(r.Inner);
                        Add(CmdlineOp.Jump, loop, 0);
                        Patch(loop, 2, Count);
                    }
                    else
                    {
                        var splits = new List<int>();
                        for (int k = r.Min; k < r.Max; k++)
                        {
                            splits.Add(Add(CmdlineOp.Split, Count + 1, 0));
                            Emit(r.Inner);
                        }
                        foreach (int s in splits) Patch(s, 2, Count);
                    }
                    break;
            }
        }
    }
}

internal sealed class CmdlineRegexException(string message) : Exception(message);
