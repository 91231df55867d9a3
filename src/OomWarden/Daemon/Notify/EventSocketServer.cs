using System.Net.Sockets;
using OomWarden.Core.Engine;
using OomWarden.Core.Levels;
using OomWarden.Core.Policy;
using OomWarden.Linux.Loop;
using OomWarden.Linux.Notify;
using OomWarden.Linux.Processes;

namespace OomWarden.Daemon.Notify;

/// <summary>oomwarden's own socket ([notify] socket): newline-delimited JSON over AF_UNIX stream. On connect a client
/// gets the current level of each domain its process lives in (SO_PEERCRED pid → its cgroup); then <c>level</c>
/// events of those domains, <c>kill</c> and <c>kernel_kill</c> events there, and <c>release</c> requests at medium
/// (it is also this daemon's <see cref="IReleaseChannel"/>). Root may subscribe to any domains instead. Sends never
/// block: each client has a bounded queue, and what does not fit is dropped and counted.</summary>
public sealed class EventSocketServer : ClientSocketServer, IEventSink, ICounterSource, IReleaseChannel
{
    private OomEngine _engine;
    private CompiledPolicy _policy;
    private readonly bool _dryRun;

    private sealed class ClientState(Peer peer)
    {
        public Peer Peer { get; } = peer;

        /// <summary>Domain names chosen by a root client; null: the domains its process lives in.</summary>
        public HashSet<string>? Subscribed { get; set; }
    }

    public EventSocketServer(Socket listener, string path, EventLoop loop, OomEngine engine, ProcessReader processes, CompiledPolicy policy, bool dryRun)
        : base(listener, path, loop, processes)
    {
        _engine = engine;
        _policy = policy;
        _dryRun = dryRun;
    }

    /// <summary>After a reload: the new engine (same state) and the new policy, for priorities of later releases.</summary>
    public void Rebind(OomEngine engine, CompiledPolicy policy)
    {
        _engine = engine;
        _policy = policy;
    }

    public static EventSocketServer? TryStart(string path, EventLoop loop, OomEngine engine, ProcessReader processes, CompiledPolicy policy, bool dryRun, out string? error)
    {
        var socket = UnixListener.TryListen(path, out error);
        if (socket is null) return null;
        var server = new EventSocketServer(socket, path, loop, engine, processes, policy, dryRun);
        return server.TryRegister(out error) ? server : null;
    }

    protected override Connection Open(Socket accepted, int pid, int uid, Peer peer) =>
        new(accepted, pid, uid, Loop, OnLine, OnClosed, lines: true, Gate) { State = new ClientState(peer) };

    protected override void Welcome(Connection c) => SendCurrent(c);

    private static ClientState StateOf(Connection c) => (ClientState)c.State!;

    private static bool Hears(Connection c, WatchedDomain d)
    {
        var s = StateOf(c);
        return s.Subscribed is { } names ? names.Contains(d.Name) : s.Peer.LivesIn(d);
    }

    private void SendCurrent(Connection c)
    {
        var now = DateTimeOffset.UtcNow;
        foreach (var d in _engine.Domains)
        {
            if (!Hears(c, d)) continue;
            var level = _engine.WarningOf(d.Name);
            Send(c, NotifyJson.Level(d, level, level, now, d.AvailableBytes, repeat: false, current: true));
        }
    }

    private void Send(Connection c, byte[] message)
    {
        if (!c.Send(message)) DroppedCount++;
    }

    private void OnLine(Connection c, ReadOnlyMemory<byte> line)
    {
        var span = line.Span.TrimEnd("\r"u8);
        if (span.IsEmpty) return;
        if (!NotifyJson.TryParseRequest(span, out var subscribe, out long? released, out string? error))
        {
            Send(c, NotifyJson.Error(error!));
            return;
        }
        if (subscribe is not null)
        {
            if (c.Uid != 0)
            {
                Send(c, NotifyJson.Error("only root may subscribe to other domains; a client hears the domains its process lives in"));
                return;
            }
            StateOf(c).Subscribed = new HashSet<string>(subscribe, StringComparer.Ordinal);
            Send(c, NotifyJson.Subscribed(subscribe));
            SendCurrent(c);
            return;
        }
        if (released is long id && _pending.TryGetValue(id, out var request) && request.Subscriber == c) request.Answered = true;
    }

