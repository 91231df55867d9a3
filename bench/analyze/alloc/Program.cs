using OomWarden.KernelLog.Diagnosis;
using OomWarden.KernelLog.Model;
using OomWarden.KernelLog.Output;
using OomWarden.KernelLog.Parsing;

// Managed bytes allocated per report by what `oomwarden analyze --json FILE` does with a file: the reader (file
// mode: reports held for boot facts), restart-loop tracking and the JSON line of each report, written to nowhere.
// Two passes over the file: the first warms the caches (interned tokens, remedies, task headers) and the JIT, the
// second is measured. Prints bytes per report in all, and the part spent while writing the JSON lines.
// usage: bench/analyze/alloc/run.sh LOG   (LOG from bench/analyze/gen-log.py)
if (args.Length != 1) { Console.Error.WriteLine("usage: analyze-alloc LOG"); return 2; }
string path = args[0];
Run(path, out _, out _, out _);
int gen0 = GC.CollectionCount(0), gen1 = GC.CollectionCount(1), gen2 = GC.CollectionCount(2);
long before = GC.GetTotalAllocatedBytes(precise: true);
Run(path, out int reports, out long writeBytes, out long jsonBytes);
long total = GC.GetTotalAllocatedBytes(precise: true) - before;
int gen0After = GC.CollectionCount(0), gen1After = GC.CollectionCount(1), gen2After = GC.CollectionCount(2);
long diagnosis = Rediagnose(path);
Console.WriteLine($"{path}: {reports} reports, {jsonBytes / Math.Max(1, reports)} bytes of JSON per report");
Console.WriteLine($"allocated per report: {total / (double)Math.Max(1, reports):F0} bytes in all, {(total - writeBytes) / (double)Math.Max(1, reports):F0} reading and diagnosing, {writeBytes / (double)Math.Max(1, reports):F0} writing JSON");
long empty = GC.GetAllocatedBytesForCurrentThread();
GC.KeepAlive(new OomReport());
empty = GC.GetAllocatedBytesForCurrentThread() - empty;
Console.WriteLine($"of which the diagnosis (made again on each report, caches warm): {diagnosis / (double)Math.Max(1, reports):F0}; an empty OomReport: {empty}");
Console.WriteLine($"collections in the measured pass: gen0 {gen0After - gen0}, gen1 {gen1After - gen1}, gen2 {gen2After - gen2}");
return 0;

// the diagnosis' own allocation: each report's causes made again (a pure function of the report) and measured
static long Rediagnose(string path)
{
    long bytes = 0;
    void Emit(OomReport r)
    {
        long at = GC.GetAllocatedBytesForCurrentThread();
        OomDiagnosis.Diagnose(r);
        bytes += GC.GetAllocatedBytesForCurrentThread() - at;
    }
    var reader = new OomLogReader(Emit, holdForBootInfo: true);
    using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan))
        reader.ReadToEnd(f);
    return bytes;
}

static void Run(string path, out int reports, out long writeBytes, out long jsonBytes)
{
    var lines = new OomReportJson.LineWriter();
    var loops = new RestartLoops();
    int n = 0;
    long write = 0, json = 0;
    void Emit(OomReport r)
    {
        n++;
        loops.Add(r);
        long at = GC.GetAllocatedBytesForCurrentThread();
        json += lines.Line(r).Length;
        write += GC.GetAllocatedBytesForCurrentThread() - at;
    }
    var reader = new OomLogReader(Emit, holdForBootInfo: true);
    reader.Assembler.RecycleReports = true; // as AnalyzeCommand does: the buffers of released reports are reused
    using (var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan))
        reader.ReadToEnd(f);
    loops.JsonLine();
    reports = n;
    writeBytes = write;
    jsonBytes = json;
}
