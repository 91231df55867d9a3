using System.Buffers;
using System.Text;
using System.Text.Json;
using OomWarden.KernelLog.Output;

namespace OomWarden.KernelLog.Tests;

/// <summary>The hand-written JSON writer writes what Utf8JsonWriter writes with the same (relaxed) encoder, byte for byte.</summary>
public class JsonLineWriterTests
{
    private static readonly byte[] Key = JsonLineWriter.Name("k");

    private static string Ours(Action<JsonLineWriter> write)
    {
        var w = new JsonLineWriter(16);
        w.StartObject();
        write(w);
        w.EndObject();
        return Encoding.UTF8.GetString(w.Written);
    }

    private static string Reference(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JsonLineWriter.Encoder }))
        {
            w.WriteStartObject();
            write(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Every_character_is_escaped_as_utf8jsonwriter_escapes_it()
    {
        var mismatches = new List<string>();
        for (int c = 0; c <= 0x10FFFF; c++)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            string s = "a" + char.ConvertFromUtf32(c) + "b";
            string ours = Ours(w => { w.String(Key, s); w.Number(s, 1); w.StartArray(Key); w.StringValue(s); w.EndArray(); });
            string want = Reference(w => { w.WriteString("k", s); w.WriteNumber(s, 1); w.WriteStartArray("k"); w.WriteStringValue(s); w.WriteEndArray(); });
            if (ours != want && mismatches.Count < 10) mismatches.Add($"U+{c:X4}: {ours} != {want}");
        }
        Assert.Empty(mismatches);
    }

    [Fact]
    public void Strings_that_come_again_through_one_writer_match()
    {
        // a pool of strings (some escaped, some long, some colliding in the writer's cache) written again and again,
        // as the same objects and as equal copies, through one reused writer: its kept JSON forms must stay right
        var rng = new Random(29);
        var pool = new List<string>();
        for (int i = 0; i < 300; i++)
        {
            var chars = new char[rng.Next(0, i % 10 == 0 ? 700 : 60)];
            for (int j = 0; j < chars.Length; j++)
                chars[j] = rng.Next(8) switch { 0 => (char)rng.Next(0, 0x80), 1 => (char)rng.Next(0x80, 0xD800), _ => (char)rng.Next(' ', '~' + 1) };
            pool.Add(new string(chars));
        }
        var w = new JsonLineWriter(16);
        for (int line = 0; line < 2_000; line++)
        {
            var picked = new List<string>();
            for (int k = 0; k < 12; k++)
            {
                string s = pool[rng.Next(pool.Count)];
                picked.Add(rng.Next(4) == 0 ? new string(s.AsSpan()) : s);
            }
            w.Reset();
            w.StartObject();
            foreach (var s in picked) { w.String(Key, s); w.StartArray(Key); w.StringValue(s); w.EndArray(); }
            w.EndObject();
            string want = Reference(r => { foreach (var s in picked) { r.WriteString("k", s); r.WriteStartArray("k"); r.WriteStringValue(s); r.WriteEndArray(); } });
            Assert.Equal(want, Encoding.UTF8.GetString(w.Written));
        }
    }

    [Fact]
    public void Random_strings_numbers_and_nesting_match()
    {
        var rng = new Random(13);
        for (int i = 0; i < 20_000; i++)
        {
            var chars = new char[rng.Next(0, 40)];
            for (int j = 0; j < chars.Length; j++)
                chars[j] = rng.Next(4) switch { 0 => (char)rng.Next(0, 0x80), 1 => (char)rng.Next(0x20, 0x7F), 2 => (char)rng.Next(0x80, 0x800), _ => (char)rng.Next(0x800, 0xD800) };
            string s = new(chars);
            long n = rng.NextInt64(long.MinValue, long.MaxValue);
            double d = Math.Round(rng.NextDouble() * Math.Pow(10, rng.Next(0, 12)), 6);
            string ours = Ours(w =>
            {
                w.String(Key, s); w.Number(Key, n); w.Number(Key, d); w.Null(Key); w.Bool(Key, i % 2 == 0);
                w.StartArray(Key); w.NumberValue(n); w.NumberValue(1); w.StartObject(); w.Number(Key, (long?)null); w.EndObject(); w.EndArray();
                w.StartObject(Key); w.Number(s, n); w.EndObject(); w.String(Key, null);
            });
            string want = Reference(w =>
            {
                w.WriteString("k", s); w.WriteNumber("k", n); w.WriteNumber("k", d); w.WriteNull("k"); w.WriteBoolean("k", i % 2 == 0);
                w.WriteStartArray("k"); w.WriteNumberValue(n); w.WriteNumberValue(1); w.WriteStartObject(); w.WriteNull("k"); w.WriteEndObject(); w.WriteEndArray();
                w.WriteStartObject("k"); w.WriteNumber(s, n); w.WriteEndObject(); w.WriteString("k", (string?)null);
            });
            Assert.Equal(want, ours);
        }
    }

    [Fact]
    public void Doubles_are_written_as_their_shortest_round_trip_text()
    {
        // uptimes as analyze has them (printk's seconds and microseconds, rounded to 6 decimals) and doubles near them:
        // the writer's fast path for at most 6 decimals against the formatter
        var rng = new Random(13);
        var values = new List<double> { 1, 1.5, 9.999999, 10, 100, 123456.789, 999_999_999.999999, 1e9, 0.5, 0.000001, 1e-7, 1e15, 1e16, 1.0000001, 2.675, 0.1 + 0.2 };
        for (int i = 0; i < 200_000; i++)
        {
            long whole = rng.Next(4) switch { 0 => rng.Next(10), 1 => rng.Next(100_000), 2 => rng.NextInt64(1_000_000_000), _ => rng.Next(1000) };
            long micros = rng.Next(3) == 0 ? rng.Next(1000) * 1000 : rng.Next(1_000_000);
            double up = whole + micros * 1e-6;
            values.Add(Math.Round(up, 6));
            values.Add(up);
            values.Add(BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(up) + rng.Next(-3, 4)));
            values.Add(rng.NextDouble() * Math.Pow(10, rng.Next(-3, 12)));
        }
        foreach (double d in values.Where(double.IsFinite))
        {
            string want = "{\"k\":" + d.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}";
            Assert.Equal(want, Ours(w => w.Number(Key, d)));
        }
    }

    [Fact]
    public void Small_and_extreme_numbers_match()
    {
        foreach (long n in new long[] { 0, 1, 9, 10, 11, 99, 100, -1, -9, -10, long.MaxValue, long.MinValue, 999_999_999_999_999_999 })
            Assert.Equal(Reference(w => { w.WriteNumber("k", n); w.WriteStartArray("k"); w.WriteNumberValue(n); w.WriteEndArray(); }),
                Ours(w => { w.Number(Key, n); w.StartArray(Key); w.NumberValue(n); w.EndArray(); }));
    }

    [Fact]
    public void Numbers_at_every_power_of_ten_match()
    {
        // the writer counts the digits first: each side of each power of ten, where a wrong count would show
        var values = new List<long>();
        for (long p = 1; p <= 1_000_000_000_000_000_000; p *= 10)
            foreach (long d in new long[] { -1, 0, 1 }) { values.Add(p + d); values.Add(-(p + d)); values.Add(2 * p + d); values.Add(9 * p + d); }
        values.AddRange([uint.MaxValue, (long)uint.MaxValue + 1, int.MaxValue, long.MaxValue - 1]);
        foreach (long n in values)
            Assert.Equal(Reference(w => { w.WriteNumber("k", n); w.WriteStartArray("k"); w.WriteNumberValue(n); w.WriteEndArray(); }),
                Ours(w => { w.Number(Key, n); w.StartArray(Key); w.NumberValue(n); w.EndArray(); }));
    }

    [Fact]
    public void Grows_past_its_first_buffer()
    {
        string big = new('x', 100_000);
        Assert.Equal(Reference(w => w.WriteString("k", big)), Ours(w => w.String(Key, big)));
    }
}
