using System.Buffers;
using System.Text;
using Platform.Client.Tests.Network;
using Platform.Protocol;
using Platform.Protocol.Messages;
using Platform.Protocol.RecordFormat;

namespace Platform.Client.Tests.Consumer;

/// <summary>What the consumer puts on the wire and how it reads scripted answers, against a fake broker.</summary>
public sealed class ConsumerWireTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static MetadataResponse Metadata(FakeBroker broker, string topic) => new()
    {
        Brokers = [new MetadataResponse.MetadataResponseBroker { NodeId = 1, Host = broker.Address.Host, Port = broker.Address.Port }],
        ControllerId = 1,
        Topics =
        [
            new MetadataResponse.MetadataResponseTopic
            {
                Name = topic,
                TopicId = Guid.NewGuid(),
                Partitions = [new MetadataResponse.MetadataResponsePartition { PartitionIndex = 0, LeaderId = 1, LeaderEpoch = 3, ReplicaNodes = [1], IsrNodes = [1] }],
            },
        ],
    };

    private static async Task<ReceivedRequest> NextAsync(FakeBroker broker, ApiKey apiKey)
    {
        while (true)
        {
            var request = await broker.NextRequestAsync();
            if (request.ApiKey == apiKey)
            {
                return request;
            }

            if (request.ApiKey == ApiKey.Metadata)
            {
                await broker.RespondAsync(request, Metadata(broker, ((MetadataRequest)request.Body).Topics![0].Name!));
            }
        }
    }

    private static void Batch(ArrayBufferWriter<byte> output, long baseOffset, long producerId, bool transactional, params string[] values)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = baseOffset, ProducerId = producerId, ProducerEpoch = 0, IsTransactional = transactional };
        foreach (var value in values)
        {
            builder.Append(1_700_000_000_000, null, Encoding.UTF8.GetBytes(value));
        }

        builder.Build(output);
    }

    [Fact]
    public async Task ReadCommitted_SentToBroker_AbortedTransactionsAndControlBatchesFiltered()
    {
        await using var broker = new FakeBroker();
        using var consumer = new ConsumerBuilder<Serialization.Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = $"{broker.Address.Host}:{broker.Address.Port}",
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();

        consumer.Assign(new TopicPartitionOffset("tx", 0, 0));
        var fetch = await NextAsync(broker, ApiKey.Fetch);
        var request = (FetchRequest)fetch.Body;
        var records = new ArrayBufferWriter<byte>();
        Batch(records, 0, producerId: 7, transactional: true, "aborted-1", "aborted-2");
        ControlRecord.WriteEndTransactionMarkerBatch(records, ControlRecordType.Abort, 7, 0, 0, 1_700_000_000_000, baseOffset: 2);
        Batch(records, 3, producerId: 8, transactional: true, "committed");
        ControlRecord.WriteEndTransactionMarkerBatch(records, ControlRecordType.Commit, 8, 0, 0, 1_700_000_000_000, baseOffset: 4);
        Batch(records, 5, producerId: -1, transactional: false, "plain");
        Batch(records, 6, producerId: -1, transactional: false, "cut-off");
        var cut = records.WrittenMemory[..^10].ToArray();
        await broker.RespondAsync(fetch, new FetchResponse
        {
            Responses =
            [
                new FetchResponse.FetchableTopicResponse
                {
                    Topic = "tx",
                    Partitions =
                    [
                        new FetchResponse.PartitionData
                        {
                            PartitionIndex = 0,
                            HighWatermark = 7,
                            LastStableOffset = 7,
                            LogStartOffset = 0,
                            AbortedTransactions = [new FetchResponse.AbortedTransaction { ProducerId = 7, FirstOffset = 0 }],
                            Records = new MemoryRecords(cut),
                        },
                    ],
                },
            ],
        });

        var values = new[] { consumer.Consume(Wait), consumer.Consume(Wait) };

        Assert.Equal(1, request.IsolationLevel);
        Assert.Equal(0, request.Topics.Single().Partitions.Single().FetchOffset);
        Assert.Equal(3, request.Topics.Single().Partitions.Single().CurrentLeaderEpoch);
        Assert.Equal(["committed", "plain"], values.Select(v => v!.Message!.Value));
        Assert.Equal([3L, 5L], values.Select(v => v!.Offset.Value));
        Assert.Equal(6, consumer.Position(new TopicPartition("tx", 0)).Value);
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(100)));
        var next = (FetchRequest)(await NextAsync(broker, ApiKey.Fetch)).Body;
        Assert.Equal(6, next.Topics.Single().Partitions.Single().FetchOffset);
    }

    [Fact]
    public async Task Fetch_CarriesConfiguredLimits_ReadUncommittedByDefault()
    {
        await using var broker = new FakeBroker();
        using var consumer = new ConsumerBuilder<Serialization.Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = $"{broker.Address.Host}:{broker.Address.Port}",
            FetchMinBytes = 10,
            FetchMaxWaitMs = 250,
            FetchMaxBytes = 4096,
            MaxPartitionFetchBytes = 1024,
        }).Build();

        consumer.Assign(new TopicPartitionOffset("limits", 0, 42));
        var fetch = await NextAsync(broker, ApiKey.Fetch);
        var request = (FetchRequest)fetch.Body;

        Assert.Equal((0, 10, 250, 4096), (request.IsolationLevel, request.MinBytes, request.MaxWaitMs, request.MaxBytes));
        Assert.Equal((42L, 1024), (request.Topics.Single().Partitions.Single().FetchOffset, request.Topics.Single().Partitions.Single().PartitionMaxBytes));
        Assert.Equal(12, fetch.Version);
    }

    [Fact]
    public async Task Fetch_NotLeader_RefreshesMetadataAndRetries()
    {
        await using var broker = new FakeBroker();
        using var consumer = new ConsumerBuilder<Serialization.Ignore, string>(new ConsumerConfig { BootstrapServers = $"{broker.Address.Host}:{broker.Address.Port}" }).Build();
        consumer.Assign(new TopicPartitionOffset("moved", 0, 0));
        var first = await NextAsync(broker, ApiKey.Fetch);
        await broker.RespondAsync(first, new FetchResponse
        {
            Responses = [new FetchResponse.FetchableTopicResponse { Topic = "moved", Partitions = [new FetchResponse.PartitionData { PartitionIndex = 0, ErrorCode = (short)ErrorCode.NotLeaderOrFollower }] }],
        });

        var afterError = await broker.NextRequestAsync();
        Assert.Equal(ApiKey.Metadata, afterError.ApiKey);
        await broker.RespondAsync(afterError, Metadata(broker, "moved"));
        var retried = await NextAsync(broker, ApiKey.Fetch);

        Assert.Equal(0, ((FetchRequest)retried.Body).Topics.Single().Partitions.Single().FetchOffset);
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(50)));
    }
}
