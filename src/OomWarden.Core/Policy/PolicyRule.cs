namespace OomWarden.Core.Policy;

/// <summary>One compiled <c>[[rule]]</c>.</summary>
/// <param name="Name">The rule's <c>name</c>, or "rule N" (1-based, file order); preset rules are "PRESET/name".</param>
/// <param name="Origin">Where it was written: "FILE:LINE", or "preset:NAME:LINE".</param>
public sealed record PolicyRule(string Name, string Origin, RuleMatch Match, RuleEffect Effect)
{
    public override string ToString() => $"{Name} ({Origin}): {Match} -> {Effect}";
}
