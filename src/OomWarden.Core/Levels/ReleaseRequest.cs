using OomWarden.Core.Engine;

namespace OomWarden.Core.Levels;

/// <summary>One request to a subscriber to free memory (the own socket's <c>release</c> event). The engine makes it
/// and keeps its deadline; the host fills in who was asked and what it measured, before and at the deadline.</summary>
public sealed class ReleaseRequest
{
    public ReleaseRequest(long id, WatchedDomain domain, long targetBytes, TimeSpan grace)
    {
        Id = id;
        Domain = domain;
        TargetBytes = targetBytes;
        Grace = grace;
    }

    public long Id { get; }

    public WatchedDomain Domain { get; }

    /// <summary>What the domain needs back to leave medium (<c>target_bytes</c>, the journal's <c>requested_bytes</c>).</summary>
    public long TargetBytes { get; }

    /// <summary><c>release_grace</c>: the deadline, from the request.</summary>
    public TimeSpan Grace { get; }

    /// <summary>Timestamp of the deadline (set when the request went out).</summary>
    public long Deadline { get; internal set; }

    /// <summary>The subscriber asked (set by the host).</summary>
    public int Pid { get; set; }

    public string Cgroup { get; set; } = "";

    /// <summary>The subscriber's policy priority (lower is asked first).</summary>
    public int Priority { get; set; }

    /// <summary>The subscriber's footprint (rss + swap + page tables) before the request and at the deadline.</summary>
    public long SubscriberBytesBefore { get; set; }
    public long SubscriberBytesAfter { get; set; }

    /// <summary>The domain's available bytes before the request and at the deadline.</summary>
    public long DomainAvailableBefore { get; set; }
    public long DomainAvailableAfter { get; set; }

    /// <summary>The subscriber answered <c>{"event":"released","id":N}</c> before the deadline (not believed: the
    /// measurement decides; kept for the record).</summary>
    public bool Answered { get; set; }

    /// <summary>The subscriber was gone at the deadline (its footprint counts as freed).</summary>
    public bool Gone { get; set; }

    /// <summary>What oomwarden measured the subscriber to have freed (never negative).</summary>
    public long FreedBytes => Math.Max(0, SubscriberBytesBefore - SubscriberBytesAfter);

    /// <summary>What the domain gained meanwhile (negative when it kept filling).</summary>
    public long DomainFreedBytes => DomainAvailableAfter - DomainAvailableBefore;

    /// <summary>The pids already asked in this episode: the host asks someone else.</summary>
    public IReadOnlyList<int> AlreadyAsked { get; internal set; } = [];

    /// <summary>Host-side handle of the subscriber (its connection).</summary>
    public object? Subscriber { get; set; }
}

/// <summary>A domain's cooperative release while it is at medium or worse: subscribers are asked one at a time,
/// each given <c>release_grace</c>; when all were asked and measured and medium still holds, one kill per the policy
/// (<c>release_kill</c>). It ends when the domain falls below medium, or when that kill (or any kill that stands for
/// the domain) is over: the next one starts no sooner than <c>release_grace</c> later.</summary>
public sealed class ReleaseEpisode
{
    /// <summary>Timestamp before which nothing is asked (the episode after an escalation waits a release_grace).</summary>
    public long NotBefore { get; internal set; }

    /// <summary>What the subscribers measured in this episode freed, together (the escalation's reason line).</summary>
    public long FreedBytes { get; internal set; }

    /// <summary>A Select for the escalation kill is out.</summary>
    public bool EscalationPending { get; internal set; }

    /// <summary>The episode has had its kill (started, nothing to kill, or a kill already in flight answered for it):
    /// it ends once no kill stands for the domain.</summary>
    public bool Escalated { get; internal set; }

    /// <summary>Subscribers asked in this episode (by pid): each is asked once.</summary>
    public List<int> AskedPids { get; } = new(4);

    /// <summary>The request whose deadline is pending.</summary>
    public ReleaseRequest? Current { get; internal set; }

    /// <summary>A command about the current request is out (no second one until the host answers).</summary>
    public bool CommandPending { get; internal set; }

    /// <summary>Every subscriber was asked (or there is none): nothing more to ask until the episode ends.</summary>
    public bool Exhausted { get; internal set; }
}
