using System.Collections.Concurrent;
using System.Diagnostics;

namespace OomWarden.Integration.Tests.Infrastructure;

/// <summary>A helper process (dbus-daemon, a python D-Bus client) whose stdout lines a test waits for; stderr is kept
/// for failure messages. Killed (its whole tree) on dispose.</summary>
public sealed class LineProcess : IDisposable
{
    private readonly Process _process;
    private readonly BlockingCollection<string> _lines = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private LineProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Add(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _stderr.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static LineProcess Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        }
        return new LineProcess(Process.Start(psi)!);
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stderr => string.Join('\n', _stderr);

    /// <summary>The next stdout line matching <paramref name="match"/> (lines before it are consumed), or null at the timeout.</summary>
    public string? WaitLine(Func<string, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !_lines.TryTake(out var line, left)) return null;
            if (match(line)) return line;
        }
    }

    /// <summary>The next stdout line, or null at the timeout.</summary>
    public string? NextLine(TimeSpan timeout) => WaitLine(_ => true, timeout);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
