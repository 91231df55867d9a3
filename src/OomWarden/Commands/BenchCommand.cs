using OomWarden.Core.Decisions;
using System.Diagnostics;
using System.Globalization;
using OomWarden.Configuration;
using OomWarden.Core.Model;
using OomWarden.Daemon;
using OomWarden.Linux;
using OomWarden.Linux.Readers;

namespace OomWarden.Commands;

/// <summary><c>oomwarden bench poll|tick</c>: micro-benchmarks of the monitoring path, measured in the binary
/// that ships (NativeAOT). Prints one <c>key=value</c> line that bench/run-all.sh parses; the C reference
/// (bench/poll/poll.c) prints the same line for <c>poll</c>.</summary>
public static class BenchCommand
{
    private const string Help = """
        usage: oomwarden bench poll|tick [--iterations N] [--batches N] [--proc-root DIR] [--sys-root DIR]

          poll              N reads of /proc/meminfo and /proc/pressure/memory with the daemon's readers
                            (opened once, pread at offset 0, parsed); prints ns per poll, the median of the
                            batches, and bytes allocated per poll
          tick              N calls of the daemon's monitoring tick (every domain read and the engine
                            stepped, with the limited cgroups a rescan finds) after a warm-up; prints bytes allocated per tick and ns per tick
          --iterations N    per batch (default 2000 for poll, 1000 for tick)
          --batches N       batches; the median batch is reported (default 9)
          --proc-root DIR   read /proc from DIR (a fixture tree)
          --sys-root DIR    read /sys from DIR

        Output: one line "poll ns_per_op=... min_ns=... max_ns=... alloc_bytes_per_op=... iterations=... batches=..."
        (or "tick ..."). Exit codes: 0 ok, 64 usage, 71 the files cannot be read.
        """;

