using Platform.Protocol;

namespace Platform.Broker.Transactions;

/// <summary>Kafka's KIP-588 rule: versions before PRODUCER_FENCED existed get INVALID_PRODUCER_EPOCH instead.</summary>
public static class TransactionErrors
{
    public static ErrorCode ForVersion(ErrorCode error, short version, short fencedFrom)
        => error == ErrorCode.ProducerFenced && version < fencedFrom ? ErrorCode.InvalidProducerEpoch : error;
}
