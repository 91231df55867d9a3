using OomWarden.KernelLog.Output;

namespace OomWarden.KernelLog.Model;

/// <summary>One cause found by the diagnosis: a stable code, a one-line finding, the report lines it rests on, and what to do.</summary>
public sealed class Cause
{
    public Cause(string code, string finding, IReadOnlyList<string> evidence, string remedy)
    {
        _code = code;
        _finding = finding;
        _evidence = evidence;
        _remedy = remedy;
    }

    /// <summary>A finding kept as its template and values: made a string when first read (the JSON output writes it from its pieces).</summary>
    internal Cause(string code, FindingText finding, IReadOnlyList<string> evidence, string remedy)
    {
        _code = code;
        _parts = finding;
        _evidence = evidence;
        _remedy = remedy;
    }

    private string _code;
    private string? _finding;
    private FindingText? _parts;
    private IReadOnlyList<string> _evidence;
    private string _remedy;

    public string Code => _code;
    public string Finding => _finding ??= _parts!.ToString();
    public IReadOnlyList<string> Evidence => _evidence;
    public string Remedy => _remedy;

    /// <summary>The finding's template and values (null when it was given as a string).</summary>
    internal FindingText? Parts => _parts;

    /// <summary>The finding as a JSON string value under <paramref name="name"/>: from its pieces when not made a string yet.</summary>
    internal void WriteFinding(JsonLineWriter w, ReadOnlySpan<byte> name)
    {
        if (_finding is null && _parts is { } parts) parts.WriteJson(w, name);
        else w.String(name, Finding);
    }

    // reuse by a pooled report (OomReport.AddCause)
    internal Cause Set(string code, FindingText finding, IReadOnlyList<string> evidence, string remedy)
    {
        _code = code;
        _finding = null;
        _parts = finding;
        _evidence = evidence;
        _remedy = remedy;
        return this;
    }

    internal Cause Set(string code, string finding, IReadOnlyList<string> evidence, string remedy)
    {
        _code = code;
        _finding = finding;
        _parts = null;
        _evidence = evidence;
        _remedy = remedy;
        return this;
    }

    internal void Clear()
    {
        _code = _remedy = "";
        _finding = null;
        _parts = null;
        _evidence = [];
    }
}
