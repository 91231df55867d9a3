namespace OomWarden.Daemon;

/// <summary>Reader failures the monitoring tick meets (an unreadable or malformed meminfo, a cgroup file that
/// errs while the cgroup still exists): each is counted; the first of an episode is logged with the file and
/// the OS's reason and journaled as a <c>read_failed</c> event; the next good read of that file ends the
/// episode (logged too). Without this an unreadable meminfo would silently read as "no pressure".
/// The success path allocates nothing.</summary>
public sealed class ReadFailureReporter : IReadFailures
{
    private readonly Dictionary<string, long> _failing = new(StringComparer.Ordinal);
    private readonly Action<string> _log;
    private readonly EventJournal? _journal;
    private readonly TimeProvider _time;

    public ReadFailureReporter(Action<string> log, EventJournal? journal, TimeProvider time)
    {
        _log = log;
        _journal = journal;
        _time = time;
    }

    /// <summary>Failed reads since start.</summary>
    public long Failures { get; private set; }

    /// <summary>Sources in a failure episode now.</summary>
    public int FailingCount => _failing.Count;

    /// <param name="source">What failed, stable across ticks (a file path or a cgroup path).</param>
    /// <param name="error">The reader's LastError ("read /proc/meminfo: errno 5 (Input/output error)").</param>
    /// <param name="domain">"system", a cgroup path or "node N".</param>
    public void Failed(string source, string? error, string domain)
    {
        Failures++;
        if (_failing.TryGetValue(source, out long n))
        {
            _failing[source] = n + 1;
            return;
        }
        _failing[source] = 1;
        string reason = error ?? "read failed";
        _log($"cannot read {source}: {reason}; domain {domain} is not evaluated while it fails (counted; logged again when it reads again)");
        _journal?.Append(new KillEvent { Event = "read_failed", Time = _time.GetUtcNow(), Domain = domain, Message = reason }, sync: false);
    }

    public void Succeeded(string source)
    {
        if (_failing.Count == 0) return;
        if (_failing.Remove(source, out long n)) _log($"{source} reads again after {n} failed read(s)");
    }

    /// <summary>The source is gone (a removed cgroup): its episode ends without a message.</summary>
    public void Forget(string source)
    {
        if (_failing.Count != 0) _failing.Remove(source);
    }
}
