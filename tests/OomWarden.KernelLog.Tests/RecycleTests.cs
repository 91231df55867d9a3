using System.Collections;
using System.Reflection;
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

    private const BindingFlags Fields = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    /// <summary>Every field of <paramref name="got"/> as in <paramref name="fresh"/>: collections empty, line lists without lines.</summary>
    private static void AssertLikeNew(object got, object fresh, string what, params string[] skip)
    {
        foreach (var f in got.GetType().GetFields(Fields))
        {
            if (skip.Contains(f.Name) || f.Name.StartsWith("_spare", StringComparison.Ordinal)) continue; // kept for reuse
            object? a = f.GetValue(got), b = f.GetValue(fresh);
            string field = $"{what}.{f.Name}";
            if (f.FieldType.Name == "StoredLines")
            {
                foreach (var inner in new[] { "_count", "_strings" })
                {
                    var fi = f.FieldType.GetField(inner, Fields)!;
                    Assert.True(Equals(fi.GetValue(a), fi.GetValue(b)), $"{field}.{inner} after reset");
                }
            }
            else if (a is IEnumerable items && a is not string)
                Assert.True(items.Cast<object>().Count() == ((IEnumerable)b!).Cast<object>().Count(), $"{field} not empty after reset");
            else Assert.True(Equals(a, b), $"{field} is {a ?? "null"} after reset, {b ?? "null"} in a new one");
        }
    }

    private static void Reset(object o) => o.GetType().GetMethod("Reset", Fields)!.Invoke(o, null);

    [Fact]
    public void A_reset_report_and_its_objects_read_as_new_ones()
    {
        // every field is checked by reflection: a field added to the model and not reset fails here
        var reports = OomLogReader.ReadAll(AllFixtureLogs(1));
        int rows = 0, kills = 0, zones = 0;
        foreach (var r in reports)
        {
            var objects = new List<object>();
            objects.AddRange(r.Tasks);
            if (r.Killed is not null) objects.Add(r.Killed);
            objects.AddRange(r.GroupKilled);
            objects.AddRange(r.Zones);
            rows += r.Tasks.Count;
            kills += r.GroupKilled.Count + (r.Killed is null ? 0 : 1);
            zones += r.Zones.Count;
            var store = r.GetType().GetField("_rowLines", Fields)!.GetValue(r);
            Reset(r);
            AssertLikeNew(r, new OomReport(), $"report {r.Index}", "_pool", "_spares", "_rowLines");
            if (store is not null && r.GetType().GetField("_rowLines", Fields)!.GetValue(r) is { } kept)
                Assert.Equal(0, (int)kept.GetType().GetField("_len", Fields)!.GetValue(kept)!);
            foreach (var o in objects)
            {
                Reset(o);
                AssertLikeNew(o, Activator.CreateInstance(o.GetType())!, o.GetType().Name);
            }
        }
        Assert.True(rows > 100 && kills > 50 && zones > 10, $"{rows} rows, {kills} kills, {zones} zones");
    }
}
