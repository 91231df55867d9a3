namespace OomWarden.Linux.Parsing;

/// <summary>v1 memory.oom_control. <see cref="OomKill"/> exists since 4.13 (0 before).</summary>
public readonly record struct OomControl(bool OomKillDisable, bool UnderOom, long OomKill);
