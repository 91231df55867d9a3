using OomWarden.Core.Detection;
using OomWarden.Core.Model;
using OomWarden.Core.Settings;

namespace OomWarden.Core.Engine;

/// <summary>The whole machine: MemAvailable (and SwapFree) against the [system] levels. Every kill frees memory here.</summary>
public sealed class SystemDomain : WatchedDomain
{
    private readonly SystemThresholds _thresholds;
    private readonly long _prepareMarginBytes;

    public SystemDomain(SystemThresholds thresholds, long prepareMarginBytes) : base(Model.Domain.System)
    {
        _thresholds = thresholds;
        _prepareMarginBytes = prepareMarginBytes;
    }

    public MemoryInfo Memory { get; private set; }

    public override long AvailableBytes => Memory.MemAvailableBytes;

    public override long TotalBytes => Memory.MemTotalBytes;

    public override long TermAvailableBytes => _thresholds.MemAvailableTerm.ToBytes(Memory.MemTotalBytes);

    public override int Specificity => 0;

    public void Update(in MemoryInfo memory)
    {
        Memory = memory;
        Reading = SystemEvaluator.Evaluate(memory, _thresholds, _prepareMarginBytes);
        HasFigures = true;
    }

    public override bool Covers(in KillTarget target) => true;

    public override string Describe() => SystemEvaluator.Describe(Memory, _thresholds, Level);
}
