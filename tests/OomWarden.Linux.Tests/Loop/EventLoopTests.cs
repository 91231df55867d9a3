using System.Diagnostics;
using OomWarden.Core.Engine;
using OomWarden.Core.Policy;
using OomWarden.Linux.Actions;
using OomWarden.Linux.Interop.Process;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Parsing;
using OomWarden.Linux.Processes;

namespace OomWarden.Linux.Tests.Loop;

/// <summary>The loop and victim pidfds on real descriptors and real child processes.</summary>
public sealed class EventLoopTests
{
    private sealed class Counter : IReadyHandler
    {
        public int Calls;
        public int Fd = -1;

        public void OnReady(uint events)
        {
            Calls++;
            if (Fd >= 0) EventFd.Drain(Fd);
        }
    }

    [Fact]
    public void A_signalled_eventfd_calls_its_handler_and_a_quiet_loop_times_out()
    {
        using var loop = new EventLoop();
        Assert.True(EventFd.TryCreate(out int fd, out _));
        try
        {
            var h = new Counter { Fd = fd };
            Assert.True(loop.TryRegister(fd, Epoll.EpollIn, h, out ulong token, out _));
            var sw = Stopwatch.StartNew();
            Assert.True(loop.RunOnce(TimeSpan.FromMilliseconds(50)));
            Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(40));
            Assert.Equal(0, h.Calls);
            RawFile.TryWrite(fd, BitConverter.GetBytes(1UL), out _);
            Assert.True(loop.RunOnce(TimeSpan.FromSeconds(5)));
            Assert.Equal(1, h.Calls);
            loop.Unregister(fd, token);
            RawFile.TryWrite(fd, BitConverter.GetBytes(1UL), out _);
            Assert.True(loop.RunOnce(TimeSpan.FromMilliseconds(10)));
            Assert.Equal(1, h.Calls);
        }
        finally
        {
            EventFd.Close(fd);
        }
    }

    [Fact]
    public void A_stop_request_ends_the_wait_at_once()
    {
        using var loop = new EventLoop();
        loop.RequestStop();
        var sw = Stopwatch.StartNew();
        Assert.False(loop.RunOnce(TimeSpan.FromSeconds(30)));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void A_victims_exit_arrives_through_the_loop_without_anyone_waiting_for_it()
    {
        var reader = new ProcessReader(HostPaths.Default, CgroupVersion.None);
        using var loop = new EventLoop();
        using var victims = new VictimPidfds(loop, reader.TryReadIdentity);
        using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "trap '' TERM; echo ready; while :; do sleep 1; done"]) { RedirectStandardOutput = true })!;
        Assert.Equal("ready", p.StandardOutput.ReadLine());
        Assert.True(reader.TryReadIdentity(p.Id, out ulong start));
        Assert.False(victims.TryOpen(1, p.Id, start + 1, () => { }));  // another start time: another process

        int exits = 0;
        Assert.True(victims.TryOpen(1, p.Id, start, () => exits++));
        Assert.Equal(SignalResult.Sent, victims.Signal(1, Signals.SigTerm, out _));
        Assert.True(loop.RunOnce(TimeSpan.FromMilliseconds(200)));
        Assert.Equal(0, exits);  // it ignores SIGTERM
        Assert.Equal(SignalResult.Sent, victims.Signal(1, Signals.SigKill, out _));
        var sw = Stopwatch.StartNew();
        while (exits == 0 && sw.Elapsed < TimeSpan.FromSeconds(5)) loop.RunOnce(TimeSpan.FromSeconds(1));
        Assert.Equal(1, exits);
        loop.RunOnce(TimeSpan.FromMilliseconds(20));
        Assert.Equal(1, exits);  // reported once
        victims.Close(1);
        Assert.Equal(0, victims.Count);
        Assert.Equal(0, loop.Count);
        Assert.True(p.WaitForExit(5000));
        Assert.Equal(137, p.ExitCode);
    }
}
