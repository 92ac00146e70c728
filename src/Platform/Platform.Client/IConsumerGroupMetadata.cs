namespace Platform.Client;

/// <summary>
/// A consumer's group membership at one moment, for
/// <see cref="IProducer{TKey,TValue}.SendOffsetsToTransaction(IEnumerable{TopicPartitionOffset}, IConsumerGroupMetadata, TimeSpan)"/>:
/// the group coordinator refuses transactional offsets of a member that has since left the group or
/// missed a rebalance (KIP-447), so a zombie cannot commit over the new owner of its partitions.
/// </summary>
public interface IConsumerGroupMetadata
{
    /// <summary>The <c>group.id</c>.</summary>
    string GroupId { get; }

    /// <summary>The member id the coordinator gave the consumer; empty outside a group generation.</summary>
    string MemberId { get; }

    /// <summary>The group generation the consumer is in; -1 outside one.</summary>
    int GenerationId { get; }

    /// <summary>The <c>group.instance.id</c> of a static member, else null.</summary>
    string? GroupInstanceId { get; }
}
