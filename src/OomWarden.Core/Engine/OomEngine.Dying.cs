using OomWarden.Core.Decisions;
using OomWarden.Core.Model;
using OomWarden.Core.Policy;

namespace OomWarden.Core.Engine;

/// <summary>Victims that got our SIGKILL and may still be exiting: never a new victim.</summary>
/// <remarks>A kill judged <c>still_alive</c> (the exit wait ran out after SIGKILL, or a unit kill left survivors)
/// leaves its victim behind, still listed with the memory it is tearing down. Choosing it again frees nothing and
/// would count and journal a second kill, so the selector's view is screened (<see cref="Screen"/>): a process is
/// remembered by pid and start time (which no other process can share) for <see cref="DyingProcessMemory"/>, the
/// processes of a cgroup killed as a unit with survivors for the ladder's window (after that, what runs there is
/// stuck in the kernel, which the reader's exiting flag covers, or a restart). Kills still in flight are screened
/// the same way. Bounded: <see cref="MaxDying"/> entries, the oldest dropped first.</remarks>
public sealed partial class OomEngine
{
    /// <summary>How long a SIGKILLed process that had not exited is kept out of the selection.</summary>
    public static readonly TimeSpan DyingProcessMemory = TimeSpan.FromMinutes(10);

    public const int MaxDying = 64;

    /// <summary>The selector's view of <paramref name="view"/>'s domain without the victims we signalled that may still
    /// be exiting; <paramref name="view"/> itself when there are none.</summary>
    public IDomainView Screen(IDomainView view)
    {
        long now = _time.GetTimestamp();
        Forget(now);
        List<DyingVictim>? dying = null;
        foreach (var k in _state.InFlight)
        {
            if (k.LastSignal == 0 && k.Phase != KillPhase.KillingCgroup) continue;
            if (k.Phase == KillPhase.Pretend) continue;
            (dying ??= []).Add(Of(k, now));
        }
        if (_state.Dying.Count > 0) (dying ??= []).AddRange(_state.Dying);
        return dying is null ? view : new ScreenedDomainView(view, [.. dying]);
    }

    /// <summary>True when <paramref name="victim"/> is one we signalled that may still be exiting.</summary>
    private bool IsDying(ProcessSample victim)
    {
        foreach (var k in _state.InFlight)
            if (k.Phase != KillPhase.Pretend && (k.LastSignal != 0 || k.Phase == KillPhase.KillingCgroup) && Of(k, 0).Matches(victim)) return true;
        foreach (var d in _state.Dying)
            if (d.Matches(victim)) return true;
        return false;
    }

    /// <summary>At the judgement: a victim left alive after SIGKILL is remembered.</summary>
    private void RememberIfDying(KillInFlight k, long now)
    {
        if (k.LastSignal != Signals.SigKill || k.Result != "still_alive") return;
        Forget(now);
        if (_state.Dying.Count >= MaxDying) _state.Dying.RemoveAt(0);
        _state.Dying.Add(Of(k, now));
    }

    private void Forget(long now)
    {
        long processes = Ticks(DyingProcessMemory), units = _ladderWindow;
        _state.Dying.RemoveAll(d => now - d.Since >= (d.UnitCgroup is null ? processes : units));
    }

    private static DyingVictim Of(KillInFlight k, long now) => k.WholeCgroup
        ? new DyingVictim(0, 0, k.CgroupPath, now)
        : new DyingVictim(k.Pid, k.StartTimeTicks, null, now);
}

/// <summary>A victim we signalled that may still be exiting: a process (pid and start time), or every process of a
/// cgroup killed as a unit (<see cref="UnitCgroup"/> and below).</summary>
internal readonly record struct DyingVictim(int Pid, ulong StartTimeTicks, string? UnitCgroup, long Since)
{
    public bool Matches(ProcessSample p) => UnitCgroup is { } unit
        ? p.CgroupPath == unit || (p.CgroupPath.StartsWith(unit, StringComparison.Ordinal)
            && (unit == "/" || (p.CgroupPath.Length > unit.Length && p.CgroupPath[unit.Length] == '/')))
        : p.Pid == Pid && p.StartTimeTicks == StartTimeTicks;
}

/// <summary>A domain view without the processes of <see cref="DyingVictim"/>s.</summary>
internal sealed class ScreenedDomainView(IDomainView inner, DyingVictim[] dying) : IDomainView
{
    public Domain Domain => inner.Domain;

    public CgroupNode Root => inner.Root;

    public long DomainTotalBytes => inner.DomainTotalBytes;

    public IReadOnlyList<ProcessSample> ProcessesIn(CgroupNode cgroup)
    {
        var all = inner.ProcessesIn(cgroup);
        List<ProcessSample>? kept = null;
        for (int i = 0; i < all.Count; i++)
        {
            bool drop = false;
            foreach (var d in dying)
                if (d.Matches(all[i])) { drop = true; break; }
            if (drop && kept is null)
            {
                kept = new List<ProcessSample>(all.Count);
                for (int j = 0; j < i; j++) kept.Add(all[j]);
            }
            else if (!drop) kept?.Add(all[i]);
        }
        return kept ?? all;
    }
}
