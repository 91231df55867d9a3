using OomWarden.Core.Levels;

namespace OomWarden.Core.Engine;

/// <summary>A subscriber was asked to release memory (the own socket's <c>release</c> event went out).</summary>
public sealed record ReleaseAsked(DateTimeOffset Time, ReleaseRequest Request) : EngineEvent(Time);

/// <summary>A release request's deadline: what oomwarden measured. The journal's <c>release</c> record.</summary>
public sealed record ReleaseMeasured(DateTimeOffset Time, ReleaseRequest Request, bool StillShort) : EngineEvent(Time);
