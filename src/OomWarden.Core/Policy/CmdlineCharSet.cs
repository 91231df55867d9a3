using System.Globalization;

namespace OomWarden.Core.Policy;

/// <summary>A character class of a <see cref="CmdlineRegex"/>: ranges of chars and Unicode-category items
/// (<c>\d \w \s \p{..}</c> and their negations), as .NET's Regex defines them.</summary>
internal sealed class CmdlineCharSet
{
    /// <summary>Bit 30 of a category mask: char.IsWhiteSpace (\s), beside the 30 general categories.</summary>
    public const int WhiteSpaceBit = 1 << 30;
    public const int DigitMask = 1 << (int)UnicodeCategory.DecimalDigitNumber;
    public const int WordMask = (1 << (int)UnicodeCategory.UppercaseLetter) | (1 << (int)UnicodeCategory.LowercaseLetter)
        | (1 << (int)UnicodeCategory.TitlecaseLetter) | (1 << (int)UnicodeCategory.ModifierLetter)
        | (1 << (int)UnicodeCategory.OtherLetter) | (1 << (int)UnicodeCategory.NonSpacingMark)
        | DigitMask
        | (1 << (int)UnicodeCategory.ConnectorPunctuation);

    private readonly char[] _ranges;     // lo, hi pairs
    private readonly int[] _categories;  // mask, negated (0/1) pairs
    private readonly bool _negated;
    private readonly bool _ignoreCase;

    public CmdlineCharSet(char[] ranges, int[] categories, bool negated, bool ignoreCase)
    {
        _ranges = ranges;
        _categories = categories;
        _negated = negated;
        _ignoreCase = ignoreCase;
    }

    public bool Contains(char c)
    {
        bool found = InRanges(c) || (_ignoreCase && InRangesFolded(c)) || InCategories(c);
        return found != _negated;
    }

    /// <summary>\w: letters, non-spacing marks (Mn), decimal digits and connector punctuation (not Mc, as in .NET).</summary>
    public static bool IsWordChar(char c) => (Bits(c) & WordMask) != 0;

    /// <summary>Word characters for \b and \B: \w plus ZERO WIDTH (NON-)JOINER, as .NET has them.</summary>
    public static bool IsBoundaryWordChar(char c) => IsWordChar(c) || c is '\u200C' or '\u200D';

    public static int Bits(char c) => (1 << (int)char.GetUnicodeCategory(c)) | (char.IsWhiteSpace(c) ? WhiteSpaceBit : 0);

    private bool InRanges(char c)
    {
        var r = _ranges;
        for (int i = 0; i < r.Length; i += 2)
        {
            if (c >= r[i] && c <= r[i + 1]) return true;
        }
        return false;
    }

    /// <summary>(?i): the char's invariant lower and upper case, and the upper case of its lower case (KELVIN SIGN →
    /// k → K), as .NET's case equivalence has them.</summary>
    private bool InRangesFolded(char c)
    {
        char lower = char.ToLowerInvariant(c);
        return InRanges(lower) || InRanges(char.ToUpperInvariant(c)) || InRanges(char.ToUpperInvariant(lower));
    }

    private bool InCategories(char c)
    {
        if (_categories.Length == 0) return false;
        int bits = Bits(c);
        for (int i = 0; i < _categories.Length; i += 2)
        {
            if (((bits & _categories[i]) != 0) != (_categories[i + 1] != 0)) return true;
        }
        return false;
    }
}
