using Platform.Client;
using Platform.Protocol;

namespace Platform.Streams.Runtime;

/// <summary>
/// A stream thread's producer. Under <c>exactly_once_v2</c> it is transactional (one transactional id per
/// thread, <c>&lt;application.id&gt;-&lt;process id&gt;-&lt;thread&gt;</c>): a transaction opens with the first record
/// after a commit, and <see cref="CommitTransaction"/> adds the consumed offsets with the consumer's group
/// metadata and commits outputs, changelog writes and offsets at once. A fenced producer surfaces as
/// <see cref="TaskMigratedException"/>; the thread then replaces the producer.
/// </summary>
internal sealed class StreamsProducer : IDisposable
{
    private static readonly TimeSpan TransactionTimeout = TimeSpan.FromSeconds(60);
    private readonly IProducer<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> _producer;
    private bool _transactionInFlight;

    /// <summary>Builds the producer from <paramref name="config"/> (a <c>transactional.id</c> in it makes it exactly-once) and initializes its transactions.</summary>
    public StreamsProducer(IEnumerable<KeyValuePair<string, string>> config)
    {
        var settings = config.ToList();
        TransactionalId = settings.FirstOrDefault(c => c.Key == "transactional.id").Value;
        _producer = new ProducerBuilder<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?>(settings).Build();
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

    /// <summary>The bytes and messages of records sent and not yet reported, reused.</summary>
    public OutputBuffers Buffers { get; } = new();

    /// <summary>Whether outputs and offsets commit in transactions.</summary>
    public bool ExactlyOnce => TransactionalId is not null;

    /// <summary>Whether a transaction is open (something was sent since the last commit).</summary>
    public bool TransactionInFlight => _transactionInFlight;

    /// <summary>Sends one record (opening a transaction first under exactly-once); <paramref name="onDelivery"/> runs on the producer's thread.</summary>
    /// <exception cref="TaskMigratedException">The producer was fenced.</exception>
    public void Send(string topic, int partition, OutputMessage message, IDeliveryHandler<ReadOnlyMemory<byte>?, ReadOnlyMemory<byte>?> onDelivery)
    {
        MaybeBeginTransaction();
        try
        {
            _producer.Produce(topic, partition, message, onDelivery);
        }
        catch (KafkaException ex) when (IsFenced(ex.Error))
        {
            throw Fenced(ex);
        }
    }

    /// <summary>
    /// Commits: under exactly-once, the consumed <paramref name="offsets"/> join the transaction with
    /// <paramref name="groupMetadata"/> and it commits (or one is opened just for offsets); otherwise waits until
    /// every record is acknowledged, after which the caller commits the offsets with the consumer.
    /// </summary>
    /// <exception cref="TaskMigratedException">Fenced, or the group refused the offsets of a member it no longer knows.</exception>
    public void CommitTransaction(IReadOnlyCollection<TopicPartitionOffset> offsets, IConsumerGroupMetadata? groupMetadata)
    {
        if (!ExactlyOnce)
        {
            Flush();
            return;
        }

        if (offsets.Count == 0 && !_transactionInFlight)
        {
            return;
        }

        try
        {
            MaybeBeginTransaction();
            if (offsets.Count > 0 && groupMetadata is not null)
            {
                _producer.SendOffsetsToTransaction(offsets, groupMetadata, TransactionTimeout);
            }

            _producer.CommitTransaction(TransactionTimeout);
            _transactionInFlight = false;
        }
        catch (KafkaException ex) when (IsFenced(ex.Error))
        {
            throw Fenced(ex);
        }
        catch (KafkaTxnRequiresAbortException ex)
        {
            // A record or the offsets were refused (the group moved on without us, a send failed): nothing of
            // this transaction may become visible, and the tasks must resume from the last committed state.
            AbortTransaction();
            throw new TaskMigratedException($"The transaction of '{TransactionalId}' had to be aborted ({ex.Error.Code.ToKafkaName()}): {ex.Message}", ex);
        }
    }

    /// <summary>Aborts the open transaction, if any; a fenced producer has nothing left to abort.</summary>
    public void AbortTransaction()
    {
        if (!ExactlyOnce || !_transactionInFlight)
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
    public void Flush() => _producer.Flush(CancellationToken.None);

    /// <summary>
    /// Sends what waits for <c>linger.ms</c> at once, without waiting for it: a pending at_least_once commit gets
    /// its records acknowledged soon while the thread goes on processing.
    /// </summary>
    public void SendWaiting() => _producer.SendWaiting();

    private void MaybeBeginTransaction()
    {
        if (!ExactlyOnce || _transactionInFlight)
        {
            return;
        }

        try
        {
            _producer.BeginTransaction();
        }
        catch (KafkaException ex) when (IsFenced(ex.Error))
        {
            throw Fenced(ex);
        }

        _transactionInFlight = true;
    }

    /// <summary>Whether <paramref name="error"/> means another producer with our transactional id took over.</summary>
    public static bool IsFenced(Error error)
        => error.IsFatal || error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch or ErrorCode.TransactionCoordinatorFenced;

    private TaskMigratedException Fenced(KafkaException cause)
        => new($"Producer '{TransactionalId}' can no longer commit ({cause.Error.Code.ToKafkaName()}): another instance took over its tasks.", cause);

    /// <inheritdoc/>
    public void Dispose() => _producer.Dispose();
}
