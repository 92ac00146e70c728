using Platform.Client.Consumer.Fetching;
using Platform.Client.Network;
using Platform.Client.Serialization;

namespace Platform.Client.Consumer;

/// <summary>Everything a consumer runs on, validated by <see cref="ConsumerBuilder{TKey, TValue}"/>.</summary>
internal sealed class ConsumerSettings<TKey, TValue>
{
    public required IReadOnlyList<BrokerAddress> Bootstrap { get; init; }

    public required KafkaConnectionOptions Connection { get; init; }

    public required FetcherOptions Fetch { get; init; }

    public string? GroupId { get; init; }

    public int MaxPollRecords { get; init; } = 500;

    public bool CheckCrcs { get; init; } = true;

    public IDeserializer<TKey>? Key { get; init; }

    public IAsyncDeserializer<TKey>? KeyAsync { get; init; }

    public IDeserializer<TValue>? Value { get; init; }

    public IAsyncDeserializer<TValue>? ValueAsync { get; init; }

    public Action<IConsumer<TKey, TValue>, Error>? ErrorHandler { get; init; }

    public IReadOnlyList<IConsumerInterceptor<TKey, TValue>> Interceptors { get; init; } = [];

    /// <summary>The group membership settings; null without <c>group.id</c>.</summary>
    public Groups.GroupSettings? Group { get; init; }

    public bool EnableAutoCommit { get; init; }

    public TimeSpan AutoCommitInterval { get; init; } = TimeSpan.FromSeconds(5);

    public Func<IConsumer<TKey, TValue>, List<TopicPartition>, IEnumerable<TopicPartitionOffset>?>? PartitionsAssignedHandler { get; init; }

    public Action<IConsumer<TKey, TValue>, List<TopicPartitionOffset>>? PartitionsRevokedHandler { get; init; }

    public Action<IConsumer<TKey, TValue>, List<TopicPartitionOffset>>? PartitionsLostHandler { get; init; }
}
