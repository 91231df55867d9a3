namespace OomWarden.Core.Doctor;

/// <summary>Every check <c>oomwarden doctor</c> makes, in the order it prints them. Pure: facts in, findings out.</summary>
public static class DoctorChecks
{
    public static IReadOnlyList<Finding> Run(HostFacts facts)
    {
        var findings = new List<Finding>
        {
            HostChecks.CgroupVersion(facts),
            HostChecks.Pressure(facts),
            HostChecks.Swap(facts),
            HostChecks.Overcommit(facts),
            HostChecks.PanicOnOom(facts),
            HostChecks.OomKillAllocatingTask(facts),
            HostChecks.Swappiness(facts),
            HostChecks.Dirty(facts),
            ProcessChecks.OtherDaemons(facts),
            ProcessChecks.Unkillable(facts),
            ProcessChecks.UnlimitedCgroups(facts),
            ProcessChecks.Daemon(facts),
        };
        var daemon = facts.Processes.FirstOrDefault(p => p.Pid == facts.DaemonPid);
        bool mlockWanted = daemon?.CommandLine?.Split(' ').Contains("--no-mlock") != true;
        findings.AddRange(daemon is null
            ? ProtectionChecks.OfPlainProcess(facts.Protection)
            : ProtectionChecks.OfDaemon(facts.Protection, mlockWanted));
        return findings;
    }

    /// <summary>How many findings make <c>doctor</c> exit 1.</summary>
    public static int Warnings(IReadOnlyList<Finding> findings) => findings.Count(f => f.Status == FindingStatus.Warning);
}
