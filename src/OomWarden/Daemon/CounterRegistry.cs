using OomWarden.Core.Engine;

namespace OomWarden.Daemon;

/// <summary>The daemon's <see cref="ICounterSource"/>s: a part that keeps counters adds itself once at start
/// (<c>runtime.Counters.Add(source)</c>); status and the metrics collect them all and render each sample by its
/// name, help and labels, without knowing what it counts. Collecting allocates and is never done per tick.</summary>
public sealed class CounterRegistry
{
    private ICounterSource[] _sources = [];

    public void Add(ICounterSource source)
    {
        lock (this) _sources = [.. _sources, source];
    }

    public int Count => Volatile.Read(ref _sources).Length;

    /// <summary>Every sample of every source, in registration order.</summary>
    public List<CounterSample> Collect()
    {
        var all = new List<CounterSample>();
        foreach (var s in Volatile.Read(ref _sources)) s.Collect(all);
        return all;
    }
}
