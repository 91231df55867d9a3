using System.Diagnostics;

namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>Waiting for a condition a test cannot be told about (a file's content, a process's state).</summary>
public static class Poll
{
    /// <summary>True as soon as <paramref name="condition"/> holds (checked every <paramref name="every"/>, 20 ms by
    /// default); false after <paramref name="timeout"/> without it.</summary>
    public static bool Until(Func<bool> condition, TimeSpan timeout, TimeSpan? every = null)
    {
        var pause = every ?? TimeSpan.FromMilliseconds(20);
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout) return false;
            Thread.Sleep(pause);
        }
        return true;
    }
}
