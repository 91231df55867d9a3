namespace OomWarden.Linux.Parsing;

/// <summary>/proc/PID/statm, in pages: size resident shared text lib(0) data dt(0).</summary>
public readonly record struct Statm(long SizePages, long ResidentPages, long SharedPages, long TextPages, long DataPages);
