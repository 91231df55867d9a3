namespace OomWarden.Core.Engine;

/// <summary>Hands every event to every subscriber, in subscription order, on the publisher's thread (the loop,
/// or the kernel-log follower for <see cref="KernelKill"/>). Synchronous on purpose: when <see cref="Publish"/>
/// returns for a <see cref="Signalling"/> event, the journal has written and fsync'd its record.</summary>
public sealed class EventBus : IEventSink
{
    private IEventSink[] _sinks = [];

    public void Subscribe(IEventSink sink)
    {
        lock (this) _sinks = [.. _sinks, sink];
    }

    public void Publish(EngineEvent e)
    {
        foreach (var s in Volatile.Read(ref _sinks)) s.Publish(e);
    }
}