    private static readonly CliOption Iterations = CliOption.WithValue("--iterations");
    private static readonly CliOption Batches = CliOption.WithValue("--batches");
    private static readonly CliOption[] Options = [Iterations, Batches, LiveOptions.ProcRootOption, LiveOptions.SysRootOption];

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (!ArgReader.TryParse("bench", args, Options, Help, stdout, stderr, out var parsed, out int exit)) return exit;
        int iterations = 0, batches = 9;
        if (parsed.Value(Iterations.Name) is { } it && !TryPositive(it, Iterations.Name, stderr, out iterations)) return ExitCodes.Usage;
        if (parsed.Value(Batches.Name) is { } b && !TryPositive(b, Batches.Name, stderr, out batches)) return ExitCodes.Usage;
        string? procRoot = parsed.Value(LiveOptions.ProcRootOption.Name), sysRoot = parsed.Value(LiveOptions.SysRootOption.Name);
        if (parsed.Positionals.Count != 1 || parsed.Positionals[0] is not ("poll" or "tick"))
            return ArgReader.UsageError("bench", "say what to measure: poll or tick", Help, stderr);
        string mode = parsed.Positionals[0];
        var paths = new HostPaths(procRoot ?? HostPaths.Default.ProcRoot, sysRoot ?? HostPaths.Default.SysRoot);
        try
        {
            return mode == "poll"
                ? Poll(paths, iterations > 0 ? iterations : 2000, batches, stdout, stderr)
                : Tick(paths, iterations > 0 ? iterations : 1000, batches, stdout, stderr);
        }
        catch (IOException e)
        {
            stderr.WriteLine($"oomwarden bench {mode}: {OsErrors.Describe(e)}");
            return ExitCodes.OsError;
        }
    }

    private static int Poll(HostPaths paths, int iterations, int batches, TextWriter stdout, TextWriter stderr)
    {
        using var meminfo = new MeminfoReader(paths);
        using var pressure = PressureReader.ForSystem(paths);
        if (!pressure.IsSupported) stderr.WriteLine($"oomwarden bench poll: {pressure.UnsupportedReason}; timing meminfo alone");
        long sink = 0;
        bool ok = true;
        // One poll: exactly what the daemon does per tick for the system domain, plus the PSI file.
        void OnePoll()
        {
            ok &= meminfo.TryRead(out MemoryInfo mem);
            sink += mem.MemAvailableBytes + mem.SwapFreeBytes;
            if (pressure.IsSupported)
            {
                ok &= pressure.TryRead(out PressureStats psi);
                sink += (long)(psi.Some.Avg10 * 100) + (long)(psi.Full.Avg10 * 100);
            }
        }
        var result = Measure(OnePoll, iterations, batches);
        if (!ok)
        {
            stderr.WriteLine($"oomwarden bench poll: a read failed: {meminfo.LastError ?? pressure.LastError}");
            return ExitCodes.OsError;
        }
        Print(stdout, "poll", result, iterations, batches, sink);
        return ExitCodes.Ok;
    }

    private static int Tick(HostPaths paths, int iterations, int batches, TextWriter stdout, TextWriter stderr)
    {
        // Built by the composition root that `run` uses (built-in defaults), minus signals and the journal; dry
        // run, so that a host near its levels is never acted on by a benchmark.
        var config = ConfigLoader.Default();
        config = config with { Settings = config.Settings with { Action = config.Settings.Action with { DryRun = true } } };
        DaemonRuntime daemon;
        try
        {
            daemon = DaemonRuntime.Build(config, paths, TimeProvider.System, "bench");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"oomwarden bench tick: cannot read the host: {OsErrors.Describe(e)}");
            return ExitCodes.OsError;
        }
        using var scope = daemon;
        daemon.Runner.Rescan();
        long sink = 0;
        // One tick: every domain read and the engine stepped. Decisions the engine asks for (a small cgroup sits in
        // its prepare band) are not taken here: selection is measured by bench/selector.
        void OneTick()
        {
            daemon.Domains.ReadAll();
            daemon.Engine.Step();
            sink += daemon.Domains.MinDistanceBytes;
        }
        var result = Measure(OneTick, iterations, batches);
        Print(stdout, "tick", result, iterations, batches, sink, $" cgroups={daemon.Domains.Cgroups.Length}");
        return ExitCodes.Ok;
    }

    private readonly record struct Result(double MedianNs, double MinNs, double MaxNs, double AllocatedBytesPerOp);

    /// <summary>A warm-up batch (buffers grow, code paths run once), then <paramref name="batches"/> timed batches;
    /// allocation is the per-thread delta over all timed batches.</summary>
    private static Result Measure(Action op, int iterations, int batches)
    {
        for (int i = 0; i < Math.Max(100, iterations / 10); i++) op();
        var perOp = new double[batches];
        long allocated = 0;
        for (int b = 0; b < batches; b++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < iterations; i++) op();
            long t1 = Stopwatch.GetTimestamp();
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            perOp[b] = (t1 - t0) * (1e9 / Stopwatch.Frequency) / iterations;
        }
        Array.Sort(perOp);
        return new Result(perOp[batches / 2], perOp[0], perOp[^1], (double)allocated / ((long)iterations * batches));
    }

    private static void Print(TextWriter stdout, string what, Result r, int iterations, int batches, long sink, string extra = "")
    {
        var c = CultureInfo.InvariantCulture;
        stdout.WriteLine(string.Create(c,
            $"{what} ns_per_op={r.MedianNs:0.0} min_ns={r.MinNs:0.0} max_ns={r.MaxNs:0.0} alloc_bytes_per_op={r.AllocatedBytesPerOp:0.###} iterations={iterations} batches={batches}{extra} sink={sink & 0xff}"));
    }

    private static bool TryPositive(string text, string option, TextWriter stderr, out int value)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0) return true;
        stderr.WriteLine($"oomwarden bench: {option} needs a positive integer, not '{text}'");
        return false;
    }
}
