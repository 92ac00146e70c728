using Platform.Client.Producer;
using Staged = Platform.Client.Producer.StagedRecord<System.ReadOnlyMemory<byte>?, System.ReadOnlyMemory<byte>?>;

namespace Platform.Streams.Runtime;

/// <summary>
/// Appends a stream thread's stages of records to its producer on a thread of its own, in the order they were handed
/// over, so the stream thread goes on processing meanwhile. Appending (partitioning, copying each record into its
/// batch, the batch's bookkeeping under its lock) was a fifth of a stateless topology's stream thread; here it runs
/// beside it. At most <see cref="MaxUnfinished"/> stages wait or are being appended: beyond that the stream thread
/// waits, so a producer waiting for buffer memory (a slow broker) holds the stream thread back as it did before.
/// A stage the producer refuses as a whole (fenced, a transaction that must be aborted, disposed) has its messages
/// returned, and the error is kept for the stream thread (<see cref="Failure"/>); records refused one by one go to
/// their handlers, on this thread, as delivery reports go to them on the producer's.
/// </summary>
internal sealed class StageAppender : IDisposable
{
    /// <summary>Records per stage.</summary>
    public const int StageCapacity = 512;

    // Enough for a burst (a count's combiner writes every word it holds at a commit: 10,000 records in the word count
    // benchmark, which waited 150-180 ms per run for the appender with 4 stages, 16-24 ms with 16).
    private const int MaxUnfinished = 16;
    private readonly Producer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> _producer;
    private readonly OutputBuffers _buffers;
    private readonly string _name;

    // Guards the queue, the free stages and the counts; the appender and the stream thread wait on it for each other.
    private readonly object _gate = new();

    // A stage, or (null) the producer's SendWaiting, which must come after the stages handed over before it.
    private readonly Queue<(Staged[]? Stage, int Count)> _work = new();
    private readonly Stack<Staged[]> _free = new();
    private int _unfinished;
    private bool _closing;
    private Exception? _failure;
    private Thread? _thread;

    /// <summary>An appender for <paramref name="producer"/>, whose refused messages go back to <paramref name="buffers"/>; its thread is named <paramref name="name"/>.</summary>
    public StageAppender(Producer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> producer, OutputBuffers buffers, string name)
    {
        _producer = producer;
        _buffers = buffers;
        _name = name;
    }

    /// <summary>The first error of a stage the producer refused as a whole since <see cref="ClearFailure"/>, else null.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>An empty stage of <see cref="StageCapacity"/> records.</summary>
    public static Staged[] NewStage() => new Staged[StageCapacity];

    /// <summary>
    /// Hands over the first <paramref name="count"/> records of <paramref name="stage"/> (which is the appender's from
    /// now on) and returns an empty stage to fill next; waits while <see cref="MaxUnfinished"/> stages are unfinished.
    /// </summary>
    public Staged[] Append(Staged[] stage, int count)
    {
        lock (_gate)
        {
            while (_unfinished >= MaxUnfinished)
            {
                Monitor.Wait(_gate);
            }

            Enqueue(stage, count);
            return _free.TryPop(out var next) ? next : NewStage();
        }
    }

    /// <summary>Has the producer send what waits for <c>linger.ms</c> once the stages handed over before are appended.</summary>
    public void SendWaiting()
    {
        lock (_gate)
        {
            if (_thread is not null)
            {
                Enqueue(null, 0);
                return;
            }
        }

        _producer.SendWaiting();
    }

    /// <summary>Waits until every stage handed over is appended (or refused).</summary>
    public void WaitAppended()
    {
        lock (_gate)
        {
            while (_unfinished > 0)
            {
                Monitor.Wait(_gate);
            }
        }
    }

    /// <summary>Forgets the kept error (the transaction it broke is aborted).</summary>
    public void ClearFailure() => Volatile.Write(ref _failure, null);

    /// <summary>Appends what was handed over, then stops the appender's thread.</summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_gate)
        {
            _closing = true;
            thread = _thread;
            Monitor.PulseAll(_gate);
        }

        thread?.Join();
    }

    private void Enqueue(Staged[]? stage, int count)
    {
        ObjectDisposedException.ThrowIf(_closing, this);
        if (_thread is null)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = _name };
            _thread.Start();
        }

        _work.Enqueue((stage, count));
        _unfinished++;
        Monitor.PulseAll(_gate);
    }

    private void Run()
    {
        while (true)
        {
            Staged[]? stage;
            int count;
            lock (_gate)
            {
                while (_work.Count == 0 && !_closing)
                {
                    Monitor.Wait(_gate);
                }

                if (!_work.TryDequeue(out var work))
                {
                    return;
                }

                (stage, count) = work;
            }

            try
            {
                if (stage is null)
                {
                    _producer.SendWaiting();
                }
                else
                {
                    _producer.ProduceStaged(stage.AsSpan(0, count));
                }
            }
            catch (Exception ex)
            {
                // Refused as a whole before any was appended: no report will come for these.
                if (stage is not null)
                {
                    foreach (ref readonly var record in stage.AsSpan(0, count))
                    {
                        _buffers.Return((OutputMessage)record.Message);
                    }
                }

                Interlocked.CompareExchange(ref _failure, ex, null);
            }

            if (stage is not null)
            {
                Array.Clear(stage, 0, count);
            }

            lock (_gate)
            {
                if (stage is not null)
                {
                    _free.Push(stage);
                }

                _unfinished--;
                Monitor.PulseAll(_gate);
            }
        }
    }
}
