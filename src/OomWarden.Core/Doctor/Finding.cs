namespace OomWarden.Core.Doctor;

/// <summary>How a check came out: <see cref="Ok"/> and <see cref="Note"/> leave <c>doctor</c>'s exit code at 0,
/// a <see cref="Warning"/> makes it 1.</summary>
public enum FindingStatus
{
    Ok,
    Note,
    Warning,
}

/// <summary>One check's result: what was seen, why it matters, and what to do about it.</summary>
/// <param name="Check">A stable name ("cgroup", "psi", "memlock", ...): the JSON field <c>check</c>.</param>
/// <param name="Summary">One line with the figures seen.</param>
/// <param name="Why">What it means for OOM handling; null for a plain ok.</param>
/// <param name="Fix">The command or setting that changes it; null when there is nothing to do.</param>
public sealed record Finding(string Check, FindingStatus Status, string Summary, string? Why = null, string? Fix = null)
{
    public static Finding Ok(string check, string summary, string? why = null) => new(check, FindingStatus.Ok, summary, why);

    public static Finding Note(string check, string summary, string why, string? fix = null) => new(check, FindingStatus.Note, summary, why, fix);

    public static Finding Warn(string check, string summary, string why, string fix) => new(check, FindingStatus.Warning, summary, why, fix);
}
