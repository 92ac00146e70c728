using Platform.Client;
using Platform.Client.Producer;

namespace Platform.Streams.Runtime;

/// <summary>
/// Appends a stream thread's stages of records to its producer on a thread of its own, in the order they were handed
/// over, so the stream thread goes on processing meanwhile. Appending (partitioning, copying each record into its
/// batch, the batch's bookkeeping under its lock) was a fifth of a stateless topology's stream thread; here it runs
/// beside it. At most <see cref="MaxUnfinished"/> stages wait or are being appended: beyond that the stream thread
/// waits, so a producer waiting for buffer memory (a slow broker) holds the stream thread back as it did before.
/// A stage the producer refuses as a whole (fenced, a transaction that must be aborted, disposed) has its messages
/// returned, and the error is kept for the stream thread (<see cref="Failure"/>); the stages after it are refused
/// likewise until <see cref="ClearFailure"/>. Records refused one by one go to their handlers, on this thread, as
/// delivery reports go to them on the producer's.
/// <para>Under exactly-once the appender also runs the transactions (<see cref="Commit"/>): it opens one before the
/// first stage after a commit, and commits it (records acknowledged, offsets added, EndTxn) when it reaches the commit
/// among the stages, so the stream thread goes on processing for the next transaction meanwhile (its stages wait here
/// until the commit is done). The stream thread at the next commit, or at every turn of its loop, takes the outcome.</para>
/// </summary>
internal sealed class StageAppender : IDisposable
{
    // Enough for a burst (a count's combiner writes every word it holds at a commit: 10,000 records in the word count
    // benchmark, which waited 150-180 ms per run for the appender with 4 stages, 16-24 ms with 16).
    private const int MaxUnfinished = 16;
    private readonly Producer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> _producer;
    private readonly bool _transactional;
    private readonly OutputGenerations _generations;
    private readonly string _name;

    // Guards the queue, the free stages and the counts; the appender and the stream thread wait on it for each other.
    private readonly object _gate = new();

    // A stage, a transaction's commit, or (neither) the producer's SendWaiting, each after the work handed over before it.
    private readonly Queue<(Stage? Stage, TransactionCommit? Commit)> _work = new();
    private readonly Stack<Stage> _free = new();
    private int _unfinished;
    private bool _closing;
    private Exception? _failure;
    private Thread? _thread;

    // Whether the producer's transaction is open (begun, not committed or aborted): the appender's thread's, or the
    // stream thread's while no work is unfinished.
    private bool _inTransaction;

    /// <summary>
    /// An appender for <paramref name="producer"/> (<paramref name="transactional"/>: the appender opens its
    /// transactions), whose refused stages count as reported in <paramref name="generations"/>; its thread is named <paramref name="name"/>.
    /// </summary>
    public StageAppender(Producer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> producer, bool transactional, OutputGenerations generations, string name)
    {
        _producer = producer;
        _transactional = transactional;
        _generations = generations;
        _name = name;
    }

    /// <summary>The first error of a stage the producer refused as a whole since <see cref="ClearFailure"/>, else null.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>
    /// Hands over <paramref name="stage"/> (which is the appender's from now on) and returns an empty stage to fill next;
    /// waits while <see cref="MaxUnfinished"/> stages are unfinished.
    /// </summary>
    public Stage Append(Stage stage)
    {
        lock (_gate)
        {
            WaitForRoomLocked();
            Enqueue(stage, null);
            return _free.TryPop(out var next) ? next : new Stage();
        }
    }

    /// <summary>Has the producer's transaction committed once the stages handed over before are appended (see <see cref="TransactionCommit"/>).</summary>
    public void Commit(TransactionCommit commit)
    {
        lock (_gate)
        {
            WaitForRoomLocked();
            Enqueue(null, commit);
        }
    }

    /// <summary>Waits until <paramref name="commit"/> is done (committed or failed).</summary>
    public void WaitFor(TransactionCommit commit)
    {
        lock (_gate)
        {
            while (!commit.Done)
            {
                Monitor.Wait(_gate);
            }
        }
    }

    /// <summary>
    /// Once every work handed over is done: whether the producer's transaction is open (so it must be aborted), and
    /// from here on it is not (the caller aborts it).
    /// </summary>
    public bool TakeOpenTransaction()
    {
        lock (_gate)
        {
            WaitIdleLocked();
            var open = _inTransaction;
            _inTransaction = false;
            return open;
        }
    }

