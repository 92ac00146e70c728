using Platform.Client;
using Platform.Streams.Processors.Internal;

namespace Platform.Streams.Tests.Engine;

/// <summary>A record collector that keeps what tasks send, for tests that drive a <see cref="StreamTask"/> directly.</summary>
internal sealed class ListRecordCollector : IRecordCollector
{
    public List<(string Topic, byte[]? Key, byte[]? Value, Headers? Headers, long Timestamp, int Partition)> Sent { get; } = [];

    public void Send(string topic, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, Headers? headers, long timestamp, int partition)
        => Sent.Add((topic, keyIsNull ? null : key.ToArray(), valueIsNull ? null : value.ToArray(), headers, timestamp, partition));

    public int PartitionCount(string topic) => 4;

    public List<(string Topic, byte[]? Key, byte[]? Value, Headers? Headers, long Timestamp, int Partition)> To(string topic)
        => Sent.Where(s => s.Topic == topic).ToList();
}
