namespace OomWarden.Linux.Tests;

internal static class Allocation
{
    /// <summary>Bytes allocated on this thread by <paramref name="iterations"/> calls of <paramref name="action"/>,
    /// after 10 warm-up calls.</summary>
    public static long Measure(int iterations, Action action)
    {
        for (int i = 0; i < 10; i++) action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < iterations; i++) action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
