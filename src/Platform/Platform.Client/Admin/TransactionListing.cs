namespace Platform.Client.Admin;

/// <summary>A transactional id in a transaction listing.</summary>
/// <param name="TransactionalId">The transactional id.</param>
/// <param name="ProducerId">Its current producer id.</param>
/// <param name="State">Kafka's state name: <c>Empty</c>, <c>Ongoing</c>, <c>PrepareCommit</c>, <c>CompleteAbort</c>...</param>
/// <param name="CoordinatorId">The broker coordinating it.</param>
public sealed record TransactionListing(string TransactionalId, long ProducerId, string State, int CoordinatorId);
