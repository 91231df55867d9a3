namespace OomWarden.Linux.Interop.Process;

/// <summary>Linux signal numbers (x86_64 / arm64 share these) and their names.</summary>
public static class Signals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGABRT = 6;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGUSR2 = 12;
    public const int SIGTERM = 15;
    public const int SIGCONT = 18;
    public const int SIGSTOP = 19;

    public static string Name(int signal) => signal switch
    {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGQUIT => "SIGQUIT",
        SIGABRT => "SIGABRT",
        SIGKILL => "SIGKILL",
        SIGUSR1 => "SIGUSR1",
        SIGUSR2 => "SIGUSR2",
        SIGTERM => "SIGTERM",
        SIGCONT => "SIGCONT",
        SIGSTOP => "SIGSTOP",
        _ => "SIG" + signal.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
