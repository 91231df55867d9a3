using System.Text;
using OomWarden.Core.Policy;
using OomWarden.Daemon;

namespace OomWarden.Tests.Daemon;

public sealed class JournalRecoveryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);

    private static string Signal(string id, int pid, string time = "2026-12-01T09:59:58.000Z") =>
        $$"""{"event":"signal","time":"{{time}}","signal_id":"{{id}}","pid":{{pid}},"start_time":4242,"comm":"slow","cgroup":"/a","domain":"/a","signal":"SIGTERM","reason":"headroom 17 MiB <= term level","victim":"process","rule":"default","footprint_bytes":500000000,"grace_ms":4000}""";

    [Fact]
    public void A_signal_record_with_nothing_after_it_is_unfinished()
    {
        string journal = string.Join('\n',
            """{"event":"start","time":"2026-12-01T09:59:00.000Z","message":"x"}""",
            Signal("1-1", 10),
            Signal("1-2", 20),
            """{"event":"kill","time":"2026-12-01T09:59:59.000Z","signal_id":"1-2","pid":20,"signal":"SIGTERM"}""",
            "") ;
        var s = Assert.Single(JournalRecovery.Parse(Encoding.UTF8.GetBytes(journal), Now));
        Assert.Equal("1-1", s.SignalId);
        Assert.Equal(10, s.Pid);
        Assert.Equal(4242UL, s.StartTimeTicks);
        Assert.Equal(Signals.SigTerm, s.Signal);
        Assert.Equal("/a", s.Domain);
        Assert.Equal("slow", s.Comm);
        Assert.Equal(TimeSpan.FromSeconds(4), s.Grace);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 9, 59, 58, TimeSpan.Zero), s.Time);
    }

    [Theory]
    [InlineData("""{"event":"vanished","time":"2026-12-01T09:59:59.000Z","signal_id":"1-1"}""")]
    [InlineData("""{"event":"recovered","time":"2026-12-01T09:59:59.000Z","signal_id":"1-1","result":"gone"}""")]
    [InlineData("""{"event":"recovered","time":"2026-12-01T09:59:59.000Z","signal_id":"1-1","result":"left_alone"}""")]
    public void Records_that_close_a_signal(string closing)
    {
        string journal = Signal("1-1", 10) + "\n" + closing + "\n";
        Assert.Empty(JournalRecovery.Parse(Encoding.UTF8.GetBytes(journal), Now));
    }

    [Fact]
    public void A_recovery_still_finishing_leaves_the_signal_open_for_the_next_instance()
    {
        string journal = Signal("1-1", 10) + "\n"
            + """{"event":"recovered","time":"2026-12-01T09:59:59.000Z","signal_id":"1-1","result":"finishing"}""" + "\n";
        Assert.Single(JournalRecovery.Parse(Encoding.UTF8.GetBytes(journal), Now));
    }

    [Fact]
    public void Old_signals_cut_lines_and_garbage_are_ignored()
    {
        string journal = "t_id\":\"0-9\",\"pid\":9}\n"                         // the tail starts mid-line
            + Signal("0-1", 5, time: "2026-12-01T09:00:00.000Z") + "\n"      // an hour old
            + "{\"event\":\"signal\",\"signal_id\":\"x\",\"pid\":1\n"           // cut short by a crash
            + "not json\n"
            + Signal("1-1", 10);                                              // no final newline
        var s = Assert.Single(JournalRecovery.Parse(Encoding.UTF8.GetBytes(journal), Now));
        Assert.Equal("1-1", s.SignalId);
    }

    [Fact]
    public void A_missing_journal_has_nothing_to_recover()
        => Assert.Empty(JournalRecovery.ReadUnfinished("/nonexistent/oomwarden/events.jsonl", Now));
}
