using System.Diagnostics;

namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>Runs short commands and collects their output; for test set-up, never for the daemon's path.</summary>
public static class Sh
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, bool TimedOut);

    public static Result Run(string file, IEnumerable<string> args, TimeSpan timeout, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (stdin is not null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        bool exited = p.WaitForExit(timeout);
        if (!exited)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
        }
        return new Result(exited ? p.ExitCode : -1, stdout.Result, stderr.Result, !exited);
    }

    public static bool IsRoot => Environment.UserName == "root" || geteuid() == 0;

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
