using System.Diagnostics;
using System.Text.Json;
using OomWarden.Daemon;

namespace OomWarden.Tests.Daemon;

/// <summary>The journal as root may write it at a path others can reach: never through a symlink, never a FIFO,
/// device or directory, created 0600, appended at the kernel's end of file, a full disk reported once per episode.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EventJournalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("oomwarden-journal-").FullName;
    private readonly List<string> _warnings = [];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private EventJournal? Open(string path, out string? error) => EventJournal.TryOpen(path, _warnings.Add, out error);

    private static KillEvent Event(string name, string? message = null)
        => new() { Event = name, Time = DateTimeOffset.UnixEpoch, Message = message };

    [Fact]
    public void A_symlink_at_the_path_is_refused_and_its_target_is_unchanged()
    {
        string target = Path.Combine(_dir, "target");
        File.WriteAllText(target, "root:x:0:0\n");
        string link = Path.Combine(_dir, "events.jsonl");
        File.CreateSymbolicLink(link, target);

        Assert.Null(Open(link, out string? error));

        Assert.Contains("symbolic link", error);
        Assert.Equal("root:x:0:0\n", File.ReadAllText(target));
    }

    [Fact]
    public void A_dangling_symlink_is_refused_and_nothing_is_created_at_its_target()
    {
        string target = Path.Combine(_dir, "would-be-created");
        string link = Path.Combine(_dir, "events.jsonl");
        File.CreateSymbolicLink(link, target);

        Assert.Null(Open(link, out string? error));

        Assert.Contains("symbolic link", error);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void A_fifo_is_refused_without_blocking()
    {
        string fifo = Path.Combine(_dir, "events.jsonl");
        Assert.Equal(0, Sh("mkfifo", fifo));

        // A blocking open of a FIFO without a reader never returns: run it aside so a regression fails, not hangs.
        EventJournal? journal = null;
        string? error = null;
        var thread = new Thread(() => journal = Open(fifo, out error)) { IsBackground = true };
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "opening a FIFO as the journal blocked");

        Assert.Null(journal);
        Assert.Contains("FIFO", error);
    }

    [Fact]
    public void A_fifo_with_a_reader_is_refused_too()
    {
        string fifo = Path.Combine(_dir, "events.jsonl");
        Assert.Equal(0, Sh("mkfifo", fifo));
        using var reader = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(
            OpenNonBlockingReader(fifo), ownsHandle: true), FileAccess.Read);

        Assert.Null(Open(fifo, out string? error));

        Assert.Contains("is a FIFO, not a regular file", error);
    }

    [Fact]
    public void A_directory_is_refused()
    {
        string dir = Path.Combine(_dir, "events.jsonl");
        Directory.CreateDirectory(dir);

        Assert.Null(Open(dir, out string? error));

        Assert.Contains("directory", error);
    }

    [Fact]
    public void A_device_is_refused()
    {
        Assert.Null(Open("/dev/null", out string? error));

        Assert.Contains("/dev/null is a character device, not a regular file", error);
    }

    [Fact]
    public void A_hard_link_to_another_file_is_refused()
    {
        string victim = Path.Combine(_dir, "victim");
        File.WriteAllText(victim, "secret\n");
        string link = Path.Combine(_dir, "events.jsonl");
        Assert.Equal(0, Sh("ln", victim, link));

        Assert.Null(Open(link, out string? error));

        Assert.Contains("hard links", error);
        Assert.Equal("secret\n", File.ReadAllText(victim));
    }

    [Fact]
    public void A_new_journal_is_created_0600_and_an_existing_one_is_appended_to()
    {
        string path = Path.Combine(_dir, "sub", "events.jsonl");
        using (var j = Open(path, out string? error))
        {
            Assert.Null(error);
            j!.Append(Event("start"), sync: true);
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using (var j = Open(path, out _)) j!.Append(Event("stop"), sync: true);

        var lines = File.ReadAllLines(path);
        Assert.Equal(["start", "stop"], lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()));
    }

    [Fact]
    public void Two_writers_append_without_overwriting_each_other()
    {
        // Each journal writes at the kernel's end of file: neither may overwrite what the other wrote.
        string path = Path.Combine(_dir, "events.jsonl");
        using var a = Open(path, out _)!;
        using var b = Open(path, out _)!;
        for (int i = 0; i < 50; i++)
        {
            a.Append(Event("a", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), sync: false);
            b.Append(Event("b", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), sync: false);
        }

        var lines = File.ReadAllLines(path);
        Assert.Equal(100, lines.Length);
        Assert.All(lines, l => JsonDocument.Parse(l));
    }

    /// <summary>A 64 KiB tmpfs filled up: failed and short writes are counted and logged once; after space comes
    /// back, the next event (the stop event) is one whole line and nothing written before is overwritten.</summary>
    [Fact]
    public void A_full_disk_is_logged_once_per_episode_counted_and_the_next_event_is_a_whole_line()
    {
        if (Environment.UserName != "root") Assert.Skip("needs root to mount a tmpfs");
        string mount = Path.Combine(_dir, "tiny");
        Directory.CreateDirectory(mount);
        Assert.Equal(0, Sh("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", mount));
        try
        {
            string path = Path.Combine(mount, "events.jsonl");
            string filler = Path.Combine(mount, "filler");
            // Leave a little room (a few lines' worth) and fill the rest.
            File.WriteAllBytes(filler, new byte[56 * 1024]);
            using var journal = Open(path, out string? error);
            Assert.Null(error);
            string padding = new('x', 300);
            int appended = 0;
            while (journal!.WriteFailures < 20)
            {
                journal.Append(Event("kill", padding + appended), sync: true);
                appended++;
                Assert.True(appended < 10_000, "the tmpfs never filled up");
            }

            Assert.Single(_warnings);
            Assert.Contains("cannot write the event journal", _warnings[0]);
            Assert.Equal(20, journal.WriteFailures);

            File.Delete(filler);
            journal.Append(Event("stop"), sync: true);

            Assert.Equal(2, _warnings.Count);
            Assert.Contains("written again after 20 event(s)", _warnings[1]);
            var lines = File.ReadAllLines(path);
            var parsed = lines.Select(TryParse).ToList();
            // Every event written whole is a line that parses; at most one line (cut short by the full disk) does not.
            Assert.True(appended - 20 + 1 == parsed.Count(p => p is not null), $"{appended} appended:\n" + string.Join("\n", lines.Select(l => l.Length > 80 ? l[..40] + "..." + l[^30..] : l)));
            Assert.True(parsed.Count(p => p is null) <= 1, string.Join('\n', lines));
            Assert.Equal("stop", parsed[^1]?.GetProperty("event").GetString());
        }
        finally
        {
            if (Sh("umount", mount) != 0) Sh("umount", "-l", mount);
        }
    }

    private static JsonElement? TryParse(string line)
    {
        try
        {
            return JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static int Sh(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.WaitForExit();
        return p.ExitCode;
    }

    private static nint OpenNonBlockingReader(string path)
    {
        int fd = open(path, 0x800 /* O_RDONLY|O_NONBLOCK */);
        Assert.True(fd >= 0, "cannot open the FIFO for reading");
        return fd;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);
}
