using System.Runtime.ExceptionServices;
using Platform.Client;
using Platform.Client.Producer;
using Platform.Protocol;
using Platform.Protocol.RecordFormat;

namespace Platform.Streams.Runtime;

/// <summary>
/// A stream thread's producer. Under <c>exactly_once_v2</c> it is transactional (one transactional id per
/// thread, <c>&lt;application.id&gt;-&lt;process id&gt;-&lt;thread&gt;</c>): a transaction opens with the first record
/// after a commit, and <see cref="BeginCommit"/> has it commit outputs, changelog writes and the consumed offsets
/// (with the consumer's group metadata) at once, behind the records staged before, while the thread goes on;
/// <see cref="CompleteCommit"/> takes the outcome. A fenced producer surfaces as <see cref="TaskMigratedException"/>;
/// the thread then replaces the producer.
/// Records are staged and handed to the producer many at a time (<see cref="SendStaged"/>): the producer's
/// per-call checks and its reports then come per run of records, not per record. The stage is sent when it is
/// full, at the end of a turn of the thread's loop whose poll was not full, and before anything that needs the records sent (a
/// commit, a flush); an abort drops it with the transaction. A stage sent is appended to the producer's batches
/// by a <see cref="StageAppender"/>, beside the stream thread; what needs the records appended (a transaction's
/// commit, a flush) waits for it first.
/// </summary>
internal sealed class StreamsProducer : IDisposable
{
    /// <summary>How long a transaction's step (init, commit, abort) may take.</summary>
    internal static readonly TimeSpan TransactionTimeout = TimeSpan.FromSeconds(60);
    private readonly Producer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> _producer;
    private readonly StageAppender _appender;
    private Stage _stage = new();
    private bool _transactionInFlight;

    /// <summary>Builds the producer from <paramref name="config"/> (a <c>transactional.id</c> in it makes it exactly-once) and initializes its transactions.</summary>
    public StreamsProducer(IEnumerable<KeyValuePair<string, string>> config)
    {
        var settings = config.ToList();
        TransactionalId = settings.FirstOrDefault(c => c.Key == "transactional.id").Value;
        _producer = (Producer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>)new ProducerBuilder<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>(settings).Build();
        _appender = new StageAppender(_producer, ExactlyOnce, Generations, (settings.FirstOrDefault(c => c.Key == "client.id").Value ?? "streams-producer") + "-appender");
        if (ExactlyOnce)
        {
            try
            {
                _producer.InitTransactions(TransactionTimeout);
            }
            catch
            {
                _producer.Dispose();
                throw;
            }
        }
    }

    /// <summary>The transactional id under exactly-once, else null.</summary>
    public string? TransactionalId { get; }

    /// <summary>The records sent and reported, per commit generation.</summary>
    public OutputGenerations Generations { get; } = new();

    /// <summary>Whether outputs and offsets commit in transactions.</summary>
    public bool ExactlyOnce => TransactionalId is not null;

    /// <summary>
    /// Stages one record (under exactly-once, of the transaction the next commit commits), copying its key and value,
    /// and sends the stage when it is full; <paramref name="handler"/> gets its report on the producer's thread, or hears
    /// on the appender's that it was not sent.
    /// </summary>
    /// <exception cref="TaskMigratedException">The producer was fenced (the record was not staged).</exception>
    public void Send(string topic, int partition, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, IReadOnlyList<RecordHeader>? headers, long timestamp, IRunDeliveryHandler handler)
    {
        if (!_stage.HasRoomFor(key.Length + value.Length))
        {
            SendStaged();
        }

        _transactionInFlight = ExactlyOnce;
        Generations.CountSent();
        if (_stage.Add(topic, partition, key, keyIsNull, value, valueIsNull, headers, timestamp, handler, Generations.Tag))
        {
            SendStaged();
        }
    }

    /// <summary>Hands the staged records to the appender, in the order they were staged.</summary>
    /// <exception cref="TaskMigratedException">The producer refused a stage sent before as fenced (the staged records are dropped).</exception>
    /// <exception cref="KafkaException">The producer refused a stage sent before for another reason, such as a transaction to abort (likewise).</exception>
    public void SendStaged()
    {
        if (_stage.Count == 0)
        {
            return;
        }

        ThrowIfAppendFailed();
        _stage = _appender.Append(_stage);
    }

    /// <summary>Hands the staged records to the appender and waits until every record sent is appended.</summary>
    /// <exception cref="TaskMigratedException">As <see cref="SendStaged"/>.</exception>
    public void SendStagedAndWait()
    {
        SendStaged();
        _appender.WaitAppended();
        ThrowIfAppendFailed();
    }