    private readonly Dictionary<long, ReleaseRequest> _pending = [];

    public void Publish(EngineEvent e)
    {
        switch (e)
        {
            case WarningChanged w:
                Broadcast(w.Domain, () => NotifyJson.Level(w.Domain, w.To, w.From, w.Time, w.AvailableBytes, w.IsRepeat, current: false));
                break;
            case Judged j:
                Broadcast(j.Kill.Domain, () => NotifyJson.Kill(j.Kill, j.Time, j.FreedBytes, dryRun: false));
                break;
            case WouldKill k:
                Broadcast(k.Kill.Domain, () => NotifyJson.Kill(k.Kill, k.Time, null, dryRun: true));
                break;
            case KernelKill k:
                var domain = _engine.FindDomain(k.Domain) ?? _engine.FindDomain("system");
                if (domain is not null) Broadcast(domain, () => NotifyJson.KernelKill(k));
                break;
        }
    }

    /// <summary>Encodes once, for the clients that hear <paramref name="d"/>; called from the loop or the kernel-log thread.</summary>
    private void Broadcast(WatchedDomain d, Func<byte[]> encode)
    {
        lock (Gate)
        {
            byte[]? message = null;
            foreach (var c in Clients.ToArray())
            {
                if (!Hears(c, d)) continue;
                Send(c, message ??= encode());
            }
        }
    }

    public bool TryAsk(ReleaseRequest request)
    {
        lock (Gate)
        {
            Connection? best = null;
            ProcessSampleSummary bestSummary = default;
            foreach (var c in Clients)
            {
                if (c.Closed || !Hears(c, request.Domain) || WasAsked(request.AlreadyAsked, c.Pid)) continue;
                if (!TryMeasure(c, out var summary)) continue;
                if (best is null || summary.Priority < bestSummary.Priority
                    || (summary.Priority == bestSummary.Priority && summary.FootprintBytes > bestSummary.FootprintBytes))
                {
                    best = c;
                    bestSummary = summary;
                }
            }
            if (best is null) return false;
            request.Pid = best.Pid;
            request.Cgroup = StateOf(best).Peer.Cgroup;
            request.Priority = bestSummary.Priority;
            request.SubscriberBytesBefore = bestSummary.FootprintBytes;
            request.DomainAvailableBefore = request.Domain.AvailableBytes;
            request.Subscriber = best;
            _pending[request.Id] = request;
            Send(best, NotifyJson.Release(request));
            return true;
        }
    }

    public void Measure(ReleaseRequest request)
    {
        lock (Gate)
        {
            _pending.Remove(request.Id);
            request.DomainAvailableAfter = request.Domain.AvailableBytes;
            if (request.Subscriber is Connection c && TryMeasure(c, out var summary)) request.SubscriberBytesAfter = summary.FootprintBytes;
            else
            {
                request.Gone = true;
                request.SubscriberBytesAfter = 0;
            }
        }
    }

    private readonly record struct ProcessSampleSummary(int Priority, long FootprintBytes);

    /// <summary>The subscriber's process now, if it is still the one that connected (same start time): its policy
    /// priority (as the selector sees it) and footprint.</summary>
    private bool TryMeasure(Connection c, out ProcessSampleSummary summary)
    {
        summary = default;
        var peer = StateOf(c).Peer;
        if (!Processes.TryRead(peer.Pid, ProcessReadOptions.Default, out var sample) || sample.StartTimeTicks != peer.StartTimeTicks) return false;
        summary = new ProcessSampleSummary(_policy.Evaluate(sample).Priority, sample.FootprintBytes);
        return true;
    }

    public void Collect(List<CounterSample> into)
    {
        lock (Gate)
        {
            KeyValuePair<string, string>[] labels = [new("socket", "events")];
            CollectCommon(into, labels);
        }
    }

    private static bool WasAsked(IReadOnlyList<int> asked, int pid)
    {
        foreach (int p in asked)
            if (p == pid) return true;
        return false;
    }
}
