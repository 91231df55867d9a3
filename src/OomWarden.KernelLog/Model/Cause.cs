namespace OomWarden.KernelLog.Model;

/// <summary>One cause found by the diagnosis: a stable code, a one-line finding, the report lines it rests on, and what to do.</summary>
public sealed class Cause
{
    public Cause(string code, string finding, IReadOnlyList<string> evidence, string remedy)
    {
        Code = code;
        Finding = finding;
        Evidence = evidence;
        Remedy = remedy;
    }

    public string Code { get; }
    public string Finding { get; }
    public IReadOnlyList<string> Evidence { get; }
    public string Remedy { get; }
}