    /// <summary>Raises the error of a stage the producer refused as a whole, after dropping the staged records.</summary>
    private void ThrowIfAppendFailed()
    {
        if (_appender.Failure is not { } failure)
        {
            return;
        }

        DropStaged();
        Throw(failure);
    }

    /// <summary>
    /// Raises what refused a stage or a commit: a fence, or a transaction to abort (aborted here), as the tasks'
    /// migration; anything else as it is.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void Throw(Exception failure)
    {
        switch (failure)
        {
            case KafkaException kafka when IsFenced(kafka.Error):
                throw Fenced(kafka);
            case KafkaTxnRequiresAbortException abortable:
                // A record or the offsets were refused (the group moved on without us, a send failed): nothing of
                // this transaction may become visible, and the tasks must resume from the last committed state.
                AbortTransaction();
                throw new TaskMigratedException($"The transaction of '{TransactionalId}' had to be aborted ({abortable.Error.Code.ToKafkaName()}): {abortable.Message}", abortable);
            default:
                ExceptionDispatchInfo.Throw(failure);
                throw failure;
        }
    }

    /// <summary>Drops the staged records: their transaction is aborted, or the producer refused them all.</summary>
    private void DropStaged()
    {
        Generations.CountReported(_stage.Records);
        _stage.Clear();
    }

    /// <summary>
    /// Under exactly-once, hands the transaction's commit to the appender, behind the records staged so far: the
    /// consumed <paramref name="offsets"/> join it with <paramref name="groupMetadata"/> and it commits (or one is opened
    /// just for offsets), once <paramref name="check"/> (records refused one by one) passes. Null when there is nothing
    /// to commit. The records sent from here on belong to the next transaction.
    /// </summary>
    /// <exception cref="TaskMigratedException">The producer was fenced, or refused a stage so the transaction was aborted.</exception>
    public TransactionCommit? BeginCommit(IReadOnlyCollection<TopicPartitionOffset> offsets, IConsumerGroupMetadata? groupMetadata, Action? check)
    {
        if (!ExactlyOnce)
        {
            throw new InvalidOperationException("Only an exactly-once producer commits transactions.");
        }

        if (offsets.Count == 0 && !_transactionInFlight)
        {
            return null;
        }

        SendStaged();
        var commit = new TransactionCommit(offsets, groupMetadata, check);
        _appender.Commit(commit);
        _transactionInFlight = false;
        return commit;
    }

    /// <summary>
    /// Takes the outcome of <paramref name="commit"/>, waiting for it. A transaction the producer must abort is aborted
    /// here; after any other failure the caller aborts it (its tasks close dirty), and until then the appender refuses
    /// the stages sent after the commit.
    /// </summary>
    /// <exception cref="TaskMigratedException">Fenced, or the transaction had to be aborted.</exception>
    public void CompleteCommit(TransactionCommit commit)
    {
        _appender.WaitFor(commit);
        if (commit.Error is { } error)
        {
            // The appender refuses the stages after it until the transaction is aborted.
            Throw(error);
        }
    }

    /// <summary>Aborts the open transaction, if any; a fenced producer has nothing left to abort.</summary>
    public void AbortTransaction()
    {
        if (!ExactlyOnce)
        {
            return;
        }

        DropStaged();
        _transactionInFlight = false;
        var open = _appender.TakeOpenTransaction();
        _appender.ClearFailure();
        if (!open)
        {
            return;
        }

        try
        {
            _producer.AbortTransaction(TransactionTimeout);
        }
        catch (KafkaException ex) when (IsFenced(ex.Error))
        {
            // The new owner's producer aborted it already when it fenced us.
        }

        _transactionInFlight = false;
    }

    /// <summary>Waits until every record sent is acknowledged or failed.</summary>
    public void Flush()
    {
        SendStagedAndWait();
        _producer.Flush(CancellationToken.None);
    }

    /// <summary>
    /// Sends what waits for <c>linger.ms</c> at once, without waiting for it: a pending at_least_once commit gets
    /// its records acknowledged soon while the thread goes on processing.
    /// </summary>
    public void SendWaiting()
    {
        SendStaged();
        _appender.SendWaiting();
    }

    /// <summary>Whether <paramref name="error"/> means another producer with our transactional id took over.</summary>
    public static bool IsFenced(Error error)
        => error.IsFatal || error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch or ErrorCode.TransactionCoordinatorFenced;

    private TaskMigratedException Fenced(KafkaException cause)
        => new($"Producer '{TransactionalId}' can no longer commit ({cause.Error.Code.ToKafkaName()}): another instance took over its tasks.", cause);

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            // Records a clean close forwarded last go out with the producer's own close, as they did unstaged.
            SendStaged();
        }
        catch (Exception)
        {
            // A fenced or failed producer has nothing left to send; closing it is all that remains.
        }

        _appender.Dispose();
        _producer.Dispose();
    }
}
