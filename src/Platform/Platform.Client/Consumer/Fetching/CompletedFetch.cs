using Platform.Client.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Client.Consumer.Fetching;

/// <summary>
/// A Fetch response buffer shared by the partitions it answered: each partition's
/// <see cref="CompletedFetch"/> holds a reference, the last release returns the buffer to the pool.
/// </summary>
internal sealed class SharedFetchBuffer(PooledResponse<FetchResponse> response)
{
    private int _references = 1;

    public void AddReference() => Interlocked.Increment(ref _references);

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            response.Dispose();
        }
    }
}

/// <summary>One partition's part of a Fetch response, queued until the application consumes it.</summary>
internal sealed class CompletedFetch
{
    private SharedFetchBuffer? _buffer;

    public CompletedFetch(PartitionState state, int epoch, long fetchOffset, SharedFetchBuffer? buffer)
    {
        State = state;
        Epoch = epoch;
        FetchOffset = fetchOffset;
        _buffer = buffer;
        buffer?.AddReference();
    }

    public PartitionState State { get; }

    /// <summary>The partition's <see cref="PartitionState.Epoch"/> when the fetch was sent.</summary>
    public int Epoch { get; }

    /// <summary>The offset the fetch asked for.</summary>
    public long FetchOffset { get; }

    /// <summary>The record batches (the last may be cut short); a slice of the shared buffer.</summary>
    public ReadOnlyMemory<byte> Records { get; init; }

    /// <summary>Transactions aborted within the fetched range (read_committed), ordered by first offset.</summary>
    public IReadOnlyList<FetchResponse.AbortedTransaction>? AbortedTransactions { get; init; }

    public long HighWatermark { get; init; } = -1;

    /// <summary>The offset after the last whole batch of <see cref="Records"/>: where the next fetch starts.</summary>
    public long NextFetchOffset { get; init; } = -1;

    /// <summary>An error for the application instead of records.</summary>
    public KafkaException? Error { get; init; }

    /// <summary>Drops the reference to the response buffer; <see cref="Records"/> is invalid afterwards.</summary>
    public void Release() => Interlocked.Exchange(ref _buffer, null)?.Release();

    /// <summary>Whether this is still the answer for the partition's current position.</summary>
    public bool IsCurrent => !State.Removed && !State.Paused && State.Epoch == Epoch && State.Position == FetchOffset;

    public static KafkaException PartitionError(ErrorCode code, TopicPartition tp, string detail)
        => new(new Error(code, $"{detail} (partition {tp}: {code.ToKafkaName()})."));
}
