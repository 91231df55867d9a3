[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

// Integration tests share the machine (memory cgroups, VMs, the daemon's timing): one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
