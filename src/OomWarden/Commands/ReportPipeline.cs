using System.Runtime.ExceptionServices;
using OomWarden.KernelLog.Diagnosis;
using OomWarden.KernelLog.Model;

namespace OomWarden.Commands;

/// <summary>
/// <c>analyze</c>'s reports written on a thread of their own while the next ones are read: the reading thread hands
/// them on in batches (one lock a batch, not a report), the writing thread formats and writes them in the order they
/// came, then hands each back to the assembler's pool (<see cref="KernelLog.Parsing.OomEventAssembler.ConsumerRecycles"/>). It
/// diagnoses them too (<see cref="KernelLog.Parsing.OomEventAssembler.ConsumerDiagnoses"/>).
/// On a dense log that is a quarter of the work (JSON, the write to stdout, a report's reset) off the reading thread.
/// Bounded: at most <see cref="MaxBatches"/> full batches wait. <see cref="EndOfInput"/> waits until everything handed
/// on is written, so that what follows an input (its restart-loop section, an error on stderr) comes after its
/// reports, as without the thread. A failure of the writer (the output closed) is thrown on the reading thread at its
/// next hand-over; the writer then only hands reports back.
/// </summary>
internal sealed class ReportPipeline : IDisposable
{
    private const int BatchReports = 32;
    private const int MaxBatches = 4;

    private readonly Action<OomReport> _write;
    private readonly Action _endOfInput;
    private readonly object _lock = new();
    // batches waiting for the writer; a null entry is an input's end
    private readonly Queue<List<OomReport?>> _full = new();
    private readonly Stack<List<OomReport?>> _free = new();
    private readonly Thread _thread;
    private List<OomReport?> _filling = new(BatchReports);
    private bool _writing; // the writer holds a batch
    private bool _closed;
    private volatile ExceptionDispatchInfo? _failed;

    public ReportPipeline(Action<OomReport> write, Action endOfInput)
    {
        _write = write;
        _endOfInput = endOfInput;
        _thread = new Thread(Run) { IsBackground = true, Name = "analyze output" };
        _thread.Start();
    }

    /// <summary>Whether a pipeline pays: with one CPU the two threads would only take turns.</summary>
    public static bool Pays => Forced ?? Environment.ProcessorCount > 1;

    /// <summary>Tests: with (true) or without (false) the pipeline whatever the CPU count; null: by the count.</summary>
    internal static bool? Forced { get; set; }

    /// <summary>A report, to be written after those handed on before it (the reading thread).</summary>
    public void Add(OomReport r)
    {
        _failed?.Throw();
        _filling.Add(r);
        if (_filling.Count >= BatchReports) HandOn();
    }

    /// <summary>The end of an input: its section is written after its reports, and this returns when all are out.</summary>
    public void EndOfInput()
    {
        _filling.Add(null);
        Drain();
    }

    /// <summary>Returns when every report handed on so far is written: before an error is said (the reading thread).</summary>
    public void Drain()
    {
        if (_filling.Count > 0) HandOn();
        lock (_lock)
            while (_full.Count > 0 || _writing) Monitor.Wait(_lock);
        _failed?.Throw();
    }

    private void HandOn()
    {
        lock (_lock)
        {
            while (_full.Count >= MaxBatches) Monitor.Wait(_lock);
            _full.Enqueue(_filling);
            _filling = _free.Count > 0 ? _free.Pop() : new List<OomReport?>(BatchReports);
            Monitor.PulseAll(_lock);
        }
    }

    private void Run()
    {
        while (true)
        {
            List<OomReport?> batch;
            lock (_lock)
            {
                while (_full.Count == 0 && !_closed) Monitor.Wait(_lock);
                if (_full.Count == 0) return;
                batch = _full.Dequeue();
                _writing = true;
                Monitor.PulseAll(_lock);
            }
            foreach (var r in batch)
            {
                if (_failed is null)
                {
                    try
                    {
                        if (r is null) _endOfInput();
                        else
                        {
                            OomDiagnosis.Diagnose(r); // the assembler leaves it to this thread (ConsumerDiagnoses)
                            _write(r);
                        }
                    }
                    catch (Exception e)
                    {
                        _failed = ExceptionDispatchInfo.Capture(e);
                    }
                }
                r?.Recycle();
            }
            batch.Clear();
            lock (_lock)
            {
                _free.Push(batch);
                _writing = false;
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Stops the writer once it has written what it was handed (reports not handed on are dropped).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
        }
        _thread.Join();
    }
}
