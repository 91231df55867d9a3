using OomWarden.Core.Levels;

namespace OomWarden.Daemon;

/// <summary>Where the engine's cooperative release requests go (the own socket's subscribers).</summary>
public interface IReleaseChannel
{
    /// <summary>Picks the domain's next subscriber (lowest policy priority first, none of
    /// <see cref="ReleaseRequest.AlreadyAsked"/>), measures it and the domain, and sends it the request. False when
    /// nobody is left to ask. Never blocks.</summary>
    bool TryAsk(ReleaseRequest request);

    /// <summary>At the deadline: measures the subscriber and the domain again.</summary>
    void Measure(ReleaseRequest request);
}
