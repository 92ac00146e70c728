using System.Buffers.Binary;
using System.Net.Sockets;
using Platform.Protocol;
using Platform.Protocol.Messages;

namespace Platform.Benchmarks;

/// <summary>A minimal Kafka client over one TCP connection: frames requests with the generated messages, one at a time.</summary>
internal sealed class WireClient : IAsyncDisposable
{
    private const short ProduceVersion = 9;
    private const short ListOffsetsVersion = 7;
    private const short FetchVersion = 12;

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly KafkaWriter _request = new(64 * 1024);
    private readonly byte[] _size = new byte[4];
    private int _correlationId;

    private WireClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<WireClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        return new WireClient(client);
    }

    /// <summary>Produces one request (acks=1 unless given) carrying <paramref name="batches"/> to one partition; throws on an error code.</summary>
    public async Task ProduceAsync(string topic, int partition, ReadOnlyMemory<byte> batches, short acks = 1)
    {
        var request = new ProduceRequest
        {
            Acks = acks,
            TimeoutMs = 30_000,
            TopicData = [new() { Name = topic, PartitionData = [new() { Index = partition, Records = new MemoryRecords(batches) }] }],
        };
        var response = await SendAsync<ProduceResponse>(request, ProduceVersion);
        var error = response.Responses[0].PartitionResponses[0].ErrorCode;
        if (error != 0)
        {
            throw new InvalidOperationException($"Produce to {topic}-{partition} failed with error {(ErrorCode)error}.");
        }
    }

    /// <summary>The log end offset (<paramref name="timestamp"/> -1) or start offset (-2) of each partition.</summary>
    public async Task<long[]> ListOffsetsAsync(string topic, int partitions, long timestamp = -1)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new() { Name = topic, Partitions = [.. Enumerable.Range(0, partitions).Select(p => new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = p, Timestamp = timestamp })] }],
        };
        var response = await SendAsync<ListOffsetsResponse>(request, ListOffsetsVersion);
        return [.. response.Topics[0].Partitions.OrderBy(p => p.PartitionIndex).Select(p => p.ErrorCode == 0 ? p.Offset : throw new InvalidOperationException($"ListOffsets {topic}-{p.PartitionIndex}: {(ErrorCode)p.ErrorCode}"))];
    }

    /// <summary>Fetches from <paramref name="offset"/>; returns the bytes of records received.</summary>
    public async Task<int> FetchAsync(string topic, int partition, long offset, int maxBytes)
    {
        var request = new FetchRequest
        {
            MaxWaitMs = 0,
            MinBytes = 1,
            MaxBytes = maxBytes,
            Topics = [new() { Topic = topic, Partitions = [new() { Partition = partition, FetchOffset = offset, PartitionMaxBytes = maxBytes }] }],
        };
        var response = await SendAsync<FetchResponse>(request, FetchVersion);
        var data = response.Responses[0].Partitions[0];
        return data.ErrorCode == 0 ? data.Records?.SizeInBytes ?? 0 : throw new InvalidOperationException($"Fetch {topic}-{partition}@{offset}: {(ErrorCode)data.ErrorCode}");
    }

    public async Task<TResponse> SendAsync<TResponse>(IRequestMessage request, short version)
        where TResponse : IResponseMessage, new()
    {
        var correlationId = ++_correlationId;
        _request.Reset();
        var size = _request.ReserveInt32();
        _request.WriteInt16((short)request.ApiKey);
        _request.WriteInt16(version);
        _request.WriteInt32(correlationId);
        _request.WriteNullableString("platform-bench", compact: false);
        if (ApiHeaders.RequestHeaderVersion(request.ApiKey, version) >= 2)
        {
            _request.WriteUnsignedVarInt(0);
        }

        request.Write(_request, version);
        _request.PatchInt32(size, _request.Length - 4);
        await _stream.WriteAsync(_request.WrittenMemory);

        await _stream.ReadExactlyAsync(_size);
        var frame = new byte[BinaryPrimitives.ReadInt32BigEndian(_size)];
        await _stream.ReadExactlyAsync(frame);
        return Decode<TResponse>(frame, request.ApiKey, version, correlationId);
    }

    private static TResponse Decode<TResponse>(byte[] frame, ApiKey apiKey, short version, int correlationId)
        where TResponse : IResponseMessage, new()
    {
        var reader = new KafkaReader(frame);
        if (reader.ReadInt32() != correlationId)
        {
            throw new InvalidOperationException("Response to another request.");
        }

        if (ApiHeaders.ResponseHeaderVersion(apiKey, version) >= 1)
        {
            reader.SkipTaggedFields();
        }

        var response = new TResponse();
        response.Read(ref reader, version);
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        _request.Dispose();
        await _stream.DisposeAsync();
        _client.Dispose();
    }
}
