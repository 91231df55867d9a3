using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

namespace OomWarden.KernelLog.Tests;

/// <summary>
/// <see cref="OomEventAssembler.RecycleReports"/> (analyze's file path): the buffers of a released report are reused
/// for later ones; what the callback sees must be what a reader without recycling gives.
/// </summary>
public class RecycleTests
{
    private static byte[] AllFixtureLogs(int rounds)
    {
        var all = new MemoryStream();
        for (int round = 0; round < rounds; round++)
            foreach (var name in Fixtures.LogNames()) all.Write(Fixtures.Bytes(name));
        return all.ToArray();
    }

    private static string Text(OomReport r)
    {
        var o = new StringWriter();
        OomReportText.Write(o, r);
        return o.ToString();
    }

    [Fact]
    public void Recycled_reports_write_the_same_json_and_text_as_fresh_ones()
    {
        // every fixture log three times: hundreds of reports, held 64 at a time and released, their buffers reused
        var bytes = AllFixtureLogs(3);
        var fresh = OomLogReader.ReadAll(bytes);
        Assert.True(fresh.Count > 2 * OomEventAssembler.MaxHeldReports, $"only {fresh.Count} reports");
        var wantJson = fresh.Select(OomReportJson.ToJsonLine).ToList();
        var wantText = fresh.Select(Text).ToList();

        var gotJson = new List<string>();
        var gotText = new List<string>();
        var lines = new OomReportJson.LineWriter();
        var jsonViaLineWriter = new List<string>();
        var reader = new OomLogReader(r =>
        {
            gotJson.Add(OomReportJson.ToJsonLine(r));
            jsonViaLineWriter.Add(System.Text.Encoding.UTF8.GetString(lines.Line(r)).TrimEnd('\n'));
            gotText.Add(Text(r));
        }, holdForBootInfo: true);
        reader.Assembler.RecycleReports = true;
        reader.Feed(bytes);
        reader.Complete();

        Assert.Equal(wantJson, gotJson);
        Assert.Equal(wantJson, jsonViaLineWriter);
        Assert.Equal(wantText, gotText);
    }

    [Fact]
    public void A_recycled_report_gives_its_buffers_back_after_the_callback()
    {
        var bytes = Fixtures.Bytes("k6.18-memcg-v1.dmesg.log");
        var seen = new List<OomReport>();
        int statsInCallback = 0;
        var reader = new OomLogReader(r => { seen.Add(r); statsInCallback = r.MemcgStats.Count; }, holdForBootInfo: true);
        reader.Assembler.RecycleReports = true;
        reader.Feed(bytes);
        reader.Complete();
        var r = Assert.Single(seen);
        Assert.True(statsInCallback > 30, $"{statsInCallback} stats in the callback");
        Assert.Empty(r.MemcgStats); // given back: the report is not to be read after its callback
    }

    [Fact]
    public void Reports_are_not_recycled_unless_asked()
    {
        var bytes = Fixtures.Bytes("k6.18-memcg-v1.dmesg.log");
        var r = Assert.Single(OomLogReader.ReadAll(bytes));
        Assert.True(r.MemcgStats.Count > 30);
        Assert.NotNull(r.MemcgUsageLine);
    }
}