    /// <summary>Has the producer send what waits for <c>linger.ms</c> once the stages handed over before are appended.</summary>
    public void SendWaiting()
    {
        lock (_gate)
        {
            if (_thread is not null)
            {
                Enqueue(null, null);
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
            WaitIdleLocked();
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

    /// <summary>Waits (under the lock) while <see cref="MaxUnfinished"/> works are unfinished.</summary>
    private void WaitForRoomLocked()
    {
        while (_unfinished >= MaxUnfinished)
        {
            Monitor.Wait(_gate);
        }
    }

    /// <summary>Waits (under the lock) until every work handed over is done.</summary>
    private void WaitIdleLocked()
    {
        while (_unfinished > 0)
        {
            Monitor.Wait(_gate);
        }
    }

    private void Enqueue(Stage? stage, TransactionCommit? commit)
    {
        ObjectDisposedException.ThrowIf(_closing, this);
        if (_thread is null)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = _name };
            _thread.Start();
        }

        _work.Enqueue((stage, commit));
        _unfinished++;
        Monitor.PulseAll(_gate);
    }

    private void Run()
    {
        while (true)
        {
            Stage? stage;
            TransactionCommit? commit;
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

                (stage, commit) = work;
            }

            if (commit is not null)
            {
                RunCommit(commit);
            }
            else if (stage is null)
            {
                try
                {
                    _producer.SendWaiting();
                }
                catch (Exception ex)
                {
                    Keep(ex);
                }
            }
            else
            {
                AppendStage(stage);
            }

            lock (_gate)
            {
                if (stage is not null)
                {
                    _free.Push(stage);
                }

                if (commit is not null)
                {
                    commit.Done = true;
                }

                _unfinished--;
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void AppendStage(Stage stage)
    {
        var appended = false;
        if (Volatile.Read(ref _failure) is null)
        {
            try
            {
                if (_transactional && !_inTransaction)
                {
                    _producer.BeginTransaction();
                    _inTransaction = true;
                }

                _producer.ProduceStaged(stage.Records);
                appended = true;
            }
            catch (Exception ex)
            {
                Keep(ex);
            }
        }

        if (!appended)
        {
            // Refused as a whole before any was appended (or after an earlier refusal): no report will come for these.
            _generations.CountReported(stage.Records);
        }

        stage.Clear();
    }

    /// <summary>Keeps <paramref name="failure"/> for the stream thread, unless an earlier one is kept.</summary>
    private void Keep(Exception failure) => Interlocked.CompareExchange(ref _failure, failure, null);

    /// <summary>The transaction's commit: nothing refused before, the check passes, the offsets join it, it commits.</summary>
    private void RunCommit(TransactionCommit commit)
    {
        try
        {
            if (Volatile.Read(ref _failure) is { } failure)
            {
                throw failure;
            }

            commit.Check?.Invoke();
            if (!_inTransaction)
            {
                if (commit.Offsets.Count == 0)
                {
                    return;
                }

                // Offsets without records since the last commit: a transaction for them alone.
                _producer.BeginTransaction();
                _inTransaction = true;
            }

            if (commit.Offsets.Count > 0 && commit.GroupMetadata is not null)
            {
                _producer.SendOffsetsToTransaction(commit.Offsets, commit.GroupMetadata, StreamsProducer.TransactionTimeout);
            }

            _producer.CommitTransaction(StreamsProducer.TransactionTimeout);
            _inTransaction = false;
        }
        catch (Exception ex)
        {
            // The transaction stays open (to be aborted); the stages after it are refused until then.
            commit.Error = ex;
            Keep(ex);
        }
    }
}

/// <summary>
/// A transaction's commit handed to a <see cref="StageAppender"/>: <see cref="Check"/> (records refused one by one
/// since the last commit) runs once the stages before it are appended, then the offsets join the transaction with the
/// group's metadata and it commits. <see cref="Done"/> and <see cref="Error"/> are set on the appender's thread.
/// </summary>
internal sealed class TransactionCommit(IReadOnlyCollection<TopicPartitionOffset> offsets, IConsumerGroupMetadata? groupMetadata, Action? check)
{
    public IReadOnlyCollection<TopicPartitionOffset> Offsets => offsets;

    public IConsumerGroupMetadata? GroupMetadata => groupMetadata;

    public Action? Check => check;

    /// <summary>Set (under the appender's lock) once the commit ran.</summary>
    public volatile bool Done;

    /// <summary>Why it did not commit, else null; read once <see cref="Done"/>.</summary>
    public Exception? Error;
}
