namespace OomWarden.Core.Engine;

/// <summary>One counter or gauge the daemon keeps, as <c>status</c> and the Prometheus metrics show it.</summary>
/// <param name="Name">Prometheus-style, units in the name: <c>oomwarden_kernel_kills_total</c>.</param>
/// <param name="Labels">Label pairs (<c>domain</c>, <c>kind</c>, ...), empty when none.</param>
public readonly record struct CounterSample(string Name, string Help, long Value, IReadOnlyList<KeyValuePair<string, string>> Labels);

/// <summary>A part of the daemon that keeps counters (kernel kills, warnings, released bytes): status and metrics
/// collect every registered source; collecting allocates and is never done per tick.</summary>
public interface ICounterSource
{
    void Collect(List<CounterSample> into);
}
