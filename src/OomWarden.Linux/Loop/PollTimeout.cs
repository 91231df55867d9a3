namespace OomWarden.Linux.Loop;

/// <summary>A timeout as the milliseconds of epoll_wait/poll, rounded up (never a busy wait on 0.4 ms), at most
/// int.MaxValue. Integer arithmetic: Math.Ceiling is glibc's ceil() in the NativeAOT binary (no SSE4.1 in the
/// baseline), and a libm call on every loop iteration kept libm's pages resident (docs/DESIGN.md, "Idle footprint").</summary>
public static class PollTimeout
{
    public static int Milliseconds(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero) return 0;
        long ticks = timeout.Ticks;
        long ms = ticks / TimeSpan.TicksPerMillisecond + (ticks % TimeSpan.TicksPerMillisecond != 0 ? 1 : 0);
        return (int)Math.Min(ms, int.MaxValue);
    }
}
