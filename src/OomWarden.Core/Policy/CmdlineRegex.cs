using System.Diagnostics.CodeAnalysis;

namespace OomWarden.Core.Policy;

/// <summary>A <c>cmdline</c> regex: the .NET syntax without backtracking constructs, compiled to a Thompson NFA and
/// searched (unanchored) by simulating every state at once, one pass over the text: time linear in the text times the
/// pattern's size, whatever the pattern (no ReDoS from a config file). Not .NET's <c>Regex</c>: its engines cost the
/// NativeAOT binary ~0.5 MB of code and types (docs/DESIGN.md, "Idle footprint"). Syntax: docs/POLICY.md.</summary>
/// <remarks>A match allocates nothing: the state lists are one array per regex, taken for the match and put back
/// (a second thread matching at the same moment gets its own).</remarks>
public sealed class CmdlineRegex
{
    /// <summary>States at most after counted repetition is expanded: "(a|b){1000}" is rejected, not a 64 KiB program.</summary>
    public const int MaxStates = 4096;

    private readonly int[] _program;        // (op, a, b) per state
    private readonly CmdlineCharSet[] _sets;
    private readonly int _states;
    private int[]? _scratch;

    internal CmdlineRegex(string pattern, int[] program, int states, CmdlineCharSet[] sets)
    {
        Pattern = pattern;
        _program = program;
        _states = states;
        _sets = sets;
    }

    public string Pattern { get; }

    /// <summary>Compiles <paramref name="pattern"/>, or says why not: "... at offset N" (0-based, in the pattern).</summary>
    public static bool TryCompile(string pattern, [NotNullWhen(true)] out CmdlineRegex? regex, [NotNullWhen(false)] out string? error)
        => CmdlineRegexParser.TryCompile(pattern, out regex, out error);

    /// <summary>Whether the pattern matches anywhere in <paramref name="text"/>.</summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        int[] scratch = Interlocked.Exchange(ref _scratch, null) ?? new int[4 * _states];
        bool found = Run(text, scratch);
        _scratch = scratch;
        return found;
    }

    public override string ToString() => Pattern;

    private bool Run(ReadOnlySpan<char> text, int[] scratch)
    {
        int n = _states;
        var mark = scratch.AsSpan(0, n);
        var current = scratch.AsSpan(n, n);
        var next = scratch.AsSpan(2 * n, n);
        var stack = scratch.AsSpan(3 * n, n);
        mark.Fill(-1);
        int currentCount = 0;
        for (int i = 0; ; i++)
        {
            if (Add(text, i, 0, current, ref currentCount, mark, stack)) return true;
            if (i == text.Length) return false;
            char c = text[i];
            int nextCount = 0;
            for (int k = 0; k < currentCount; k++)
            {
                int pc = current[k];
                int a = _program[3 * pc + 1];
                bool consumes = (CmdlineOp)_program[3 * pc] switch
                {
                    CmdlineOp.Char => c == a,
                    CmdlineOp.Set => _sets[a].Contains(c),
                    CmdlineOp.Any => true,
                    CmdlineOp.AnyButNewline => c != '\n',
                    _ => false,
                };
                if (consumes && Add(text, i + 1, pc + 1, next, ref nextCount, mark, stack)) return true;
            }
            var swap = current;
            current = next;
            next = swap;
            currentCount = nextCount;
        }
    }

    /// <summary>Adds <paramref name="start"/> and every state reachable from it without consuming a character at
    /// <paramref name="pos"/> to <paramref name="list"/>; true when the match state is among them.</summary>
    private bool Add(ReadOnlySpan<char> text, int pos, int start, Span<int> list, ref int count, Span<int> mark, Span<int> stack)
    {
        if (mark[start] == pos) return false;
        mark[start] = pos;
        int top = 0;
        stack[top++] = start;
        while (top > 0)
        {
            int pc = stack[--top];
            int a = _program[3 * pc + 1], b = _program[3 * pc + 2];
            switch ((CmdlineOp)_program[3 * pc])
            {
                case CmdlineOp.Match:
                    return true;
                case CmdlineOp.Jump:
                    Push(a, pos, mark, stack, ref top);
                    break;
                case CmdlineOp.Split:
                    Push(a, pos, mark, stack, ref top);
                    Push(b, pos, mark, stack, ref top);
                    break;
                case CmdlineOp.Assert:
                    if (Holds((CmdlineAssert)a, text, pos)) Push(pc + 1, pos, mark, stack, ref top);
                    break;
                default:
                    list[count++] = pc;
                    break;
            }
        }
        return false;
    }

    private static void Push(int pc, int pos, Span<int> mark, Span<int> stack, ref int top)
    {
        if (mark[pc] == pos) return;
        mark[pc] = pos;
        stack[top++] = pc;
    }

    private static bool Holds(CmdlineAssert kind, ReadOnlySpan<char> text, int pos) => kind switch
    {
        CmdlineAssert.Start => pos == 0,
        CmdlineAssert.LineStart => pos == 0 || text[pos - 1] == '\n',
        CmdlineAssert.End => pos == text.Length,
        CmdlineAssert.EndOrFinalNewline => pos == text.Length || (pos == text.Length - 1 && text[pos] == '\n'),
        CmdlineAssert.LineEnd => pos == text.Length || text[pos] == '\n',
        CmdlineAssert.WordBoundary => IsWordBefore(text, pos) != IsWordAt(text, pos),
        CmdlineAssert.NotWordBoundary => IsWordBefore(text, pos) == IsWordAt(text, pos),
        _ => false,
    };

    private static bool IsWordBefore(ReadOnlySpan<char> text, int pos) => pos > 0 && CmdlineCharSet.IsBoundaryWordChar(text[pos - 1]);

    private static bool IsWordAt(ReadOnlySpan<char> text, int pos) => pos < text.Length && CmdlineCharSet.IsBoundaryWordChar(text[pos]);
}

internal enum CmdlineOp
{
    Char,
    Set,
    Any,
    AnyButNewline,
    Split,
    Jump,
    Assert,
    Match,
}

internal enum CmdlineAssert
{
    Start,              // ^, \A
    LineStart,          // ^ with (?m)
    End,                // \z
    EndOrFinalNewline,  // $, \Z
    LineEnd,            // $ with (?m)
    WordBoundary,       // \b
    NotWordBoundary,    // \B
}
