namespace Platform.Client.Admin;

/// <summary>What the coordinator knows of one transactional id.</summary>
/// <param name="TransactionalId">The transactional id.</param>
/// <param name="CoordinatorId">The broker coordinating it.</param>
/// <param name="State">Kafka's state name (<c>Ongoing</c> while a transaction is open).</param>
/// <param name="ProducerId">Current producer id.</param>
/// <param name="ProducerEpoch">Current producer epoch.</param>
/// <param name="TransactionTimeout">The producer's <c>transaction.timeout.ms</c>.</param>
/// <param name="TransactionStartTime">When the open transaction started, or null when none is open.</param>
/// <param name="Partitions">The partitions in the open transaction.</param>
/// <param name="Error">Why the id could not be described (TRANSACTIONAL_ID_NOT_FOUND...), or no error.</param>
public sealed record TransactionDescription(
    string TransactionalId,
    int CoordinatorId,
    string State,
    long ProducerId,
    short ProducerEpoch,
    TimeSpan TransactionTimeout,
    DateTimeOffset? TransactionStartTime,
    IReadOnlyList<TopicPartition> Partitions,
    Error Error);
