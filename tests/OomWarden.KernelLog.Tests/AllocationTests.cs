using System.Text;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>The follower feeds every kernel record through the reader: lines that are not OOM text must cost no allocation.</summary>
public class AllocationTests
{
    [Fact]
    public void Non_oom_records_allocate_nothing_after_warm_up()
    {
        int reports = 0;
        var reader = new OomLogReader(_ => reports++);
        var records = new[]
        {
            "6,1001,394158309,-;EXT4-fs (vda): mounted filesystem with ordered data mode. Quota mode: none.\n",
            "4,1002,394158310,-;audit: type=1400 audit(1732312000.123:42): apparmor=\"DENIED\" operation=\"open\" profile=\"snap.lxd\"\n",
            "6,1003,394158311,-;e1000e 0000:00:19.0 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: Rx/Tx\n",
            " SUBSYSTEM=virtio\n",
        }.Select(Encoding.UTF8.GetBytes).ToArray();
        for (int i = 0; i < 1000; i++) reader.Feed(records[i % records.Length]); // warm-up, and past the head lines read one by one
        // The least of three rounds: tiered JIT's promotions (OSR, call counting) may allocate a few KiB once, on
        // this thread, in whichever round they happen; an allocation per record costs >= 100,000 bytes in every round.
        long allocated = long.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100_000; i++) reader.Feed(records[i % records.Length]);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, reports);
        Assert.True(allocated < 1024, $"{allocated} bytes allocated for 100000 non-OOM records");
    }
}
