namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>kill(2) by pid, for processes the test started itself (hogs, the daemon under test).</summary>
public static class Signals
{
    public const int Hup = 1, Kill = 9, Term = 15, Cont = 18, Stop = 19;

    /// <summary>0 when sent; -1 (errno left) when not, for instance because the process is gone.</summary>
    public static int Send(int pid, int signal) => kill(pid, signal);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
