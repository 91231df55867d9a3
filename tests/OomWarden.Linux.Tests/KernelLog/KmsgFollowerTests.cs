using System.Text;
using OomWarden.Linux.KernelLog;
using OomWarden.KernelLog.Model;

namespace OomWarden.Linux.Tests.KernelLog;

/// <summary>The follower on a plain file standing in for /dev/kmsg: starts at the end, reports what is appended.</summary>
public class KmsgFollowerTests
{
    [Fact]
    public void Reports_only_events_appended_after_it_started()
    {
        string path = Path.Combine(Path.GetTempPath(), $"oomwarden-kmsg-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        var kmsg = File.ReadAllLines(Path.Combine(Fixtures.Dir("oom-reports"), "k6.18-memcg-v1.kmsg.log"));
        int second = kmsg.Select((l, i) => (l, i)).Where(x => x.l.Contains("invoked oom-killer", StringComparison.Ordinal)).Skip(1).First().i;
        File.WriteAllLines(path, kmsg[..second]); // the first event is history: must not be reported
        try
        {
            Assert.True(KmsgFollower.TryOpen(path, out var follower, out int errno, TimeSpan.FromMilliseconds(200)), $"errno {errno}");
            using (follower)
            {
                var got = new List<OomReport>();
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                cts.CancelAfter(TimeSpan.FromSeconds(20));
                var writer = new Thread(() =>
                {
                    Thread.Sleep(300);
                    using var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                    foreach (var line in kmsg[second..])
                    {
                        var bytes = Encoding.UTF8.GetBytes(line + "\n");
                        f.Write(bytes);
                        f.Flush();
                    }
                });
                writer.Start();
                foreach (var r in follower!.Follow(cts.Token))
                {
                    got.Add(r);
                    if (got.Count == 2) break;
                }
                writer.Join();
                Assert.Equal([4668L, 4671L], got.Select(r => r.Killed!.Pid).ToArray());
                Assert.All(got, r => Assert.Equal(LogWrapper.Kmsg, r.Wrapper));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_device_is_false_with_errno_not_an_exception()
    {
        Assert.False(KmsgFollower.TryOpen("/nonexistent/kmsg", out var follower, out int errno));
        Assert.Null(follower);
        Assert.Equal(2, errno); // ENOENT
    }
}
